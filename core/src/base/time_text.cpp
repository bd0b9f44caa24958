#include "outpost/base/time_text.hpp"

#include <chrono>
#include <ctime>
#include <regex>

namespace outpost {

std::string iso_time(TimePoint t) {
  // Whole seconds straight from the milliseconds: converting to the system
  // clock's own (nanosecond) duration first overflows past the year 2262,
  // and a time read from outside can be anything.
  const auto secs = std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
  const auto as_time_t = static_cast<std::time_t>(secs);
  std::tm tm{};
  if (gmtime_r(&as_time_t, &tm) == nullptr) {  // a 32-bit time_t, or a year past an int
    return "(out of range: " + std::to_string(t.time_since_epoch().count()) + " ms since 1970)";
  }
  char buf[48];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<TimePoint> parse_time(std::string_view text, bool end_of_day) {
  static const std::regex pattern(
      R"(^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|\+00:?00))?$)");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(text.begin(), text.end(), m, pattern)) return std::nullopt;
  auto number = [&](std::size_t i) { return m[i].matched ? std::stoi(m[i].str()) : 0; };
  const std::chrono::year_month_day date{std::chrono::year(number(1)),
                                         std::chrono::month(static_cast<unsigned>(number(2))),
                                         std::chrono::day(static_cast<unsigned>(number(3)))};
  if (!date.ok() || number(4) > 23 || number(5) > 59 || number(6) > 59) return std::nullopt;
  std::chrono::milliseconds fraction{0};
  if (m[7].matched) {
    std::string digits = m[7].str().substr(0, 3);
    digits.resize(3, '0');
    fraction = std::chrono::milliseconds(std::stoi(digits));
  }
  const bool bare_date = !m[4].matched;
  const auto t = std::chrono::sys_days(date) + std::chrono::hours(number(4)) + std::chrono::minutes(number(5)) +
                 std::chrono::seconds(number(6)) + fraction +
                 (bare_date && end_of_day ? std::chrono::days(1) : std::chrono::days(0));
  return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

}  // namespace outpost
