// Subkey derivation, Ed25519 signatures, sealed boxes and SecretKey itself.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "outpost/crypto/kdf.hpp"
#include "outpost/crypto/sealed_box.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/crypto/sign.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::crypto;
using outpost::test::random_bytes;
using outpost::test::SeededRandom;

// ---------------------------------------------------------------- derive_key

TEST_CASE("Kdf: derive_key is deterministic for the same master and purpose", "[core][crypto]") {
  SeededRandom random(1);
  const SecretKey master = SecretKey::random(random, master_key_size);
  const SecretKey copy = SecretKey::from_bytes(master.view());
  const SecretKey a = derive_key(master, purpose::chunk_encryption);
  const SecretKey b = derive_key(copy, purpose::chunk_encryption);
  CHECK(a.size() == 32);
  CHECK(a.equals(b));
  CHECK_FALSE(a.equals(master));  // a subkey is not the master key itself
}

TEST_CASE("Kdf: every purpose gets a different subkey", "[core][crypto]") {
  SeededRandom random(2);
  const SecretKey master = SecretKey::random(random, master_key_size);
  const KeyPurpose purposes[] = {purpose::chunk_encryption, purpose::chunk_names, purpose::key_check,
                                 purpose::journal_payloads};
  std::vector<SecretKey> keys;
  for (const KeyPurpose& p : purposes) keys.push_back(derive_key(master, p));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) {
      INFO("purposes " << i << " and " << j);
      CHECK_FALSE(keys[i].equals(keys[j]));
    }
  }
  // Same id, different context; same context, different id.
  const KeyPurpose other_context{{'O', 'P', 'c', 'a', 'c', 'h', 'e', '2'}, 1};
  CHECK_FALSE(derive_key(master, other_context).equals(keys[0]));
  const KeyPurpose other_id{{'O', 'P', 'c', 'a', 'c', 'h', 'e', '1'}, 4};
  for (const SecretKey& k : keys) CHECK_FALSE(derive_key(master, other_id).equals(k));
}

TEST_CASE("Kdf: different masters give different subkeys", "[core][crypto]") {
  SeededRandom random(3);
  const SecretKey m1 = SecretKey::random(random, master_key_size);
  SecretKey m2 = SecretKey::from_bytes(m1.view());
  m2.data()[31] ^= 0x01;  // one bit apart
  for (const KeyPurpose& p : {purpose::chunk_encryption, purpose::chunk_names, purpose::key_check,
                              purpose::journal_payloads}) {
    CHECK_FALSE(derive_key(m1, p).equals(derive_key(m2, p)));
  }
}

TEST_CASE("Kdf: a master key of the wrong size throws", "[core][crypto]") {
  SeededRandom random(4);
  for (const std::size_t size : {std::size_t{0}, std::size_t{16}, std::size_t{31}, std::size_t{33}, std::size_t{64}}) {
    INFO("size " << size);
    const SecretKey master = SecretKey::random(random, size);
    CHECK_THROWS_AS(derive_key(master, purpose::chunk_encryption), std::invalid_argument);
  }
}

// ------------------------------------------------------------------- Ed25519

TEST_CASE("Sign: a signature verifies under its public key", "[core][crypto]") {
  SeededRandom random(10);
  const SigningKey key = SigningKey::generate(random);
  const Bytes message = random_bytes(777, 1);
  const Signature sig = key.sign(message);
  CHECK(verify(key.public_key(), message, sig));
  // Ed25519 signatures are deterministic.
  CHECK(key.sign(message) == sig);
  // The empty message can be signed too.
  CHECK(verify(key.public_key(), ByteView{}, key.sign(ByteView{})));
}

TEST_CASE("Sign: verification fails for a modified message", "[core][crypto]") {
  SeededRandom random(11);
  const SigningKey key = SigningKey::generate(random);
  const Bytes message = random_bytes(100, 2);
  const Signature sig = key.sign(message);
  for (const std::size_t pos : {std::size_t{0}, std::size_t{50}, std::size_t{99}}) {
    Bytes modified = message;
    modified[pos] ^= 0x01;
    CHECK_FALSE(verify(key.public_key(), modified, sig));
  }
  CHECK_FALSE(verify(key.public_key(), ByteView(message).first(99), sig));
  Bytes longer = message;
  longer.push_back(0);
  CHECK_FALSE(verify(key.public_key(), longer, sig));
}

TEST_CASE("Sign: verification fails for a modified signature", "[core][crypto]") {
  SeededRandom random(12);
  const SigningKey key = SigningKey::generate(random);
  const Bytes message = random_bytes(64, 3);
  const Signature sig = key.sign(message);
  for (std::size_t i = 0; i < sig.bytes.size(); ++i) {
    Signature bad = sig;
    bad.bytes[i] ^= 0x01;
    INFO("byte " << i);
    CHECK_FALSE(verify(key.public_key(), message, bad));
  }
  CHECK_FALSE(verify(key.public_key(), message, Signature{}));
}

TEST_CASE("Sign: verification fails under another public key", "[core][crypto]") {
  SeededRandom random(13);
  const SigningKey alice = SigningKey::generate(random);
  const SigningKey bob = SigningKey::generate(random);
  REQUIRE(alice.public_key() != bob.public_key());
  const Bytes message = random_bytes(64, 4);
  CHECK_FALSE(verify(bob.public_key(), message, alice.sign(message)));
  CHECK_FALSE(verify(PublicKey{}, message, alice.sign(message)));
}

TEST_CASE("Sign: from_seed(seed()) reproduces the same key", "[core][crypto]") {
  SeededRandom random(14);
  const SigningKey key = SigningKey::generate(random);
  const SecretKey seed = key.seed();
  CHECK(seed.size() == 32);
  const SigningKey again = SigningKey::from_seed(seed.view());
  CHECK(again.public_key() == key.public_key());
  const Bytes message = random_bytes(10, 5);
  CHECK(again.sign(message) == key.sign(message));

  // generate() derives from the seed drawn from the Random.
  SeededRandom replay(14);
  const SecretKey drawn = SecretKey::random(replay, 32);
  CHECK(drawn.equals(seed));

  CHECK_THROWS_AS(SigningKey::from_seed(Bytes(31)), std::invalid_argument);
  CHECK_THROWS_AS(SigningKey::from_seed(Bytes(64)), std::invalid_argument);
}

TEST_CASE("Sign: PublicKey::from_hex round trip and rejections", "[core][crypto]") {
  SeededRandom random(15);
  const SigningKey key = SigningKey::generate(random);
  const std::string hex = key.public_key().hex();
  CHECK(hex.size() == 64);
  const auto parsed = PublicKey::from_hex(hex);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == key.public_key());

  CHECK_FALSE(PublicKey::from_hex("").has_value());
  CHECK_FALSE(PublicKey::from_hex(hex.substr(0, 62)).has_value());
  CHECK_FALSE(PublicKey::from_hex(hex.substr(0, 63)).has_value());
  CHECK_FALSE(PublicKey::from_hex(hex + "00").has_value());
  std::string bad = hex;
  bad[7] = 'q';
  CHECK_FALSE(PublicKey::from_hex(bad).has_value());
}

TEST_CASE("Sign: Signature::from_bytes accepts exactly 64 bytes", "[core][crypto]") {
  SeededRandom random(16);
  const SigningKey key = SigningKey::generate(random);
  const Signature sig = key.sign(as_bytes("hello"));
  const auto parsed = Signature::from_bytes(sig.bytes);
  REQUIRE(parsed.has_value());
  CHECK(*parsed == sig);
  CHECK_FALSE(Signature::from_bytes(Bytes(63)).has_value());
  CHECK_FALSE(Signature::from_bytes(Bytes(65)).has_value());
}

// ------------------------------------------------------------- sealed boxes

TEST_CASE("SealedBox: seal then open returns the message", "[core][crypto]") {
  SeededRandom random(20);
  const BoxKeyPair recipient = BoxKeyPair::generate(random);
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{1000}}) {
    const Bytes message = random_bytes(size, 21);
    const Bytes box = seal(recipient.public_key(), message);
    CHECK(box.size() == message.size() + sealed_box_overhead);
    const auto opened = open_sealed(recipient, box);
    REQUIRE(opened.has_value());
    CHECK(*opened == message);
  }
}

TEST_CASE("SealedBox: two seals of the same message differ", "[core][crypto]") {
  SeededRandom random(21);
  const BoxKeyPair recipient = BoxKeyPair::generate(random);
  const Bytes message = random_bytes(32, 22);
  CHECK(seal(recipient.public_key(), message) != seal(recipient.public_key(), message));
}

TEST_CASE("SealedBox: another key pair cannot open", "[core][crypto]") {
  SeededRandom random(22);
  const BoxKeyPair recipient = BoxKeyPair::generate(random);
  const BoxKeyPair other = BoxKeyPair::generate(random);
  REQUIRE_FALSE(recipient.public_key() == other.public_key());
  const Bytes box = seal(recipient.public_key(), as_bytes("lead: jane@example.org"));
  CHECK_FALSE(open_sealed(other, box).has_value());
  CHECK(open_sealed(recipient, box).has_value());
}

TEST_CASE("SealedBox: a tampered box is rejected", "[core][crypto]") {
  SeededRandom random(23);
  const BoxKeyPair recipient = BoxKeyPair::generate(random);
  const Bytes box = seal(recipient.public_key(), random_bytes(50, 23));
  for (std::size_t i = 0; i < box.size(); ++i) {
    Bytes tampered = box;
    tampered[i] ^= 0x01;
    INFO("byte " << i);
    CHECK_FALSE(open_sealed(recipient, tampered).has_value());
  }
  Bytes extended = box;
  extended.push_back(0);
  CHECK_FALSE(open_sealed(recipient, extended).has_value());
  CHECK_FALSE(open_sealed(recipient, ByteView(box).first(box.size() - 1)).has_value());
}

TEST_CASE("SealedBox: a too-short box is rejected", "[core][crypto]") {
  SeededRandom random(24);
  const BoxKeyPair recipient = BoxKeyPair::generate(random);
  CHECK_FALSE(open_sealed(recipient, ByteView{}).has_value());
  CHECK_FALSE(open_sealed(recipient, Bytes(sealed_box_overhead - 1)).has_value());
  CHECK_FALSE(open_sealed(recipient, Bytes(sealed_box_overhead)).has_value());
  const Bytes empty_box = seal(recipient.public_key(), ByteView{});
  CHECK_FALSE(open_sealed(recipient, ByteView(empty_box).first(sealed_box_overhead - 1)).has_value());
}

TEST_CASE("SealedBox: from_secret rebuilds the same key pair", "[core][crypto]") {
  SeededRandom random(25);
  const BoxKeyPair original = BoxKeyPair::generate(random);
  const BoxKeyPair rebuilt = BoxKeyPair::from_secret(original.secret_key().view());
  CHECK(rebuilt.public_key() == original.public_key());
  const auto opened = open_sealed(rebuilt, seal(original.public_key(), as_bytes("x")));
  REQUIRE(opened.has_value());
  CHECK(*opened == Bytes{'x'});
  CHECK_THROWS_AS(BoxKeyPair::from_secret(Bytes(31)), std::invalid_argument);
}

// ----------------------------------------------------------------- SecretKey

TEST_CASE("SecretKey: a new key is zero-filled", "[core][crypto]") {
  const SecretKey key(48);
  REQUIRE(key.size() == 48);
  CHECK(std::all_of(key.view().begin(), key.view().end(), [](std::uint8_t b) { return b == 0; }));
}

TEST_CASE("SecretKey: move leaves the source empty", "[core][crypto]") {
  SeededRandom random(30);
  SecretKey a = SecretKey::random(random, 32);
  const SecretKey expected = SecretKey::from_bytes(a.view());

  SecretKey b(std::move(a));
  CHECK(a.size() == 0);  // NOLINT(bugprone-use-after-move): the moved-from state is what is tested
  CHECK(a.data() == nullptr);
  CHECK(b.size() == 32);
  CHECK(b.equals(expected));

  SecretKey c(16);
  c = std::move(b);
  CHECK(b.size() == 0);  // NOLINT(bugprone-use-after-move)
  CHECK(b.data() == nullptr);
  CHECK(c.size() == 32);
  CHECK(c.equals(expected));

  // Self-move assignment keeps the key.
  SecretKey& alias = c;
  c = std::move(alias);
  CHECK(c.size() == 32);
  CHECK(c.equals(expected));
}

TEST_CASE("SecretKey: equals compares size and contents", "[core][crypto]") {
  SeededRandom random(31);
  const SecretKey a = SecretKey::random(random, 32);
  const SecretKey same = SecretKey::from_bytes(a.view());
  SecretKey differs = SecretKey::from_bytes(a.view());
  differs.data()[0] ^= 1;
  const SecretKey shorter = SecretKey::from_bytes(a.view().first(31));
  CHECK(a.equals(same));
  CHECK(same.equals(a));
  CHECK_FALSE(a.equals(differs));
  CHECK_FALSE(a.equals(shorter));
  CHECK_FALSE(shorter.equals(a));
  CHECK(SecretKey(0).equals(SecretKey(0)));
}

TEST_CASE("SecretKey: from_bytes copies", "[core][crypto]") {
  Bytes source = random_bytes(32, 33);
  const Bytes original = source;
  const SecretKey key = SecretKey::from_bytes(source);
  CHECK(key.data() != source.data());
  wipe(source);
  CHECK(std::all_of(source.begin(), source.end(), [](std::uint8_t b) { return b == 0; }));
  CHECK(Bytes(key.view().begin(), key.view().end()) == original);
  const SecretKey empty = SecretKey::from_bytes(ByteView{});
  CHECK(empty.size() == 0);
}

TEST_CASE("SecretKey: random draws from the given Random", "[core][crypto]") {
  SeededRandom r1(40);
  SeededRandom r2(40);
  SeededRandom r3(41);
  const SecretKey a = SecretKey::random(r1, 32);
  const SecretKey b = SecretKey::random(r2, 32);
  const SecretKey c = SecretKey::random(r3, 32);
  CHECK(a.equals(b));
  CHECK_FALSE(a.equals(c));
}
