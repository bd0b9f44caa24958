// Where a hub listens and how a client names it: host and the first of four
// consecutive ports, and the "outpost://HOST:PORT#KEY" text that carries
// them with the hub's CURVE key (enrollment tokens, outpost-publish --hub).
// Pure values; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "outpost/base/status.hpp"
#include "outpost/sync/transport.hpp"

namespace outpost::sync {

// Where the hub listens and what it tells devices: host, and the first of
// four consecutive ports (sync, enroll, notices, publish).
struct HubAddress {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7400;
  std::string sync() const { return endpoint(0); }
  std::string enroll() const { return endpoint(1); }
  std::string notices() const { return endpoint(2); }
  std::string publish() const { return endpoint(3); }
  std::string endpoint(int offset) const { return "tcp://" + host + ":" + std::to_string(port + offset); }
};

// "outpost://HOST:PORT#<CURVE key, 64 hex>": one string that names a hub and
// the key it must prove, for outpost-publish --hub (hex: safe in any shell).
std::string format_hub_address(const HubAddress& address, const CurvePublicKey& key);
struct ParsedHubAddress {
  HubAddress address;
  CurvePublicKey key{};
};
Result<ParsedHubAddress> parse_hub_address(std::string_view text);

}  // namespace outpost::sync
