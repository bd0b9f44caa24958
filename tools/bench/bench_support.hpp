// Small helpers shared by the benchmark programs: failing loudly, timing,
// temp directories, flushing the filesystem between timed phases, and
// latency percentiles. Linux only (syncfs), like the benchmarks.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "outpost/base/status.hpp"

namespace outpost::bench {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  std::exit(2);
}

template <class T>
T must(Result<T> result, const char* what) {
  if (!result.is_ok()) die(std::string(what) + ": " + result.status().to_string());
  return std::move(result).value();
}

inline void must(const Status& status, const char* what) {
  if (!status.is_ok()) die(std::string(what) + ": " + status.to_string());
}

inline double micros_since(Steady::time_point start) {
  return std::chrono::duration<double, std::micro>(Steady::now() - start).count();
}

inline double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

inline double cpu_seconds(clockid_t which) {
  timespec ts{};
  ::clock_gettime(which, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU time of this thread. Compared with the wall time of a timed loop it
// shows whether other processes took the CPU away during the loop.
inline double thread_cpu_seconds() { return cpu_seconds(CLOCK_THREAD_CPUTIME_ID); }

// A fresh directory /tmp/outpost-bench-<tag>-XXXXXX, removed on destruction.
struct TempRoot {
  fs::path path;
  explicit TempRoot(const std::string& tag) {
    std::string templ = "/tmp/outpost-bench-" + tag + "-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) die(std::string("cannot create a temp dir: ") + std::strerror(errno));
    path = templ;
  }
  ~TempRoot() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;
};

// Flushes pending writes of the filesystem holding dir, so setup writes are
// not paid by the next timed fsync.
inline void flush_filesystem(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::syncfs(fd);
  ::close(fd);
}

// Removes an SQLite database with its WAL and shared-memory files.
inline void remove_db(const fs::path& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path.string() + suffix, ec);
}

// Per-call latencies in microseconds.
struct Latencies {
  std::vector<double> us;

  void add(double v) { us.push_back(v); }
  void add_all(const Latencies& other) { us.insert(us.end(), other.us.begin(), other.us.end()); }

  // Nearest-rank percentile.
  double pct(double p) const {
    if (us.empty()) return 0;
    std::vector<double> s = us;
    std::sort(s.begin(), s.end());
    const double rank = std::ceil(p / 100.0 * static_cast<double>(s.size()));
    const std::size_t idx = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
    return s[std::min(idx, s.size() - 1)];
  }
  double max() const { return us.empty() ? 0 : *std::max_element(us.begin(), us.end()); }
  double mean() const {
    double sum = 0;
    for (double v : us) sum += v;
    return us.empty() ? 0 : sum / static_cast<double>(us.size());
  }
};

}  // namespace outpost::bench
