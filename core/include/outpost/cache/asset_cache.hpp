// AssetCache: the device's encrypted, verified, crash-safe store of asset
// versions. An asset version is an ordered recipe of chunks (ChunkStore)
// plus its content digest, recorded in an SQLite index. Identical chunks
// are stored once. Imports are all-or-nothing even across kill -9 or power
// loss. A quota is enforced by evicting least-recently-used versions,
// superseded ones first, pinned ones never.
// One AssetCache per home directory at a time (a lock file enforces it
// across processes); an instance is used by one thread at a time, and the
// AssetReaders it hands out must not outlive it.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outpost/cache/asset_reader.hpp"
#include "outpost/cache/chunk_store.hpp"
#include "outpost/cache/chunker.hpp"
#include "outpost/core/clock.hpp"
#include "outpost/core/status.hpp"
#include "outpost/storage/byte_source.hpp"

namespace outpost::cache {

struct VersionInfo {
  VersionRef ref;
  std::uint64_t size = 0;
  crypto::Digest digest;  // content digest (cache/content_digest.hpp)
  std::size_t chunk_count = 0;
  std::size_t missing_chunks = 0;
  bool pinned = false;
  bool superseded = false;  // a newer version of the asset is cached
  TimePoint imported_at;
  TimePoint last_used;
};

struct CacheStats {
  std::size_t assets = 0;
  std::size_t versions = 0;
  std::size_t pinned_versions = 0;
  std::size_t chunks = 0;
  std::size_t missing_chunks = 0;
  std::uint64_t logical_bytes = 0;  // sum of version sizes
  std::uint64_t stored_bytes = 0;   // chunk files on disk (after dedupe)
  std::optional<std::uint64_t> quota;
};

struct VerifyReport {
  std::size_t chunks_checked = 0;
  std::vector<ChunkId> bad_chunks;         // now marked missing
  std::vector<VersionRef> damaged_versions;  // versions that need a re-fetch
  bool ok() const { return bad_chunks.empty(); }
};

struct EvictReport {
  std::vector<VersionRef> evicted;
  std::uint64_t stored_bytes = 0;  // after eviction
  bool reached_target = true;      // false when only pinned versions are left
};

// Called with (bytes done, total or 0 if unknown) during long operations.
using ProgressFn = std::function<void(std::uint64_t done, std::uint64_t total)>;

class AssetCache {
 public:
  struct Options {
    ChunkerParams chunker;
    bool create = true;  // create the cache if the directory has none
  };

  // Opens the cache in dir with the device master key. Errors: wrong_key
  // (made with another key), busy (open in another process), not_found
  // (create=false), corrupt, unsupported, permission, io.
  static Result<std::unique_ptr<AssetCache>> open(const fs::path& dir, const crypto::SecretKey& master,
                                                  const Clock& clock, Random& random, Options options);
  static Result<std::unique_ptr<AssetCache>> open(const fs::path& dir, const crypto::SecretKey& master,
                                                  const Clock& clock, Random& random) {
    return open(dir, master, clock, random, Options{});
  }
  ~AssetCache();
  AssetCache(const AssetCache&) = delete;
  AssetCache& operator=(const AssetCache&) = delete;

  // Stores a version from a stream. Importing identical content again is a
  // no-op; different content under an existing (asset, version) is
  // already_exists. Nothing is kept if it fails (disk_full, io ...).
  Result<VersionInfo> import(const VersionRef& ref, storage::ByteSource& source, const ProgressFn& progress = {});

  // A reader of the given version, or of the newest cached one. Marks it used.
  Result<AssetReader> open_reader(const std::string& asset, std::optional<std::uint64_t> version = std::nullopt);

  Result<VersionInfo> info(const VersionRef& ref) const;
  // What the gate needs to know of a version, cheaply: nullopt if not cached.
  struct Presence {
    std::uint64_t size = 0;
    crypto::Digest digest;
    bool complete = false;  // no chunk missing
  };
  std::optional<Presence> presence(const VersionRef& ref) const;
  std::vector<VersionInfo> list() const;
  CacheStats stats() const;

  Status set_pinned(const VersionRef& ref, bool pinned);
  // Deletes the version and every chunk no other kept version uses.
  Status shred(const VersionRef& ref);
  // Evicts versions until the stored bytes are at most target.
  Result<EvictReport> evict_to(std::uint64_t target_bytes);
  // A quota enforced after every import; nullopt removes it.
  Status set_quota(std::optional<std::uint64_t> bytes);

  // Decrypts and re-hashes every chunk; bad ones are marked missing and
  // their files removed, so they are fetched again and never shown.
  Result<VerifyReport> verify(const ProgressFn& progress = {});


 private:
  friend class AssetReader;
  // Reads a chunk, marking it missing if it is bad.
  Status read_chunk(const ChunkId& id, MutableByteView out);

  struct Impl;
  explicit AssetCache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::cache
