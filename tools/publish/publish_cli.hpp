// Shared plumbing of `outpost-publish`, marketing's command line: the global
// options (key file, hub address, timeout), reporting errors and results
// (text or --json) the way the device CLI does, times and durations as
// typed, and the hub's catalog read back as releases with their state.
// Used from the main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outpost/catalog/delta.hpp"
#include "outpost/catalog/records.hpp"
#include "outpost/core/clock.hpp"
#include "outpost/core/random.hpp"
#include "outpost/core/status.hpp"
#include "outpost/sync/publisher.hpp"

namespace outpost::publish_cli {

// Raised by a command to stop with an exit code after printing what it must.
struct Exit {
  int code;
};

struct Context {
  std::string key_file;  // --key / $OUTPOST_PUBLISHER_KEY
  std::string hub;       // --hub / $OUTPOST_HUB
  int timeout_s = 10;
  bool json = false;
  bool quiet = false;
  SystemClock clock;
  SystemRandom random;

  // The publisher key from --key, or exits with the error.
  crypto::SigningKey signing_key() const;
  // A client of the hub named by --hub, or exits with the error.
  std::unique_ptr<sync::PublisherClient> client();

  // Prints "outpost-publish: <error>" on stderr (and an error document on
  // stdout with --json) and exits with code 1.
  [[noreturn]] void fail(const Status& status) const;
  // A missing or malformed option: the message and exit code 2.
  [[noreturn]] void usage(const std::string& message) const;
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
  // Draws an upload progress line on stderr when it is a terminal.
  sync::UploadProgress progress(const std::string& label) const;
};

// "2026-12-01" (midnight UTC) or "2026-12-01T10:00:00Z" / "...T10:00Z".
std::optional<TimePoint> parse_time(const std::string& text);
// "90m", "36h", "7d", "2w", "45s".
std::optional<std::chrono::seconds> parse_duration(const std::string& text);
std::string iso_time(TimePoint t);
std::string format_size(std::uint64_t bytes);
// Left-aligned columns two spaces apart; the first row is the header.
std::string table(const std::vector<std::vector<std::string>>& rows);

// One release in the hub's catalog, as `list` shows it.
struct CatalogEntry {
  catalog::Release release;
  std::uint64_t seq = 0;
  std::optional<catalog::Revocation> revocation;
  std::string state;                    // current, in-grace, superseded, scheduled, revoked, expired
  std::optional<TimePoint> grace_ends;  // in-grace: when its replacement takes over
};

// The releases of a catalog in seq order, judged at now the way the
// devices' version gate judges them (minus what only a device knows: its
// cache and how stale its catalog is).
Result<std::vector<CatalogEntry>> read_catalog(const catalog::CatalogDelta& delta, TimePoint now);

void add_release_commands(CLI::App& app, Context& ctx);  // publish, revoke
void add_list_command(CLI::App& app, Context& ctx);      // list

}  // namespace outpost::publish_cli
