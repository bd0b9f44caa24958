#include "outpost/cache/asset_cache.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <unordered_set>

#include "cache_index.hpp"
#include "outpost/cache/content_digest.hpp"
#include "outpost/core/guard.hpp"
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

  Result<VersionInfo> import_existing(const VersionInfo& existing, storage::ByteSource& source) {
    if (content_digest(source, options.chunker) == existing.digest) return existing;
    return Status(Errc::already_exists,
                  existing.ref.to_string() + " is already cached with different content; publish a new version");
  }

  VersionInfo import_new(const VersionRef& ref, storage::ByteSource& source, const ProgressFn& progress) {
    const std::int64_t intent = index.begin_intent("import " + ref.to_string());
    std::vector<ChunkStore::Staged> staged;
    std::vector<ChunkId> written;  // published by this import: removed again if it fails
    try {
      std::unordered_set<ChunkId> seen;
      std::vector<RecipeEntry> recipe;
      RecipeHasher digest;
      std::uint64_t offset = 0;
      std::uint64_t staged_bytes = 0;
      const std::uint64_t total = source.size_hint().value_or(0);

      auto publish = [&] {
        chunks.publish(staged);
        for (const auto& s : staged) written.push_back(s.id);
        staged.clear();
        staged_bytes = 0;
      };

      ChunkStream stream(source, options.chunker);
      ByteView chunk;
      while (stream.next(chunk)) {
        const ChunkId id = crypto::blake2b(chunk);
        recipe.push_back({id, offset, static_cast<std::uint32_t>(chunk.size())});
        digest.add(id, recipe.back().size);
        offset += chunk.size();
        if (seen.insert(id).second && !index.chunk_present(id)) {
          staged.push_back(chunks.stage(id, chunk));
          staged_bytes += chunk.size();
          if (staged_bytes >= publish_batch_bytes) publish();
        }
        if (progress) progress(offset, total);
      }
      publish();
      chunks.sync();  // durable before the index row that vouches for them

      VersionInfo info;
      info.ref = ref;
      info.size = offset;
      info.digest = digest.finish();
      info.chunk_count = recipe.size();
      info.imported_at = info.last_used = clock.now();
      index.add_version(info, recipe, intent);
      return info;
    } catch (...) {
      chunks.discard(staged);
      abandon_import(written, intent);
      throw;
    }
  }

  void abandon_import(const std::vector<ChunkId>& written, std::int64_t intent) noexcept {
    try {
      for (const ChunkId& id : written) chunks.remove(id);
      index.end_intent(intent);
    } catch (...) {  // NOLINT(bugprone-empty-catch): the intent stays behind and the next open cleans up
    }
  }

  EvictReport evict(std::uint64_t target, const std::optional<VersionRef>& keep) {
    EvictReport report;
    report.stored_bytes = index.stored_bytes();
    if (report.stored_bytes <= target) return report;
    for (const VersionRef& ref : index.eviction_order()) {
      if (keep && ref == *keep) continue;
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
    if (auto existing = impl_->index.find(ref)) return impl_->import_existing(*existing, source);
    VersionInfo info = impl_->import_new(ref, source, progress);
    if (auto quota = get_u64(impl_->index.meta(quota_meta))) impl_->evict(*quota, ref);
    return info;
  });
}

Result<AssetReader> AssetCache::open_reader(const std::string& asset, std::optional<std::uint64_t> version) {
  return guarded([&]() -> Result<AssetReader> {
    if (Status s = validate_asset_id(asset); !s) return s;
    if (!version) version = impl_->index.newest_version(asset);
    if (!version) return Status(Errc::not_found, "asset " + asset + " is not in the cache");
    const VersionRef ref{asset, *version};
    const std::optional<VersionInfo> info = impl_->index.find(ref);
    if (!info) return Status(Errc::not_found, ref.to_string() + " is not in the cache");
    if (info->missing_chunks > 0) {
      return Status(Errc::integrity, ref.to_string() + " has " + std::to_string(info->missing_chunks) +
                                         " damaged or missing chunk(s); it will be fetched again at the next sync");
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

Status AssetCache::shred(const VersionRef& ref) {
  return guarded([&]() -> Status {
    if (!impl_->index.find(ref)) return {Errc::not_found, ref.to_string() + " is not in the cache"};
    impl_->remove_version(ref);
    return Status::ok();
  });
}

Result<EvictReport> AssetCache::evict_to(std::uint64_t target_bytes) {
  return guarded([&]() -> Result<EvictReport> { return impl_->evict(target_bytes, std::nullopt); });
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
    impl_->evict(*bytes, std::nullopt);
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
    report.damaged_versions = impl_->index.damaged_versions();
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
