#include "publish_cli.hpp"

#include <map>
#include <regex>

namespace outpost::publish_cli {

crypto::SigningKey Context::signing_key() const {
  if (key_file.empty()) usage("--key FILE is required (or set OUTPOST_PUBLISHER_KEY); make one with `keygen`");
  return take(sync::load_publisher_key(key_file));
}

std::unique_ptr<sync::PublisherClient> Context::client() {
  if (hub.empty()) {
    usage("--hub ADDRESS is required (or set OUTPOST_HUB); `outpost-hub address` prints it on the hub");
  }
  const sync::ParsedHubAddress parsed = take(sync::parse_hub_address(hub));
  return std::make_unique<sync::PublisherClient>(parsed, signing_key(), std::chrono::seconds(timeout_s));
}

std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
  static const std::regex pattern(R"(^(\d{1,9})([smhdw])$)");
  static const std::map<char, std::int64_t> unit_s{{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400}};
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) return std::nullopt;
  return std::chrono::seconds(std::stoll(m[1].str()) * unit_s.at(m[2].str()[0]));
}

}  // namespace outpost::publish_cli
