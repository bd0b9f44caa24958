// An organisation as the hub side sees it, for tests above the catalog
// layer: root, publisher and hub keys on the system clock (and the hub's
// lead key, in the trust list unless told otherwise), a CatalogAuthority,
// and catalog deltas (or offline update files) for one device.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "outpost/cache/content_digest.hpp"
#include "outpost/catalog/catalog_authority.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/crypto/sealed_box.hpp"
#include "test_support.hpp"

namespace outpost::test {

using namespace std::chrono_literals;

struct Org {
  // with_lead_key false: a trust list from before lead capture (no lead_key).
  explicit Org(std::uint64_t seed = 5, bool with_lead_key = true) : random(seed), publish_lead_key(with_lead_key) {}
  SeededRandom random;
  bool publish_lead_key;
  SystemClock clock;
  crypto::SigningKey root = crypto::SigningKey::generate(random);
  crypto::SigningKey publisher = crypto::SigningKey::generate(random);
  crypto::SigningKey hub = crypto::SigningKey::generate(random);
  crypto::BoxKeyPair lead = crypto::BoxKeyPair::generate(random);  // the hub's lead key
  catalog::CatalogAuthority authority = create();
  std::uint64_t device_seq = 0;

  catalog::CatalogAuthority create() {
    catalog::TrustList t;
    t.version = 1;
    t.publishers = {{"marketing", publisher.public_key()}};
    t.hub_key = hub.public_key();
    if (publish_lead_key) t.lead_key = lead.public_key();
    t.offline_budget = catalog::default_offline_budget();
    t.issued_at = clock.now();
    return std::move(catalog::CatalogAuthority::create(catalog::sign_statement(t.to_body(), root), root.public_key()))
        .value();
  }

  // A release of content, valid since an hour ago, to adjust before publish().
  catalog::Release release_of(const std::string& asset, std::uint64_t version, ByteView content,
                              const std::string& kind = "pdf") {
    catalog::Release r;
    r.asset = asset;
    r.version = version;
    r.title = "Title of " + asset;
    r.kind = kind;
    r.digest = cache::content_digest(content);
    r.size = content.size();
    r.valid_from = clock.now() - 1h;
    r.published_at = clock.now();
    return r;
  }

  void publish(const catalog::Release& r) {
    auto seq = authority.submit(catalog::sign_statement(r.to_body(), publisher));
    INFO(seq.status().to_string());
    REQUIRE(seq.is_ok());
  }

  void release(const std::string& asset, std::uint64_t version, ByteView content, std::chrono::seconds grace = 0s) {
    catalog::Release r = release_of(asset, version, content);
    r.grace = grace;
    publish(r);
  }

  // Publishes a lead form (kind "form", the form's JSON as content) and
  // returns the content, to import into a device's cache.
  Bytes release_form(const std::string& asset, std::uint64_t version, const std::string& form_json,
                     std::optional<TimePoint> expires_at = std::nullopt) {
    const Bytes content(form_json.begin(), form_json.end());
    catalog::Release r = release_of(asset, version, content, "form");
    r.expires_at = expires_at;
    publish(r);
    return content;
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
