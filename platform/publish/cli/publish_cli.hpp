// Shared plumbing of `outpost-publish`, marketing's command line: the global
// options (key file, hub address, timeout), times and durations as typed,
// and the hub's catalog read back as releases with their state. Reporting
// (text or --json) comes from Output, as in the device CLI.
// Used from the main thread only.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outpost/catalog/delta.hpp"
#include "outpost/catalog/records.hpp"
#include "outpost/cli/output.hpp"
#include "outpost/cli/text.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/base/status.hpp"
#include "outpost/sync/publisher.hpp"

namespace outpost::publish_cli {

using cli::format_size;
using cli::iso_time;
using cli::table;

struct Context : cli::Output {
  Context() : Output("outpost-publish") {}

  std::string key_file;  // --key / $OUTPOST_PUBLISHER_KEY
  std::string hub;       // --hub / $OUTPOST_HUB
  int timeout_s = 10;
  SystemClock clock;
  SystemRandom random;

  // The publisher key from --key, or exits with the error.
  crypto::SigningKey signing_key() const;
  // A client of the hub named by --hub, or exits with the error.
  std::unique_ptr<sync::PublisherClient> client();
};

// "2026-12-01" (midnight UTC) or "2026-12-01T10:00:00Z" / "...T10:00Z".
using cli::parse_time;
// "90m", "36h", "7d", "2w", "45s".
std::optional<std::chrono::seconds> parse_duration(const std::string& text);

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
void add_attendees_command(CLI::App& app, Context& ctx);  // attendees (an attendee list asset from CSV)

}  // namespace outpost::publish_cli
