// String building without operator+ chains (g++ 12 reports false
// overlapping-copy warnings on those at -O3). Pure.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>

namespace outpost::sim {

inline void append_to(std::string& out, std::string_view part) { out.append(part); }
inline void append_to(std::string& out, const char* part) { out.append(part); }
inline void append_to(std::string& out, const std::string& part) { out.append(part); }
template <typename N, typename = std::enable_if_t<std::is_arithmetic_v<N>>>
void append_to(std::string& out, N number) {
  if constexpr (std::is_floating_point_v<N>) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", static_cast<double>(number));
    out.append(buffer);
  } else {
    out.append(std::to_string(number));
  }
}

template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (append_to(out, parts), ...);
  return out;
}

// A number with a fixed count of decimals: fixed(1.23456, 2) == "1.23".
inline std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

}  // namespace outpost::sim
