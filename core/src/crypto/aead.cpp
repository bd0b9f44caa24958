#include "outpost/crypto/aead.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "outpost/base/random.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"

namespace outpost::crypto {

static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == std::tuple_size_v<AeadNonce>);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == aead_tag_size);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == aead_key_size);

namespace {
void check_sizes(const SecretKey& key, std::size_t in, std::size_t out) {
  if (key.size() != aead_key_size) throw std::invalid_argument("AEAD key must be 32 bytes");
  if (in != out) throw std::invalid_argument("AEAD output buffer must match the input size");
}
}  // namespace

AeadNonce random_nonce(Random& random) {
  AeadNonce nonce;
  random.fill(nonce);
  return nonce;
}

AeadTag aead_encrypt(const SecretKey& key, const AeadNonce& nonce, ByteView plaintext, ByteView associated,
                     MutableByteView out) {
  check_sizes(key, plaintext.size(), out.size());
  AeadTag tag;
  // libsodium declares the ciphertext pointer non-null even for 0 bytes.
  std::uint8_t empty = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out.empty() ? &empty : out.data(), tag.data(), nullptr,
                                                      plaintext.data(),
                                                      plaintext.size(), associated.data(), associated.size(),
                                                      nullptr, nonce.data(), key.data());
  return tag;
}

bool aead_decrypt(const SecretKey& key, const AeadNonce& nonce, ByteView ciphertext, const AeadTag& tag,
                  ByteView associated, MutableByteView out) {
  check_sizes(key, ciphertext.size(), out.size());
  const std::uint8_t empty = 0;  // as above: the ciphertext pointer must be non-null
  const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
      out.data(), nullptr, ciphertext.empty() ? &empty : ciphertext.data(), ciphertext.size(), tag.data(), associated.data(), associated.size(),
      nonce.data(), key.data());
  if (rc != 0) {
    if (!out.empty()) sodium_memzero(out.data(), out.size());
    return false;
  }
  return true;
}

namespace {
Bytes seal_with(const SecretKey& key, const AeadNonce& nonce, ByteView plaintext, ByteView associated) {
  Bytes box(nonce.size() + plaintext.size() + aead_tag_size);
  std::copy(nonce.begin(), nonce.end(), box.begin());
  MutableByteView body(box.data() + nonce.size(), plaintext.size());
  const AeadTag tag = aead_encrypt(key, nonce, plaintext, associated, body);
  std::copy(tag.begin(), tag.end(), box.end() - aead_tag_size);
  return box;
}
}  // namespace

Bytes aead_seal(const SecretKey& key, Random& random, ByteView plaintext, ByteView associated) {
  return seal_with(key, random_nonce(random), plaintext, associated);
}

Bytes aead_seal_synthetic(const SecretKey& key, const SecretKey& nonce_key, ByteView plaintext, ByteView associated) {
  Blake2b h(nonce_key);
  const std::uint64_t ad_size = associated.size();
  std::array<std::uint8_t, 8> size_bytes{};
  for (std::size_t i = 0; i < size_bytes.size(); ++i) size_bytes[i] = static_cast<std::uint8_t>(ad_size >> (8 * i));
  h.update(size_bytes);  // so (ad, plaintext) splits of the same bytes differ
  h.update(associated);
  h.update(plaintext);
  const Digest d = h.finish();
  AeadNonce nonce;
  std::copy_n(d.bytes.begin(), nonce.size(), nonce.begin());
  return seal_with(key, nonce, plaintext, associated);
}

bool aead_open(const SecretKey& key, ByteView box, ByteView associated, Bytes& plaintext) {
  AeadNonce nonce;
  if (box.size() < nonce.size() + aead_tag_size) return false;
  std::copy_n(box.begin(), nonce.size(), nonce.begin());
  AeadTag tag;
  std::copy(box.end() - aead_tag_size, box.end(), tag.begin());
  const ByteView body = box.subspan(nonce.size(), box.size() - nonce.size() - aead_tag_size);
  plaintext.resize(body.size());
  return aead_decrypt(key, nonce, body, tag, associated, plaintext);
}

}  // namespace outpost::crypto
