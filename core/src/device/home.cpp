#include "outpost/device/home.hpp"

#include "outpost/core/guard.hpp"

namespace outpost::device {

Status DeviceHome::init(const fs::path& root, Random& random, const HomeOptions& options) {
  return guarded([&]() -> Status {
    keys::FileKeyStore store(key_path(root), random, options.passphrase, options.cost);
    if (store.has_master_key()) return {Errc::already_exists, "an Outpost home already exists in " + root.string()};
    fs::create_directories(root);
    fs::permissions(root, fs::perms::owner_all, fs::perm_options::replace);
    Result<crypto::SecretKey> master = keys::create_master_key(store, random);
    if (!master) return master.status();
    const SystemClock clock;  // only stamps the (empty) cache's creation
    cache::AssetCache::Options cache_options;
    cache_options.chunker = options.chunker;
    auto cache = cache::AssetCache::open(cache_path(root), *master, clock, random, cache_options);
    return cache.status();
  });
}

Result<std::unique_ptr<DeviceHome>> DeviceHome::open(const fs::path& root, const Clock& clock, Random& random,
                                                     const HomeOptions& options) {
  return guarded([&]() -> Result<std::unique_ptr<DeviceHome>> {
    keys::FileKeyStore store(key_path(root), random, options.passphrase, options.cost);
    if (!store.has_master_key()) {
      return Status(Errc::not_found, "no Outpost home in " + root.string() + " (create one with: outpost --home " +
                                         root.string() + " init)");
    }
    Result<crypto::SecretKey> master = store.load_master_key();
    if (!master) return master.status();
    cache::AssetCache::Options cache_options;
    cache_options.chunker = options.chunker;
    cache_options.create = false;
    auto cache = cache::AssetCache::open(cache_path(root), *master, clock, random, cache_options);
    if (!cache) return cache.status();
    return std::unique_ptr<DeviceHome>(new DeviceHome(root, std::move(cache).value()));
  });
}

}  // namespace outpost::device
