// outpost-hub: the hub's admin command line. A thin shell over the sync
// library's HubAdmin, HubStore and Hub.
#include <CLI/CLI.hpp>

#include <csignal>

#include "hub_cli.hpp"

int main(int argc, char** argv) {
  // A file-size limit must fail a write with a clean error, not kill the
  // process halfway through.
  std::signal(SIGXFSZ, SIG_IGN);
  outpost::hub_cli::Context ctx;
  CLI::App app{"outpost-hub: the Outpost hub (serves the catalog and content, takes the journals)"};
  app.footer(
      "Every command takes --json for machine-readable output. Run 'outpost-hub COMMAND --help' for\n"
      "details. Getting started:\n"
      "  outpost-hub --home DIR init                 then   outpost-hub --home DIR serve\n"
      "  outpost-hub --home DIR publishers add marketing <key from outpost-publish keygen>\n"
      "  outpost-hub --home DIR enroll-token --device anna-ipad --role rep\n"
      "  outpost-hub --home DIR report usage --since 2026-03-01   (also: unused, adoption, blocked, ...)");
  app.require_subcommand(1);
  // Global options may also follow the command (`devices --json`).
  app.fallthrough();
  app.add_option("--home", ctx.home, "Hub home directory ($OUTPOST_HUB_HOME)")->envname("OUTPOST_HUB_HOME")->required();
  app.add_flag("--json", ctx.json, "Machine-readable output");
  outpost::hub_cli::add_setup_commands(app, ctx);
  outpost::hub_cli::add_serve_command(app, ctx);
  outpost::hub_cli::add_fleet_commands(app, ctx);
  outpost::hub_cli::add_catalog_commands(app, ctx);
  outpost::hub_cli::add_report_commands(app, ctx);
  outpost::hub_cli::add_lead_commands(app, ctx);
  outpost::hub_cli::add_dashboard_commands(app, ctx);

  return outpost::cli::run_cli(app, argc, argv, ctx.program);
}
