#include "cli_support.hpp"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace outpost::cli {

std::string Context::passphrase() const {
  if (!passphrase_file.empty()) {
    std::ifstream in(passphrase_file);
    if (!in) fail({Errc::not_found, "cannot read passphrase file " + passphrase_file});
    std::string line;
    std::getline(in, line);
    return line;
  }
  if (const char* env = std::getenv("OUTPOST_PASSPHRASE")) return env;
  return {};
}

device::HomeOptions Context::home_options() const {
  device::HomeOptions options;
  options.passphrase = passphrase();
  return options;
}

std::unique_ptr<device::DeviceHome> Context::open_home() {
  return take(device::DeviceHome::open(home, clock, random, home_options()));
}

void Context::fail(const Status& status) const {
  if (json) {
    std::cout << nlohmann::json{{"error", {{"code", std::string(errc_name(status.code()))}, {"message", status.message()}}}}
              << "\n";
  }
  std::cerr << "outpost: " << status.to_string() << "\n";
  throw Exit{1};
}

void Context::print(const nlohmann::json& doc, const std::string& text) const {
  if (json) {
    std::cout << doc.dump(2) << "\n";
  } else if (!text.empty()) {
    std::cout << text << (text.back() == '\n' ? "" : "\n");
  }
}

cache::ProgressFn Context::progress(const std::string& label) const {
  if (json || quiet || !::isatty(STDERR_FILENO)) return {};
  auto last = std::make_shared<int>(-1);
  return [label, last](std::uint64_t done, std::uint64_t total) {
    const int percent = total > 0 ? static_cast<int>(done * 100 / total) : -1;
    if (percent == *last && percent >= 0) return;
    *last = percent;
    constexpr int width = 30;
    std::string bar;
    if (percent >= 0) {
      const int filled = percent * width / 100;
      bar = "[" + std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(width - filled), ' ') +
            "] " + std::to_string(percent) + "% ";
    }
    std::fprintf(stderr, "\r%s %s%s / %s  ", label.c_str(), bar.c_str(), format_size(done).c_str(),
                 total > 0 ? format_size(total).c_str() : "?");
    if (total > 0 && done >= total) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
  std::size_t pos = 0;
  double value = 0;
  try {
    value = std::stod(text, &pos);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (value < 0 || !std::isfinite(value)) return std::nullopt;
  std::string unit;
  for (char c : text.substr(pos)) unit += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 1;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else if (unit == "K" || unit == "KB" || unit == "KIB") {
    scale = 1024.0;
  } else if (unit == "M" || unit == "MB" || unit == "MIB") {
    scale = 1024.0 * 1024;
  } else if (unit == "G" || unit == "GB" || unit == "GIB") {
    scale = 1024.0 * 1024 * 1024;
  } else if (unit == "T" || unit == "TB" || unit == "TIB") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  const double bytes = value * scale;
  if (bytes > 1.8e19) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
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

std::string iso_time(TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::system_clock::time_point(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace outpost::cli
