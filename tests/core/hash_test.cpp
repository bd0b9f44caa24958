// BLAKE2b-256 (one-shot, streaming, keyed), Digest hex, and the hex helpers
// of outpost/base/bytes.hpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <numeric>
#include <random>
#include <string>
#include <unordered_set>

#include "outpost/base/bytes.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::crypto;
using outpost::test::random_bytes;
using outpost::test::SeededRandom;

namespace {

// Expected values computed independently with Python:
//   hashlib.blake2b(data, digest_size=32[, key=bytes(range(32))]).hexdigest()
constexpr const char* blake2b_empty = "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8";
constexpr const char* blake2b_abc = "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319";
constexpr const char* blake2b_0_255 = "39a7eb9fedc19aabc83425c6755dd90e6f9d0c804964a1f4aaeea3b9fb599835";
constexpr const char* keyed_abc = "d63a32d3e44738d7907f964316c241adaba0abfeabc32349677578a15a203f7f";
constexpr const char* keyed_empty = "4e51e7a913fc80137da52880fecca175bf81e117d5c68126dc2774033517ea0d";

SecretKey sequential_key(std::size_t size) {
  Bytes bytes(size);
  std::iota(bytes.begin(), bytes.end(), std::uint8_t{0});
  return SecretKey::from_bytes(bytes);
}

}  // namespace

TEST_CASE("Blake2b: known answers for the empty string and \"abc\"", "[core][crypto]") {
  CHECK(blake2b(ByteView{}).hex() == blake2b_empty);
  CHECK(blake2b(as_bytes("abc")).hex() == blake2b_abc);
  Bytes all(256);
  std::iota(all.begin(), all.end(), std::uint8_t{0});
  CHECK(blake2b(all).hex() == blake2b_0_255);
}

TEST_CASE("Blake2b: streaming gives the known answers too", "[core][crypto]") {
  {
    Blake2b h;
    CHECK(h.finish().hex() == blake2b_empty);
  }
  {
    Blake2b h;
    h.update(as_bytes("a"));
    h.update(ByteView{});
    h.update(as_bytes("bc"));
    CHECK(h.finish().hex() == blake2b_abc);
  }
}

TEST_CASE("Blake2b: streaming in random-sized pieces equals one-shot", "[core][crypto]") {
  const Bytes data = random_bytes(300'000, 99);
  const Digest expected = blake2b(data);
  std::mt19937_64 rng(1234);
  for (int round = 0; round < 5; ++round) {
    Blake2b h;
    std::size_t pos = 0;
    // Pieces from 0 bytes to a few blocks, crossing the 128-byte block
    // boundary in every possible way.
    std::uniform_int_distribution<std::size_t> piece(0, round % 2 == 0 ? 300 : 20'000);
    while (pos < data.size()) {
      const std::size_t n = std::min(piece(rng), data.size() - pos);
      h.update(ByteView(data).subspan(pos, n));
      pos += n;
    }
    CHECK(h.finish() == expected);
  }
  // Byte by byte over a prefix.
  const ByteView prefix = ByteView(data).first(1000);
  Blake2b h;
  for (std::size_t i = 0; i < prefix.size(); ++i) h.update(prefix.subspan(i, 1));
  CHECK(h.finish() == blake2b(prefix));
}

TEST_CASE("Blake2b: different inputs give different digests", "[core][crypto]") {
  Bytes data = random_bytes(1000, 5);
  const Digest a = blake2b(data);
  data[999] ^= 1;
  const Digest b = blake2b(data);
  CHECK(a != b);
  CHECK(blake2b(ByteView(data).first(999)) != b);
}

TEST_CASE("Blake2b: keyed known answers", "[core][crypto]") {
  const SecretKey key = sequential_key(32);
  CHECK(keyed_blake2b(key, as_bytes("abc")).hex() == keyed_abc);
  CHECK(keyed_blake2b(key, ByteView{}).hex() == keyed_empty);
  Blake2b h(key);
  h.update(as_bytes("ab"));
  h.update(as_bytes("c"));
  CHECK(h.finish().hex() == keyed_abc);
}

TEST_CASE("Blake2b: keyed differs from unkeyed and from another key", "[core][crypto]") {
  SeededRandom random(8);
  const SecretKey k1 = SecretKey::random(random, 32);
  const SecretKey k2 = SecretKey::random(random, 32);
  const Bytes data = random_bytes(500, 3);
  const Digest plain = blake2b(data);
  const Digest d1 = keyed_blake2b(k1, data);
  const Digest d2 = keyed_blake2b(k2, data);
  CHECK(d1 != plain);
  CHECK(d2 != plain);
  CHECK(d1 != d2);
  CHECK(keyed_blake2b(k1, data) == d1);  // deterministic

  Blake2b streaming(k1);
  streaming.update(ByteView(data).first(123));
  streaming.update(ByteView(data).subspan(123));
  CHECK(streaming.finish() == d1);
}

TEST_CASE("Blake2b: keyed hashing rejects keys outside 16..64 bytes", "[core][crypto]") {
  SeededRandom random(9);
  const SecretKey short_key = SecretKey::random(random, 15);
  const SecretKey long_key = SecretKey::random(random, 65);
  CHECK_THROWS_AS(keyed_blake2b(short_key, as_bytes("x")), std::invalid_argument);
  CHECK_THROWS_AS(keyed_blake2b(long_key, as_bytes("x")), std::invalid_argument);
  CHECK_THROWS_AS(Blake2b(short_key), std::invalid_argument);
  const SecretKey k16 = SecretKey::random(random, 16);
  const SecretKey k64 = SecretKey::random(random, 64);
  CHECK(keyed_blake2b(k16, as_bytes("x")) != keyed_blake2b(k64, as_bytes("x")));
}

TEST_CASE("Digest: from_hex round trip", "[core][crypto]") {
  const Digest d = blake2b(as_bytes("abc"));
  const auto parsed = Digest::from_hex(d.hex());
  REQUIRE(parsed.has_value());
  CHECK(*parsed == d);

  std::string upper = d.hex();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto parsed_upper = Digest::from_hex(upper);
  REQUIRE(parsed_upper.has_value());
  CHECK(*parsed_upper == d);

  const auto from_bytes = Digest::from_bytes(d.view());
  REQUIRE(from_bytes.has_value());
  CHECK(*from_bytes == d);
}

TEST_CASE("Digest: from_hex rejects bad lengths and characters", "[core][crypto]") {
  const std::string good = blake2b(as_bytes("abc")).hex();
  REQUIRE(good.size() == 64);
  CHECK_FALSE(Digest::from_hex("").has_value());
  CHECK_FALSE(Digest::from_hex(good.substr(0, 62)).has_value());
  CHECK_FALSE(Digest::from_hex(good.substr(0, 63)).has_value());
  CHECK_FALSE(Digest::from_hex(good + "0").has_value());
  CHECK_FALSE(Digest::from_hex(good + "00").has_value());
  for (const std::size_t pos : {std::size_t{0}, std::size_t{31}, std::size_t{63}}) {
    for (const char bad : {'g', 'G', 'z', ' ', '-', 'x', '\0'}) {
      std::string s = good;
      s[pos] = bad;
      CHECK_FALSE(Digest::from_hex(s).has_value());
    }
  }
  CHECK_FALSE(Digest::from_bytes(Bytes(31)).has_value());
  CHECK_FALSE(Digest::from_bytes(Bytes(33)).has_value());
}

TEST_CASE("Digest: ordering and hashing are usable as keys", "[core][crypto]") {
  const Digest a = blake2b(as_bytes("a"));
  const Digest b = blake2b(as_bytes("b"));
  CHECK(a != b);
  CHECK(((a < b) != (b < a)));
  std::unordered_set<Digest> set{a, b, a};
  CHECK(set.size() == 2);
}

TEST_CASE("Bytes: to_hex encodes lower case", "[core][crypto]") {
  CHECK(to_hex(ByteView{}).empty());
  const Bytes data{0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
  CHECK(to_hex(data) == "00017f80abff");
}

TEST_CASE("Bytes: from_hex round trip in either case", "[core][crypto]") {
  const Bytes data = random_bytes(257, 17);
  const auto back = from_hex(to_hex(data));
  REQUIRE(back.has_value());
  CHECK(*back == data);

  const auto mixed = from_hex("aBcDeF09");
  REQUIRE(mixed.has_value());
  CHECK(*mixed == Bytes{0xab, 0xcd, 0xef, 0x09});

  const auto empty = from_hex("");
  REQUIRE(empty.has_value());
  CHECK(empty->empty());
}

TEST_CASE("Bytes: from_hex rejects odd lengths and non-hex characters", "[core][crypto]") {
  CHECK_FALSE(from_hex("0").has_value());
  CHECK_FALSE(from_hex("abc").has_value());
  CHECK_FALSE(from_hex("00112").has_value());
  CHECK_FALSE(from_hex("0g").has_value());
  CHECK_FALSE(from_hex("g0").has_value());
  CHECK_FALSE(from_hex("zz").has_value());
  CHECK_FALSE(from_hex("0x00").has_value());
  CHECK_FALSE(from_hex("00 11").has_value());
  CHECK_FALSE(from_hex("0011 ").has_value());
  CHECK_FALSE(from_hex("+1").has_value());
  CHECK_FALSE(from_hex("@@").has_value());  // '@' is just below 'A'
  CHECK_FALSE(from_hex("``").has_value());  // '`' is just below 'a'
  CHECK_FALSE(from_hex("//").has_value());  // '/' is just below '0'
  CHECK_FALSE(from_hex("::").has_value());  // ':' is just above '9'
  CHECK_FALSE(from_hex(std::string_view("\0\0", 2)).has_value());
  CHECK_FALSE(from_hex("\xc3\xa9").has_value());  // UTF-8 'é'
}
