// Text the command lines read and write: byte sizes, UTC times, tables.
// Pure functions; any thread may call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/base/clock.hpp"
#include "outpost/base/status.hpp"
#include "outpost/base/time_text.hpp"

namespace outpost::cli {

// "1048576", "512K", "64M", "2G", "1.5GiB" (binary units) -> bytes.
std::optional<std::uint64_t> parse_size(const std::string& text);
// "512 B", "1.5 MiB".
std::string format_size(std::uint64_t bytes);
// ISO-8601 time text lives in the core (outpost/base/time_text.hpp).
using outpost::iso_time;
using outpost::parse_time;
// What parse_time accepts, for error messages.
inline constexpr const char* time_formats = "use 2026-03-01 or 2026-03-01T09:30:00Z (UTC)";
// Left-aligned columns two spaces apart; the first row is the header.
std::string table(const std::vector<std::vector<std::string>>& rows);

// RFC 4180 CSV (quoted fields with "" for a quote, commas and line breaks
// inside quotes, CRLF or LF, a UTF-8 byte-order mark skipped) -> rows of
// fields; blank lines are skipped. invalid_argument naming the line of an
// unterminated quote or of text after a closing quote.
Result<std::vector<std::vector<std::string>>> parse_csv(std::string_view text);

}  // namespace outpost::cli
