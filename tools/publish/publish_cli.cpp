#include "publish_cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <regex>

namespace outpost::publish_cli {

crypto::SigningKey Context::signing_key() const {
  if (key_file.empty()) usage("--key FILE is required (or set OUTPOST_PUBLISHER_KEY); make one with `keygen`");
  return take(sync::load_publisher_key(key_file));
}

std::unique_ptr<sync::PublisherClient> Context::client() {
  if (hub.empty()) {
    usage("--hub ADDRESS is required (or set OUTPOST_HUB); `outpost-hub address` prints it on the hub");
  }
  const sync::ParsedHubAddress parsed = take(sync::parse_hub_address(hub));
  return std::make_unique<sync::PublisherClient>(parsed, random, std::chrono::seconds(timeout_s));
}

void Context::fail(const Status& status) const {
  if (json) {
    std::cout << nlohmann::json{{"error",
                                 {{"code", std::string(errc_name(status.code()))}, {"message", status.message()}}}}
              << "\n";
  }
  std::cerr << "outpost-publish: " << status.to_string() << "\n";
  throw Exit{1};
}

void Context::usage(const std::string& message) const {
  std::cerr << "outpost-publish: " << message << "\n";
  throw Exit{2};
}

void Context::print(const nlohmann::json& doc, const std::string& text) const {
  if (json) {
    std::cout << doc.dump(2) << "\n";
  } else if (!text.empty()) {
    std::cout << text << (text.back() == '\n' ? "" : "\n");
  }
}

sync::UploadProgress Context::progress(const std::string& label) const {
  if (json || quiet || !::isatty(STDERR_FILENO)) return {};
  return [label](std::uint64_t done, std::uint64_t total) {
    constexpr int width = 30;
    const int percent = total > 0 ? static_cast<int>(done * 100 / total) : 100;
    const int filled = percent * width / 100;
    const std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                            std::string(static_cast<std::size_t>(width - filled), ' ') + "]";
    std::fprintf(stderr, "\r%s %s %3d%% %s / %s  ", label.c_str(), bar.c_str(), percent, format_size(done).c_str(),
                 format_size(total).c_str());
    if (done >= total) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

std::optional<TimePoint> parse_time(const std::string& text) {
  static const std::regex pattern(R"(^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?Z)?$)");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) return std::nullopt;
  auto number = [&](std::size_t i) { return m[i].matched ? std::stoi(m[i].str()) : 0; };
  const std::chrono::year_month_day date{std::chrono::year(number(1)),
                                         std::chrono::month(static_cast<unsigned>(number(2))),
                                         std::chrono::day(static_cast<unsigned>(number(3)))};
  if (!date.ok() || number(4) > 23 || number(5) > 59 || number(6) > 59) return std::nullopt;
  const auto t = std::chrono::sys_days(date) + std::chrono::hours(number(4)) + std::chrono::minutes(number(5)) +
                 std::chrono::seconds(number(6));
  return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
  static const std::regex pattern(R"(^(\d{1,9})([smhdw])$)");
  static const std::map<char, std::int64_t> unit_s{{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400}};
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) return std::nullopt;
  return std::chrono::seconds(std::stoll(m[1].str()) * unit_s.at(m[2].str()[0]));
}

std::string iso_time(TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::system_clock::time_point(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string format_size(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  }
  return buf;
}

std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace outpost::publish_cli
