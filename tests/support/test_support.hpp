// Helpers shared by the test suites: temp directories that clean up after
// themselves, deterministic data, a seeded Random, and child processes that
// can be killed mid-operation.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "outpost/base/bytes.hpp"
#include "outpost/base/random.hpp"

namespace outpost::test {

namespace fs = std::filesystem;

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

// A Random that is deterministic for a given seed.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : state_(seed) {}
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::uint64_t state_;
};

void write_file(const fs::path& path, ByteView data);
Bytes read_file(const fs::path& path);

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
