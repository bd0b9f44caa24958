// The content digest of an asset version: BLAKE2b-256 over its recipe, the
// ordered list of (chunk id, chunk size). Chunk ids are BLAKE2b-256 of the
// chunk bytes, so this is a one-level hash tree over the content: it
// commits to every byte, yet an import hashes each byte once (for its chunk
// id), not twice. Releases carry it; the gate compares it with the cache's.
// A recipe received from elsewhere (the hub) is checked with check_recipe
// before anything is fetched by it.
// Stateless functions are thread-safe; a RecipeHasher is single-threaded.
#pragma once

#include <cstdint>
#include <vector>

#include "outpost/cache/asset_reader.hpp"
#include "outpost/cache/chunker.hpp"
#include "outpost/base/status.hpp"
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

// What a version is made of: its chunks in order, its size, its digest.
struct Recipe {
  std::vector<RecipeEntry> entries;
  std::uint64_t size = 0;
  crypto::Digest digest;
};

// Chunks the content (reading it once) and describes it.
Recipe make_recipe(storage::ByteSource& source, const ChunkerParams& params = {});
Recipe make_recipe(ByteView content, const ChunkerParams& params = {});

// The content digest of a recipe; only ids and sizes count, not offsets.
crypto::Digest recipe_digest(const std::vector<RecipeEntry>& entries);

// Chunks the content and returns its digest (what a publisher signs).
crypto::Digest content_digest(storage::ByteSource& source, const ChunkerParams& params = {});
crypto::Digest content_digest(ByteView content, const ChunkerParams& params = {});

// integrity unless the entries lie end to end from offset 0, each of 1 to
// ChunkerParams{}.max_size bytes (a format limit, whatever the local
// chunker), cover exactly size bytes, and hash to expected.
Status check_recipe(const std::vector<RecipeEntry>& entries, std::uint64_t size, const crypto::Digest& expected);

}  // namespace outpost::cache
