#include "outpost/cache/content_digest.hpp"

#include <string>

namespace outpost::cache {

void RecipeHasher::add(const crypto::Digest& chunk_id, std::uint32_t size) {
  std::uint8_t le[4];
  for (int i = 0; i < 4; ++i) le[i] = static_cast<std::uint8_t>(size >> (8 * i));
  hash_.update(chunk_id.view());
  hash_.update(le);
}

Recipe make_recipe(storage::ByteSource& source, const ChunkerParams& params) {
  Recipe recipe;
  ChunkStream stream(source, params);
  ByteView chunk;
  while (stream.next(chunk)) {
    recipe.entries.push_back({crypto::blake2b(chunk), recipe.size, static_cast<std::uint32_t>(chunk.size())});
    recipe.size += chunk.size();
  }
  recipe.digest = recipe_digest(recipe.entries);
  return recipe;
}

Recipe make_recipe(ByteView content, const ChunkerParams& params) {
  storage::MemorySource source(content);
  return make_recipe(source, params);
}

crypto::Digest recipe_digest(const std::vector<RecipeEntry>& entries) {
  RecipeHasher hasher;
  for (const RecipeEntry& e : entries) hasher.add(e.id, e.size);
  return hasher.finish();
}

crypto::Digest content_digest(storage::ByteSource& source, const ChunkerParams& params) {
  return make_recipe(source, params).digest;
}

crypto::Digest content_digest(ByteView content, const ChunkerParams& params) {
  return make_recipe(content, params).digest;
}

Status check_recipe(const std::vector<RecipeEntry>& entries, std::uint64_t size, const crypto::Digest& expected) {
  const std::size_t max_chunk = ChunkerParams{}.max_size;
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const RecipeEntry& e = entries[i];
    const std::string which = "recipe entry " + std::to_string(i) + " (chunk " + e.id.hex().substr(0, 16) + ")";
    if (e.offset != offset) {
      return {Errc::integrity, which + " starts at offset " + std::to_string(e.offset) + " instead of " +
                                   std::to_string(offset) + (e.offset > offset ? " (a gap)" : " (an overlap)")};
    }
    if (e.size == 0 || e.size > max_chunk) {
      return {Errc::integrity, which + " is " + std::to_string(e.size) + " bytes; chunks are 1 to " +
                                   std::to_string(max_chunk) + " bytes"};
    }
    offset += e.size;
  }
  if (offset != size) {
    return {Errc::integrity,
            "the recipe covers " + std::to_string(offset) + " bytes but the version is " + std::to_string(size)};
  }
  if (recipe_digest(entries) != expected) {
    return {Errc::integrity, "the recipe does not match the expected content digest " + expected.hex()};
  }
  return Status::ok();
}

}  // namespace outpost::cache
