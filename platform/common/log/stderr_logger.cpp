#include "outpost/log/stderr_logger.hpp"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace outpost::log {

namespace {

spdlog::level::level_enum spd_level(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

class StderrLogger final : public Logger {
 public:
  StderrLogger(LogLevel min_level, bool json)
      : min_(min_level),
        json_(json),
        logger_(std::make_shared<spdlog::logger>("outpost", std::make_shared<spdlog::sinks::stderr_sink_mt>())) {
    // Text: "2026-12-06T09:30:00.123Z info hub.start ..."; JSON: the time
    // is the line's first field ("{" is %v's first character, dropped below).
    logger_->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ",%v)" : "%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc));
    logger_->set_level(spd_level(min_level));
    logger_->flush_on(spdlog::level::debug);  // a service's last lines before a crash matter most
  }

  bool enabled(LogLevel level) const noexcept override { return level >= min_; }

  void write(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) noexcept override {
    try {
      const std::string line = format_log_line(level, event, fields, json_);
      const std::string_view body = json_ ? std::string_view(line).substr(1) : std::string_view(line);
      logger_->log(spd_level(level), spdlog::string_view_t(body.data(), body.size()));
    } catch (...) {  // a full disk or closed stderr: the line is lost, never the caller's work
    }
  }

 private:
  LogLevel min_;
  bool json_;
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace

std::unique_ptr<Logger> make_stderr_logger(LogLevel min_level, bool json) {
  return std::make_unique<StderrLogger>(min_level, json);
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (LogLevel level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    if (text == log_level_name(level)) return level;
  }
  return std::nullopt;
}

}  // namespace outpost::log
