// BLAKE2b-256 digests: one-shot, streaming, and keyed (a MAC / keyed name).
// Digest is a plain value type. Blake2b (streaming) is single-threaded.
#pragma once

#include <sodium.h>

#include <array>
#include <compare>
#include <cstring>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/base/bytes.hpp"

namespace outpost::crypto {

class SecretKey;

struct Digest {
  static constexpr std::size_t size = 32;
  std::array<std::uint8_t, size> bytes{};

  ByteView view() const noexcept { return bytes; }
  std::string hex() const { return to_hex(bytes); }
  // Exactly 64 hex characters, else nullopt.
  static std::optional<Digest> from_hex(std::string_view hex);
  static std::optional<Digest> from_bytes(ByteView bytes);

  friend auto operator<=>(const Digest&, const Digest&) = default;
};

Digest blake2b(ByteView data);
// Keyed BLAKE2b-256; key must be 16..64 bytes.
Digest keyed_blake2b(const SecretKey& key, ByteView data);

class Blake2b {
 public:
  Blake2b();
  explicit Blake2b(const SecretKey& key);
  ~Blake2b();  // wipes the state (it holds key material when keyed)
  Blake2b(const Blake2b&) = delete;
  Blake2b& operator=(const Blake2b&) = delete;
  void update(ByteView data);
  Digest finish();  // the hasher must not be updated afterwards

 private:
  crypto_generichash_state state_{};
};

}  // namespace outpost::crypto

template <>
struct std::hash<outpost::crypto::Digest> {
  std::size_t operator()(const outpost::crypto::Digest& d) const noexcept {
    std::size_t h;  // a digest is already uniformly distributed
    static_assert(sizeof h <= outpost::crypto::Digest::size);
    std::memcpy(&h, d.bytes.data(), sizeof h);
    return h;
  }
};
