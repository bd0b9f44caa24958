// dashboard-token: prints (or rotates) the admin token of the dashboard that
// `serve --http` runs; and the --http option's parsing, shared with serve.
#include <charconv>
#include <iostream>

#include "hub_cli.hpp"
#include "outpost/web/dashboard.hpp"

namespace outpost::hub_cli {

std::uint16_t dashboard_port(const Context& ctx, const std::string& address) {
  const std::size_t colon = address.rfind(':');
  const std::string host = address.substr(0, colon == std::string::npos ? address.size() : colon);
  if (colon == std::string::npos || (host != "127.0.0.1" && host != "localhost")) {
    ctx.usage("--http " + address +
              ": the dashboard is served on 127.0.0.1 only; give 127.0.0.1:PORT (PORT 0: a free one)");
  }
  const std::string port = address.substr(colon + 1);
  unsigned value = 0;
  const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || value > 65535) {
    ctx.usage("--http " + address + ": '" + port + "' is not a port (0 to 65535)");
  }
  return static_cast<std::uint16_t>(value);
}

void add_dashboard_commands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("dashboard-token", "Print the admin token the dashboard (serve --http) asks for");
  cmd->footer(
      "The token is kept in HOME/dashboard-token (mode 0600), made on first use and kept across restarts.\n"
      "--rotate replaces it: a running dashboard takes the new one at once and ends the sessions opened with the old.\n"
      "Anyone who can read the hub home can log in: keep it private. Example:\n"
      "  outpost-hub --home /srv/hub dashboard-token | xclip");
  auto rotate = std::make_shared<bool>(false);
  cmd->add_flag("--rotate", *rotate, "Make a new token (the old one stops working for new logins)");
  cmd->callback([&ctx, rotate] {
    const std::string token = ctx.take(*rotate ? web::rotate_dashboard_token(ctx.home, ctx.random)
                                               : web::dashboard_token(ctx.home, ctx.random));
    ctx.print({{"token", token}, {"file", web::dashboard_token_path(ctx.home).string()}}, token);
  });
}

}  // namespace outpost::hub_cli
