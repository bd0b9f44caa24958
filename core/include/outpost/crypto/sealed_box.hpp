// Sealed boxes (X25519 + XSalsa20-Poly1305, crypto_box_seal): anyone with the
// recipient's public key can seal; only the holder of the secret key can
// open. Kiosks seal lead PII to the hub's lead key this way. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "outpost/base/bytes.hpp"
#include "outpost/crypto/secret_key.hpp"

namespace outpost {
class Random;
}

namespace outpost::crypto {

struct BoxPublicKey {
  std::array<std::uint8_t, 32> bytes{};
  friend bool operator==(const BoxPublicKey&, const BoxPublicKey&) = default;
};

class BoxKeyPair {
 public:
  static BoxKeyPair generate(Random& random);
  static BoxKeyPair from_secret(ByteView secret);  // 32 bytes

  const BoxPublicKey& public_key() const noexcept { return public_; }
  const SecretKey& secret_key() const noexcept { return secret_; }

 private:
  BoxKeyPair(SecretKey secret, BoxPublicKey pub) : secret_(std::move(secret)), public_(pub) {}
  SecretKey secret_;
  BoxPublicKey public_;
};

inline constexpr std::size_t sealed_box_overhead = 48;

// The ephemeral key of each box comes from libsodium's own generator.
Bytes seal(const BoxPublicKey& recipient, ByteView message);
// nullopt if the box is malformed, tampered, or sealed to another key.
std::optional<Bytes> open_sealed(const BoxKeyPair& recipient, ByteView box);

}  // namespace outpost::crypto
