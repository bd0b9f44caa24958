#include "outpost/cache/content_digest.hpp"

namespace outpost::cache {

void RecipeHasher::add(const crypto::Digest& chunk_id, std::uint32_t size) {
  std::uint8_t le[4];
  for (int i = 0; i < 4; ++i) le[i] = static_cast<std::uint8_t>(size >> (8 * i));
  hash_.update(chunk_id.view());
  hash_.update(le);
}

crypto::Digest content_digest(storage::ByteSource& source, const ChunkerParams& params) {
  RecipeHasher recipe;
  ChunkStream stream(source, params);
  ByteView chunk;
  while (stream.next(chunk)) recipe.add(crypto::blake2b(chunk), static_cast<std::uint32_t>(chunk.size()));
  return recipe.finish();
}

crypto::Digest content_digest(ByteView content, const ChunkerParams& params) {
  storage::MemorySource source(content);
  return content_digest(source, params);
}

}  // namespace outpost::cache
