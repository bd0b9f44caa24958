// Hybrid logical clock (Kulkarni et al.): a 64-bit timestamp whose upper 48
// bits are Unix milliseconds and lower 16 bits a counter. It never goes
// backwards, even when the wall clock does, and it moves past any time it
// has observed from another node, so events order causally across devices
// and the hub while staying close to real time. Not thread-safe on its own
// (the journal serialises it).
#pragma once

#include <cstdint>

#include "outpost/base/clock.hpp"

namespace outpost::journal {

struct HlcTime {
  std::uint64_t value = 0;

  static constexpr int counter_bits = 16;
  static HlcTime from(std::int64_t unix_ms, std::uint16_t counter) {
    return {(static_cast<std::uint64_t>(unix_ms) << counter_bits) | counter};
  }
  std::int64_t unix_ms() const noexcept { return static_cast<std::int64_t>(value >> counter_bits); }
  std::uint16_t counter() const noexcept { return static_cast<std::uint16_t>(value & 0xffff); }
  TimePoint time_point() const noexcept { return from_unix_ms(unix_ms()); }
  friend auto operator<=>(const HlcTime&, const HlcTime&) = default;
};

class Hlc {
 public:
  explicit Hlc(const Clock& clock, HlcTime last = {}) : clock_(clock), last_(last) {}

  // A timestamp greater than every one given or observed before.
  HlcTime now();
  // Moves past a timestamp seen from another node (the hub's times at sync).
  void observe(HlcTime remote);
  HlcTime last() const noexcept { return last_; }

 private:
  HlcTime advance(std::int64_t wall_ms, HlcTime floor);
  const Clock& clock_;
  HlcTime last_;
};

}  // namespace outpost::journal
