// The content digest of an asset version: BLAKE2b-256 over its recipe, the
// ordered list of (chunk id, chunk size). Chunk ids are BLAKE2b-256 of the
// chunk bytes, so this is a one-level hash tree over the content: it
// commits to every byte, yet an import hashes each byte once (for its chunk
// id), not twice. Releases carry it; the gate compares it with the cache's.
// Stateless functions are thread-safe; a RecipeHasher is single-threaded.
#pragma once

#include <cstdint>

#include "outpost/cache/chunker.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/storage/byte_source.hpp"

namespace outpost::cache {

class RecipeHasher {
 public:
  void add(const crypto::Digest& chunk_id, std::uint32_t size);
  crypto::Digest finish() { return hash_.finish(); }

 private:
  crypto::Blake2b hash_;
};

// Chunks the content and returns its digest (what a publisher signs).
crypto::Digest content_digest(storage::ByteSource& source, const ChunkerParams& params = {});
crypto::Digest content_digest(ByteView content, const ChunkerParams& params = {});

}  // namespace outpost::cache
