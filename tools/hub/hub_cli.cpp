#include "hub_cli.hpp"

namespace outpost::hub_cli {

std::unique_ptr<sync::HubAdmin> Context::open_admin() { return take(sync::HubAdmin::open(home, random, clock)); }

std::string endpoint_range(const sync::HubAddress& address) {
  return address.sync() + "-" + std::to_string(address.port + 3);
}

void BindOptions::add_to(CLI::App& cmd, const std::string& defaults) {
  cmd.add_option("--bind", host, "Host or interface address to listen on (" + defaults + ")");
  // The hub takes four consecutive ports: port must leave room for them.
  cmd.add_option("--port", port, "First of four consecutive ports: sync, enroll, notices, publish")
      ->check(CLI::Range(1, 65532));
}

sync::HubAddress BindOptions::apply(sync::HubAddress address) const {
  if (!host.empty()) address.host = host;
  if (port != 0) address.port = port;
  return address;
}

}  // namespace outpost::hub_cli
