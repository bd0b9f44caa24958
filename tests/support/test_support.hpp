// Helpers shared by the test suites, one of each: temp directories that
// clean up after themselves, must (unwrap or fail), eventually (a bounded
// wait for a condition), free ports, deterministic data, a seeded Random,
// and child processes that can be killed mid-operation.
#pragma once

#include <catch2/catch.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

#include "outpost/base/bytes.hpp"
#include "outpost/base/random.hpp"
#include "outpost/base/status.hpp"

namespace outpost::test {

namespace fs = std::filesystem;

// The value of r, or the test fails with r's error.
template <typename T>
T must(Result<T> r) {
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  return std::move(r).value();
}

inline void must(const Status& s) {
  INFO(s.to_string());
  REQUIRE(s.is_ok());
}

// Polls pred every poll until it holds (true) or limit has passed (false):
// a test waits on what it expects to happen, never on a fixed sleep. The
// limit only stops a broken build from hanging; a busy machine is slower,
// not failed. Use as REQUIRE(eventually(...)).
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = std::chrono::seconds(10),
                std::chrono::milliseconds poll = std::chrono::milliseconds(10));

// The first of four consecutive free ports on 127.0.0.1 (a hub's sync,
// enroll, notices and publish endpoints), from a per-process start so test
// processes running side by side do not collide. Fails the test if there
// are none.
std::uint16_t pick_ports();

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const noexcept { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Reproducible pseudo-random bytes (xoshiro-style generator).
Bytes random_bytes(std::size_t size, std::uint64_t seed);

// A Random that is deterministic for a given seed, and thread-safe as
// Random requires (a hub draws from it on several threads). Which thread
// gets which bytes then depends on the schedule; the sequence does not.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : state_(seed) {}
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::mutex mutex_;
  std::uint64_t state_;
};

void write_file(const fs::path& path, ByteView data);
Bytes read_file(const fs::path& path);
// Every byte an SQLite database and its WAL hold, lower-cased: what someone
// with the files reads (for "nothing in clear" checks).
std::string database_text(const fs::path& db);

// Runs body in a forked child that exits with body's return value (or 99
// if it throws). Returns the child's pid.
pid_t fork_child(const std::function<int()>& body);
// Waits (bounded) for the child and returns its exit code, or -signal if it
// was killed; -1000 on timeout (the child is then killed).
int wait_child(pid_t pid, int timeout_ms = 60000);

// Runs a command through the shell; returns the exit code, capturing stdout
// (and stderr, separately) into the given strings.
int run(const std::string& command, std::string* out = nullptr, std::string* err = nullptr);

}  // namespace outpost::test
