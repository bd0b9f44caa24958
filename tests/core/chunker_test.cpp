// Content-defined chunking: find_cut bounds, ChunkStream equivalence with
// find_cut, stability under insertion, and parameter validation.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>
#include <stdexcept>
#include <vector>

#include "outpost/cache/chunker.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/storage/byte_source.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::cache;
using outpost::test::random_bytes;

namespace {

constexpr std::size_t MiB = 1024 * 1024;

// Chunk sizes from calling find_cut repeatedly on the whole buffer.
std::vector<std::size_t> cut_sizes(ByteView data, const ChunkerParams& params = {}) {
  std::vector<std::size_t> sizes;
  std::size_t pos = 0;
  while (pos < data.size()) {
    const std::size_t n = find_cut(data.subspan(pos), params);
    REQUIRE(n > 0);
    sizes.push_back(n);
    pos += n;
  }
  return sizes;
}

std::vector<std::size_t> stream_sizes(storage::ByteSource& source, const ChunkerParams& params = {}) {
  ChunkStream stream(source, params);
  std::vector<std::size_t> sizes;
  ByteView chunk;
  while (stream.next(chunk)) sizes.push_back(chunk.size());
  return sizes;
}

std::vector<crypto::Digest> chunk_ids(ByteView data, const ChunkerParams& params = {}) {
  std::vector<crypto::Digest> ids;
  std::size_t pos = 0;
  for (const std::size_t n : cut_sizes(data, params)) {
    ids.push_back(crypto::blake2b(data.subspan(pos, n)));
    pos += n;
  }
  return ids;
}

// Hands out at most `step` bytes per read.
class TrickleSource final : public storage::ByteSource {
 public:
  TrickleSource(ByteView data, std::size_t step) : data_(data), step_(step) {}
  std::size_t read(MutableByteView out) override {
    const std::size_t n = std::min({out.size(), step_, data_.size() - pos_});
    if (n > 0) std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    ++reads_;
    return n;
  }
  std::size_t reads() const { return reads_; }

 private:
  ByteView data_;
  std::size_t step_;
  std::size_t pos_ = 0;
  std::size_t reads_ = 0;
};

// Delivers `good` bytes, then throws outpost::Error on the next read.
class FailingSource final : public storage::ByteSource {
 public:
  FailingSource(ByteView data, std::size_t good) : data_(data), good_(good) {}
  std::size_t read(MutableByteView out) override {
    if (pos_ >= good_) throw Error(Errc::io, "simulated read failure");
    const std::size_t n = std::min({out.size(), good_ - pos_, std::size_t{64 * 1024}});
    std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  ByteView data_;
  std::size_t good_;
  std::size_t pos_ = 0;
};

}  // namespace

TEST_CASE("Chunker: data no longer than the minimum is one chunk", "[core][chunker]") {
  const ChunkerParams params;
  const Bytes data = random_bytes(params.min_size, 1);
  CHECK(find_cut(ByteView{}, params) == 0);
  CHECK(find_cut(ByteView(data).first(1), params) == 1);
  CHECK(find_cut(ByteView(data).first(1000), params) == 1000);
  CHECK(find_cut(ByteView(data).first(params.min_size - 1), params) == params.min_size - 1);
  CHECK(find_cut(data, params) == params.min_size);
}

TEST_CASE("Chunker: a cut in long data is within [min, max]", "[core][chunker]") {
  const ChunkerParams params;
  const Bytes data = random_bytes(2 * params.max_size, 2);
  for (std::size_t offset = 0; offset < 64 * 1024; offset += 4099) {
    const std::size_t n = find_cut(ByteView(data).subspan(offset), params);
    CHECK(n > params.min_size);  // the first candidate cut is after min_size bytes
    CHECK(n <= params.max_size);
  }
}

TEST_CASE("Chunker: every chunk of 8 MiB is within [min, max] and they rebuild the input", "[core][chunker]") {
  const ChunkerParams params;
  const Bytes data = random_bytes(8 * MiB, 3);
  const std::vector<std::size_t> sizes = cut_sizes(data, params);
  REQUIRE(sizes.size() > 1);
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    INFO("chunk " << i);
    CHECK(sizes[i] >= params.min_size);
    CHECK(sizes[i] <= params.max_size);
  }
  CHECK(sizes.back() > 0);
  CHECK(sizes.back() <= params.max_size);
  CHECK(std::accumulate(sizes.begin(), sizes.end(), std::size_t{0}) == data.size());

  // Concatenating the chunks gives the input back.
  Bytes rebuilt;
  rebuilt.reserve(data.size());
  std::size_t pos = 0;
  for (const std::size_t n : sizes) {
    const ByteView chunk = ByteView(data).subspan(pos, n);
    rebuilt.insert(rebuilt.end(), chunk.begin(), chunk.end());
    pos += n;
  }
  CHECK(rebuilt == data);

  // Not all chunks are max-sized: the cuts are content-defined.
  const auto max_sized = std::count(sizes.begin(), sizes.end(), params.max_size);
  CHECK(static_cast<std::size_t>(max_sized) < sizes.size() / 2);
}

TEST_CASE("Chunker: the average chunk size of random data is near 64 KiB", "[core][chunker]") {
  const ChunkerParams params;
  const Bytes data = random_bytes(16 * MiB, 4);
  const std::vector<std::size_t> sizes = cut_sizes(data, params);
  const double average = static_cast<double>(data.size()) / static_cast<double>(sizes.size());
  INFO("chunks: " << sizes.size() << ", average " << average);
  CHECK(average >= 32.0 * 1024);
  CHECK(average <= 128.0 * 1024);
}

TEST_CASE("Chunker: cutting is deterministic", "[core][chunker]") {
  const Bytes data = random_bytes(4 * MiB, 5);
  const Bytes copy = data;
  CHECK(cut_sizes(data) == cut_sizes(data));
  CHECK(cut_sizes(data) == cut_sizes(copy));
  storage::MemorySource a(data);
  storage::MemorySource b(copy);
  CHECK(stream_sizes(a) == stream_sizes(b));
}

TEST_CASE("Chunker: ChunkStream over a MemorySource matches find_cut on the whole buffer", "[core][chunker]") {
  // 10 MiB is more than the stream's 4 MiB buffer, so it refills mid-way.
  const Bytes data = random_bytes(10 * MiB + 12345, 6);
  const std::vector<std::size_t> expected = cut_sizes(data);

  storage::MemorySource source(data);
  ChunkStream stream(source);
  std::vector<std::size_t> sizes;
  std::size_t pos = 0;
  bool same_bytes = true;
  ByteView chunk;
  while (stream.next(chunk)) {
    sizes.push_back(chunk.size());
    if (pos + chunk.size() > data.size() || !std::equal(chunk.begin(), chunk.end(), data.begin() + pos)) {
      same_bytes = false;
    }
    pos += chunk.size();
  }
  CHECK(sizes == expected);
  CHECK(same_bytes);
  CHECK(pos == data.size());
  // Once at the end, it stays at the end.
  CHECK_FALSE(stream.next(chunk));
}

TEST_CASE("Chunker: ChunkStream with a source returning 1000 bytes per read gives the same chunks",
          "[core][chunker]") {
  const Bytes data = random_bytes(6 * MiB + 999, 7);
  TrickleSource source(data, 1000);
  CHECK(stream_sizes(source) == cut_sizes(data));
  CHECK(source.reads() > data.size() / 1000);
}

TEST_CASE("Chunker: ChunkStream with small parameters matches find_cut", "[core][chunker]") {
  const ChunkerParams params{256, 1024, 4096};
  const Bytes data = random_bytes(5 * MiB, 8);
  const std::vector<std::size_t> expected = cut_sizes(data, params);
  for (const std::size_t n : expected) CHECK(n <= params.max_size);
  TrickleSource source(data, 777);
  CHECK(stream_sizes(source, params) == expected);
}

TEST_CASE("Chunker: ChunkStream on an empty or tiny source", "[core][chunker]") {
  storage::MemorySource empty(ByteView{});
  CHECK(stream_sizes(empty).empty());

  const Bytes tiny = random_bytes(10, 9);
  storage::MemorySource source(tiny);
  ChunkStream stream(source);
  ByteView chunk;
  REQUIRE(stream.next(chunk));
  CHECK(Bytes(chunk.begin(), chunk.end()) == tiny);
  CHECK_FALSE(stream.next(chunk));
}

TEST_CASE("Chunker: inserting one byte at the start keeps most chunks", "[core][chunker]") {
  const Bytes data = random_bytes(10 * MiB, 10);
  Bytes shifted;
  shifted.reserve(data.size() + 1);
  shifted.push_back(0x5a);
  shifted.insert(shifted.end(), data.begin(), data.end());

  const std::vector<crypto::Digest> before = chunk_ids(data);
  const std::vector<crypto::Digest> after = chunk_ids(shifted);
  const std::set<crypto::Digest> after_set(after.begin(), after.end());
  const auto kept = std::count_if(before.begin(), before.end(), [&](const crypto::Digest& id) {
    return after_set.count(id) > 0;
  });
  INFO("kept " << kept << " of " << before.size());
  CHECK(static_cast<double>(kept) >= 0.9 * static_cast<double>(before.size()));
}

TEST_CASE("Chunker: all-zero data is cut into max-size chunks", "[core][chunker]") {
  const ChunkerParams params;
  const Bytes zeros(3 * params.max_size + 100, 0);
  const std::vector<std::size_t> sizes = cut_sizes(zeros, params);
  REQUIRE(sizes.size() == 4);
  CHECK(sizes[0] == params.max_size);
  CHECK(sizes[1] == params.max_size);
  CHECK(sizes[2] == params.max_size);
  CHECK(sizes[3] == 100);

  storage::MemorySource source(zeros);
  CHECK(stream_sizes(source, params) == sizes);
}

TEST_CASE("Chunker: ChunkerParams::validate enforces 64 <= min < avg < max, avg a power of two",
          "[core][chunker]") {
  CHECK_NOTHROW(ChunkerParams{}.validate());
  CHECK_NOTHROW(ChunkerParams{64, 128, 129}.validate());
  CHECK_NOTHROW(ChunkerParams{1024, 4096, 8192}.validate());

  CHECK_THROWS_AS((ChunkerParams{16 * 1024, 60 * 1024, 256 * 1024}.validate()), std::invalid_argument);  // not 2^n
  CHECK_THROWS_AS((ChunkerParams{16 * 1024, 65 * 1024, 256 * 1024}.validate()), std::invalid_argument);
  CHECK_THROWS_AS((ChunkerParams{64 * 1024, 64 * 1024, 256 * 1024}.validate()), std::invalid_argument);  // min == avg
  CHECK_THROWS_AS((ChunkerParams{128 * 1024, 64 * 1024, 256 * 1024}.validate()), std::invalid_argument);  // min > avg
  CHECK_THROWS_AS((ChunkerParams{16 * 1024, 64 * 1024, 64 * 1024}.validate()), std::invalid_argument);  // avg == max
  CHECK_THROWS_AS((ChunkerParams{16 * 1024, 64 * 1024, 32 * 1024}.validate()), std::invalid_argument);  // avg > max
  CHECK_THROWS_AS((ChunkerParams{32, 128, 1024}.validate()), std::invalid_argument);  // min < 64
  CHECK_THROWS_AS((ChunkerParams{0, 0, 0}.validate()), std::invalid_argument);

  const Bytes data(10);
  storage::MemorySource source(data);
  CHECK_THROWS_AS(ChunkStream(source, ChunkerParams{16 * 1024, 60 * 1024, 256 * 1024}), std::invalid_argument);
}

TEST_CASE("Chunker: a source failing mid-stream propagates its error from next()", "[core][chunker]") {
  // The stream buffers 4 MiB at a time, so fail after 6 MiB: the first
  // chunks come out before the failure is seen.
  const Bytes data = random_bytes(8 * MiB, 11);
  FailingSource source(data, 6 * MiB);
  ChunkStream stream(source);
  ByteView chunk;
  std::size_t delivered = 0;
  bool threw = false;
  try {
    while (stream.next(chunk)) delivered += chunk.size();
  } catch (const Error& e) {
    threw = true;
    CHECK(e.status().code() == Errc::io);
    CHECK_THAT(e.status().message(), Catch::Contains("simulated read failure"));
  }
  CHECK(threw);
  CHECK(delivered > 0);
  CHECK(delivered < 6 * MiB);

  // A source failing on its very first read fails the first next().
  FailingSource at_once(data, 0);
  ChunkStream stream2(at_once);
  CHECK_THROWS_AS(stream2.next(chunk), Error);
}
