// Text the command lines read and write: byte sizes, UTC times, tables.
// Pure functions; any thread may call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "outpost/core/clock.hpp"

namespace outpost::cli {

// "1048576", "512K", "64M", "2G", "1.5GiB" (binary units) -> bytes.
std::optional<std::uint64_t> parse_size(const std::string& text);
// "512 B", "1.5 MiB".
std::string format_size(std::uint64_t bytes);
// "2026-12-01T10:00:00Z".
std::string iso_time(TimePoint t);
// Left-aligned columns two spaces apart; the first row is the header.
std::string table(const std::vector<std::vector<std::string>>& rows);

}  // namespace outpost::cli
