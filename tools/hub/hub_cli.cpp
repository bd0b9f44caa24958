#include "hub_cli.hpp"

#include <algorithm>
#include <ctime>
#include <iostream>

namespace outpost::hub_cli {

std::unique_ptr<sync::HubAdmin> Context::open_admin() { return take(sync::HubAdmin::open(home, random, clock)); }

void Context::fail(const Status& status) const {
  if (json) {
    std::cout << nlohmann::json{{"error",
                                 {{"code", std::string(errc_name(status.code()))}, {"message", status.message()}}}}
              << "\n";
  }
  std::cerr << "outpost-hub: " << status.to_string() << "\n";
  throw Exit{1};
}

void Context::print(const nlohmann::json& doc, const std::string& text) const {
  if (json) {
    std::cout << doc.dump(2) << "\n";
  } else if (!text.empty()) {
    std::cout << text << (text.back() == '\n' ? "" : "\n");
  }
}

std::string iso_time(TimePoint t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::system_clock::time_point(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
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
