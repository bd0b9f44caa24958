// The logger a service uses: one line per event on stderr (so systemd or
// any service manager collects it), time-stamped in UTC, as text or JSON,
// at or above a minimum level. Thread-safe. spdlog does the writing; its
// heavy headers stay in stderr_logger.cpp.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "outpost/base/log.hpp"

namespace outpost::log {

std::unique_ptr<Logger> make_stderr_logger(LogLevel min_level, bool json);

// "debug", "info", "warn", "error" -> the level; nullopt otherwise.
std::optional<LogLevel> parse_log_level(std::string_view text);

}  // namespace outpost::log
