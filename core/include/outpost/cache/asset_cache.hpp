// AssetCache: the device's encrypted, verified, crash-safe store of asset
// versions. An asset version is an ordered recipe of chunks (ChunkStore)
// plus its content digest, recorded in an SQLite index. Identical chunks
// are stored once. Imports are all-or-nothing even across kill -9 or power
// loss. A quota is enforced by evicting least-recently-used versions,
// superseded ones (by a newer complete version) first, pinned ones never.
// A version can also arrive piece by piece (from a sync): add_recipe records
// it with every chunk the cache lacks marked missing, store_chunks fills
// them in any order and across restarts; until the last one is stored the
// version is incomplete and is never shown.
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
#include "outpost/base/clock.hpp"
#include "outpost/base/status.hpp"
#include "outpost/storage/byte_source.hpp"

namespace outpost::cache {

struct VersionInfo {
  VersionRef ref;
  std::uint64_t size = 0;
  crypto::Digest digest;  // content digest (cache/content_digest.hpp)
  std::size_t chunk_count = 0;     // recipe entries (a chunk may repeat)
  std::size_t missing_chunks = 0;  // distinct chunks still to fetch
  bool pinned = false;       // kept through eviction: pinned itself or the current version of a pinned asset
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
  // Versions with a missing chunk, whether just found bad or still being
  // filled: each needs a fetch.
  std::vector<VersionRef> damaged_versions;
  bool ok() const { return bad_chunks.empty(); }
};

struct EvictReport {
  std::vector<VersionRef> evicted;
  std::uint64_t stored_bytes = 0;  // after eviction
  bool reached_target = true;      // false when only pinned versions are left
};

// A chunk a version still needs, as a sync engine asks a hub for it.
struct ChunkSpec {
  ChunkId id;
  std::uint32_t size = 0;
};

// A chunk's bytes as received; the view need only outlive the call.
struct ChunkData {
  ChunkId id;
  ByteView bytes;
};

struct StoreReport {
  std::size_t stored = 0;
  std::size_t already_present = 0;  // held already, or repeated in the batch
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
  // Importing a version that add_recipe left incomplete fills its missing
  // chunks, if the content matches its digest.
  Result<VersionInfo> import(const VersionRef& ref, storage::ByteSource& source, const ProgressFn& progress = {});

  // Records a version from its recipe (checked with check_recipe against
  // expected_digest and size) before its content arrives: chunks the cache
  // holds are shared, the others are missing until store_chunks. Stored
  // bytes do not change. Adding the same digest again returns the version;
  // another digest under an existing (asset, version) is already_exists.
  Result<VersionInfo> add_recipe(const VersionRef& ref, const std::vector<RecipeEntry>& recipe,
                                 const crypto::Digest& expected_digest, std::uint64_t size);
  // The version's distinct missing chunks in recipe order (what to fetch);
  // not_found if the version is not cached.
  Result<std::vector<ChunkSpec>> missing_chunks(const VersionRef& ref) const;
  // Versions with a missing chunk: being filled, or damaged.
  std::vector<VersionRef> incomplete_versions() const;
  // Stores received chunks that cached versions lack. Every chunk is checked
  // before any is kept: integrity if its bytes do not hash to its id or its
  // size is not the recipe's, invalid_argument if no cached version uses
  // it. Held chunks are skipped. The batch is durable and all-or-nothing;
  // then the quota is enforced, sparing the versions the batch filled.
  Result<StoreReport> store_chunks(const std::vector<ChunkData>& chunks);
  // The version's chunks in order; not_found if it is not cached.
  Result<std::vector<RecipeEntry>> recipe(const VersionRef& ref) const;

  // A reader of the given version, or of the newest complete one. Marks it
  // used. integrity if the version is incomplete (chunks still to fetch).
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
  // Pins an asset for offline use as a whole, cached or not: its current
  // version (the newest complete one) is kept through eviction, a newer one
  // replaces it as soon as it is complete, and sync fetches it even when
  // the asset is downloaded on demand only. Unpinning lets it be evicted.
  Status set_asset_pinned(const std::string& asset, bool pinned);
  std::vector<std::string> pinned_assets() const;
  // Deletes the version and every chunk no other kept version uses.
  Status shred(const VersionRef& ref);
  // Evicts versions until the stored bytes are at most target.
  Result<EvictReport> evict_to(std::uint64_t target_bytes);
  // A quota enforced after every import and store_chunks; nullopt removes it.
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
