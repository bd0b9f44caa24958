// DeviceHome: one device's directory and what lives in it.
//   <root>/keys/master.key   the master key (FileKeyStore, 0600)
//   <root>/cache/            the encrypted asset cache (AssetCache)
// init() makes a new home; open() unlocks an existing one. Shells (CLI,
// C API, web) go through this, so they agree on the layout.
// A DeviceHome is used by one thread at a time.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "outpost/cache/asset_cache.hpp"
#include "outpost/core/clock.hpp"
#include "outpost/core/random.hpp"
#include "outpost/keys/key_store.hpp"

namespace outpost::device {

namespace fs = std::filesystem;

struct HomeOptions {
  std::string passphrase;  // empty: the key file is protected by file permissions only
  keys::PassphraseCost cost = keys::PassphraseCost::interactive();
  cache::ChunkerParams chunker;
};

class DeviceHome {
 public:
  static fs::path key_path(const fs::path& root) { return root / "keys" / "master.key"; }
  static fs::path cache_path(const fs::path& root) { return root / "cache"; }

  // Creates root (if needed), a new master key and an empty cache.
  // already_exists if root already holds a home.
  static Status init(const fs::path& root, Random& random, const HomeOptions& options);

  // not_found (with a hint to run init) if root holds no home; wrong_key,
  // permission, busy as for the key store and the cache.
  static Result<std::unique_ptr<DeviceHome>> open(const fs::path& root, const Clock& clock, Random& random,
                                                  const HomeOptions& options);

  const fs::path& root() const noexcept { return root_; }
  cache::AssetCache& cache() noexcept { return *cache_; }

 private:
  DeviceHome(fs::path root, std::unique_ptr<cache::AssetCache> cache)
      : root_(std::move(root)), cache_(std::move(cache)) {}
  fs::path root_;
  std::unique_ptr<cache::AssetCache> cache_;
};

}  // namespace outpost::device
