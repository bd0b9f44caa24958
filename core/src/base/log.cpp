#include "outpost/base/log.hpp"

#include <algorithm>
#include <cstdio>

namespace outpost {

namespace {

class NullLogger final : public Logger {
 public:
  bool enabled(LogLevel) const noexcept override { return false; }
  void write(LogLevel, std::string_view, std::initializer_list<LogField>) noexcept override {}
};

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out.append(buf);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// key=value, the value quoted when it holds a space, a quote or '=' or is
// empty, so a line always splits back into its fields.
void append_text_value(std::string& out, std::string_view value) {
  const bool plain = !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
    return c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
  });
  if (plain) {
    out.append(value);
  } else {
    append_json_string(out, value);
  }
}

}  // namespace

std::string_view log_level_name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "?";
}

LogField::LogField(std::string_view k, double v) : key(k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  value = buf;
}

std::string format_log_line(LogLevel level, std::string_view event, std::initializer_list<LogField> fields, bool json) {
  std::string out;
  if (json) {
    out.append("{\"level\":");
    append_json_string(out, log_level_name(level));
    out.append(",\"event\":");
    append_json_string(out, event);
    for (const LogField& f : fields) {
      out.push_back(',');
      append_json_string(out, f.key);
      out.push_back(':');
      if (f.quoted) {
        append_json_string(out, f.value);
      } else {
        out.append(f.value);
      }
    }
    out.push_back('}');
    return out;
  }
  out.append(log_level_name(level));
  out.push_back(' ');
  out.append(event);
  for (const LogField& f : fields) {
    out.push_back(' ');
    out.append(f.key);
    out.push_back('=');
    append_text_value(out, f.value);
  }
  return out;
}

Logger& null_logger() noexcept {
  static NullLogger logger;  // stateless
  return logger;
}

void MemoryLogger::write(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) noexcept {
  try {
    std::string line = format_log_line(level, event, fields, false);
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  } catch (...) {  // out of memory: the line is lost, never the caller's work
  }
}

std::vector<std::string> MemoryLogger::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::size_t MemoryLogger::count(std::string_view text) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(
      lines_.begin(), lines_.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; }));
}

}  // namespace outpost
