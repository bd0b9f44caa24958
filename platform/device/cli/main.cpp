// outpost: the device command line. A thin shell over the core libraries.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdlib>

#include "cache_commands.hpp"
#include "catalog_commands.hpp"
#include "journal_commands.hpp"
#include "present_commands.hpp"
#include "sync_commands.hpp"
#include "cli_support.hpp"

namespace outpost::cli {
void add_serve_command(CLI::App& app, Context& ctx);  // serve_command.cpp
}  // namespace outpost::cli

namespace {

std::string default_home() {
  if (const char* env = std::getenv("OUTPOST_HOME")) return env;
  if (const char* home = std::getenv("HOME")) return std::string(home) + "/.outpost";
  return ".outpost";
}

void add_init(CLI::App& app, outpost::cli::Context& ctx) {
  auto* cmd = app.add_subcommand("init", "Create a device home: a new master key and an empty cache");
  cmd->footer("The key file is protected by its 0600 mode; set OUTPOST_PASSPHRASE or --passphrase-file\n"
              "to also wrap it with a passphrase (Argon2id). Example: outpost --home ~/.outpost init");
  auto root = std::make_shared<std::string>();
  cmd->add_option("--root", *root, "Pin the organisation's root public key (hex) now");
  cmd->callback([&ctx, root] {
    auto options = ctx.home_options();
    if (!root->empty()) {
      options.root_key = outpost::crypto::PublicKey::from_hex(*root);
      if (!options.root_key) ctx.fail({outpost::Errc::invalid_argument, "the root key must be 64 hex characters"});
    }
    ctx.check(outpost::device::DeviceHome::init(ctx.home, ctx.random, options));
    ctx.print({{"home", ctx.home}}, "created Outpost home in " + ctx.home);
  });
}

}  // namespace

int main(int argc, char** argv) {
  // A file-size limit must fail a write with EFBIG (reported as a clean
  // "disk full" error), not kill the process halfway through.
  std::signal(SIGXFSZ, SIG_IGN);
  outpost::cli::Context ctx;
  CLI::App app{"outpost: the offline-first field app core (device side)"};
  app.footer("Every command takes --json for machine-readable output. Run 'outpost COMMAND --help' for details.");
  app.require_subcommand(1);
  ctx.home = default_home();
  app.add_option("--home", ctx.home, "Device home directory ($OUTPOST_HOME, default ~/.outpost)");
  app.add_option("--passphrase-file", ctx.passphrase_file, "File whose first line is the key passphrase")
      ->check(CLI::ExistingFile);
  app.add_flag("--json", ctx.json, "Machine-readable output");
  app.add_flag("-q,--quiet", ctx.quiet, "No progress bars");
  add_init(app, ctx);
  outpost::cli::add_cache_commands(app, ctx);
  outpost::cli::add_catalog_commands(app, ctx);
  outpost::cli::add_present_commands(app, ctx);
  outpost::cli::add_journal_commands(app, ctx);
  outpost::cli::add_sync_commands(app, ctx);
  outpost::cli::add_serve_command(app, ctx);

  return outpost::cli::run_cli(app, argc, argv, ctx);
}
