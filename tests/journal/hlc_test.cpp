// Hybrid logical clock: strictly increasing whatever the wall clock does,
// close to the wall clock when it moves forward, and past every time
// observed from another node.
#include <catch2/catch.hpp>

#include <chrono>

#include "outpost/base/clock.hpp"
#include "outpost/journal/hlc.hpp"

using namespace outpost;
using namespace outpost::journal;
using namespace std::chrono_literals;

namespace {
constexpr std::int64_t start_ms = 1'700'000'000'000;
}

TEST_CASE("HlcTime packs Unix milliseconds over a 16-bit counter and orders by both", "[journal][hlc]") {
  const HlcTime t = HlcTime::from(start_ms, 7);
  CHECK(t.unix_ms() == start_ms);
  CHECK(t.counter() == 7);
  CHECK(t.value == (static_cast<std::uint64_t>(start_ms) << 16 | 7));
  CHECK(to_unix_ms(t.time_point()) == start_ms);
  CHECK(HlcTime::from(start_ms, 8) > t);
  CHECK(HlcTime::from(start_ms + 1, 0) > HlcTime::from(start_ms, 0xffff));
  CHECK(HlcTime{} < t);
}

TEST_CASE("Hlc: a clock standing still counts up within the millisecond", "[journal][hlc]") {
  ManualClock clock(from_unix_ms(start_ms));
  Hlc hlc(clock);
  const HlcTime a = hlc.now();
  CHECK(a == HlcTime::from(start_ms, 0));
  const HlcTime b = hlc.now();
  const HlcTime c = hlc.now();
  CHECK(b == HlcTime::from(start_ms, 1));
  CHECK(c == HlcTime::from(start_ms, 2));
  CHECK(hlc.last() == c);
}

TEST_CASE("Hlc: a clock going backwards never takes the time back", "[journal][hlc]") {
  ManualClock clock(from_unix_ms(start_ms));
  Hlc hlc(clock);
  const HlcTime before = hlc.now();
  clock.advance(-std::chrono::milliseconds(24h));
  const HlcTime after = hlc.now();
  CHECK(after > before);
  CHECK(after.unix_ms() == start_ms);  // stays with the latest time seen, not the wall clock
  CHECK(after.counter() == before.counter() + 1);
  clock.advance(-1000ms);
  HlcTime prev = after;
  for (int i = 0; i < 1000; ++i) {
    const HlcTime t = hlc.now();
    REQUIRE(t > prev);
    prev = t;
  }
}

TEST_CASE("Hlc: a wall clock ahead of the last time wins and resets the counter", "[journal][hlc]") {
  ManualClock clock(from_unix_ms(start_ms));
  Hlc hlc(clock);
  (void)hlc.now();
  (void)hlc.now();
  clock.advance(5ms);
  CHECK(hlc.now() == HlcTime::from(start_ms + 5, 0));
  // Starting from a remembered time in the past: the wall clock wins.
  Hlc resumed(clock, HlcTime::from(start_ms - 1000, 9));
  CHECK(resumed.now() == HlcTime::from(start_ms + 5, 0));
  // Starting from a remembered time in the future: it counts up from there.
  Hlc ahead(clock, HlcTime::from(start_ms + 60'000, 3));
  CHECK(ahead.now() == HlcTime::from(start_ms + 60'000, 4));
}

TEST_CASE("Hlc: a full counter carries into the millisecond field", "[journal][hlc]") {
  ManualClock clock(from_unix_ms(start_ms));
  Hlc hlc(clock, HlcTime::from(start_ms, 0xfffe));
  CHECK(hlc.now() == HlcTime::from(start_ms, 0xffff));
  const HlcTime carried = hlc.now();
  CHECK(carried == HlcTime::from(start_ms + 1, 0));
  CHECK(hlc.now() > carried);
}

TEST_CASE("Hlc: observe() moves past a remote time and ignores one behind", "[journal][hlc]") {
  ManualClock clock(from_unix_ms(start_ms));
  Hlc hlc(clock);
  const HlcTime local = hlc.now();

  const HlcTime remote = HlcTime::from(start_ms + 3'600'000, 12);  // a hub an hour ahead
  hlc.observe(remote);
  CHECK(hlc.last() >= remote);
  const HlcTime next = hlc.now();
  CHECK(next > remote);
  CHECK(next.unix_ms() == remote.unix_ms());

  hlc.observe(local);  // an old time changes nothing
  CHECK(hlc.now() > next);

  // Once the wall clock passes the remote time, it leads again.
  clock.set(from_unix_ms(start_ms + 7'200'000));
  CHECK(hlc.now() == HlcTime::from(start_ms + 7'200'000, 0));
}
