// kill -9 at chosen and at random moments of an import, then reopen: the
// cache must open, verify clean, hold each version whole or not at all, and
// keep no orphan chunk files.
#include <catch2/catch.hpp>

#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <random>
#include <thread>

#include "cache_fixture.hpp"

using namespace outpost;
using namespace outpost::test;

namespace {

constexpr std::size_t asset_size = 6'000'000;

Bytes content(std::uint64_t version) { return random_bytes(asset_size, 1000 + version); }

// Waits (bounded) for one byte on fd.
bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

void check_consistent(CacheFixture& f, std::uint64_t max_version) {
  f.cache = f.open();
  auto report = f.cache->verify();
  REQUIRE(report.is_ok());
  CHECK(report->ok());
  std::size_t complete = 0;
  for (std::uint64_t v = 1; v <= max_version; ++v) {
    auto info = f.cache->info({"deck", v});
    if (!info) continue;
    ++complete;
    auto back = f.read_all("deck", v);
    REQUIRE(back.is_ok());
    CHECK(*back == content(v));
  }
  // Every chunk file on disk belongs to a recorded version, and no temp files remain.
  CHECK(f.chunk_files().size() == f.cache->stats().chunks);
  CHECK(f.temp_files() == 0);
  INFO("complete versions: " << complete);
}

}  // namespace

TEST_CASE("Crash: kill -9 at a chosen point of an import leaves the version whole or absent",
          "[core][cache][crash]") {
  CacheFixture f;
  f.import("deck", 1, content(1));
  f.cache.reset();
  const std::uint64_t kill_at = GENERATE(std::uint64_t{1}, asset_size / 3, asset_size / 2, asset_size);

  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t pid = fork_child([&]() -> int {
    ManualClock clock;
    auto opened = cache::AssetCache::open(f.cache_dir(), f.master, clock, f.random);
    if (!opened) return 11;
    const Bytes data = content(2);
    storage::MemorySource source(data);
    auto progress = [&](std::uint64_t done, std::uint64_t) {
      if (done >= kill_at) {
        const char c = 'k';
        [[maybe_unused]] auto n = ::write(pipe_fds[1], &c, 1);
        ::pause();  // wait here for SIGKILL
      }
    };
    static_cast<void>((*opened)->import({"deck", 2}, source, progress));
    return 0;
  });
  ::close(pipe_fds[1]);
  const bool reached = wait_readable(pipe_fds[0], 30'000);
  ::close(pipe_fds[0]);
  ::kill(pid, SIGKILL);
  CHECK(wait_child(pid) == -SIGKILL);
  REQUIRE(reached);

  check_consistent(f, 2);
  CHECK_FALSE(f.cache->info({"deck", 2}).is_ok());  // killed before its index row
  CHECK(f.read_all("deck", 1).is_ok());
  // The interrupted import can simply be run again.
  f.import("deck", 2, content(2));
  CHECK(*f.read_all("deck", 2) == content(2));
}

TEST_CASE("Crash: kill -9 at random moments of repeated imports and shreds never corrupts the cache",
          "[core][cache][crash]") {
  CacheFixture f;
  f.cache.reset();
  std::mt19937 rng(99);
  for (int round = 0; round < 6; ++round) {
    const int delay_ms = 5 + static_cast<int>(rng() % 200);
    const pid_t pid = fork_child([&]() -> int {
      ManualClock clock;
      auto opened = cache::AssetCache::open(f.cache_dir(), f.master, clock, f.random);
      if (!opened) return 11;
      for (std::uint64_t v = 1; v <= 8; ++v) {
        const Bytes data = content(v);
        storage::MemorySource source(data);
        static_cast<void>((*opened)->import({"deck", v}, source));
        if (v % 3 == 0) static_cast<void>((*opened)->shred({"deck", v - 1}));
      }
      return 0;
    });
    // Lets the child run a random time, so the kill lands at a random moment: the child's own work is the clock.
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    const int code = wait_child(pid);
    CHECK((code == -SIGKILL || code == 0));
    check_consistent(f, 8);
    f.cache.reset();
  }
}
