// Shared plumbing of `outpost-hub`, the hub's admin command line: the global
// options and opening the hub home; reporting (text or --json) comes from
// Output, as in the device CLI. Used from the main thread only.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "outpost/cli/output.hpp"
#include "outpost/cli/text.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/hub/hub_admin.hpp"

namespace outpost::hub_cli {

using cli::iso_time;
using cli::parse_time;
using cli::time_formats;
using cli::table;

struct Context : cli::Output {
  Context() : Output("outpost-hub") {}

  std::string home;  // the hub home directory
  SystemClock clock;
  SystemRandom random;

  // Opens the hub home or exits with the error.
  std::unique_ptr<hub::HubAdmin> open_admin();
};

// A --since/--until pair, parsed: a bare --until date includes that day;
// a usage error names the option for a bad date or an until not after since.
struct TimeWindow {
  std::optional<TimePoint> since;
  std::optional<TimePoint> until;
};
TimeWindow parse_window(Context& ctx, const std::string& since, const std::string& until);

// "tcp://HOST:PORT-PORT+3": the four endpoints of a hub in one line.
std::string endpoint_range(const sync::HubAddress& address);

// --bind HOST and --port N, shared by init and serve.
struct BindOptions {
  std::string host;
  std::uint16_t port = 0;
  void add_to(CLI::App& cmd, const std::string& defaults);
  // The saved (or default) address with what was given on the command line.
  sync::HubAddress apply(sync::HubAddress address) const;
};

void add_setup_commands(CLI::App& app, Context& ctx);    // init, address, enroll-token
void add_serve_command(CLI::App& app, Context& ctx);     // serve
void add_fleet_commands(CLI::App& app, Context& ctx);    // devices, revoke-device, wipe-device, alerts
void add_catalog_commands(CLI::App& app, Context& ctx);  // publishers, bundle
void add_report_commands(CLI::App& app, Context& ctx);   // report usage, unused, adoption, ...
void add_lead_commands(CLI::App& app, Context& ctx);     // leads route, assign, list, show, sla, export, erase
void add_dashboard_commands(CLI::App& app, Context& ctx);  // dashboard-token

// The port of --http 127.0.0.1:PORT; a usage error for any other host.
std::uint16_t dashboard_port(const Context& ctx, const std::string& address);

}  // namespace outpost::hub_cli
