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
    if (!cache) return cache.status();
    auto catalog = catalog::DeviceCatalog::open(catalog_path(root), clock);
    if (!catalog) return catalog.status();
    if (options.root_key) return (*catalog)->pin_root(*options.root_key);
    return Status::ok();
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
    auto catalog = catalog::DeviceCatalog::open(catalog_path(root), clock);
    if (!catalog) return catalog.status();
    auto index = search::SearchIndex::open(search_path(root));
    if (!index) return index.status();
    std::unique_ptr<DeviceHome> home(
        new DeviceHome(root, std::move(cache).value(), std::move(catalog).value(), std::move(index).value()));
    if (Status s = home->shred_revoked(); !s) return s;
    if (Status s = home->catch_up_index(); !s) return s;
    return home;
  });
}

Result<catalog::ApplyReport> DeviceHome::apply_catalog(const catalog::CatalogDelta& delta) {
  Result<catalog::ApplyReport> report = catalog_->apply(delta);
  if (!report) return report;
  if (Status s = shred_revoked(); !s) return s;
  if (Status s = index_->index(report->released, report->to_seq); !s) return s;
  return report;
}

Status DeviceHome::catch_up_index() {
  const std::uint64_t seq = catalog_->status().seq;
  if (index_->indexed_seq() >= seq) return Status::ok();
  return index_->index(catalog_->latest_releases(), seq);
}

Result<DeviceHome::SearchOutcome> DeviceHome::search(const search::Query& query) {
  Result<search::Results> results = index_->search(query);
  if (!results) return results.status();
  SearchOutcome outcome;
  gate::Gate gate(*catalog_, *cache_);
  for (const search::Hit& hit : results->hits) outcome.found.push_back({hit, gate.peek(hit.asset)});
  outcome.results = std::move(results).value();
  if (search_sink_) search_sink_({query, outcome.results.total, std::nullopt});
  return outcome;
}

Status DeviceHome::shred_revoked() {
  // Checks every cached version rather than only the newly revoked ones, so
  // a crash between the catalog commit and the shredding is mended later.
  for (const cache::VersionInfo& v : cache_->list()) {
    if (!catalog_->revocation(v.ref)) continue;
    if (Status s = cache_->shred(v.ref); !s && s.code() != Errc::not_found) return s;
  }
  return Status::ok();
}

gate::Decision DeviceHome::decide(const std::string& asset, std::optional<std::uint64_t> version) {
  return gate::Gate(*catalog_, *cache_, sink_).decide(asset, version);
}

Result<DeviceHome::Opened> DeviceHome::open_asset(const std::string& asset, std::optional<std::uint64_t> version) {
  Opened opened{decide(asset, version), std::nullopt};
  if (!opened.decision.allowed) return opened;
  Result<cache::AssetReader> reader = cache_->open_reader(asset, opened.decision.version);
  if (!reader) return reader.status();
  if (Status s = index_->record_use(asset); !s) return s;
  opened.reader.emplace(std::move(reader).value());
  return opened;
}

}  // namespace outpost::device
