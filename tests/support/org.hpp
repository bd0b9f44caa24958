// An organisation as the hub side sees it, for tests above the catalog
// layer: root, publisher and hub keys on the system clock, a
// CatalogAuthority, and catalog deltas (or offline update files) for one
// device.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>

#include "outpost/cache/content_digest.hpp"
#include "outpost/catalog/catalog_authority.hpp"
#include "outpost/core/clock.hpp"
#include "test_support.hpp"

namespace outpost::test {

using namespace std::chrono_literals;

struct Org {
  explicit Org(std::uint64_t seed = 5) : random(seed) {}
  SeededRandom random;
  SystemClock clock;
  crypto::SigningKey root = crypto::SigningKey::generate(random);
  crypto::SigningKey publisher = crypto::SigningKey::generate(random);
  crypto::SigningKey hub = crypto::SigningKey::generate(random);
  catalog::CatalogAuthority authority = create();
  std::uint64_t device_seq = 0;

  catalog::CatalogAuthority create() {
    catalog::TrustList t;
    t.version = 1;
    t.publishers = {{"marketing", publisher.public_key()}};
    t.hub_key = hub.public_key();
    t.offline_budget = catalog::default_offline_budget();
    t.issued_at = clock.now();
    return std::move(catalog::CatalogAuthority::create(catalog::sign_statement(t.to_body(), root), root.public_key()))
        .value();
  }

  void release(const std::string& asset, std::uint64_t version, ByteView content, std::chrono::seconds grace = 0s) {
    catalog::Release r;
    r.asset = asset;
    r.version = version;
    r.title = "Title of " + asset;
    r.kind = "pdf";
    r.digest = cache::content_digest(content);
    r.size = content.size();
    r.valid_from = clock.now() - 1h;
    r.published_at = clock.now();
    r.grace = grace;
    REQUIRE(authority.submit(catalog::sign_statement(r.to_body(), publisher)).is_ok());
  }

  void revoke(const std::string& asset, std::uint64_t version) {
    catalog::Revocation rev{asset, version, "wrong prices", clock.now()};
    REQUIRE(authority.submit(catalog::sign_statement(rev.to_body(), publisher)).is_ok());
  }

  // The delta since what the device last applied.
  catalog::CatalogDelta delta() {
    auto d = authority.delta(device_seq, hub, clock.now(), 24h);
    REQUIRE(d.is_ok());
    device_seq = authority.seq();
    return std::move(d).value();
  }

  // The same, written to a file as an offline update.
  fs::path bundle(const TempDir& dir, const std::string& name) {
    const fs::path path = dir / name;
    write_file(path, delta().encode());
    return path;
  }
};

}  // namespace outpost::test
