// XChaCha20-Poly1305: detached encrypt/decrypt and the self-contained
// nonce || ciphertext || tag boxes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::crypto;
using outpost::test::random_bytes;
using outpost::test::SeededRandom;

namespace {

bool all_zero(ByteView bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

struct Fixture {
  SeededRandom random{42};
  SecretKey key = SecretKey::random(random, aead_key_size);
  AeadNonce nonce = random_nonce(random);
  Bytes plaintext = random_bytes(1000, 7);
  Bytes associated = Bytes{'c', 'h', 'u', 'n', 'k', '-', '1'};
  Bytes ciphertext = Bytes(plaintext.size());
  AeadTag tag{};

  Fixture() { tag = aead_encrypt(key, nonce, plaintext, associated, ciphertext); }
};

}  // namespace

TEST_CASE("Aead: encrypt then decrypt returns the plaintext", "[core][crypto]") {
  Fixture f;
  CHECK(f.ciphertext != f.plaintext);
  Bytes out(f.ciphertext.size(), 0xAA);
  REQUIRE(aead_decrypt(f.key, f.nonce, f.ciphertext, f.tag, f.associated, out));
  CHECK(out == f.plaintext);
}

TEST_CASE("Aead: encryption is deterministic for a given key and nonce", "[core][crypto]") {
  Fixture f;
  Bytes again(f.plaintext.size());
  const AeadTag tag = aead_encrypt(f.key, f.nonce, f.plaintext, f.associated, again);
  CHECK(again == f.ciphertext);
  CHECK(tag == f.tag);
}

TEST_CASE("Aead: encrypt and decrypt work in place", "[core][crypto]") {
  Fixture f;
  Bytes buffer = f.plaintext;
  const AeadTag tag = aead_encrypt(f.key, f.nonce, buffer, f.associated, buffer);
  CHECK(tag == f.tag);
  CHECK(buffer == f.ciphertext);  // in place gives the same bytes as out of place
  REQUIRE(aead_decrypt(f.key, f.nonce, buffer, tag, f.associated, buffer));
  CHECK(buffer == f.plaintext);
}

TEST_CASE("Aead: a flipped ciphertext bit is rejected and the output zeroed", "[core][crypto]") {
  Fixture f;
  for (const std::size_t pos : {std::size_t{0}, f.ciphertext.size() / 2, f.ciphertext.size() - 1}) {
    for (const std::uint8_t bit : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      Bytes tampered = f.ciphertext;
      tampered[pos] ^= bit;
      Bytes out(tampered.size(), 0xAA);
      CHECK_FALSE(aead_decrypt(f.key, f.nonce, tampered, f.tag, f.associated, out));
      CHECK(all_zero(out));
    }
  }
}

TEST_CASE("Aead: a flipped ciphertext bit is rejected when decrypting in place", "[core][crypto]") {
  Fixture f;
  Bytes buffer = f.ciphertext;
  buffer[10] ^= 0x04;
  CHECK_FALSE(aead_decrypt(f.key, f.nonce, buffer, f.tag, f.associated, buffer));
  CHECK(all_zero(buffer));
}

TEST_CASE("Aead: a wrong tag is rejected and the output zeroed", "[core][crypto]") {
  Fixture f;
  for (std::size_t i = 0; i < aead_tag_size; ++i) {
    AeadTag tag = f.tag;
    tag[i] ^= 0x01;
    Bytes out(f.ciphertext.size(), 0xAA);
    CHECK_FALSE(aead_decrypt(f.key, f.nonce, f.ciphertext, tag, f.associated, out));
    CHECK(all_zero(out));
  }
  AeadTag zero_tag{};
  Bytes out(f.ciphertext.size(), 0xAA);
  CHECK_FALSE(aead_decrypt(f.key, f.nonce, f.ciphertext, zero_tag, f.associated, out));
  CHECK(all_zero(out));
}

TEST_CASE("Aead: wrong associated data is rejected and the output zeroed", "[core][crypto]") {
  Fixture f;
  const Bytes other_ad{'c', 'h', 'u', 'n', 'k', '-', '2'};
  Bytes out(f.ciphertext.size(), 0xAA);
  CHECK_FALSE(aead_decrypt(f.key, f.nonce, f.ciphertext, f.tag, other_ad, out));
  CHECK(all_zero(out));

  std::fill(out.begin(), out.end(), 0xAA);
  CHECK_FALSE(aead_decrypt(f.key, f.nonce, f.ciphertext, f.tag, ByteView{}, out));
  CHECK(all_zero(out));

  Bytes longer = f.associated;
  longer.push_back(0);
  std::fill(out.begin(), out.end(), 0xAA);
  CHECK_FALSE(aead_decrypt(f.key, f.nonce, f.ciphertext, f.tag, longer, out));
  CHECK(all_zero(out));
}

TEST_CASE("Aead: a wrong key is rejected and the output zeroed", "[core][crypto]") {
  Fixture f;
  SeededRandom other_random(43);
  const SecretKey other = SecretKey::random(other_random, aead_key_size);
  REQUIRE_FALSE(other.equals(f.key));
  Bytes out(f.ciphertext.size(), 0xAA);
  CHECK_FALSE(aead_decrypt(other, f.nonce, f.ciphertext, f.tag, f.associated, out));
  CHECK(all_zero(out));
}

TEST_CASE("Aead: a wrong nonce is rejected and the output zeroed", "[core][crypto]") {
  Fixture f;
  AeadNonce nonce = f.nonce;
  nonce[23] ^= 0x01;
  Bytes out(f.ciphertext.size(), 0xAA);
  CHECK_FALSE(aead_decrypt(f.key, nonce, f.ciphertext, f.tag, f.associated, out));
  CHECK(all_zero(out));
}

TEST_CASE("Aead: mismatched buffer sizes and a wrong key size throw", "[core][crypto]") {
  Fixture f;
  Bytes short_out(f.plaintext.size() - 1);
  CHECK_THROWS_AS(aead_encrypt(f.key, f.nonce, f.plaintext, f.associated, short_out), std::invalid_argument);
  CHECK_THROWS_AS((void)aead_decrypt(f.key, f.nonce, f.ciphertext, f.tag, f.associated, short_out),
                  std::invalid_argument);
  SeededRandom random(5);
  const SecretKey small = SecretKey::random(random, 16);
  Bytes out(f.plaintext.size());
  CHECK_THROWS_AS(aead_encrypt(small, f.nonce, f.plaintext, f.associated, out), std::invalid_argument);
}

TEST_CASE("Aead: seal then open returns the plaintext", "[core][crypto]") {
  SeededRandom random(1);
  const SecretKey key = SecretKey::random(random, aead_key_size);
  const Bytes plaintext = random_bytes(4096 + 3, 11);
  const Bytes ad{'a', 'd'};
  const Bytes box = aead_seal(key, random, plaintext, ad);
  REQUIRE(box.size() == 24 + plaintext.size() + aead_tag_size);
  Bytes opened;
  REQUIRE(aead_open(key, box, ad, opened));
  CHECK(opened == plaintext);
}

TEST_CASE("Aead: a sealed box fails to open when tampered, under another key or other associated data",
          "[core][crypto]") {
  SeededRandom random(2);
  const SecretKey key = SecretKey::random(random, aead_key_size);
  const SecretKey other = SecretKey::random(random, aead_key_size);
  const Bytes plaintext = random_bytes(300, 12);
  const Bytes ad{'x'};
  const Bytes box = aead_seal(key, random, plaintext, ad);
  Bytes opened;

  // Every byte (nonce, body, tag) is covered.
  for (std::size_t i = 0; i < box.size(); ++i) {
    Bytes tampered = box;
    tampered[i] ^= 0x20;
    opened.clear();
    CHECK_FALSE(aead_open(key, tampered, ad, opened));
    CHECK(all_zero(opened));
  }
  CHECK_FALSE(aead_open(other, box, ad, opened));
  CHECK_FALSE(aead_open(key, box, Bytes{'y'}, opened));
  REQUIRE(aead_open(key, box, ad, opened));
  CHECK(opened == plaintext);
}

TEST_CASE("Aead: a truncated or too-short box is rejected", "[core][crypto]") {
  SeededRandom random(3);
  const SecretKey key = SecretKey::random(random, aead_key_size);
  const Bytes plaintext = random_bytes(100, 13);
  const Bytes box = aead_seal(key, random, plaintext, {});
  Bytes opened;

  CHECK_FALSE(aead_open(key, ByteView(box).first(box.size() - 1), {}, opened));
  CHECK_FALSE(aead_open(key, ByteView(box).first(24 + aead_tag_size), {}, opened));
  CHECK_FALSE(aead_open(key, ByteView(box).first(24 + aead_tag_size - 1), {}, opened));
  CHECK_FALSE(aead_open(key, ByteView(box).first(10), {}, opened));
  CHECK_FALSE(aead_open(key, ByteView{}, {}, opened));
  Bytes extended = box;
  extended.push_back(0);
  CHECK_FALSE(aead_open(key, extended, {}, opened));
}

TEST_CASE("Aead: two seals of the same plaintext differ", "[core][crypto]") {
  SystemRandom random;
  SeededRandom key_random(4);
  const SecretKey key = SecretKey::random(key_random, aead_key_size);
  const Bytes plaintext = random_bytes(64, 14);
  const Bytes a = aead_seal(key, random, plaintext, {});
  const Bytes b = aead_seal(key, random, plaintext, {});
  REQUIRE(a.size() == b.size());
  CHECK(a != b);
  CHECK_FALSE(std::equal(a.begin(), a.begin() + 24, b.begin()));  // different nonces
  Bytes pa;
  Bytes pb;
  REQUIRE(aead_open(key, a, {}, pa));
  REQUIRE(aead_open(key, b, {}, pb));
  CHECK(pa == plaintext);
  CHECK(pb == plaintext);
}

TEST_CASE("Aead: random_nonce draws fresh nonces", "[core][crypto]") {
  SystemRandom random;
  const AeadNonce a = random_nonce(random);
  const AeadNonce b = random_nonce(random);
  CHECK(a != b);
}

TEST_CASE("Aead: empty plaintext works with seal and open", "[core][crypto]") {
  SeededRandom random(5);
  const SecretKey key = SecretKey::random(random, aead_key_size);
  const Bytes ad{'e', 'm', 'p', 't', 'y'};
  const Bytes box = aead_seal(key, random, ByteView{}, ad);
  CHECK(box.size() == 24 + aead_tag_size);
  Bytes opened{1, 2, 3};
  REQUIRE(aead_open(key, box, ad, opened));
  CHECK(opened.empty());
  Bytes tampered = box;
  tampered.back() ^= 1;
  CHECK_FALSE(aead_open(key, tampered, ad, opened));
  CHECK_FALSE(aead_open(key, box, Bytes{'x'}, opened));
}

// An empty std::vector's data() is a null pointer. libsodium declares the
// ciphertext pointers of the detached functions nonnull, so passing an empty
// span straight through is undefined behaviour (UBSan stops here).
TEST_CASE("Aead: detached encrypt and decrypt of empty buffers work", "[core][crypto]") {
  SeededRandom random(6);
  const SecretKey key = SecretKey::random(random, aead_key_size);
  const AeadNonce nonce = random_nonce(random);
  const Bytes ad{'e', 'm', 'p', 't', 'y'};

  Bytes empty_out;
  const AeadTag tag = aead_encrypt(key, nonce, ByteView{}, ad, empty_out);
  CHECK(aead_decrypt(key, nonce, ByteView{}, tag, ad, empty_out));
  AeadTag bad = tag;
  bad[0] ^= 1;
  CHECK_FALSE(aead_decrypt(key, nonce, ByteView{}, bad, ad, empty_out));
  CHECK_FALSE(aead_decrypt(key, nonce, ByteView{}, tag, Bytes{'x'}, empty_out));

  // The tag of the empty message is the one aead_seal produces.
  SeededRandom replay(6);
  (void)SecretKey::random(replay, aead_key_size);
  const Bytes box = aead_seal(key, replay, ByteView{}, ad);
  CHECK(std::equal(tag.begin(), tag.end(), box.end() - aead_tag_size));
}
