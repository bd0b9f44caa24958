// Shared plumbing of the device CLI: the global options, opening the home,
// reporting errors and results (text or --json), sizes, progress bars.
// Used from the main thread only.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "outpost/cache/asset_cache.hpp"
#include "outpost/core/status.hpp"
#include "outpost/device/home.hpp"

namespace outpost::cli {

// Raised by a command to stop with an exit code after printing what it must.
struct Exit {
  int code;
};

struct Context {
  std::string home;  // the device home directory
  std::string passphrase_file;
  bool json = false;
  bool quiet = false;
  SystemClock clock;
  SystemRandom random;

  // The passphrase from --passphrase-file or $OUTPOST_PASSPHRASE, or empty.
  std::string passphrase() const;
  device::HomeOptions home_options() const;
  // Opens the home or exits with the error.
  std::unique_ptr<device::DeviceHome> open_home();

  // Prints "outpost: <error>" and exits with code 1.
  [[noreturn]] void fail(const Status& status) const;
  template <class T>
  T take(Result<T> result) const {
    if (!result) fail(result.status());
    return std::move(result).value();
  }
  void check(const Status& status) const {
    if (!status) fail(status);
  }

  // Prints a JSON document (with --json) or the text.
  void print(const nlohmann::json& doc, const std::string& text) const;
  // A progress callback drawing a bar on stderr when it is a terminal.
  cache::ProgressFn progress(const std::string& label) const;
};

// "1048576", "512K", "64M", "2G", "1.5GiB" (binary units) -> bytes.
std::optional<std::uint64_t> parse_size(const std::string& text);
std::string format_size(std::uint64_t bytes);
std::string iso_time(TimePoint t);

}  // namespace outpost::cli
