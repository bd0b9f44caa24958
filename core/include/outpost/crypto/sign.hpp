// Ed25519 signatures (publisher releases, hub timestamps, trust lists).
// PublicKey and Signature are values; SigningKey owns its secret half in
// guarded memory. Signing and verifying are thread-safe.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/base/bytes.hpp"
#include "outpost/crypto/secret_key.hpp"

namespace outpost {
class Random;
}

namespace outpost::crypto {

struct PublicKey {
  std::array<std::uint8_t, 32> bytes{};
  std::string hex() const { return to_hex(bytes); }
  static std::optional<PublicKey> from_hex(std::string_view hex);
  friend auto operator<=>(const PublicKey&, const PublicKey&) = default;
};

struct Signature {
  std::array<std::uint8_t, 64> bytes{};
  std::string hex() const { return to_hex(bytes); }
  static std::optional<Signature> from_bytes(ByteView bytes);
  friend bool operator==(const Signature&, const Signature&) = default;
};

class SigningKey {
 public:
  static SigningKey generate(Random& random);
  // From the 32-byte seed (the compact form of an Ed25519 secret key).
  static SigningKey from_seed(ByteView seed);

  const PublicKey& public_key() const noexcept { return public_; }
  // The 32-byte seed, for storing the key; keep it secret.
  SecretKey seed() const;
  Signature sign(ByteView message) const;

 private:
  SigningKey(SecretKey secret, PublicKey pub) : secret_(std::move(secret)), public_(pub) {}
  SecretKey secret_;  // libsodium's 64-byte form (seed || public key)
  PublicKey public_;
};

[[nodiscard]] bool verify(const PublicKey& key, ByteView message, const Signature& signature);

}  // namespace outpost::crypto
