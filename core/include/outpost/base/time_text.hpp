// ISO-8601 time text, UTC: what every shell prints and reads, and what the
// hub's lead documents carry. Pure; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "outpost/base/clock.hpp"

namespace outpost {

// "2026-12-01T10:00:00Z" (whole seconds).
std::string iso_time(TimePoint t);
// "2026-03-01" or "2026-03-01T09:30[:00[.123]]Z" (UTC; "+00:00" for "Z"
// allowed) -> a time; nullopt otherwise. A bare date read as an upper bound
// (end_of_day) means the end of that day, so --until 2026-03-31 takes in
// the 31st.
std::optional<TimePoint> parse_time(std::string_view text, bool end_of_day = false);

}  // namespace outpost
