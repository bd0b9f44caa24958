#include "outpost/crypto/secret_key.hpp"

#include <sodium.h>

#include <cstring>
#include <new>
#include <utility>

#include "outpost/base/random.hpp"
#include "outpost/crypto/sodium.hpp"

namespace outpost::crypto {

SecretKey::SecretKey(std::size_t size) : size_(size) {
  ensure_sodium();
  data_ = static_cast<std::uint8_t*>(sodium_malloc(size == 0 ? 1 : size));
  if (data_ == nullptr) throw std::bad_alloc();
  std::memset(data_, 0, size == 0 ? 1 : size);
}

SecretKey SecretKey::from_bytes(ByteView bytes) {
  SecretKey key(bytes.size());
  if (!bytes.empty()) std::memcpy(key.data_, bytes.data(), bytes.size());
  return key;
}

SecretKey SecretKey::random(Random& random, std::size_t size) {
  SecretKey key(size);
  random.fill(key.mutable_view());
  return key;
}

SecretKey::SecretKey(SecretKey&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretKey::~SecretKey() {
  if (data_ != nullptr) sodium_free(data_);  // sodium_free zeroes before releasing
}

bool SecretKey::equals(const SecretKey& other) const noexcept {
  return size_ == other.size_ && (size_ == 0 || sodium_memcmp(data_, other.data_, size_) == 0);
}

void wipe(MutableByteView bytes) noexcept {
  if (!bytes.empty()) sodium_memzero(bytes.data(), bytes.size());
}

}  // namespace outpost::crypto
