// What the fuzz harnesses share (docs/security.md, "Fuzzing"): invariant
// checks that abort with a message (libFuzzer keeps the input as a crash;
// the replay test fails), the input split into parts, and a fixed world -
// keys, time, randomness - that the seed maker signs with too, so a harness
// can re-sign a mutated statement and reach the checks behind a signature.
// Test code: the world is made once per process and only read after that.
#pragma once

#include <array>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <initializer_list>
#include <mutex>
#include <string>
#include <typeinfo>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/sealed_box.hpp"
#include "outpost/crypto/sign.hpp"

namespace outpost::fuzz {

// A broken invariant: prints where and what, then aborts.
[[noreturn]] void fail(const char* file, int line, const std::string& what);

#define OUTPOST_FUZZ_CHECK(cond) \
  ((cond) ? void() : ::outpost::fuzz::fail(__FILE__, __LINE__, "invariant broken: " #cond))
#define OUTPOST_FUZZ_CHECK_MSG(cond, message) \
  ((cond) ? void() : ::outpost::fuzz::fail(__FILE__, __LINE__, std::string("invariant broken: " #cond ": ") + (message)))

// Runs f. A decoder reports malformed input as a Status (or, where its
// contract says so, a documented exception the harness catches itself):
// any exception reaching here is a finding.
template <class F>
decltype(auto) no_throw(const char* what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    fail(__FILE__, __LINE__, std::string(what) + " threw " + typeid(e).name() + ": " + e.what());
  } catch (...) {
    fail(__FILE__, __LINE__, std::string(what) + " threw something that is not a std::exception");
  }
}

// A failure must carry one of the codes its decoder documents.
void check_code(const Status& status, std::initializer_list<Errc> allowed, const char* what);

// Inputs made of several parts (frames, a form and a request, ...) are cut
// at this 4-byte marker: 0xc1 is the one byte MessagePack never uses, so it
// does not appear inside a well-formed part, and mutations that insert or
// drop bytes keep the parts apart.
inline constexpr std::array<std::uint8_t, 4> separator{0xc1, 0xc1, 0xc1, 0xc1};
std::vector<Bytes> split(ByteView input);
Bytes join(const std::vector<Bytes>& parts);
inline std::string text(ByteView bytes) { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
inline Bytes bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

// Deterministic, thread-safe randomness (splitmix64), so a harness's CSRF
// tokens and session ids are known in advance.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(std::uint64_t seed = 1) : state_(seed) {}
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::mutex mutex_;
  std::uint64_t state_;
};

// The organisation every seed is made for.
struct World {
  crypto::SigningKey root;
  crypto::SigningKey publisher;
  crypto::SigningKey hub;
  crypto::BoxKeyPair lead;         // the hub's lead key (kiosks seal to it; exports are sealed to it)
  crypto::BoxKeyPair device_lead;  // a rep device's lead key (assignments are sealed to it)
  crypto::SecretKey device_master;  // a device master key (seals and encrypts a device catalog)
  TimePoint now;                   // every harness's clock: 2040-01-15T12:00:00Z, ahead of any real clock a
                                   // home's trusted time may have recorded
};
const World& world();

// The signing key of the world whose public key this is, if any.
const crypto::SigningKey* world_key(const crypto::PublicKey& key);

// A directory for this process's files, removed at exit.
const std::filesystem::path& scratch();
// Replaces path's contents with bytes; the contents of path.
void write_file(const std::filesystem::path& path, ByteView bytes);
Bytes read_file(const std::filesystem::path& path);

}  // namespace outpost::fuzz
