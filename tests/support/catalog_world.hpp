// A small signed world for catalog and gate tests: an organisation root key,
// a publisher, a hub (CatalogAuthority + online key), and one device with a
// catalog and a cache, all on a manual clock.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>

#include "cache_fixture.hpp"
#include "outpost/cache/content_digest.hpp"
#include "outpost/catalog/catalog_authority.hpp"
#include "outpost/catalog/device_catalog.hpp"
#include "outpost/crypto/kdf.hpp"
#include "outpost/gate/gate.hpp"

namespace outpost::test {

using namespace std::chrono_literals;

struct CatalogWorld : CacheFixture {
  crypto::SigningKey root = crypto::SigningKey::generate(random);
  crypto::SigningKey publisher = crypto::SigningKey::generate(random);
  crypto::SigningKey hub = crypto::SigningKey::generate(random);
  std::uint64_t trust_version = 1;
  catalog::SignedStatement trust_statement = make_trust(trust_version, {publisher.public_key()});
  catalog::CatalogAuthority authority = make_authority();
  std::unique_ptr<catalog::DeviceCatalog> device = open_catalog();
  std::chrono::seconds timestamp_lifetime = std::chrono::hours(24);

  catalog::SignedStatement make_trust(std::uint64_t version, std::vector<crypto::PublicKey> publishers,
                                      std::map<std::string, catalog::Seconds> budgets = catalog::default_offline_budget(),
                                      std::vector<catalog::RetiredPublisher> retired = {}) {
    catalog::TrustList t;
    t.version = version;
    t.retired = std::move(retired);
    int n = 0;
    for (const auto& key : publishers) t.publishers.push_back({"publisher-" + std::to_string(++n), key});
    t.hub_key = hub.public_key();
    t.offline_budget = std::move(budgets);
    t.issued_at = clock.now();
    return catalog::sign_statement(t.to_body(), root);
  }

  catalog::CatalogAuthority make_authority() {
    auto a = catalog::CatalogAuthority::create(trust_statement, root.public_key());
    INFO(a.status().to_string());
    REQUIRE(a.is_ok());
    return std::move(a).value();
  }

  std::unique_ptr<catalog::DeviceCatalog> open_catalog() {
    auto c = catalog::DeviceCatalog::open(dir.path() / "catalog.db", clock, master);
    INFO(c.status().to_string());
    REQUIRE(c.is_ok());
    REQUIRE(c.value()->pin_root(root.public_key()).is_ok());
    return std::move(c).value();
  }

  // A release of content (imported into the cache when `cached`).
  catalog::Release release_of(const std::string& asset, std::uint64_t version, ByteView content) {
    catalog::Release r;
    r.asset = asset;
    r.version = version;
    r.title = asset + " v" + std::to_string(version);
    r.kind = "pdf";
    r.digest = cache::content_digest(content);
    r.size = content.size();
    r.valid_from = clock.now();
    r.published_at = clock.now();
    return r;
  }

  catalog::SignedStatement sign(const catalog::Release& r, const crypto::SigningKey* key = nullptr) {
    return catalog::sign_statement(r.to_body(), key ? *key : publisher);
  }

  catalog::SignedStatement revoke(const std::string& asset, std::uint64_t version, const std::string& reason = "") {
    catalog::Revocation rev{asset, version, reason, clock.now()};
    return catalog::sign_statement(rev.to_body(), publisher);
  }

  // Submits to the hub; fails the test if the hub refuses.
  void publish(const catalog::SignedStatement& s) {
    auto seq = authority.submit(s);
    INFO(seq.status().to_string());
    REQUIRE(seq.is_ok());
  }

  // Publishes a release and imports its content into the device cache.
  catalog::Release publish_cached(const std::string& asset, std::uint64_t version, ByteView content,
                                  std::chrono::seconds grace = 0s) {
    catalog::Release r = release_of(asset, version, content);
    r.grace = grace;
    publish(sign(r));
    import(asset, version, content);
    return r;
  }

  catalog::CatalogDelta delta() {
    auto d = authority.delta(device->status().seq, hub, clock.now(), timestamp_lifetime);
    REQUIRE(d.is_ok());
    return std::move(d).value();
  }

  // Brings the device up to date; fails the test if it refuses.
  catalog::ApplyReport sync() {
    auto r = device->apply(delta());
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    return *r;
  }
};

}  // namespace outpost::test
