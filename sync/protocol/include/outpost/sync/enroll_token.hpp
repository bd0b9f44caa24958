// The one-time enrollment token `outpost-hub enroll-token` prints and
// `outpost enroll TOKEN` takes: everything a new device needs to join -
// where the hub is, which keys to trust, and a secret the hub accepts once.
//
//   "OPT1-" base64url( MessagePack {device, role, endpoint, hub_curve_key,
//                                   root_key, secret, expires_at} || check )
//
// check = first 4 bytes of BLAKE2b-256 of the MessagePack bytes, so a
// mistyped or truncated token is told apart from a refused one. The token
// is a bearer secret: whoever holds it before it is used can enroll.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "outpost/base/bytes.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/sign.hpp"

namespace outpost::sync {

inline constexpr std::size_t enroll_secret_size = 32;

struct EnrollToken {
  std::string device;    // the name the hub registered: 1-64 of [A-Za-z0-9._-]
  std::string role;      // "rep" or "kiosk"
  std::string endpoint;  // the hub's enrollment endpoint, "tcp://host:port"
  std::array<std::uint8_t, 32> hub_curve_key{};  // the hub's CURVE public key
  crypto::PublicKey root_key;                    // the organisation root to pin
  std::array<std::uint8_t, enroll_secret_size> secret{};
  TimePoint expires_at;

  std::string encode() const;
  // invalid_argument naming the problem ("not an Outpost enrollment token",
  // "mistyped or cut short", a field); it does not check expiry (the hub
  // does, against its own clock).
  static Result<EnrollToken> parse(std::string_view text);
  friend bool operator==(const EnrollToken&, const EnrollToken&) = default;
};

}  // namespace outpost::sync
