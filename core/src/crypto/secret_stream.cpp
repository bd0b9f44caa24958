#include "outpost/crypto/secret_stream.hpp"

#include <stdexcept>

#include "outpost/crypto/sodium.hpp"

namespace outpost::crypto {

StreamSealer::StreamSealer(const SecretKey& key) {
  ensure_sodium();
  if (key.size() != stream_key_size) throw std::invalid_argument("stream key must be 32 bytes");
  crypto_secretstream_xchacha20poly1305_init_push(&state_, header_.data(), key.data());
}

StreamSealer::~StreamSealer() { sodium_memzero(&state_, sizeof state_); }

Bytes StreamSealer::seal(ByteView message, bool final) {
  Bytes out(message.size() + stream_overhead);
  unsigned long long written = 0;
  const std::uint8_t tag =
      final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
  crypto_secretstream_xchacha20poly1305_push(&state_, out.data(), &written, message.data(), message.size(), nullptr,
                                             0, tag);
  out.resize(static_cast<std::size_t>(written));
  return out;
}

StreamOpener::StreamOpener(const SecretKey& key, const StreamHeader& header) {
  ensure_sodium();
  if (key.size() != stream_key_size) throw std::invalid_argument("stream key must be 32 bytes");
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state_, header.data(), key.data()) != 0) {
    throw std::invalid_argument("invalid secretstream header");
  }
}

StreamOpener::~StreamOpener() { sodium_memzero(&state_, sizeof state_); }

std::optional<StreamOpener::Message> StreamOpener::open(ByteView sealed) {
  if (sealed.size() < stream_overhead) return std::nullopt;
  Message m;
  m.bytes.resize(sealed.size() - stream_overhead);
  unsigned long long written = 0;
  std::uint8_t tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(&state_, m.bytes.data(), &written, &tag, sealed.data(),
                                                 sealed.size(), nullptr, 0) != 0) {
    return std::nullopt;
  }
  m.bytes.resize(static_cast<std::size_t>(written));
  m.final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  return m;
}

}  // namespace outpost::crypto
