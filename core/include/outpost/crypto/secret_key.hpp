// SecretKey: key material in guarded memory (sodium_malloc: locked, fenced by
// guard pages, zeroed when freed). Move-only so a key has one owner; never
// printed or logged. A SecretKey may be read from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "outpost/base/bytes.hpp"

namespace outpost {
class Random;
}

namespace outpost::crypto {

class SecretKey {
 public:
  // Zero-filled key of the given size; throws std::bad_alloc if guarded
  // memory cannot be had.
  explicit SecretKey(std::size_t size);
  // Copies the bytes in; the caller should wipe its own copy (wipe()).
  static SecretKey from_bytes(ByteView bytes);
  static SecretKey random(Random& random, std::size_t size);

  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  std::size_t size() const noexcept { return size_; }
  const std::uint8_t* data() const noexcept { return data_; }
  std::uint8_t* data() noexcept { return data_; }
  ByteView view() const noexcept { return {data_, size_}; }
  MutableByteView mutable_view() noexcept { return {data_, size_}; }

  // Constant-time comparison.
  bool equals(const SecretKey& other) const noexcept;

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Zeroes a buffer that held secret bytes, in a way the compiler keeps.
void wipe(MutableByteView bytes) noexcept;

}  // namespace outpost::crypto
