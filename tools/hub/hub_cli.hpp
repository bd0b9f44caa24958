// Shared plumbing of `outpost-hub`, the hub's admin command line: the global
// options, opening the hub home, reporting errors and results (text or
// --json) the way the device CLI does. Used from the main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "outpost/core/clock.hpp"
#include "outpost/core/random.hpp"
#include "outpost/core/status.hpp"
#include "outpost/sync/hub_admin.hpp"

namespace outpost::hub_cli {

// Raised by a command to stop with an exit code after printing what it must.
struct Exit {
  int code;
};

struct Context {
  std::string home;  // the hub home directory
  bool json = false;
  SystemClock clock;
  SystemRandom random;

  // Opens the hub home or exits with the error.
  std::unique_ptr<sync::HubAdmin> open_admin();

  // Prints "outpost-hub: <error>" on stderr (and an error document on
  // stdout with --json) and exits with code 1.
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
};

std::string iso_time(TimePoint t);
// Left-aligned columns two spaces apart; the first row is the header.
std::string table(const std::vector<std::vector<std::string>>& rows);
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

}  // namespace outpost::hub_cli
