// XChaCha20-Poly1305 (IETF) authenticated encryption. The nonce is 24 random
// bytes, large enough to be drawn at random for every message. The
// associated data is authenticated but not encrypted (Outpost binds a
// chunk's ciphertext to its chunk id this way). Stateless; thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "outpost/base/bytes.hpp"

namespace outpost {
class Random;
}

namespace outpost::crypto {

class SecretKey;

inline constexpr std::size_t aead_key_size = 32;
inline constexpr std::size_t aead_tag_size = 16;
using AeadNonce = std::array<std::uint8_t, 24>;
using AeadTag = std::array<std::uint8_t, aead_tag_size>;

AeadNonce random_nonce(Random& random);

// Encrypts plaintext into out (same size; may alias plaintext) and returns
// the tag.
AeadTag aead_encrypt(const SecretKey& key, const AeadNonce& nonce, ByteView plaintext, ByteView associated,
                     MutableByteView out);

// Decrypts ciphertext into out (same size; may alias ciphertext). Returns
// false, and zeroes out, if the tag does not authenticate.
[[nodiscard]] bool aead_decrypt(const SecretKey& key, const AeadNonce& nonce, ByteView ciphertext, const AeadTag& tag,
                                ByteView associated, MutableByteView out);

// Self-contained message: nonce || ciphertext || tag.
Bytes aead_seal(const SecretKey& key, Random& random, ByteView plaintext, ByteView associated);
// The same box with a synthetic nonce: the first 24 bytes of a keyed
// BLAKE2b (under nonce_key, another key than key) of the associated data
// and the plaintext. For records stored where no Random is at hand: equal
// inputs give equal boxes, which tells equality and nothing else; a nonce
// never repeats for different inputs. Opened by aead_open.
Bytes aead_seal_synthetic(const SecretKey& key, const SecretKey& nonce_key, ByteView plaintext, ByteView associated);
// Returns false if the box is malformed or does not authenticate.
[[nodiscard]] bool aead_open(const SecretKey& key, ByteView box, ByteView associated, Bytes& plaintext);

}  // namespace outpost::crypto
