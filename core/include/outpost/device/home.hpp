// DeviceHome: one device's directory and what lives in it.
//   <root>/keys/master.key   the master key (FileKeyStore, 0600)
//   <root>/cache/            the encrypted asset cache (AssetCache)
//   <root>/catalog.db        the signed catalog and trusted time (DeviceCatalog)
// init() makes a new home; open() unlocks an existing one. Shells (CLI,
// C API, web) go through this, so they agree on the layout.
// A DeviceHome is used by one thread at a time.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "outpost/cache/asset_cache.hpp"
#include "outpost/catalog/device_catalog.hpp"
#include "outpost/gate/gate.hpp"
#include "outpost/core/clock.hpp"
#include "outpost/core/random.hpp"
#include "outpost/keys/key_store.hpp"

namespace outpost::device {

namespace fs = std::filesystem;

struct HomeOptions {
  std::string passphrase;  // empty: the key file is protected by file permissions only
  keys::PassphraseCost cost = keys::PassphraseCost::interactive();
  cache::ChunkerParams chunker;
  std::optional<crypto::PublicKey> root_key;  // init: the organisation root to pin
};

class DeviceHome {
 public:
  static fs::path key_path(const fs::path& root) { return root / "keys" / "master.key"; }
  static fs::path cache_path(const fs::path& root) { return root / "cache"; }
  static fs::path catalog_path(const fs::path& root) { return root / "catalog.db"; }

  // Creates root (if needed), a new master key and an empty cache.
  // already_exists if root already holds a home.
  static Status init(const fs::path& root, Random& random, const HomeOptions& options);

  // not_found (with a hint to run init) if root holds no home; wrong_key,
  // permission, busy as for the key store and the cache.
  static Result<std::unique_ptr<DeviceHome>> open(const fs::path& root, const Clock& clock, Random& random,
                                                  const HomeOptions& options);

  const fs::path& root() const noexcept { return root_; }
  cache::AssetCache& cache() noexcept { return *cache_; }
  catalog::DeviceCatalog& catalog() noexcept { return *catalog_; }

  // Applies a catalog update and shreds the chunks of revoked versions.
  Result<catalog::ApplyReport> apply_catalog(const catalog::CatalogDelta& delta);

  // Every decision of the gate goes to sink (the journal, once it exists).
  void set_decision_sink(gate::DecisionSink sink) { sink_ = std::move(sink); }
  gate::Decision decide(const std::string& asset, std::optional<std::uint64_t> version = std::nullopt);

  struct Opened {
    gate::Decision decision;
    std::optional<cache::AssetReader> reader;  // set only when allowed
  };
  // The gate's decision and, when allowed, a reader of the version shown.
  Result<Opened> open_asset(const std::string& asset, std::optional<std::uint64_t> version = std::nullopt);

 private:
  DeviceHome(fs::path root, std::unique_ptr<cache::AssetCache> cache, std::unique_ptr<catalog::DeviceCatalog> catalog)
      : root_(std::move(root)), cache_(std::move(cache)), catalog_(std::move(catalog)) {}
  fs::path root_;
  std::unique_ptr<cache::AssetCache> cache_;
  std::unique_ptr<catalog::DeviceCatalog> catalog_;
  gate::DecisionSink sink_;

  // Removes the chunks of every cached version the catalog has revoked.
  Status shred_revoked();
};

}  // namespace outpost::device
