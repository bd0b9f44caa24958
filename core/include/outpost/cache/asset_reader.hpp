// AssetReader: random access (seek + read) to one cached asset version, for
// opening documents and serving HTTP Range requests. Every chunk is
// authenticated before any of its bytes is returned; a bad chunk is reported
// as an integrity error and marked missing in the cache.
// A reader is used by one thread at a time and must not outlive its cache.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/status.hpp"
#include "outpost/cache/version_ref.hpp"
#include "outpost/crypto/hash.hpp"

namespace outpost::cache {

class AssetCache;

struct RecipeEntry {
  crypto::Digest id;
  std::uint64_t offset = 0;  // of the chunk's first byte in the asset
  std::uint32_t size = 0;
};

class AssetReader {
 public:
  AssetReader(AssetCache& cache, VersionRef ref, std::vector<RecipeEntry> recipe, std::uint64_t size);

  const VersionRef& version() const noexcept { return ref_; }
  std::uint64_t size() const noexcept { return size_; }

  // Reads up to out.size() bytes at offset; returns the count (0 at or past
  // the end). integrity if a chunk is bad (nothing of it is returned).
  Result<std::size_t> read_at(std::uint64_t offset, MutableByteView out);

  // Stream-style access on top of read_at.
  void seek(std::uint64_t offset) noexcept { position_ = offset; }
  std::uint64_t tell() const noexcept { return position_; }
  Result<std::size_t> read(MutableByteView out);

 private:
  std::size_t chunk_index(std::uint64_t offset) const;
  Status load(std::size_t index);

  AssetCache* cache_;
  VersionRef ref_;
  std::vector<RecipeEntry> recipe_;
  std::uint64_t size_;
  std::uint64_t position_ = 0;
  Bytes buffer_;  // the last chunk decrypted for a partial read
  std::size_t buffered_ = SIZE_MAX;
};

}  // namespace outpost::cache
