#include "outpost/journal/hlc.hpp"

#include <algorithm>

namespace outpost::journal {

HlcTime Hlc::advance(std::int64_t wall_ms, HlcTime floor) {
  // The wall clock wins when it is ahead; otherwise count up from the
  // floor, carrying into the millisecond field when the counter is full.
  if (wall_ms > floor.unix_ms()) return HlcTime::from(std::max<std::int64_t>(wall_ms, 0), 0);
  return HlcTime{floor.value + 1};
}

HlcTime Hlc::now() {
  last_ = advance(to_unix_ms(clock_.now()), last_);
  return last_;
}

void Hlc::observe(HlcTime remote) { last_ = std::max(last_, remote); }

}  // namespace outpost::journal
