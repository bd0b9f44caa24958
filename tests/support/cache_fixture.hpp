// A temp cache with a seeded key, a manual clock, and shortcuts used by the
// cache tests.
#pragma once

#include <catch2/catch.hpp>

#include <memory>

#include "outpost/cache/asset_cache.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/storage/byte_source.hpp"
#include "test_support.hpp"

namespace outpost::test {

struct CacheFixture {
  TempDir dir;
  SeededRandom random{42};
  ManualClock clock;
  crypto::SecretKey master = crypto::SecretKey::random(random, 32);
  std::unique_ptr<cache::AssetCache> cache = open();

  fs::path cache_dir() const { return dir.path() / "cache"; }

  std::unique_ptr<cache::AssetCache> open() {
    auto opened = cache::AssetCache::open(cache_dir(), master, clock, random);
    INFO(opened.status().to_string());
    REQUIRE(opened.is_ok());
    return std::move(opened).value();
  }

  void reopen() {
    cache.reset();
    cache = open();
  }

  cache::VersionInfo import(const std::string& asset, std::uint64_t version, ByteView data) {
    storage::MemorySource source(data);
    auto result = cache->import({asset, version}, source);
    INFO(result.status().to_string());
    REQUIRE(result.is_ok());
    return *result;
  }

  Result<Bytes> read_all(const std::string& asset, std::optional<std::uint64_t> version = std::nullopt) {
    auto reader = cache->open_reader(asset, version);
    if (!reader) return reader.status();
    Bytes out(reader->size());
    auto n = reader->read_at(0, out);
    if (!n) return n.status();
    out.resize(*n);
    return out;
  }

  // Chunk files on disk (not counting temp files).
  std::vector<fs::path> chunk_files() const {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(cache_dir() / "chunks")) {
      if (entry.is_regular_file() && entry.path().parent_path().filename() != "tmp") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  std::size_t temp_files() const {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(cache_dir() / "chunks" / "tmp"), fs::directory_iterator()));
  }
};

}  // namespace outpost::test
