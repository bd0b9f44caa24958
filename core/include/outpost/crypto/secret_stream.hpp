// Streaming authenticated encryption (libsodium secretstream,
// XChaCha20-Poly1305): a sequence of messages under one key, each bound to
// its position, with an explicit final message, so reordering, dropping or
// truncating the stream is detected. Used for files that are written once
// and read once (journal exports). Not thread-safe; wipes its state.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <optional>

#include "outpost/base/bytes.hpp"
#include "outpost/crypto/secret_key.hpp"

namespace outpost::crypto {

inline constexpr std::size_t stream_key_size = crypto_secretstream_xchacha20poly1305_KEYBYTES;
inline constexpr std::size_t stream_header_size = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
inline constexpr std::size_t stream_overhead = crypto_secretstream_xchacha20poly1305_ABYTES;
using StreamHeader = std::array<std::uint8_t, stream_header_size>;

class StreamSealer {
 public:
  explicit StreamSealer(const SecretKey& key);  // key: stream_key_size bytes
  ~StreamSealer();
  StreamSealer(const StreamSealer&) = delete;
  StreamSealer& operator=(const StreamSealer&) = delete;
  const StreamHeader& header() const noexcept { return header_; }
  // Returns the message sealed (stream_overhead bytes longer).
  Bytes seal(ByteView message, bool final);

 private:
  crypto_secretstream_xchacha20poly1305_state state_{};
  StreamHeader header_{};
};

class StreamOpener {
 public:
  // nullopt-like failure is reported by open(); a bad header throws
  // std::invalid_argument.
  StreamOpener(const SecretKey& key, const StreamHeader& header);
  ~StreamOpener();
  StreamOpener(const StreamOpener&) = delete;
  StreamOpener& operator=(const StreamOpener&) = delete;
  struct Message {
    Bytes bytes;
    bool final = false;
  };
  // nullopt if the message does not authenticate at this position.
  std::optional<Message> open(ByteView sealed);

 private:
  crypto_secretstream_xchacha20poly1305_state state_{};
};

}  // namespace outpost::crypto
