#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <csignal>
#include <fstream>

#include <SQLiteCpp/Database.h>

#include "cache_fixture.hpp"
#include "outpost/cache/content_digest.hpp"

using namespace outpost;
using namespace outpost::test;
using cache::VersionRef;

TEST_CASE("AssetCache: round trips at edge sizes", "[core][cache]") {
  CacheFixture f;
  const std::size_t kib = 1024;
  const std::size_t size = GENERATE(0u, 1u, 16 * kib - 1, 16 * kib, 16 * kib + 1, 64 * kib, 256 * kib, 256 * kib + 1,
                                    1024 * kib + 7);
  const Bytes data = random_bytes(size, size + 1);
  const auto info = f.import("doc", 1, data);
  CHECK(info.size == size);
  CHECK(info.digest == cache::content_digest(data));
  auto back = f.read_all("doc", 1);
  REQUIRE(back.is_ok());
  CHECK(*back == data);
}

TEST_CASE("AssetCache: a 50 MB version round trips and survives reopening", "[core][cache][slow]") {
  CacheFixture f;
  const Bytes data = random_bytes(50'000'000, 7);
  const auto info = f.import("video", 3, data);
  CHECK(info.chunk_count > 50'000'000 / (256 * 1024));
  f.reopen();
  auto back = f.read_all("video");
  REQUIRE(back.is_ok());
  CHECK(back->size() == data.size());
  CHECK(*back == data);
  CHECK(f.chunk_files().size() == info.chunk_count);
}

TEST_CASE("AssetCache: stored chunks do not contain the plaintext", "[core][cache][security]") {
  CacheFixture f;
  std::string text;
  for (int i = 0; i < 4000; ++i) text += "CONFIDENTIAL price sheet line " + std::to_string(i) + "\n";
  f.import("prices", 1, as_bytes(text));
  for (const auto& file : f.chunk_files()) {
    const Bytes stored = read_file(file);
    const std::string s(stored.begin(), stored.end());
    CHECK(s.find("CONFIDENTIAL") == std::string::npos);
    CHECK(file.filename().string().find(crypto::blake2b(as_bytes(text)).hex().substr(0, 16)) == std::string::npos);
  }
}

TEST_CASE("AssetCache: importing identical content again is a no-op, different content is refused", "[core][cache]") {
  CacheFixture f;
  const Bytes v1 = random_bytes(300'000, 1);
  const auto first = f.import("deck", 1, v1);
  const auto again = f.import("deck", 1, v1);
  CHECK(again.digest == first.digest);
  CHECK(f.cache->list().size() == 1);

  const Bytes other = random_bytes(300'000, 2);
  storage::MemorySource source(other);
  auto refused = f.cache->import({"deck", 1}, source);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::already_exists);
  CHECK(*f.read_all("deck", 1) == v1);
}

TEST_CASE("AssetCache: invalid asset ids and versions are refused before anything is written", "[core][cache]") {
  CacheFixture f;
  const Bytes data = random_bytes(1000, 1);
  for (const VersionRef& ref : {VersionRef{"", 1}, VersionRef{"a/b", 1}, VersionRef{"../x", 1}, VersionRef{"ok", 0}}) {
    storage::MemorySource source(data);
    auto r = f.cache->import(ref, source);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Errc::invalid_argument);
  }
  CHECK(f.cache->list().empty());
  CHECK(f.chunk_files().empty());
}

TEST_CASE("AssetCache: identical chunks are stored once", "[core][cache][dedupe]") {
  CacheFixture f;
  const Bytes data = random_bytes(2'000'000, 3);
  const auto a = f.import("a", 1, data);
  const auto before = f.cache->stats();
  f.import("b", 1, data);
  const auto after = f.cache->stats();
  CHECK(after.chunks == before.chunks);
  CHECK(after.stored_bytes == before.stored_bytes);
  CHECK(after.logical_bytes == 2 * before.logical_bytes);
  CHECK(f.chunk_files().size() == a.chunk_count);
}

TEST_CASE("AssetCache: inserting one byte at the start of 10 MB reuses at least 90% of chunks", "[core][cache][dedupe]") {
  CacheFixture f;
  const Bytes v1 = random_bytes(10 * 1024 * 1024, 11);
  Bytes v2 = v1;
  v2.insert(v2.begin(), std::uint8_t{0x42});
  const auto one = f.import("brochure", 1, v1);
  const auto chunks_before = f.cache->stats().chunks;
  const auto two = f.import("brochure", 2, v2);
  const auto added = f.cache->stats().chunks - chunks_before;
  INFO("v2 has " << two.chunk_count << " chunks, " << added << " new");
  CHECK(static_cast<double>(two.chunk_count - added) >= 0.9 * static_cast<double>(two.chunk_count));
  CHECK(one.digest != two.digest);
  CHECK(*f.read_all("brochure", 2) == v2);
}

TEST_CASE("AssetCache: a flipped byte in any chunk file is detected, never returned, and marked missing",
          "[core][cache][integrity]") {
  CacheFixture f;
  const Bytes data = random_bytes(600'000, 5);
  f.import("doc", 1, data);
  auto files = f.chunk_files();
  REQUIRE(files.size() >= 2);
  const std::size_t victim = GENERATE(0u, 1u);
  Bytes bytes = read_file(files[victim]);
  bytes[bytes.size() / 2] ^= 0x01;
  write_file(files[victim], bytes);

  auto read = f.read_all("doc", 1);
  REQUIRE_FALSE(read.is_ok());
  CHECK(read.status().code() == Errc::integrity);

  // The bad chunk is now known to be missing: opening fails fast, stats say so.
  auto reopened = f.cache->open_reader("doc", 1);
  REQUIRE_FALSE(reopened.is_ok());
  CHECK(reopened.status().code() == Errc::integrity);
  CHECK(f.cache->stats().missing_chunks == 1);
  CHECK(f.cache->info({"doc", 1})->missing_chunks == 1);

  // Importing the same content again (as a re-fetch would) repairs it.
  storage::MemorySource source(data);
  auto repaired = f.cache->import({"doc", 2}, source);
  REQUIRE(repaired.is_ok());
  CHECK(f.cache->stats().missing_chunks == 0);
  CHECK(*f.read_all("doc", 1) == data);
}

TEST_CASE("AssetCache: verify finds swapped and flipped chunk files and names the damaged versions",
          "[core][cache][integrity]") {
  CacheFixture f;
  f.import("a", 1, random_bytes(400'000, 1));
  f.import("b", 1, random_bytes(50'000, 2));
  auto clean = f.cache->verify();
  REQUIRE(clean.is_ok());
  CHECK(clean->ok());
  CHECK(clean->chunks_checked == f.chunk_files().size());

  auto files = f.chunk_files();
  REQUIRE(files.size() >= 3);
  const fs::path tmp = files[0].string() + ".swap";
  fs::rename(files[0], tmp);
  fs::rename(files[1], files[0]);
  fs::rename(tmp, files[1]);

  auto report = f.cache->verify();
  REQUIRE(report.is_ok());
  CHECK(report->bad_chunks.size() == 2);
  CHECK_FALSE(report->damaged_versions.empty());
  CHECK(f.cache->stats().missing_chunks == 2);
  // The bad files are gone, so nothing bad can be served later.
  CHECK(f.chunk_files().size() == files.size() - 2);
}

TEST_CASE("AssetCache: a different master key is refused cleanly", "[core][cache][keys]") {
  CacheFixture f;
  f.import("doc", 1, random_bytes(10'000, 1));
  f.cache.reset();
  SeededRandom other_random(7);
  const auto other = crypto::SecretKey::random(other_random, 32);
  auto opened = cache::AssetCache::open(f.cache_dir(), other, f.clock, f.random);
  REQUIRE_FALSE(opened.is_ok());
  CHECK(opened.status().code() == Errc::wrong_key);
  f.reopen();
  CHECK(f.read_all("doc").is_ok());
}

TEST_CASE("AssetCache: a second instance on the same directory is refused as busy", "[core][cache]") {
  CacheFixture f;
  auto second = cache::AssetCache::open(f.cache_dir(), f.master, f.clock, f.random);
  REQUIRE_FALSE(second.is_ok());
  CHECK(second.status().code() == Errc::busy);
  CHECK(second.status().transient());
}

TEST_CASE("AssetCache: an index from a newer Outpost is refused, not modified", "[core][cache]") {
  CacheFixture f;
  f.cache.reset();
  {
    SQLite::Database db((f.cache_dir() / "cache.db").string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version=99");
  }
  auto opened = cache::AssetCache::open(f.cache_dir(), f.master, f.clock, f.random);
  REQUIRE_FALSE(opened.is_ok());
  CHECK(opened.status().code() == Errc::unsupported);
  SQLite::Database db((f.cache_dir() / "cache.db").string(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 99);
}

TEST_CASE("AssetCache: opening without create on an empty directory is not_found", "[core][cache]") {
  TempDir dir;
  SeededRandom random(1);
  ManualClock clock;
  const auto master = crypto::SecretKey::random(random, 32);
  cache::AssetCache::Options options;
  options.create = false;
  auto opened = cache::AssetCache::open(dir / "nothing", master, clock, random, options);
  REQUIRE_FALSE(opened.is_ok());
  CHECK(opened.status().code() == Errc::not_found);
}

TEST_CASE("AssetCache: eviction takes superseded, then least recently used, never pinned", "[core][cache][evict]") {
  CacheFixture f;
  using std::chrono::minutes;
  f.import("a", 1, random_bytes(100'000, 1));
  f.clock.advance(minutes(1));
  f.import("a", 2, random_bytes(100'000, 2));
  f.clock.advance(minutes(1));
  f.import("b", 1, random_bytes(100'000, 3));
  f.clock.advance(minutes(1));
  f.import("c", 1, random_bytes(100'000, 4));
  f.clock.advance(minutes(1));
  REQUIRE(f.cache->open_reader("b").is_ok());  // b is now the most recently used
  REQUIRE(f.cache->set_pinned({"a", 2}, true).is_ok());
  CHECK(f.cache->info({"a", 1})->superseded);
  CHECK_FALSE(f.cache->info({"a", 2})->superseded);

  auto report = f.cache->evict_to(0);
  REQUIRE(report.is_ok());
  REQUIRE(report->evicted.size() == 3);
  CHECK(report->evicted[0] == VersionRef{"a", 1});
  CHECK(report->evicted[1] == VersionRef{"c", 1});
  CHECK(report->evicted[2] == VersionRef{"b", 1});
  CHECK_FALSE(report->reached_target);
  CHECK(f.cache->list().size() == 1);
  CHECK(f.read_all("a", 2).is_ok());
  CHECK(report->stored_bytes == f.cache->stats().stored_bytes);

  REQUIRE(f.cache->set_pinned({"a", 2}, false).is_ok());
  auto rest = f.cache->evict_to(0);
  REQUIRE(rest.is_ok());
  CHECK(rest->reached_target);
  CHECK(f.cache->stats().stored_bytes == 0);
  CHECK(f.chunk_files().empty());
}

TEST_CASE("AssetCache: a pinned asset keeps its current version, not the ones it replaced", "[core][cache][evict]") {
  CacheFixture f;
  REQUIRE(f.cache->set_asset_pinned("deck", true).is_ok());  // before any version is cached
  CHECK(f.cache->pinned_assets() == std::vector<std::string>{"deck"});
  CHECK(f.cache->set_asset_pinned("bad id!", true).code() == Errc::invalid_argument);
  f.import("deck", 1, random_bytes(100'000, 1));
  f.import("other", 1, random_bytes(100'000, 2));
  CHECK(f.cache->info({"deck", 1})->pinned);
  CHECK(f.cache->stats().pinned_versions == 1);

  auto first = f.cache->evict_to(0);
  REQUIRE(first.is_ok());
  CHECK(first->evicted == std::vector<VersionRef>{{"other", 1}});
  f.import("deck", 2, random_bytes(100'000, 3));
  CHECK_FALSE(f.cache->info({"deck", 1})->pinned);  // replaced: no longer kept
  CHECK(f.cache->info({"deck", 2})->pinned);
  auto second = f.cache->evict_to(0);
  REQUIRE(second.is_ok());
  CHECK(second->evicted == std::vector<VersionRef>{{"deck", 1}});
  CHECK(f.read_all("deck", 2).is_ok());

  f.reopen();
  CHECK(f.cache->pinned_assets() == std::vector<std::string>{"deck"});
  REQUIRE(f.cache->set_asset_pinned("deck", false).is_ok());
  REQUIRE(f.cache->set_asset_pinned("deck", false).is_ok());  // idempotent
  CHECK(f.cache->pinned_assets().empty());
  auto last = f.cache->evict_to(0);
  REQUIRE(last.is_ok());
  CHECK(last->reached_target);
  CHECK(f.cache->list().empty());
}

TEST_CASE("AssetCache: eviction stops as soon as the target is met", "[core][cache][evict]") {
  CacheFixture f;
  f.import("a", 1, random_bytes(100'000, 1));
  f.clock.advance(std::chrono::seconds(1));
  f.import("b", 1, random_bytes(100'000, 2));
  const auto total = f.cache->stats().stored_bytes;
  auto report = f.cache->evict_to(total - 1);
  REQUIRE(report.is_ok());
  CHECK(report->evicted == std::vector<VersionRef>{{"a", 1}});
  CHECK(report->reached_target);
  CHECK(f.read_all("b").is_ok());
}

TEST_CASE("AssetCache: the quota evicts older versions after an import, never the new one", "[core][cache][evict]") {
  CacheFixture f;
  f.import("a", 1, random_bytes(200'000, 1));
  f.clock.advance(std::chrono::seconds(1));
  REQUIRE(f.cache->set_quota(300'000).is_ok());
  f.import("b", 1, random_bytes(200'000, 2));
  CHECK_FALSE(f.cache->info({"a", 1}).is_ok());
  CHECK(f.read_all("b").is_ok());
  CHECK(f.cache->stats().quota == std::optional<std::uint64_t>(300'000));

  // A version larger than the quota is still kept: the user asked for it.
  f.import("c", 1, random_bytes(400'000, 3));
  CHECK(f.read_all("c").is_ok());
  REQUIRE(f.cache->set_quota(std::nullopt).is_ok());
  CHECK_FALSE(f.cache->stats().quota.has_value());
}

TEST_CASE("AssetCache: shredding keeps chunks another version still uses", "[core][cache][shred]") {
  CacheFixture f;
  const Bytes shared = random_bytes(500'000, 9);
  Bytes extended = shared;
  const Bytes tail = random_bytes(300'000, 10);
  extended.insert(extended.end(), tail.begin(), tail.end());
  f.import("a", 1, shared);
  f.import("b", 1, extended);
  const auto both = f.chunk_files().size();

  REQUIRE(f.cache->shred({"a", 1}).is_ok());
  CHECK_FALSE(f.cache->info({"a", 1}).is_ok());
  CHECK(*f.read_all("b") == extended);
  CHECK(f.chunk_files().size() <= both);

  REQUIRE(f.cache->shred({"b", 1}).is_ok());
  CHECK(f.chunk_files().empty());
  CHECK(f.cache->stats().chunks == 0);

  auto missing = f.cache->shred({"b", 1});
  CHECK(missing.code() == Errc::not_found);
  CHECK(f.cache->set_pinned({"zzz", 1}, true).code() == Errc::not_found);
}

TEST_CASE("AssetCache: a full disk fails the import cleanly and keeps what was there", "[core][cache][faults]") {
  CacheFixture f;
  const Bytes kept = random_bytes(300'000, 1);
  f.import("kept", 1, kept);
  const auto files_before = f.chunk_files();
  f.cache.reset();

  // The child may grow no file beyond 100 kB, so writing a large chunk fails
  // the way a full disk does (EFBIG instead of ENOSPC).
  const pid_t pid = fork_child([&]() -> int {
    struct rlimit limit {
      100'000, 100'000
    };
    ::signal(SIGXFSZ, SIG_IGN);
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 10;
    ManualClock clock;
    auto opened = cache::AssetCache::open(f.cache_dir(), f.master, clock, f.random);
    if (!opened) return 11;
    const Bytes data = random_bytes(8'000'000, 2);
    storage::MemorySource source(data);
    auto result = (*opened)->import({"big", 1}, source);
    if (result.is_ok()) return 12;
    return result.status().code() == Errc::disk_full ? 0 : 13;
  });
  CHECK(wait_child(pid) == 0);

  f.cache = f.open();
  CHECK_FALSE(f.cache->info({"big", 1}).is_ok());
  CHECK(*f.read_all("kept") == kept);
  auto report = f.cache->verify();
  REQUIRE(report.is_ok());
  CHECK(report->ok());
  CHECK(f.chunk_files() == files_before);
  CHECK(f.temp_files() == 0);
}

TEST_CASE("AssetCache: evicting a damaged version accounts only for the chunks still on disk", "[core][cache][evict]") {
  CacheFixture f;
  f.import("doc", 1, random_bytes(500'000, 31));
  const auto files = f.chunk_files();
  REQUIRE(files.size() >= 2);
  Bytes bytes = read_file(files[0]);
  bytes[10] ^= 0x10;
  write_file(files[0], bytes);
  REQUIRE(f.cache->verify().is_ok());
  REQUIRE(f.cache->stats().missing_chunks == 1);

  auto report = f.cache->evict_to(0);
  REQUIRE(report.is_ok());
  CHECK(report->reached_target);
  CHECK(report->stored_bytes == 0);
  CHECK(f.cache->stats().stored_bytes == 0);
  CHECK(f.cache->stats().chunks == 0);
  CHECK(f.chunk_files().empty());
}
