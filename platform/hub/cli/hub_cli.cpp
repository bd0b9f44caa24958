#include "hub_cli.hpp"

namespace outpost::hub_cli {

std::unique_ptr<hub::HubAdmin> Context::open_admin() { return take(hub::HubAdmin::open(home, random, clock)); }

TimeWindow parse_window(Context& ctx, const std::string& since, const std::string& until) {
  auto bound = [&](const std::string& text, const char* option, bool end_of_day) -> std::optional<TimePoint> {
    if (text.empty()) return std::nullopt;
    auto t = parse_time(text, end_of_day);
    if (!t) ctx.usage(std::string(option) + ": '" + text + "' is not a date: " + time_formats);
    return *t;
  };
  TimeWindow w{bound(since, "--since", false), bound(until, "--until", true)};
  if (w.since && w.until && *w.until <= *w.since) {
    std::string problem = "--until (";
    problem.append(iso_time(*w.until)).append(") must be after --since (").append(iso_time(*w.since)).append(")");
    ctx.usage(problem);
  }
  return w;
}

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
