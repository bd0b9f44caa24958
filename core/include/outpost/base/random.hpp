// Injected randomness for keys and nonces. SystemRandom draws from the
// operating system through libsodium; tests may substitute a seeded source.
// Implementations must be thread-safe.
#pragma once

#include <cstdint>
#include <span>

namespace outpost {

class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

class SystemRandom final : public Random {
 public:
  SystemRandom();  // initialises libsodium; throws if it cannot
  void fill(std::span<std::uint8_t> out) override;
};

}  // namespace outpost
