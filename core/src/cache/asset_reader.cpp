#include "outpost/cache/asset_reader.hpp"

#include <algorithm>
#include <cstring>

#include "outpost/cache/asset_cache.hpp"

namespace outpost::cache {

AssetReader::AssetReader(AssetCache& cache, VersionRef ref, std::vector<RecipeEntry> recipe, std::uint64_t size)
    : cache_(&cache), ref_(std::move(ref)), recipe_(std::move(recipe)), size_(size) {}

std::size_t AssetReader::chunk_index(std::uint64_t offset) const {
  // The last chunk whose first byte is at or before offset.
  auto it = std::upper_bound(recipe_.begin(), recipe_.end(), offset,
                             [](std::uint64_t off, const RecipeEntry& e) { return off < e.offset; });
  return static_cast<std::size_t>(it - recipe_.begin()) - 1;
}

Status AssetReader::load(std::size_t index) {
  if (buffered_ == index) return Status::ok();
  buffered_ = SIZE_MAX;
  buffer_.resize(recipe_[index].size);
  if (Status s = cache_->read_chunk(recipe_[index].id, buffer_); !s) return s;
  buffered_ = index;
  return Status::ok();
}

Result<std::size_t> AssetReader::read_at(std::uint64_t offset, MutableByteView out) {
  if (offset >= size_ || out.empty()) return std::size_t{0};
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size_ - offset));
  std::size_t done = 0;
  std::size_t index = chunk_index(offset);
  while (done < want) {
    const RecipeEntry& chunk = recipe_[index];
    const auto within = static_cast<std::size_t>(offset + done - chunk.offset);
    const std::size_t take = std::min<std::size_t>(chunk.size - within, want - done);
    if (within == 0 && take == chunk.size && index != buffered_) {
      // The whole chunk is wanted: decrypt straight into the caller's buffer.
      if (Status s = cache_->read_chunk(chunk.id, out.subspan(done, take)); !s) return s;
    } else {
      if (Status s = load(index); !s) return s;
      std::memcpy(out.data() + done, buffer_.data() + within, take);
    }
    done += take;
    ++index;
  }
  return done;
}

Result<std::size_t> AssetReader::read(MutableByteView out) {
  Result<std::size_t> n = read_at(position_, out);
  if (n) position_ += *n;
  return n;
}

}  // namespace outpost::cache
