// init, address, enroll-token: making a hub home and handing out what
// devices and publishers need to reach it.
#include <iostream>
#include <sstream>

#include "hub_cli.hpp"

namespace outpost::hub_cli {

namespace {

bool is_wildcard(const std::string& host) { return host == "0.0.0.0" || host == "*" || host == "::" || host == "[::]"; }

void add_init(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("init", "Create a hub home: keys, store and the first trust list");
  cmd->footer(
      "--bind is saved as the address devices and publishers reach the hub at (enrollment tokens\n"
      "carry it), so give a name or address they can use; `serve --bind 0.0.0.0` may still listen\n"
      "on every interface. Example: outpost-hub --home /srv/outpost-hub init --bind hub.example.org");
  auto bind = std::make_shared<BindOptions>();
  bind->add_to(*cmd, "default 127.0.0.1; port default 7400");
  cmd->callback([&ctx, bind] {
    const sync::HubAddress address = bind->apply({});
    if (is_wildcard(address.host)) {
      ctx.fail({Errc::invalid_argument, "'" + address.host +
                                            "' is not an address devices can reach: give the hub's host name or IP "
                                            "(`serve --bind 0.0.0.0` listens on every interface)"});
    }
    ctx.check(hub::HubAdmin::init(ctx.home, ctx.random, ctx.clock, address));
    auto admin = ctx.open_admin();
    const std::string hub_address = sync::format_hub_address(address, admin->keys().curve.public_key());
    const std::string root = ctx.take(admin->store().root_key()).hex();
    const std::string keys = hub::HubStore::keys_path(ctx.home).string();
    const std::string warning =
        "the organisation root key, which signs the trust list (who may publish, which hub key devices "
        "trust), is stored in " +
        keys +
        ". Whoever copies that file can take over every device enrolled "
        "with this hub. Fine for a trial; for production, move the root key offline.";

    std::ostringstream text;
    text << "created a hub in " << ctx.home << "\n"
         << "  keys:      " << keys << " (secret, mode 0600)\n"
         << "  store:     " << hub::HubStore::db_path(ctx.home).string() << " and "
         << hub::HubStore::chunk_dir(ctx.home).string() << "/\n"
         << "  endpoints: " << endpoint_range(address) << " (sync, enroll, notices, publish)\n"
         << "  root key:  " << root << "\n"
         << "hub address (for outpost-publish --hub; in single quotes on a command line):\n"
         << "  " << hub_address << "\n"
         << "next: outpost-hub --home " << ctx.home << " serve";
    ctx.print({{"home", ctx.home},
               {"keys", keys},
               {"store", hub::HubStore::db_path(ctx.home).string()},
               {"chunks", hub::HubStore::chunk_dir(ctx.home).string()},
               {"endpoints", endpoint_range(address)},
               {"root_key", root},
               {"address", hub_address},
               {"warning", warning}},
              text.str());
    std::cerr << "WARNING: " << warning << "\n";
  });
}

void add_address(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("address", "Print the hub address publishers pass to outpost-publish --hub");
  cmd->footer(
      "One line, \"outpost://HOST:PORT#<hub CURVE key>\", for scripts:\n"
      "  export OUTPOST_HUB=$(outpost-hub --home DIR address)");
  cmd->callback([&ctx] {
    auto admin = ctx.open_admin();
    const sync::HubAddress address = ctx.take(admin->address());
    const std::string line = sync::format_hub_address(address, admin->keys().curve.public_key());
    ctx.print({{"address", line}}, line);
  });
}

void add_enroll_token(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("enroll-token", "Make a one-time token that enrolls one device");
  cmd->footer(
      "Prints the token alone on standard output. It is a secret until used: whoever holds it can\n"
      "enroll. On the device: outpost enroll <token>.\n"
      "Example: outpost-hub --home DIR enroll-token --device anna-ipad --role rep --valid-hours 24");
  auto device = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>();
  auto hours = std::make_shared<int>(72);
  cmd->add_option("--device", *device, "Name the device will have: 1-64 of A-Z a-z 0-9 . _ -")->required();
  cmd->add_option("--role", *role, "rep (a field rep's device) or kiosk (a shared booth device)")
      ->required()
      ->check(CLI::IsMember({"rep", "kiosk"}));
  cmd->add_option("--valid-hours", *hours, "How long the token may be used (default 72)")
      ->check(CLI::Range(1, 24 * 90));
  cmd->callback([&ctx, device, role, hours] {
    auto admin = ctx.open_admin();
    const sync::EnrollToken token = ctx.take(admin->enroll_token(*device, *role, std::chrono::hours(*hours)));
    const std::string encoded = token.encode();
    ctx.print({{"token", encoded},
               {"device", token.device},
               {"role", token.role},
               {"expires_at", iso_time(token.expires_at)}},
              encoded);
    std::cerr << "enrollment token for device '" << token.device << "' (" << token.role << "), usable once until "
              << iso_time(token.expires_at) << ". On the device: outpost enroll <token>\n";
  });
}

}  // namespace

void add_setup_commands(CLI::App& app, Context& ctx) {
  add_init(app, ctx);
  add_address(app, ctx);
  add_enroll_token(app, ctx);
}

}  // namespace outpost::hub_cli
