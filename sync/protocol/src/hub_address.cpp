#include "outpost/sync/hub_address.hpp"

#include <algorithm>

namespace outpost::sync {

std::string format_hub_address(const HubAddress& address, const CurvePublicKey& key) {
  return "outpost://" + address.host + ":" + std::to_string(address.port) + "#" + to_hex(key);
}

Result<ParsedHubAddress> parse_hub_address(std::string_view text) {
  const Status bad(Errc::invalid_argument,
                   "not a hub address (expected outpost://HOST:PORT#KEY, as `outpost-hub address` prints)");
  constexpr std::string_view scheme = "outpost://";
  if (!text.starts_with(scheme)) return bad;
  text.remove_prefix(scheme.size());
  const auto hash = text.find('#');
  if (hash == std::string_view::npos) return bad;
  const std::string_view host_port = text.substr(0, hash);
  const auto colon = host_port.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad;
  const auto port = port_of(host_port);
  const auto key = from_hex(text.substr(hash + 1));
  if (!port || *port > 65532 || !key || key->size() != 32) return bad;
  ParsedHubAddress out;
  out.address.host = std::string(host_port.substr(0, colon));
  out.address.port = *port;
  std::copy(key->begin(), key->end(), out.key.begin());
  return out;
}

}  // namespace outpost::sync
