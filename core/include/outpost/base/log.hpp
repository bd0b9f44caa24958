// Logging: one line per event, injected like Clock, so library code never
// writes to a global and tests can read what was logged. An event is a name
// ("hub.session", "hub.refused") and key=value fields. Never pass keys,
// tokens or lead personal data as fields. Implementations are thread-safe
// (the hub logs from every thread).
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace outpost {

enum class LogLevel : std::uint8_t { debug, info, warn, error };
std::string_view log_level_name(LogLevel level) noexcept;

struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  template <std::integral N>
  LogField(std::string_view k, N v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, double v);

  std::string_view key;
  std::string value;
  bool quoted = false;  // set for text: a JSON line writes it as a string
};

class Logger {
 public:
  virtual ~Logger() = default;
  virtual bool enabled(LogLevel level) const noexcept = 0;
  // Must not throw: logging never turns a handled failure into a new one.
  virtual void write(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) noexcept = 0;

  void debug(std::string_view event, std::initializer_list<LogField> fields = {}) noexcept {
    if (enabled(LogLevel::debug)) write(LogLevel::debug, event, fields);
  }
  void info(std::string_view event, std::initializer_list<LogField> fields = {}) noexcept {
    if (enabled(LogLevel::info)) write(LogLevel::info, event, fields);
  }
  void warn(std::string_view event, std::initializer_list<LogField> fields = {}) noexcept {
    if (enabled(LogLevel::warn)) write(LogLevel::warn, event, fields);
  }
  void error(std::string_view event, std::initializer_list<LogField> fields = {}) noexcept {
    if (enabled(LogLevel::error)) write(LogLevel::error, event, fields);
  }
};

// One line of text: "LEVEL event key=value key="value with spaces"". With
// json: {"level":"info","event":"...","key":"value",...}. No time stamp:
// the sink (or the service manager) adds it.
std::string format_log_line(LogLevel level, std::string_view event, std::initializer_list<LogField> fields, bool json);

// Discards everything: where no logger is injected. Stateless.
Logger& null_logger() noexcept;

// Keeps every line in memory, for tests.
class MemoryLogger final : public Logger {
 public:
  bool enabled(LogLevel) const noexcept override { return true; }
  void write(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) noexcept override;
  std::vector<std::string> lines() const;
  // Lines that contain text.
  std::size_t count(std::string_view text) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace outpost
