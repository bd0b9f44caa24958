// Filling a version chunk by chunk, as a sync does: recipes and their
// checks, add_recipe, store_chunks in any order and across restarts and
// kill -9, import completing what a sync began, and how the rest of the
// cache (reader, verify, shred, eviction) treats an incomplete version.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <random>
#include <set>
#include <thread>

#include "cache_fixture.hpp"
#include "outpost/cache/content_digest.hpp"

using namespace outpost;
using namespace outpost::test;
using cache::ChunkData;
using cache::ChunkId;
using cache::ChunkSpec;
using cache::RecipeEntry;
using cache::VersionRef;

namespace {

// The received form of the given recipe entries: views into data.
std::vector<ChunkData> chunk_data(const Bytes& data, const std::vector<RecipeEntry>& entries) {
  std::vector<ChunkData> out;
  for (const RecipeEntry& e : entries) out.push_back({e.id, ByteView(data).subspan(e.offset, e.size)});
  return out;
}

std::set<ChunkId> ids_of(const std::vector<ChunkSpec>& specs) {
  std::set<ChunkId> out;
  for (const ChunkSpec& s : specs) out.insert(s.id);
  return out;
}

std::set<ChunkId> ids_of(const std::vector<RecipeEntry>& entries) {
  std::set<ChunkId> out;
  for (const RecipeEntry& e : entries) out.insert(e.id);
  return out;
}

// The recipe entries (one per distinct chunk) that the cache still lacks.
std::vector<RecipeEntry> missing_entries(cache::AssetCache& c, const VersionRef& ref,
                                         const std::vector<RecipeEntry>& recipe) {
  auto missing = c.missing_chunks(ref);
  REQUIRE(missing.is_ok());
  std::set<ChunkId> wanted = ids_of(*missing);
  std::vector<RecipeEntry> out;
  for (const RecipeEntry& e : recipe) {
    if (wanted.erase(e.id) > 0) out.push_back(e);
  }
  return out;
}

cache::VersionInfo add(CacheFixture& f, const VersionRef& ref, const cache::Recipe& recipe) {
  auto info = f.cache->add_recipe(ref, recipe.entries, recipe.digest, recipe.size);
  INFO(info.status().to_string());
  REQUIRE(info.is_ok());
  return *info;
}

void store(CacheFixture& f, const std::vector<ChunkData>& batch) {
  auto report = f.cache->store_chunks(batch);
  INFO(report.status().to_string());
  REQUIRE(report.is_ok());
}

std::size_t distinct_chunks(const cache::Recipe& recipe) { return ids_of(recipe.entries).size(); }

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

}  // namespace

TEST_CASE("Recipe: make_recipe tiles the content and gives content_digest's digest", "[core][cache][recipe]") {
  const std::size_t size = GENERATE(0u, 1u, 70'000u, 1'500'000u);
  const Bytes data = random_bytes(size, 500 + size);
  const cache::Recipe recipe = cache::make_recipe(data);
  CHECK(recipe.size == size);
  CHECK(recipe.digest == cache::content_digest(data));
  CHECK(recipe.digest == cache::recipe_digest(recipe.entries));
  std::uint64_t offset = 0;
  for (const RecipeEntry& e : recipe.entries) {
    CHECK(e.offset == offset);
    CHECK(e.id == crypto::blake2b(ByteView(data).subspan(e.offset, e.size)));
    offset += e.size;
  }
  CHECK(offset == size);
  CHECK(cache::check_recipe(recipe.entries, recipe.size, recipe.digest).is_ok());

  storage::MemorySource source(data);
  const cache::Recipe streamed = cache::make_recipe(source);
  CHECK(streamed.digest == recipe.digest);
  CHECK(streamed.entries.size() == recipe.entries.size());
}

TEST_CASE("Recipe: check_recipe refuses gaps, overlaps, bad sizes and a wrong digest", "[core][cache][recipe]") {
  const Bytes data = random_bytes(900'000, 3);
  cache::Recipe r = cache::make_recipe(data);
  REQUIRE(r.entries.size() >= 3);
  std::string expect;

  SECTION("a gap") {
    r.entries[1].offset += 1;  // offsets are not part of the digest: only the layout check can catch this
    expect = "gap";
  }
  SECTION("an overlap") {
    r.entries[2].offset -= 1;
    expect = "overlap";
  }
  SECTION("a total that is not the version size") {
    r.size += 1;
    expect = "covers";
  }
  SECTION("a wrong digest") {
    r.digest.bytes[0] ^= 1;
    expect = "digest";
  }
  SECTION("an empty chunk") {
    r.entries.insert(r.entries.begin() + 1, RecipeEntry{crypto::blake2b({}), r.entries[1].offset, 0});
    r.digest = cache::recipe_digest(r.entries);
    expect = "1 to 262144 bytes";
  }
  SECTION("a chunk over 256 KiB") {
    const Bytes big = random_bytes(256 * 1024 + 1, 4);
    r.entries = {RecipeEntry{crypto::blake2b(big), 0, static_cast<std::uint32_t>(big.size())}};
    r.size = big.size();
    r.digest = cache::recipe_digest(r.entries);
    expect = "1 to 262144 bytes";
  }
  const Status s = cache::check_recipe(r.entries, r.size, r.digest);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.code() == Errc::integrity);
  CHECK_THAT(s.message(), Catch::Contains(expect));
}

TEST_CASE("AssetCache: a version added by recipe and filled in random order in batches reads back exactly",
          "[core][cache][fill]") {
  CacheFixture f;
  const Bytes data = random_bytes(3'000'000, 21);
  const cache::Recipe recipe = cache::make_recipe(data);
  const VersionRef ref{"manual", 1};

  const cache::VersionInfo info = add(f, ref, recipe);
  CHECK(info.size == data.size());
  CHECK(info.digest == recipe.digest);
  CHECK(info.chunk_count == recipe.entries.size());
  CHECK(info.missing_chunks == distinct_chunks(recipe));
  CHECK(f.cache->stats().stored_bytes == 0);
  CHECK(f.chunk_files().empty());
  REQUIRE(f.cache->presence(ref).has_value());
  CHECK_FALSE(f.cache->presence(ref)->complete);
  CHECK(f.cache->incomplete_versions() == std::vector<VersionRef>{ref});
  auto recorded = f.cache->recipe(ref);
  REQUIRE(recorded.is_ok());
  REQUIRE(recorded->size() == recipe.entries.size());
  for (std::size_t i = 0; i < recorded->size(); ++i) {
    CHECK((*recorded)[i].id == recipe.entries[i].id);
    CHECK((*recorded)[i].offset == recipe.entries[i].offset);
    CHECK((*recorded)[i].size == recipe.entries[i].size);
  }

  auto refused = f.cache->open_reader("manual", 1);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::integrity);
  CHECK_THAT(
      refused.status().message(),
      Catch::Contains("manual@1 is incomplete: " + std::to_string(info.missing_chunks) + " chunk(s) still to fetch"));

  std::vector<ChunkData> all = chunk_data(data, missing_entries(*f.cache, ref, recipe.entries));
  std::mt19937 rng(7);
  std::shuffle(all.begin(), all.end(), rng);
  std::size_t left = all.size();
  for (std::size_t at = 0; at < all.size();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 7, all.size() - at);
    const std::vector<ChunkData> batch(all.begin() + static_cast<std::ptrdiff_t>(at),
                                       all.begin() + static_cast<std::ptrdiff_t>(at + n));
    auto report = f.cache->store_chunks(batch);
    REQUIRE(report.is_ok());
    CHECK(report->stored == n);
    CHECK(report->already_present == 0);
    at += n;
    left -= n;
    CHECK(f.cache->missing_chunks(ref)->size() == left);
    CHECK(f.cache->info(ref)->missing_chunks == left);
  }

  CHECK(f.cache->presence(ref)->complete);
  CHECK(f.cache->incomplete_versions().empty());
  auto back = f.read_all("manual", 1);
  REQUIRE(back.is_ok());
  CHECK(*back == data);
  CHECK(f.chunk_files().size() == distinct_chunks(recipe));
  auto verified = f.cache->verify();
  REQUIRE(verified.is_ok());
  CHECK(verified->ok());
  CHECK(verified->damaged_versions.empty());

  // Storing the same chunks again changes nothing.
  auto again = f.cache->store_chunks(chunk_data(data, recipe.entries));
  REQUIRE(again.is_ok());
  CHECK(again->stored == 0);
  CHECK(again->already_present == recipe.entries.size());
}

TEST_CASE("AssetCache: a recipe sharing chunks with a cached version lacks only the new ones", "[core][cache][fill]") {
  CacheFixture f;
  const Bytes shared = random_bytes(1'200'000, 8);
  Bytes extended = shared;
  const Bytes tail = random_bytes(500'000, 9);
  extended.insert(extended.end(), tail.begin(), tail.end());
  f.import("price-list", 1, shared);
  const auto stored_before = f.cache->stats().stored_bytes;
  const auto files_before = f.chunk_files();

  const cache::Recipe one = cache::make_recipe(shared);
  const cache::Recipe two = cache::make_recipe(extended);
  std::set<ChunkId> expected_missing;
  for (const RecipeEntry& e : two.entries) {
    if (!ids_of(one.entries).contains(e.id)) expected_missing.insert(e.id);
  }
  REQUIRE_FALSE(expected_missing.empty());
  REQUIRE(expected_missing.size() < distinct_chunks(two));  // content-defined chunking shares the prefix

  const auto info = add(f, {"price-list", 2}, two);
  CHECK(info.missing_chunks == expected_missing.size());
  auto missing = f.cache->missing_chunks({"price-list", 2});
  REQUIRE(missing.is_ok());
  CHECK(ids_of(*missing) == expected_missing);
  CHECK(f.cache->stats().stored_bytes == stored_before);
  CHECK(f.chunk_files() == files_before);
  // An incomplete newer version does not supersede the one that can be shown.
  CHECK_FALSE(f.cache->info({"price-list", 1})->superseded);
  auto newest = f.cache->open_reader("price-list");
  REQUIRE(newest.is_ok());
  CHECK(newest->version() == VersionRef{"price-list", 1});

  // Offering every chunk stores only the missing ones.
  auto report = f.cache->store_chunks(chunk_data(extended, two.entries));
  REQUIRE(report.is_ok());
  CHECK(report->stored == expected_missing.size());
  CHECK(report->already_present == two.entries.size() - expected_missing.size());
  CHECK(*f.read_all("price-list", 2) == extended);
  CHECK(*f.read_all("price-list", 1) == shared);
  CHECK(f.cache->info({"price-list", 1})->superseded);
  CHECK(f.cache->open_reader("price-list")->version() == VersionRef{"price-list", 2});
}

TEST_CASE("AssetCache: store_chunks refuses a tampered chunk and keeps nothing of its batch", "[core][cache][fill]") {
  CacheFixture f;
  const Bytes data = random_bytes(1'000'000, 12);
  const cache::Recipe recipe = cache::make_recipe(data);
  const VersionRef ref{"doc", 1};
  add(f, ref, recipe);
  REQUIRE(recipe.entries.size() >= 4);

  Bytes tampered(data.begin(), data.end());
  const RecipeEntry& victim = recipe.entries[2];
  tampered[victim.offset + victim.size / 2] ^= 0x20;
  std::vector<ChunkData> batch = chunk_data(data, recipe.entries);
  batch[2].bytes = ByteView(tampered).subspan(victim.offset, victim.size);

  auto refused = f.cache->store_chunks(batch);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::integrity);
  CHECK_THAT(refused.status().message(), Catch::Contains(victim.id.hex().substr(0, 16)));
  CHECK(f.cache->missing_chunks(ref)->size() == distinct_chunks(recipe));  // the good chunks before it too
  CHECK(f.chunk_files().empty());
  CHECK(f.temp_files() == 0);
  CHECK(f.cache->stats().stored_bytes == 0);
}

TEST_CASE("AssetCache: store_chunks refuses a chunk of the wrong size and one no version uses", "[core][cache][fill]") {
  CacheFixture f;
  const Bytes data = random_bytes(600'000, 13);
  const cache::Recipe recipe = cache::make_recipe(data);
  const VersionRef ref{"doc", 1};
  add(f, ref, recipe);
  const RecipeEntry& first = recipe.entries[0];

  SECTION("wrong size") {
    // The right id with one byte short: refused on size, before hashing.
    auto refused = f.cache->store_chunks({{first.id, ByteView(data).subspan(0, first.size - 1)}});
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().code() == Errc::integrity);
    CHECK_THAT(refused.status().message(), Catch::Contains(first.id.hex().substr(0, 16)));
    CHECK_THAT(refused.status().message(), Catch::Contains(std::to_string(first.size)));
  }
  SECTION("unknown chunk") {
    const Bytes stranger = random_bytes(40'000, 99);
    auto refused =
        f.cache->store_chunks({chunk_data(data, {first})[0], ChunkData{crypto::blake2b(stranger), ByteView(stranger)}});
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().code() == Errc::invalid_argument);
    CHECK_THAT(refused.status().message(), Catch::Contains("not a missing chunk of any cached version"));
    CHECK_THAT(refused.status().message(), Catch::Contains(crypto::blake2b(stranger).hex().substr(0, 16)));
  }
  CHECK(f.cache->missing_chunks(ref)->size() == distinct_chunks(recipe));
  CHECK(f.chunk_files().empty());
}

TEST_CASE("AssetCache: add_recipe is idempotent, refuses another digest, a bad recipe and a bad name",
          "[core][cache][fill]") {
  CacheFixture f;
  const Bytes data = random_bytes(700'000, 14);
  const cache::Recipe recipe = cache::make_recipe(data);
  const VersionRef ref{"deck", 3};
  add(f, ref, recipe);
  store(f, chunk_data(data, {recipe.entries[0]}));
  const std::size_t missing = f.cache->info(ref)->missing_chunks;

  const auto again = add(f, ref, recipe);
  CHECK(again.digest == recipe.digest);
  CHECK(again.missing_chunks == missing);  // what was stored stays
  CHECK(f.cache->list().size() == 1);

  const cache::Recipe other = cache::make_recipe(random_bytes(700'000, 15));
  auto refused = f.cache->add_recipe(ref, other.entries, other.digest, other.size);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::already_exists);
  CHECK_THAT(refused.status().message(), Catch::Contains("deck@3 is already cached with different content"));

  // A recipe that does not hash to the digest it comes with records nothing.
  auto bad = f.cache->add_recipe({"deck", 4}, recipe.entries, other.digest, recipe.size);
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == Errc::integrity);
  CHECK_FALSE(f.cache->info({"deck", 4}).is_ok());

  // A self-consistent recipe that gives a chunk the cache holds another size
  // would skew the offsets of the versions sharing it: refused, nothing recorded.
  std::vector<RecipeEntry> liar = {recipe.entries[0]};
  liar[0].size -= 1;
  auto lying = f.cache->add_recipe({"deck", 5}, liar, cache::recipe_digest(liar), liar[0].size);
  REQUIRE_FALSE(lying.is_ok());
  CHECK(lying.status().code() == Errc::integrity);
  CHECK_THAT(lying.status().message(), Catch::Contains(recipe.entries[0].id.hex().substr(0, 16)));
  CHECK_FALSE(f.cache->info({"deck", 5}).is_ok());
  CHECK(f.cache->stats().chunks == distinct_chunks(recipe));

  auto badly_named = f.cache->add_recipe({"../deck", 1}, recipe.entries, recipe.digest, recipe.size);
  REQUIRE_FALSE(badly_named.is_ok());
  CHECK(badly_named.status().code() == Errc::invalid_argument);

  // A version imported whole can be "added" again by its recipe: nothing to fetch.
  f.import("brochure", 1, data);
  const auto imported = add(f, {"brochure", 1}, recipe);
  CHECK(imported.missing_chunks == 0);
  CHECK(f.cache->list().size() == 2);
  CHECK(f.cache->missing_chunks({"brochure", 1})->empty());
  CHECK(f.cache->missing_chunks({"nope", 1}).status().code() == Errc::not_found);
  CHECK(f.cache->recipe({"nope", 1}).status().code() == Errc::not_found);
}

TEST_CASE("AssetCache: a chunk repeated in a recipe is fetched and counted once", "[core][cache][fill]") {
  CacheFixture f;
  const Bytes zeros(2'000'000, 0);  // the chunker cuts equal chunks from equal bytes
  const cache::Recipe recipe = cache::make_recipe(zeros);
  REQUIRE(distinct_chunks(recipe) < recipe.entries.size());
  const VersionRef ref{"blank", 1};
  const auto info = add(f, ref, recipe);
  CHECK(info.chunk_count == recipe.entries.size());
  CHECK(info.missing_chunks == distinct_chunks(recipe));
  CHECK(f.cache->missing_chunks(ref)->size() == distinct_chunks(recipe));

  auto report = f.cache->store_chunks(chunk_data(zeros, recipe.entries));
  REQUIRE(report.is_ok());
  CHECK(report->stored == distinct_chunks(recipe));
  CHECK(report->already_present == recipe.entries.size() - distinct_chunks(recipe));
  CHECK(*f.read_all("blank") == zeros);
}

TEST_CASE("AssetCache: a fill resumes after the cache is closed and reopened", "[core][cache][fill]") {
  CacheFixture f;
  const Bytes data = random_bytes(2'000'000, 16);
  const cache::Recipe recipe = cache::make_recipe(data);
  const VersionRef ref{"video", 2};
  add(f, ref, recipe);
  const std::vector<RecipeEntry> to_fetch = missing_entries(*f.cache, ref, recipe.entries);
  const std::size_t half = to_fetch.size() / 2;
  REQUIRE(half > 0);
  store(f, chunk_data(data, std::vector<RecipeEntry>(to_fetch.begin(), to_fetch.begin() + static_cast<std::ptrdiff_t>(half))));
  const auto files = f.chunk_files();
  CHECK(files.size() == half);

  f.reopen();
  CHECK(f.chunk_files() == files);
  const std::vector<RecipeEntry> rest = missing_entries(*f.cache, ref, recipe.entries);
  CHECK(ids_of(rest) == ids_of(std::vector<RecipeEntry>(to_fetch.begin() + static_cast<std::ptrdiff_t>(half), to_fetch.end())));
  CHECK(f.cache->incomplete_versions() == std::vector<VersionRef>{ref});
  store(f, chunk_data(data, rest));
  CHECK(*f.read_all("video", 2) == data);
}

TEST_CASE("AssetCache: kill -9 during store_chunks leaves a consistent cache and the fill resumes",
          "[core][cache][fill][crash]") {
  CacheFixture f;
  const Bytes data = random_bytes(6'000'000, 17);
  const cache::Recipe recipe = cache::make_recipe(data);
  const VersionRef ref{"deck", 1};
  add(f, ref, recipe);
  f.cache.reset();
  std::mt19937 rng(5);
  bool killed_midway = false;

  for (int round = 0; round < 5; ++round) {
    const int batches_before_kill = 1 + static_cast<int>(rng() % 3);
    const int delay_ms = static_cast<int>(rng() % 30);
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t pid = fork_child([&]() -> int {
      ManualClock clock;
      auto opened = cache::AssetCache::open(f.cache_dir(), f.master, clock, f.random);
      if (!opened) return 11;
      while (true) {
        auto missing = (*opened)->missing_chunks(ref);
        if (!missing) return 12;
        if (missing->empty()) return 0;
        std::set<ChunkId> take;
        for (const ChunkSpec& s : *missing) {
          if (take.size() < 6) take.insert(s.id);
        }
        std::vector<RecipeEntry> entries;
        for (const RecipeEntry& e : recipe.entries) {
          if (take.erase(e.id) > 0) entries.push_back(e);
        }
        const char c = 's';
        [[maybe_unused]] auto n = ::write(pipe_fds[1], &c, 1);
        if (!(*opened)->store_chunks(chunk_data(data, entries))) return 13;
      }
    });
    ::close(pipe_fds[1]);
    int seen = 0;
    char c = 0;
    while (seen < batches_before_kill && wait_readable(pipe_fds[0], 30'000) && ::read(pipe_fds[0], &c, 1) == 1) ++seen;
    ::close(pipe_fds[0]);
    // Lets the child run a random time into its next batch, so the kill lands within it: no clock can stand in.
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    const int code = wait_child(pid);
    CHECK((code == -SIGKILL || code == 0));
    killed_midway = killed_midway || code == -SIGKILL;

    f.cache = f.open();
    auto report = f.cache->verify();
    REQUIRE(report.is_ok());
    CHECK(report->ok());
    const auto stats = f.cache->stats();
    // Every chunk file on disk is a present chunk; the missing ones have none.
    CHECK(f.chunk_files().size() == stats.chunks - stats.missing_chunks);
    CHECK(f.temp_files() == 0);
    CHECK(f.cache->missing_chunks(ref)->size() == stats.missing_chunks);
    f.cache.reset();
  }
  CHECK(killed_midway);

  f.cache = f.open();
  store(f, chunk_data(data, missing_entries(*f.cache, ref, recipe.entries)));
  CHECK(f.cache->presence(ref)->complete);
  CHECK(*f.read_all("deck", 1) == data);
}

TEST_CASE("AssetCache: a full disk fails store_chunks cleanly", "[core][cache][fill][faults]") {
  CacheFixture f;
  const Bytes data = random_bytes(2'000'000, 18);
  const cache::Recipe recipe = cache::make_recipe(data);
  const VersionRef ref{"big", 1};
  add(f, ref, recipe);
  // Small chunks first, so some are written before a large one fails.
  std::vector<RecipeEntry> order = missing_entries(*f.cache, ref, recipe.entries);
  std::sort(order.begin(), order.end(), [](const RecipeEntry& a, const RecipeEntry& b) { return a.size < b.size; });
  REQUIRE(order.front().size < 90'000);
  REQUIRE(order.back().size > 110'000);
  f.cache.reset();

  const pid_t pid = fork_child([&]() -> int {
    struct rlimit limit {
      100'000, 100'000
    };
    ::signal(SIGXFSZ, SIG_IGN);
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 10;
    ManualClock clock;
    auto opened = cache::AssetCache::open(f.cache_dir(), f.master, clock, f.random);
    if (!opened) return 11;
    auto result = (*opened)->store_chunks(chunk_data(data, order));
    if (result.is_ok()) return 12;
    return result.status().code() == Errc::disk_full ? 0 : 13;
  });
  CHECK(wait_child(pid) == 0);
  CHECK(f.chunk_files().empty());  // before reopening: the failed call itself left no chunk file

  f.cache = f.open();
  CHECK(f.chunk_files().empty());
  CHECK(f.temp_files() == 0);
  CHECK(f.cache->missing_chunks(ref)->size() == order.size());
  store(f, chunk_data(data, order));
  CHECK(*f.read_all("big") == data);
}

TEST_CASE("AssetCache: import completes a version a sync began, reusing what was stored", "[core][cache][fill]") {
  CacheFixture f;
  const Bytes data = random_bytes(1'500'000, 19);
  const cache::Recipe recipe = cache::make_recipe(data);
  const VersionRef ref{"catalogue", 5};
  add(f, ref, recipe);
  const std::vector<RecipeEntry> to_fetch = missing_entries(*f.cache, ref, recipe.entries);
  REQUIRE(to_fetch.size() >= 2);
  store(f, chunk_data(data, {to_fetch[0]}));
  const fs::path first_file = f.chunk_files().at(0);
  const Bytes first_bytes = read_file(first_file);

  // Other content under the same name is refused and writes nothing.
  const Bytes other = random_bytes(1'500'000, 20);
  storage::MemorySource wrong(other);
  auto refused = f.cache->import(ref, wrong);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::already_exists);
  CHECK(f.chunk_files().size() == 1);
  CHECK(f.cache->info(ref)->missing_chunks == to_fetch.size() - 1);

  std::uint64_t progressed = 0;
  storage::MemorySource right(data);
  auto filled = f.cache->import(ref, right, [&](std::uint64_t done, std::uint64_t) { progressed = done; });
  REQUIRE(filled.is_ok());
  CHECK(filled->missing_chunks == 0);
  CHECK(progressed == data.size());
  CHECK(read_file(first_file) == first_bytes);  // the stored chunk was kept, not rewritten
  CHECK(f.chunk_files().size() == distinct_chunks(recipe));
  CHECK(*f.read_all("catalogue", 5) == data);
  CHECK(f.cache->list().size() == 1);
}

TEST_CASE("AssetCache: shredding an incomplete version removes its stored chunks and rows", "[core][cache][fill]") {
  CacheFixture f;
  const Bytes kept = random_bytes(400'000, 22);
  f.import("kept", 1, kept);
  const auto kept_files = f.chunk_files();
  const auto kept_stats = f.cache->stats();

  const Bytes data = random_bytes(900'000, 23);
  const cache::Recipe recipe = cache::make_recipe(data);
  const VersionRef ref{"partial", 1};
  add(f, ref, recipe);
  const std::vector<RecipeEntry> to_fetch = missing_entries(*f.cache, ref, recipe.entries);
  REQUIRE(to_fetch.size() >= 2);
  store(f, chunk_data(data, {to_fetch[0]}));
  REQUIRE(f.chunk_files().size() == kept_files.size() + 1);

  REQUIRE(f.cache->shred(ref).is_ok());
  CHECK(f.cache->info(ref).status().code() == Errc::not_found);
  CHECK(f.cache->missing_chunks(ref).status().code() == Errc::not_found);
  CHECK(f.chunk_files() == kept_files);
  CHECK(f.cache->stats().chunks == kept_stats.chunks);
  CHECK(f.cache->stats().missing_chunks == 0);
  CHECK(f.cache->stats().stored_bytes == kept_stats.stored_bytes);
  CHECK(f.cache->incomplete_versions().empty());
  CHECK(*f.read_all("kept") == kept);
  // Its chunks are unknown now: a late arrival is refused, not stored.
  CHECK(f.cache->store_chunks(chunk_data(data, {to_fetch[1]})).status().code() == Errc::invalid_argument);
}

TEST_CASE("AssetCache: verify and eviction treat an incomplete version sanely", "[core][cache][fill][evict]") {
  CacheFixture f;
  const Bytes data = random_bytes(800'000, 24);
  const cache::Recipe recipe = cache::make_recipe(data);
  const VersionRef ref{"partial", 1};
  add(f, ref, recipe);
  const std::vector<RecipeEntry> to_fetch = missing_entries(*f.cache, ref, recipe.entries);
  REQUIRE(to_fetch.size() >= 2);
  store(f, chunk_data(data, {to_fetch[0]}));

  // Verify checks the chunks present and reports none bad for the ones not fetched yet.
  auto report = f.cache->verify();
  REQUIRE(report.is_ok());
  CHECK(report->ok());
  CHECK(report->chunks_checked == 1);
  CHECK(report->damaged_versions == std::vector<VersionRef>{ref});  // it still needs a fetch
  CHECK(f.cache->info(ref)->missing_chunks == to_fetch.size() - 1);

  // Eviction frees exactly the chunks it stored.
  auto evicted = f.cache->evict_to(0);
  REQUIRE(evicted.is_ok());
  CHECK(evicted->evicted == std::vector<VersionRef>{ref});
  CHECK(evicted->stored_bytes == 0);
  CHECK(f.cache->stats().stored_bytes == 0);
  CHECK(f.chunk_files().empty());
}

TEST_CASE("AssetCache: the quota is enforced after store_chunks, sparing the version it filled",
          "[core][cache][fill][evict]") {
  CacheFixture f;
  f.import("old", 1, random_bytes(300'000, 25));
  f.clock.advance(std::chrono::minutes(1));
  const Bytes data = random_bytes(300'000, 26);
  const cache::Recipe recipe = cache::make_recipe(data);
  add(f, {"new", 1}, recipe);
  REQUIRE(f.cache->set_quota(400'000).is_ok());
  REQUIRE(f.cache->info({"old", 1}).is_ok());  // the recipe alone stores nothing, so nothing was evicted

  // "old" is now used more recently than "new" was added, so plain LRU
  // would evict "new": filling it must spare it and evict "old".
  f.clock.advance(std::chrono::minutes(1));
  REQUIRE(f.cache->open_reader("old").is_ok());
  store(f, chunk_data(data, recipe.entries));
  CHECK_FALSE(f.cache->info({"old", 1}).is_ok());
  CHECK(*f.read_all("new") == data);
  CHECK(f.cache->stats().stored_bytes <= 400'000);
}
