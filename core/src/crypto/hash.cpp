#include "outpost/crypto/hash.hpp"

#include <algorithm>
#include <stdexcept>

#include "outpost/crypto/secret_key.hpp"
#include "outpost/crypto/sodium.hpp"

namespace outpost::crypto {

std::optional<Digest> Digest::from_hex(std::string_view hex) {
  if (hex.size() != 2 * size) return std::nullopt;
  auto bytes = outpost::from_hex(hex);
  if (!bytes) return std::nullopt;
  return from_bytes(*bytes);
}

std::optional<Digest> Digest::from_bytes(ByteView bytes) {
  if (bytes.size() != size) return std::nullopt;
  Digest d;
  std::copy(bytes.begin(), bytes.end(), d.bytes.begin());
  return d;
}

namespace {
void check_key(const SecretKey& key) {
  if (key.size() < crypto_generichash_KEYBYTES_MIN || key.size() > crypto_generichash_KEYBYTES_MAX) {
    throw std::invalid_argument("BLAKE2b key must be 16..64 bytes");
  }
}
}  // namespace

Digest blake2b(ByteView data) {
  ensure_sodium();
  Digest d;
  crypto_generichash(d.bytes.data(), d.size, data.data(), data.size(), nullptr, 0);
  return d;
}

Digest keyed_blake2b(const SecretKey& key, ByteView data) {
  check_key(key);
  Digest d;
  crypto_generichash(d.bytes.data(), d.size, data.data(), data.size(), key.data(), key.size());
  return d;
}

Blake2b::Blake2b() {
  ensure_sodium();
  crypto_generichash_init(&state_, nullptr, 0, Digest::size);
}

Blake2b::Blake2b(const SecretKey& key) {
  check_key(key);
  crypto_generichash_init(&state_, key.data(), key.size(), Digest::size);
}

Blake2b::~Blake2b() { sodium_memzero(&state_, sizeof state_); }

void Blake2b::update(ByteView data) { crypto_generichash_update(&state_, data.data(), data.size()); }

Digest Blake2b::finish() {
  Digest d;
  crypto_generichash_final(&state_, d.bytes.data(), d.size);
  return d;
}

}  // namespace outpost::crypto
