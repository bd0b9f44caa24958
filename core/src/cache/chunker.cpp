#include "outpost/cache/chunker.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace outpost::cache {

namespace {

// 256 pseudo-random 64-bit words from SplitMix64 with a fixed seed: any
// well-mixed table works, but it must never change (it defines cut points).
constexpr std::array<std::uint64_t, 256> make_gear_table() {
  std::array<std::uint64_t, 256> table{};
  std::uint64_t state = 0x4f7574706f737431ULL;  // "Outpost1"
  for (auto& word : table) {
    state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    word = z ^ (z >> 31);
  }
  return table;
}

constexpr std::array<std::uint64_t, 256> gear = make_gear_table();

// A mask of the top `bits` bits: the gear hash's high bits depend on the
// most recent bytes (up to 64 of them), so they make the best cut test.
constexpr std::uint64_t top_bits(unsigned bits) { return bits == 0 ? 0 : ~std::uint64_t{0} << (64 - bits); }

}  // namespace

void ChunkerParams::validate() const {
  if (min_size < 64 || !(min_size < avg_size && avg_size < max_size) || !std::has_single_bit(avg_size)) {
    throw std::invalid_argument("chunker sizes must satisfy 64 <= min < avg < max with avg a power of two");
  }
}

std::size_t find_cut(ByteView data, const ChunkerParams& params) {
  const std::size_t n = data.size();
  if (n <= params.min_size) return n;
  const std::size_t limit = n < params.max_size ? n : params.max_size;
  const std::size_t normal = params.avg_size < limit ? params.avg_size : limit;

  // Normalized chunking (FastCDC, level 2): a harder test before the
  // average size and an easier one after it pull chunk sizes towards avg.
  const auto bits = static_cast<unsigned>(std::countr_zero(params.avg_size));
  const std::uint64_t mask_small = top_bits(bits + 2);
  const std::uint64_t mask_large = top_bits(bits - 2);

  const std::uint8_t* p = data.data();
  std::uint64_t hash = 0;
  std::size_t i = params.min_size;
  for (; i < normal; ++i) {
    hash = (hash << 1) + gear[p[i]];
    if ((hash & mask_small) == 0) return i + 1;
  }
  for (; i < limit; ++i) {
    hash = (hash << 1) + gear[p[i]];
    if ((hash & mask_large) == 0) return i + 1;
  }
  return limit;
}

ChunkStream::ChunkStream(storage::ByteSource& source, ChunkerParams params) : source_(source), params_(params) {
  params_.validate();
  buffer_.resize(std::max<std::size_t>(4 * 1024 * 1024, 4 * params_.max_size));
}

void ChunkStream::refill() {
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (!eof_ && end_ < buffer_.size()) {
    const std::size_t got = source_.read(MutableByteView(buffer_).subspan(end_));
    if (got == 0) eof_ = true;
    end_ += got;
  }
}

bool ChunkStream::next(ByteView& chunk) {
  if (!eof_ && end_ - begin_ < params_.max_size) refill();
  if (begin_ == end_) return false;
  const ByteView window(buffer_.data() + begin_, end_ - begin_);
  const std::size_t cut = find_cut(window, params_);
  chunk = window.first(cut);
  begin_ += cut;
  return true;
}

}  // namespace outpost::cache
