#include <catch2/catch.hpp>

#include <random>

#include "cache_fixture.hpp"

using namespace outpost;
using namespace outpost::test;

TEST_CASE("AssetReader: random-access reads equal the plaintext slices", "[core][reader]") {
  CacheFixture f;
  const Bytes data = random_bytes(3'000'000, 21);
  f.import("video", 1, data);
  auto reader = f.cache->open_reader("video", 1);
  REQUIRE(reader.is_ok());
  REQUIRE(reader->size() == data.size());

  std::mt19937_64 rng(1234);
  Bytes out;
  for (int i = 0; i < 400; ++i) {
    const std::uint64_t offset = rng() % (data.size() + 100);  // sometimes past the end
    const std::size_t length = (i % 4 == 0) ? rng() % 600'000 : rng() % 5000;
    out.assign(length, 0xee);
    auto n = reader->read_at(offset, out);
    REQUIRE(n.is_ok());
    const std::size_t expected =
        offset >= data.size() ? 0 : static_cast<std::size_t>(std::min<std::uint64_t>(length, data.size() - offset));
    REQUIRE(*n == expected);
    REQUIRE(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*n),
                       data.begin() + static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(offset, data.size()))));
  }
}

TEST_CASE("AssetReader: stream reads in odd-sized pieces rebuild the file", "[core][reader]") {
  CacheFixture f;
  const Bytes data = random_bytes(1'234'567, 22);
  f.import("doc", 1, data);
  auto reader = f.cache->open_reader("doc");
  REQUIRE(reader.is_ok());
  Bytes rebuilt;
  Bytes piece(7919);
  while (true) {
    auto n = reader->read(piece);
    REQUIRE(n.is_ok());
    if (*n == 0) break;
    rebuilt.insert(rebuilt.end(), piece.begin(), piece.begin() + static_cast<std::ptrdiff_t>(*n));
  }
  CHECK(rebuilt == data);
  CHECK(reader->tell() == data.size());
  reader->seek(10);
  Bytes ten(10);
  REQUIRE(*reader->read(ten) == 10);
  CHECK(std::equal(ten.begin(), ten.end(), data.begin() + 10));
}

TEST_CASE("AssetReader: an empty asset reads as zero bytes", "[core][reader]") {
  CacheFixture f;
  f.import("empty", 1, {});
  auto reader = f.cache->open_reader("empty");
  REQUIRE(reader.is_ok());
  CHECK(reader->size() == 0);
  Bytes out(10);
  CHECK(*reader->read_at(0, out) == 0);
}

TEST_CASE("AssetReader: without a version the newest cached one is opened and marked used", "[core][reader]") {
  CacheFixture f;
  const Bytes v1 = random_bytes(1000, 1);
  const Bytes v2 = random_bytes(2000, 2);
  f.import("doc", 1, v1);
  f.import("doc", 2, v2);
  f.clock.advance(std::chrono::hours(5));
  auto reader = f.cache->open_reader("doc");
  REQUIRE(reader.is_ok());
  CHECK(reader->version().version == 2);
  CHECK(f.cache->info({"doc", 2})->last_used == f.clock.now());
  CHECK(f.cache->info({"doc", 1})->last_used < f.clock.now());

  auto unknown = f.cache->open_reader("nope");
  REQUIRE_FALSE(unknown.is_ok());
  CHECK(unknown.status().code() == Errc::not_found);
  auto bad_version = f.cache->open_reader("doc", 7);
  CHECK(bad_version.status().code() == Errc::not_found);
}

TEST_CASE("AssetReader: a chunk damaged after opening is an integrity error, not data", "[core][reader][integrity]") {
  CacheFixture f;
  const Bytes data = random_bytes(800'000, 23);
  f.import("doc", 1, data);
  auto reader = f.cache->open_reader("doc");
  REQUIRE(reader.is_ok());
  for (const auto& file : f.chunk_files()) {
    Bytes bytes = read_file(file);
    bytes.back() ^= 0x80;  // the tag
    write_file(file, bytes);
  }
  Bytes out(100);
  auto partial = reader->read_at(5, out);  // a partial read goes through the reader's buffer
  REQUIRE_FALSE(partial.is_ok());
  CHECK(partial.status().code() == Errc::integrity);
  Bytes all(data.size());
  auto whole = reader->read_at(0, all);  // whole chunks decrypt straight into the caller's buffer
  REQUIRE_FALSE(whole.is_ok());
  CHECK(whole.status().code() == Errc::integrity);
}
