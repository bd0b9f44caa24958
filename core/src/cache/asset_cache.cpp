#include "outpost/cache/asset_cache.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <unordered_set>

#include "cache_index.hpp"
#include "outpost/cache/content_digest.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/crypto/kdf.hpp"

namespace outpost::cache {

namespace {

constexpr std::uint64_t publish_batch_bytes = 8 * 1024 * 1024;
const std::string key_check_meta = "key_check";
const std::string quota_meta = "quota";

storage::UniqueFd lock_directory(const fs::path& dir) {
  const fs::path path = dir / "LOCK";
  storage::UniqueFd fd = storage::open_file(path, O_RDWR | O_CREAT, 0600);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      throw Error(Status(Errc::busy, "the cache in " + dir.string() + " is in use by another Outpost process", true));
    }
    throw Error(errno_status(errno, "cannot lock " + path.string()));
  }
  return fd;
}

crypto::Digest key_check_value(const crypto::SecretKey& master) {
  return crypto::keyed_blake2b(crypto::derive_key(master, crypto::purpose::key_check),
                               as_bytes("outpost cache key check v1"));
}

void put_u64(Bytes& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::string short_id(const ChunkId& id) { return id.hex().substr(0, 16); }

Status different_content(const VersionRef& ref) {
  return {Errc::already_exists, ref.to_string() + " is already cached with different content; publish a new version"};
}

std::optional<std::uint64_t> get_u64(const std::optional<Bytes>& in) {
  if (!in || in->size() != 8) return std::nullopt;
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{(*in)[static_cast<std::size_t>(i)]} << (8 * i);
  return v;
}

}  // namespace

struct AssetCache::Impl {
  Impl(const fs::path& dir, const crypto::SecretKey& master, const Clock& clk, Random& random, Options opts)
      : lock(lock_directory(dir)),
        index(dir / "cache.db"),
        chunks(dir / "chunks", master, random),
        clock(clk),
        options(opts) {}

  storage::UniqueFd lock;
  CacheIndex index;
  ChunkStore chunks;
  const Clock& clock;
  Options options;

  void check_key(const crypto::SecretKey& master) {
    const crypto::Digest expected = key_check_value(master);
    const std::optional<Bytes> stored = index.meta(key_check_meta);
    if (!stored) {
      index.set_meta(key_check_meta, expected.view());
    } else if (stored->size() != expected.size ||
               sodium_memcmp(stored->data(), expected.bytes.data(), expected.size) != 0) {
      throw Error(Errc::wrong_key, "this cache was encrypted with a different master key");
    }
  }

  // After a crash mid-import or mid-shred: remove chunk files the index does
  // not vouch for (written but never recorded, or unrecorded but not yet
  // deleted). Runs only when an intent was left behind.
  void recover() {
    if (!index.has_intents()) return;
    std::unordered_set<std::string> keep;
    for (const ChunkRow& row : index.present_chunks()) keep.insert(chunks.path_for(row.id).filename().string());
    for (const fs::path& file : chunks.list_files()) {
      if (!keep.contains(file.filename().string())) fs::remove(file);
    }
    index.clear_intents();
  }

  void mark_bad(const ChunkId& id) {
    index.mark_missing(id);
    chunks.remove(id);
  }

  std::optional<std::uint64_t> quota() { return get_u64(index.meta(quota_meta)); }

  // Renames staged chunks into place, noting in written each one that
  // became visible, even if publishing stops halfway.
  void publish(std::vector<ChunkStore::Staged>& staged, std::vector<ChunkId>& written) {
    auto note = [&] {
      for (const auto& s : staged) {
        if (s.temp.empty()) written.push_back(s.id);
      }
    };
    try {
      chunks.publish(staged);
    } catch (...) {
      note();
      throw;
    }
    note();
    staged.clear();
  }

  // Makes staged chunks durable, then marks them present (ending the intent).
  void commit_chunks(std::vector<ChunkStore::Staged>& staged, std::vector<ChunkId>& written, std::int64_t intent) {
    publish(staged, written);
    chunks.sync();  // durable before the index rows that vouch for them
    index.mark_present(written, intent);
  }

  Result<VersionInfo> import_existing(const VersionInfo& existing, storage::ByteSource& source) {
    if (content_digest(source, options.chunker) == existing.digest) return existing;
    return different_content(existing.ref);
  }

  // Stores the chunks an incomplete version lacks from a stream of its
  // whole content; nothing is kept unless the content matches its digest.
  Result<VersionInfo> fill(const VersionInfo& existing, storage::ByteSource& source, const ProgressFn& progress) {
    std::unordered_set<ChunkId> wanted;
    for (const ChunkSpec& c : index.missing_chunks(existing.ref)) wanted.insert(c.id);
    const std::int64_t intent = index.begin_intent("fill " + existing.ref.to_string());
    std::vector<ChunkStore::Staged> staged;
    std::vector<ChunkId> written;
    try {
      RecipeHasher digest;
      std::uint64_t offset = 0;
      const std::uint64_t total = source.size_hint().value_or(0);
      ChunkStream stream(source, options.chunker);
      ByteView chunk;
      while (stream.next(chunk)) {
        const ChunkId id = crypto::blake2b(chunk);
        digest.add(id, static_cast<std::uint32_t>(chunk.size()));
        offset += chunk.size();
        if (wanted.erase(id) > 0) staged.push_back(chunks.stage(id, chunk));
        if (progress) progress(offset, total);
      }
      if (digest.finish() != existing.digest) {
        chunks.discard(staged);
        index.end_intent(intent);
        return different_content(existing.ref);
      }
      commit_chunks(staged, written, intent);
      return *index.find(existing.ref);
    } catch (...) {
      chunks.discard(staged);
      abandon_writes(written, intent);
      throw;
    }
  }

  // Checks a whole batch before anything is written; returns the chunks to
  // store (each once) and counts the others.
  Result<std::vector<const ChunkData*>> check_batch(const std::vector<ChunkData>& batch, StoreReport& report) {
    std::vector<const ChunkData*> to_store;
    std::unordered_set<ChunkId> seen;
    for (const ChunkData& c : batch) {
      const std::optional<ChunkRow> row = index.chunk(c.id);
      if (!row) {
        return Status(Errc::invalid_argument,
                      "chunk " + short_id(c.id) + " is not a missing chunk of any cached version");
      }
      if (c.bytes.size() != row->size) {
        return Status(Errc::integrity, "chunk " + short_id(c.id) + " arrived with " + std::to_string(c.bytes.size()) +
                                           " bytes; its recipe says " + std::to_string(row->size));
      }
      if (crypto::blake2b(c.bytes) != c.id) {
        return Status(Errc::integrity,
                      "chunk " + short_id(c.id) + " does not hash to its id (corrupted or tampered with in transit)");
      }
      if (!row->missing || !seen.insert(c.id).second) {
        ++report.already_present;
      } else {
        to_store.push_back(&c);
      }
    }
    return to_store;
  }

  std::vector<ChunkId> store(const std::vector<const ChunkData*>& to_store) {
    const std::int64_t intent = index.begin_intent("store " + std::to_string(to_store.size()) + " chunks");
    std::vector<ChunkStore::Staged> staged;
    std::vector<ChunkId> written;
    try {
      for (const ChunkData* c : to_store) staged.push_back(chunks.stage(c->id, c->bytes));
      commit_chunks(staged, written, intent);
      return written;
    } catch (...) {
      chunks.discard(staged);
      abandon_writes(written, intent);
      throw;
    }
  }

  VersionInfo import_new(const VersionRef& ref, storage::ByteSource& source, const ProgressFn& progress) {
    const std::int64_t intent = index.begin_intent("import " + ref.to_string());
    std::vector<ChunkStore::Staged> staged;
    std::vector<ChunkId> written;  // published by this import: removed again if it fails
    try {
      std::unordered_set<ChunkId> seen;
      std::vector<RecipeEntry> recipe;
      std::uint64_t offset = 0;
      std::uint64_t staged_bytes = 0;
      const std::uint64_t total = source.size_hint().value_or(0);

      auto publish_staged = [&] {
        publish(staged, written);
        staged_bytes = 0;
      };

      ChunkStream stream(source, options.chunker);
      ByteView chunk;
      while (stream.next(chunk)) {
        const ChunkId id = crypto::blake2b(chunk);
        recipe.push_back({id, offset, static_cast<std::uint32_t>(chunk.size())});
        offset += chunk.size();
        if (seen.insert(id).second && !index.chunk_present(id)) {
          staged.push_back(chunks.stage(id, chunk));
          staged_bytes += chunk.size();
          if (staged_bytes >= publish_batch_bytes) publish_staged();
        }
        if (progress) progress(offset, total);
      }
      publish_staged();
      chunks.sync();  // durable before the index row that vouches for them

      VersionInfo info;
      info.ref = ref;
      info.size = offset;
      info.digest = recipe_digest(recipe);
      info.chunk_count = recipe.size();
      info.imported_at = info.last_used = clock.now();
      index.add_version(info, recipe, intent);
      return info;
    } catch (...) {
      chunks.discard(staged);
      abandon_writes(written, intent);
      throw;
    }
  }

  void abandon_writes(const std::vector<ChunkId>& written, std::int64_t intent) noexcept {
    try {
      for (const ChunkId& id : written) chunks.remove(id);
      index.end_intent(intent);
    } catch (...) {  // NOLINT(bugprone-empty-catch): the intent stays behind and the next open cleans up
    }
  }

  EvictReport evict(std::uint64_t target, const std::vector<VersionRef>& keep) {
    EvictReport report;
    report.stored_bytes = index.stored_bytes();
    if (report.stored_bytes <= target) return report;
    for (const VersionRef& ref : index.eviction_order()) {
      if (std::find(keep.begin(), keep.end(), ref) != keep.end()) continue;
      report.stored_bytes -= remove_version(ref);
      report.evicted.push_back(ref);
      if (report.stored_bytes <= target) return report;
    }
    report.reached_target = false;
    return report;
  }

  // Returns the bytes freed on disk.
  std::uint64_t remove_version(const VersionRef& ref) {
    const std::int64_t intent = index.begin_intent("shred " + ref.to_string());
    std::uint64_t freed = 0;
    for (const ChunkRow& row : index.remove_version(ref)) {
      chunks.remove(row.id);
      if (!row.missing) freed += row.size + chunk_file_overhead;  // missing ones were not counted
    }
    index.end_intent(intent);
    return freed;
  }
};

AssetCache::AssetCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AssetCache::~AssetCache() = default;

Result<std::unique_ptr<AssetCache>> AssetCache::open(const fs::path& dir, const crypto::SecretKey& master,
                                                     const Clock& clock, Random& random, Options options) {
  return guarded([&]() -> Result<std::unique_ptr<AssetCache>> {
    options.chunker.validate();
    if (!options.create && !fs::exists(dir / "cache.db")) {
      return Status(Errc::not_found, "no cache in " + dir.string());
    }
    fs::create_directories(dir);
    auto impl = std::make_unique<Impl>(dir, master, clock, random, options);
    impl->check_key(master);
    impl->chunks.prepare();
    impl->recover();
    return std::unique_ptr<AssetCache>(new AssetCache(std::move(impl)));
  });
}

Result<VersionInfo> AssetCache::import(const VersionRef& ref, storage::ByteSource& source,
                                       const ProgressFn& progress) {
  return guarded([&]() -> Result<VersionInfo> {
    if (Status s = validate(ref); !s) return s;
    const std::optional<VersionInfo> existing = impl_->index.find(ref);
    // A complete version is only compared: nothing is written.
    if (existing && existing->missing_chunks == 0) return impl_->import_existing(*existing, source);
    Result<VersionInfo> info = existing ? impl_->fill(*existing, source, progress)
                                        : Result<VersionInfo>(impl_->import_new(ref, source, progress));
    if (!info) return info;
    if (auto quota = impl_->quota()) impl_->evict(*quota, {ref});
    return info;
  });
}

Result<VersionInfo> AssetCache::add_recipe(const VersionRef& ref, const std::vector<RecipeEntry>& recipe,
                                           const crypto::Digest& expected_digest, std::uint64_t size) {
  return guarded([&]() -> Result<VersionInfo> {
    if (Status s = validate(ref); !s) return s;
    if (Status s = check_recipe(recipe, size, expected_digest); !s) {
      return Status(s.code(), "the recipe of " + ref.to_string() + " is refused: " + s.message());
    }
    if (auto existing = impl_->index.find(ref)) {
      if (existing->digest == expected_digest) return *existing;
      return different_content(ref);
    }
    VersionInfo info;
    info.ref = ref;
    info.size = size;
    info.digest = expected_digest;
    info.chunk_count = recipe.size();
    info.imported_at = info.last_used = impl_->clock.now();
    impl_->index.add_recipe(info, recipe);
    return *impl_->index.find(ref);
  });
}

Result<std::vector<ChunkSpec>> AssetCache::missing_chunks(const VersionRef& ref) const {
  return guarded([&]() -> Result<std::vector<ChunkSpec>> {
    if (!impl_->index.find(ref)) return Status(Errc::not_found, ref.to_string() + " is not in the cache");
    return impl_->index.missing_chunks(ref);
  });
}

std::vector<VersionRef> AssetCache::incomplete_versions() const { return impl_->index.incomplete_versions(); }

Result<StoreReport> AssetCache::store_chunks(const std::vector<ChunkData>& chunks) {
  return guarded([&]() -> Result<StoreReport> {
    StoreReport report;
    Result<std::vector<const ChunkData*>> to_store = impl_->check_batch(chunks, report);
    if (!to_store) return to_store.status();
    if (to_store->empty()) return report;
    const std::vector<ChunkId> written = impl_->store(*to_store);
    report.stored = written.size();
    if (auto quota = impl_->quota()) impl_->evict(*quota, impl_->index.versions_using(written));
    return report;
  });
}

Result<std::vector<RecipeEntry>> AssetCache::recipe(const VersionRef& ref) const {
  return guarded([&]() -> Result<std::vector<RecipeEntry>> {
    if (!impl_->index.find(ref)) return Status(Errc::not_found, ref.to_string() + " is not in the cache");
    return impl_->index.recipe(ref);
  });
}

Result<AssetReader> AssetCache::open_reader(const std::string& asset, std::optional<std::uint64_t> version) {
  return guarded([&]() -> Result<AssetReader> {
    if (Status s = validate_asset_id(asset); !s) return s;
    // The newest version that can be read; if none can, the newest, to say why.
    if (!version) version = impl_->index.newest_version(asset, true);
    if (!version) version = impl_->index.newest_version(asset, false);
    if (!version) return Status(Errc::not_found, "asset " + asset + " is not in the cache");
    const VersionRef ref{asset, *version};
    const std::optional<VersionInfo> info = impl_->index.find(ref);
    if (!info) return Status(Errc::not_found, ref.to_string() + " is not in the cache");
    if (info->missing_chunks > 0) {
      return Status(Errc::integrity, "version " + ref.to_string() +
                                         " is incomplete: " + std::to_string(info->missing_chunks) +
                                         " chunk(s) still to fetch (not downloaded yet, or removed after failing "
                                         "verification); the next sync fetches them");
    }
    impl_->index.touch(ref, impl_->clock.now());
    return AssetReader(*this, ref, impl_->index.recipe(ref), info->size);
  });
}

Result<VersionInfo> AssetCache::info(const VersionRef& ref) const {
  return guarded([&]() -> Result<VersionInfo> {
    auto found = impl_->index.find(ref);
    if (!found) return Status(Errc::not_found, ref.to_string() + " is not in the cache");
    return *found;
  });
}

std::optional<AssetCache::Presence> AssetCache::presence(const VersionRef& ref) const {
  return impl_->index.presence(ref);
}

std::vector<VersionInfo> AssetCache::list() const { return impl_->index.list(); }

CacheStats AssetCache::stats() const {
  CacheStats s = impl_->index.stats();
  s.quota = get_u64(impl_->index.meta(quota_meta));
  return s;
}

Status AssetCache::set_pinned(const VersionRef& ref, bool pinned) {
  return guarded([&]() -> Status {
    if (!impl_->index.set_pinned(ref, pinned)) return {Errc::not_found, ref.to_string() + " is not in the cache"};
    return Status::ok();
  });
}

Status AssetCache::set_asset_pinned(const std::string& asset, bool pinned) {
  return guarded([&]() -> Status {
    if (Status s = validate_asset_id(asset); !s) return s;
    impl_->index.set_asset_pinned(asset, pinned, impl_->clock.now());
    return Status::ok();
  });
}

std::vector<std::string> AssetCache::pinned_assets() const { return impl_->index.pinned_assets(); }

Status AssetCache::shred(const VersionRef& ref) {
  return guarded([&]() -> Status {
    if (!impl_->index.find(ref)) return {Errc::not_found, ref.to_string() + " is not in the cache"};
    impl_->remove_version(ref);
    return Status::ok();
  });
}

Result<EvictReport> AssetCache::evict_to(std::uint64_t target_bytes) {
  return guarded([&]() -> Result<EvictReport> { return impl_->evict(target_bytes, {}); });
}

Status AssetCache::set_quota(std::optional<std::uint64_t> bytes) {
  return guarded([&]() -> Status {
    if (!bytes) {
      impl_->index.set_meta(quota_meta, std::nullopt);
      return Status::ok();
    }
    Bytes value;
    put_u64(value, *bytes);
    impl_->index.set_meta(quota_meta, ByteView(value));
    impl_->evict(*bytes, {});
    return Status::ok();
  });
}

Result<VerifyReport> AssetCache::verify(const ProgressFn& progress) {
  return guarded([&]() -> Result<VerifyReport> {
    VerifyReport report;
    const std::vector<ChunkRow> rows = impl_->index.present_chunks();
    std::uint64_t total = 0;
    for (const ChunkRow& row : rows) total += row.size;
    std::uint64_t done = 0;
    Bytes buffer;
    for (const ChunkRow& row : rows) {
      buffer.resize(row.size);
      const Status s = impl_->chunks.read(row.id, buffer);
      if (!s && s.code() != Errc::integrity) return s;  // an I/O failure is not a verdict on the chunk
      if (!s || crypto::blake2b(buffer) != row.id) {
        impl_->mark_bad(row.id);
        report.bad_chunks.push_back(row.id);
      }
      ++report.chunks_checked;
      done += row.size;
      if (progress) progress(done, total);
    }
    report.damaged_versions = impl_->index.incomplete_versions();
    return report;
  });
}

Status AssetCache::read_chunk(const ChunkId& id, MutableByteView out) {
  Status s = impl_->chunks.read(id, out);
  if (s.code() == Errc::integrity) {
    // Best effort: if the mark cannot be written now, verify finds the chunk again.
    static_cast<void>(guarded([&]() -> Status {
      impl_->mark_bad(id);
      return Status::ok();
    }));
  }
  return s;
}

}  // namespace outpost::cache
