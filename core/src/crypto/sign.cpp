#include "outpost/crypto/sign.hpp"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

#include "outpost/base/random.hpp"
#include "outpost/crypto/sodium.hpp"

namespace outpost::crypto {

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_BYTES == 64 && crypto_sign_SEEDBYTES == 32);

std::optional<PublicKey> PublicKey::from_hex(std::string_view hex) {
  auto bytes = outpost::from_hex(hex);
  if (!bytes || bytes->size() != 32) return std::nullopt;
  PublicKey key;
  std::copy(bytes->begin(), bytes->end(), key.bytes.begin());
  return key;
}

std::optional<Signature> Signature::from_bytes(ByteView bytes) {
  if (bytes.size() != 64) return std::nullopt;
  Signature sig;
  std::copy(bytes.begin(), bytes.end(), sig.bytes.begin());
  return sig;
}

SigningKey SigningKey::generate(Random& random) {
  SecretKey seed = SecretKey::random(random, crypto_sign_SEEDBYTES);
  return from_seed(seed.view());
}

SigningKey SigningKey::from_seed(ByteView seed) {
  ensure_sodium();
  if (seed.size() != crypto_sign_SEEDBYTES) throw std::invalid_argument("Ed25519 seed must be 32 bytes");
  SecretKey secret(crypto_sign_SECRETKEYBYTES);
  PublicKey pub;
  crypto_sign_seed_keypair(pub.bytes.data(), secret.data(), seed.data());
  return SigningKey(std::move(secret), pub);
}

SecretKey SigningKey::seed() const {
  SecretKey seed(crypto_sign_SEEDBYTES);
  crypto_sign_ed25519_sk_to_seed(seed.data(), secret_.data());
  return seed;
}

Signature SigningKey::sign(ByteView message) const {
  Signature sig;
  crypto_sign_detached(sig.bytes.data(), nullptr, message.data(), message.size(), secret_.data());
  return sig;
}

bool verify(const PublicKey& key, ByteView message, const Signature& signature) {
  ensure_sodium();
  return crypto_sign_verify_detached(signature.bytes.data(), message.data(), message.size(), key.bytes.data()) == 0;
}

}  // namespace outpost::crypto
