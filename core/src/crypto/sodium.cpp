#include "outpost/crypto/sodium.hpp"

#include <sodium.h>

#include <stdexcept>

#include "outpost/base/random.hpp"

namespace outpost::crypto {

void ensure_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace outpost::crypto

namespace outpost {

SystemRandom::SystemRandom() { crypto::ensure_sodium(); }

void SystemRandom::fill(std::span<std::uint8_t> out) {
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

}  // namespace outpost
