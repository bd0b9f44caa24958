// outpost-publish: marketing's command line. Makes the publisher key, and
// publishes, revokes and lists releases on a hub. A thin shell over the sync
// library's PublisherClient.
#include <CLI/CLI.hpp>

#include <iostream>

#include "publish_cli.hpp"

namespace {

void add_keygen(CLI::App& app, outpost::publish_cli::Context& ctx) {
  auto* cmd = app.add_subcommand("keygen", "Make a new publisher key (Ed25519)");
  cmd->footer(
      "Writes the secret key to FILE (mode 0600; never overwritten) and prints the public key, which\n"
      "the hub's admin registers. Example: outpost-publish keygen --out ~/.outpost/marketing.key");
  auto out = std::make_shared<std::string>();
  cmd->add_option("--out", *out, "Where to save the secret key")->required();
  cmd->callback([&ctx, out] {
    const auto key = outpost::crypto::SigningKey::generate(ctx.random);
    ctx.check(outpost::sync::save_publisher_key(*out, key));
    const std::string hex = key.public_key().hex();
    ctx.print({{"key_file", *out}, {"public_key", hex}}, hex);
    std::cerr << "saved the secret key to " << *out << " (keep it private); register it on the hub:\n"
              << "  outpost-hub --home DIR publishers add NAME " << hex << "\n";
  });
}

}  // namespace

int main(int argc, char** argv) {
  outpost::publish_cli::Context ctx;
  CLI::App app{"outpost-publish: publish content to an Outpost hub"};
  app.footer(
      "Every command takes --json for machine-readable output. Run 'outpost-publish COMMAND --help'\n"
      "for details. Getting started:\n"
      "  outpost-publish keygen --out marketing.key        (the hub admin registers the key it prints)\n"
      "  export OUTPOST_HUB=$(outpost-hub --home DIR address)   OUTPOST_PUBLISHER_KEY=marketing.key\n"
      "  outpost-publish publish deck.pdf --asset q3-deck --title \"Q3 pitch deck\"");
  app.require_subcommand(1);
  // Global options may also follow the command (`list --json`).
  app.fallthrough();
  app.add_option("--key", ctx.key_file, "Publisher key file from keygen ($OUTPOST_PUBLISHER_KEY)")
      ->envname("OUTPOST_PUBLISHER_KEY");
  app.add_option("--hub", ctx.hub, "Hub address as `outpost-hub address` prints it ($OUTPOST_HUB)")
      ->envname("OUTPOST_HUB");
  app.add_option("--timeout", ctx.timeout_s, "Seconds to wait for each answer from the hub (default 10)")
      ->check(CLI::Range(1, 3600));
  app.add_flag("--json", ctx.json, "Machine-readable output");
  app.add_flag("-q,--quiet", ctx.quiet, "No progress line");
  add_keygen(app, ctx);
  outpost::publish_cli::add_release_commands(app, ctx);
  outpost::publish_cli::add_list_command(app, ctx);
  outpost::publish_cli::add_attendees_command(app, ctx);

  return outpost::cli::run_cli(app, argc, argv, ctx.program);
}
