#include "outpost/crypto/sealed_box.hpp"

#include <sodium.h>

#include <stdexcept>

#include "outpost/base/random.hpp"
#include "outpost/crypto/sodium.hpp"

namespace outpost::crypto {

static_assert(crypto_box_SEALBYTES == sealed_box_overhead);

BoxKeyPair BoxKeyPair::generate(Random& random) {
  SecretKey seed = SecretKey::random(random, crypto_box_SEEDBYTES);
  SecretKey secret(crypto_box_SECRETKEYBYTES);
  BoxPublicKey pub;
  ensure_sodium();
  crypto_box_seed_keypair(pub.bytes.data(), secret.data(), seed.data());
  return BoxKeyPair(std::move(secret), pub);
}

BoxKeyPair BoxKeyPair::from_secret(ByteView secret) {
  ensure_sodium();
  if (secret.size() != crypto_box_SECRETKEYBYTES) throw std::invalid_argument("X25519 secret key must be 32 bytes");
  BoxPublicKey pub;
  crypto_scalarmult_base(pub.bytes.data(), secret.data());
  return BoxKeyPair(SecretKey::from_bytes(secret), pub);
}

Bytes seal(const BoxPublicKey& recipient, ByteView message) {
  ensure_sodium();
  Bytes box(message.size() + crypto_box_SEALBYTES);
  if (crypto_box_seal(box.data(), message.data(), message.size(), recipient.bytes.data()) != 0) {
    throw std::runtime_error("crypto_box_seal failed");
  }
  return box;
}

std::optional<Bytes> open_sealed(const BoxKeyPair& recipient, ByteView box) {
  if (box.size() < crypto_box_SEALBYTES) return std::nullopt;
  Bytes message(box.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(message.data(), box.data(), box.size(), recipient.public_key().bytes.data(),
                           recipient.secret_key().data()) != 0) {
    return std::nullopt;
  }
  return message;
}

}  // namespace outpost::crypto
