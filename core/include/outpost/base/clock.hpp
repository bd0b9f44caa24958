// Injected time. Everything that reads the time takes a Clock so tests can
// move it (forwards and backwards). Implementations must be thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace outpost {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

inline std::int64_t to_unix_ms(TimePoint t) noexcept { return t.time_since_epoch().count(); }
inline TimePoint from_unix_ms(std::int64_t ms) noexcept { return TimePoint(std::chrono::milliseconds(ms)); }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }
};

// A clock that only moves when told to; for tests and simulations.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = from_unix_ms(1'700'000'000'000)) : ms_(to_unix_ms(start)) {}
  TimePoint now() const override { return from_unix_ms(ms_.load()); }
  void set(TimePoint t) { ms_.store(to_unix_ms(t)); }
  void advance(std::chrono::milliseconds d) { ms_.fetch_add(d.count()); }

 private:
  std::atomic<std::int64_t> ms_;
};

}  // namespace outpost
