// CatalogAuthority: the hub orders only statements that pass the catalog
// rules, answers with exact deltas and matching timestamps, rebuilds itself
// from what it stored, and only moves its trust list forward under the root.
#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "catalog_world.hpp"

using namespace outpost;
using namespace outpost::test;
using namespace outpost::catalog;
using namespace std::chrono_literals;

namespace {

template <class R>
void check_refused(const R& result, Errc code) {
  INFO(result.status().to_string());
  REQUIRE_FALSE(result.is_ok());
  CHECK(result.status().code() == code);
}

// All statements the authority holds, in order.
std::vector<SignedStatement> stored(CatalogWorld& w) {
  auto d = w.authority.delta(0, w.hub, w.clock.now(), 1h);
  REQUIRE(d.is_ok());
  return d->statements;
}

Bytes content(std::uint64_t seed) { return random_bytes(100, seed); }

}  // namespace

TEST_CASE("Authority: submit assigns seq 1, 2, 3 and extends the digest chain", "[catalog]") {
  CatalogWorld w;
  CHECK(w.authority.seq() == 0);
  CHECK(w.authority.digest() == crypto::Digest{});
  const auto s1 = w.sign(w.release_of("deck", 1, content(1)));
  const auto s2 = w.sign(w.release_of("deck", 2, content(2)));
  const auto s3 = w.revoke("deck", 1, "typo");
  auto r1 = w.authority.submit(s1);
  auto r2 = w.authority.submit(s2);
  auto r3 = w.authority.submit(s3);
  REQUIRE(r1.is_ok());
  REQUIRE(r2.is_ok());
  REQUIRE(r3.is_ok());
  CHECK(*r1 == 1);
  CHECK(*r2 == 2);
  CHECK(*r3 == 3);
  CHECK(w.authority.seq() == 3);
  const crypto::Digest expected =
      chain_digest(chain_digest(chain_digest(crypto::Digest{}, s1.digest()), s2.digest()), s3.digest());
  CHECK(w.authority.digest() == expected);
}

TEST_CASE("Authority: a release from a key not on the trust list is refused", "[catalog]") {
  CatalogWorld w;
  const auto stranger = crypto::SigningKey::generate(w.random);
  const auto rel = w.release_of("deck", 1, content(1));
  check_refused(w.authority.submit(w.sign(rel, &stranger)), Errc::integrity);
  // Neither the hub key nor the root key is a publisher.
  check_refused(w.authority.submit(w.sign(rel, &w.hub)), Errc::integrity);
  check_refused(w.authority.submit(w.sign(rel, &w.root)), Errc::integrity);
  CHECK(w.authority.seq() == 0);
  CHECK(w.authority.digest() == crypto::Digest{});
  // The refusal did not reserve the version: the real publisher may use it.
  CHECK(w.authority.submit(w.sign(rel)).is_ok());
}

TEST_CASE("Authority: a tampered release is refused", "[catalog]") {
  CatalogWorld w;
  const auto good = w.sign(w.release_of("deck", 1, content(1)));
  SECTION("flipped signature byte") {
    auto s = good;
    s.signature.bytes[0] = static_cast<std::uint8_t>(s.signature.bytes[0] ^ 0x01);
    check_refused(w.authority.submit(s), Errc::integrity);
  }
  SECTION("body changed after signing") {
    auto rel = w.release_of("deck", 1, content(1));
    rel.title = "Deck (edited)";
    auto s = good;
    s.body = rel.to_body();
    check_refused(w.authority.submit(s), Errc::integrity);
  }
  CHECK(w.authority.seq() == 0);
}

TEST_CASE("Authority: a version must increase per asset, other assets are independent", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 5, content(1))));
  // Same version (even with different content) and lower versions are refused.
  check_refused(w.authority.submit(w.sign(w.release_of("deck", 5, content(2)))), Errc::invalid_argument);
  check_refused(w.authority.submit(w.sign(w.release_of("deck", 4, content(3)))), Errc::invalid_argument);
  check_refused(w.authority.submit(w.sign(w.release_of("deck", 1, content(4)))), Errc::invalid_argument);
  CHECK(w.authority.seq() == 1);
  // Another asset may start at 1, and the first asset may jump ahead.
  CHECK(w.authority.submit(w.sign(w.release_of("brochure", 1, content(5)))).is_ok());
  CHECK(w.authority.submit(w.sign(w.release_of("deck", 9, content(6)))).is_ok());
  check_refused(w.authority.submit(w.sign(w.release_of("deck", 6, content(7)))), Errc::invalid_argument);
  CHECK(w.authority.seq() == 3);
  // A revoked version still counts: it cannot be released again.
  w.publish(w.revoke("deck", 9));
  check_refused(w.authority.submit(w.sign(w.release_of("deck", 9, content(8)))), Errc::invalid_argument);
}

TEST_CASE("Authority: revoking an unknown or already revoked release is refused", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  check_refused(w.authority.submit(w.revoke("deck", 2)), Errc::invalid_argument);
  check_refused(w.authority.submit(w.revoke("nothing", 1)), Errc::invalid_argument);
  CHECK(w.authority.seq() == 1);
  w.publish(w.revoke("deck", 1, "wrong price"));
  CHECK(w.authority.seq() == 2);
  const auto digest = w.authority.digest();
  check_refused(w.authority.submit(w.revoke("deck", 1, "again")), Errc::invalid_argument);
  CHECK(w.authority.seq() == 2);
  CHECK(w.authority.digest() == digest);
}

TEST_CASE("Authority: timestamps and trust lists cannot be submitted as catalog content", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  const auto digest = w.authority.digest();
  // As produced by their real signers (hub, root): not publisher keys.
  check_refused(w.authority.submit(w.authority.timestamp(w.hub, w.clock.now(), 1h)), Errc::integrity);
  check_refused(w.authority.submit(w.trust_statement), Errc::integrity);
  // Even signed by a publisher, their type has no place in the sequence.
  CatalogTimestamp ts{1, digest, w.clock.now(), w.clock.now() + 1h};
  check_refused(w.authority.submit(sign_statement(ts.to_body(), w.publisher)), Errc::invalid_argument);
  check_refused(w.authority.submit(sign_statement(w.trust_statement.body, w.publisher)), Errc::invalid_argument);
  // A publisher-signed body that is no statement at all is refused too.
  auto junk = w.authority.submit(sign_statement(random_bytes(40, 3), w.publisher));
  CHECK_FALSE(junk.is_ok());
  CHECK(w.authority.seq() == 1);
  CHECK(w.authority.digest() == digest);
}

TEST_CASE("Authority: delta(from) holds exactly the later statements and a matching timestamp", "[catalog]") {
  CatalogWorld w;
  std::vector<SignedStatement> all;
  for (std::uint64_t v = 1; v <= 3; ++v) {
    all.push_back(w.sign(w.release_of("deck", v, content(v))));
    w.publish(all.back());
  }
  all.push_back(w.revoke("deck", 2));
  w.publish(all.back());
  w.clock.advance(5min);

  for (std::uint64_t from = 0; from <= 4; ++from) {
    INFO("from " << from);
    auto d = w.authority.delta(from, w.hub, w.clock.now(), 2h);
    REQUIRE(d.is_ok());
    CHECK(d->from_seq == from);
    const std::vector<SignedStatement> expected(all.begin() + static_cast<std::ptrdiff_t>(from), all.end());
    CHECK(d->statements == expected);
    REQUIRE(d->trust_list.has_value());
    CHECK(*d->trust_list == w.trust_statement);

    CHECK(d->timestamp.signer == w.hub.public_key());
    CHECK(d->timestamp.signature_valid());
    auto ts = CatalogTimestamp::from_body(d->timestamp.body);
    REQUIRE(ts.is_ok());
    CHECK(ts->seq == w.authority.seq());
    CHECK(ts->seq == 4);
    CHECK(ts->digest == w.authority.digest());
    CHECK(ts->issued_at == w.clock.now());
    CHECK(ts->expires_at == w.clock.now() + 2h);
  }
  auto without_trust = w.authority.delta(1, w.hub, w.clock.now(), 2h, false);
  REQUIRE(without_trust.is_ok());
  CHECK_FALSE(without_trust->trust_list.has_value());
  CHECK(without_trust->statements.size() == 3);
}

TEST_CASE("Authority: a delta from beyond the hub's seq is refused", "[catalog]") {
  CatalogWorld w;
  check_refused(w.authority.delta(1, w.hub, w.clock.now(), 1h), Errc::invalid_argument);
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  CHECK(w.authority.delta(1, w.hub, w.clock.now(), 1h).is_ok());
  check_refused(w.authority.delta(2, w.hub, w.clock.now(), 1h), Errc::invalid_argument);
  check_refused(w.authority.delta(~std::uint64_t{0}, w.hub, w.clock.now(), 1h), Errc::invalid_argument);
}

TEST_CASE("Authority: restore rebuilds the same seq and digest, and refuses a tampered list", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  w.publish(w.sign(w.release_of("brochure", 1, content(2))));
  w.publish(w.sign(w.release_of("deck", 2, content(3))));
  w.publish(w.revoke("deck", 1));
  const auto statements = stored(w);
  REQUIRE(statements.size() == 4);

  auto fresh = [&] {
    auto a = CatalogAuthority::create(w.trust_statement, w.root.public_key());
    REQUIRE(a.is_ok());
    return std::move(a).value();
  };

  SECTION("intact") {
    auto rebuilt = fresh();
    REQUIRE(rebuilt.restore(statements).is_ok());
    CHECK(rebuilt.seq() == w.authority.seq());
    CHECK(rebuilt.digest() == w.authority.digest());
    // And it keeps enforcing the rules it rebuilt.
    auto again = rebuilt.submit(statements[2]);
    CHECK_FALSE(again.is_ok());
    CHECK(rebuilt.submit(w.sign(w.release_of("deck", 3, content(4)))).is_ok());
  }
  SECTION("a flipped body byte") {
    auto tampered = statements;
    auto& byte = tampered[1].body[tampered[1].body.size() / 2];
    byte = static_cast<std::uint8_t>(byte ^ 0x01);
    auto rebuilt = fresh();
    const Status s = rebuilt.restore(tampered);
    INFO(s.to_string());
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.code() == Errc::integrity);
    CHECK_THAT(s.message(), Catch::Matchers::Contains("stored statement 2"));
    CHECK(rebuilt.digest() != w.authority.digest());
  }
  SECTION("reordered (revocation before its release)") {
    auto reordered = statements;
    std::swap(reordered[0], reordered[3]);
    auto rebuilt = fresh();
    const Status s = rebuilt.restore(reordered);
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.code() == Errc::invalid_argument);
  }
  SECTION("a statement by a key not on the trust list") {
    auto forged = statements;
    const auto stranger = crypto::SigningKey::generate(w.random);
    forged[3] = sign_statement(forged[3].body, stranger);
    auto rebuilt = fresh();
    const Status s = rebuilt.restore(forged);
    REQUIRE_FALSE(s.is_ok());
    CHECK(s.code() == Errc::integrity);
    CHECK(rebuilt.digest() != w.authority.digest());
  }
}

TEST_CASE("Authority: update_trust moves only forward and only under the root", "[catalog]") {
  CatalogWorld w;
  const auto second = crypto::SigningKey::generate(w.random);
  w.publish(w.sign(w.release_of("deck", 1, content(1))));

  SECTION("equal or lower version is refused") {
    CHECK(w.authority.update_trust(w.make_trust(1, {w.publisher.public_key(), second.public_key()}),
                                   w.root.public_key())
              .code() == Errc::integrity);
    CHECK(w.authority.update_trust(w.make_trust(0, {second.public_key()}), w.root.public_key()).code() ==
          Errc::integrity);
    CHECK(w.authority.trust().version == 1);
    CHECK(w.authority.trust().find_publisher(second.public_key()) == nullptr);
  }
  SECTION("not signed by the root is refused") {
    catalog::TrustList t = *TrustList::from_body(w.make_trust(2, {second.public_key()}).body);
    const auto by_publisher = sign_statement(t.to_body(), w.publisher);
    CHECK(w.authority.update_trust(by_publisher, w.root.public_key()).code() == Errc::integrity);
    // Signed by the root but checked against another root: refused as well.
    CHECK(w.authority.update_trust(w.make_trust(2, {second.public_key()}), second.public_key()).code() ==
          Errc::integrity);
    // A root-signed list whose signature was broken.
    auto broken = w.make_trust(2, {second.public_key()});
    broken.signature.bytes[5] = static_cast<std::uint8_t>(broken.signature.bytes[5] ^ 0x10);
    CHECK(w.authority.update_trust(broken, w.root.public_key()).code() == Errc::integrity);
    CHECK(w.authority.trust().version == 1);
  }
  SECTION("a higher version naming another hub key is refused: no device would accept the catalog") {
    // Found by the statement fuzzer (tests/fuzz/regressions/statement/).
    catalog::TrustList t =
        *TrustList::from_body(w.make_trust(2, {w.publisher.public_key(), second.public_key()}).body);
    t.hub_key = second.public_key();
    const Status s = w.authority.update_trust(sign_statement(t.to_body(), w.root), w.root.public_key());
    CHECK(s.code() == Errc::invalid_argument);
    CHECK_THAT(s.message(), Catch::Matchers::Contains("another hub key"));
    CHECK(w.authority.trust().version == 1);
    CHECK(w.authority.trust().hub_key == w.hub.public_key());
  }
  SECTION("a higher version that drops a publisher without retiring it is refused") {
    // Its release at seq 1 would become unverifiable for every device.
    CHECK(w.authority.update_trust(w.make_trust(2, {second.public_key()}), w.root.public_key()).code() ==
          Errc::invalid_argument);
    CHECK(w.authority.trust().version == 1);
  }
  SECTION("a higher version that removes a publisher") {
    const auto v2 = w.make_trust(2, {second.public_key()}, catalog::default_offline_budget(),
                                 {{"retired", w.publisher.public_key(), w.authority.seq()}});
    REQUIRE(w.authority.update_trust(v2, w.root.public_key()).is_ok());
    CHECK(w.authority.trust().version == 2);
    check_refused(w.authority.submit(w.sign(w.release_of("deck", 2, content(2)))), Errc::integrity);
    check_refused(w.authority.submit(w.revoke("deck", 1)), Errc::integrity);
    auto by_second = w.authority.submit(w.sign(w.release_of("deck", 2, content(2)), &second));
    REQUIRE(by_second.is_ok());
    CHECK(*by_second == 2);
    // Deltas now carry the new list.
    auto d = w.authority.delta(0, w.hub, w.clock.now(), 1h);
    REQUIRE(d.is_ok());
    REQUIRE(d->trust_list.has_value());
    CHECK(*d->trust_list == v2);
    // And the old list can no longer come back.
    CHECK(w.authority.update_trust(w.trust_statement, w.root.public_key()).code() == Errc::integrity);
  }
}

TEST_CASE("Authority: create refuses a trust list not signed by the given root", "[catalog]") {
  CatalogWorld w;
  const auto other_root = crypto::SigningKey::generate(w.random);
  check_refused(CatalogAuthority::create(w.trust_statement, other_root.public_key()), Errc::integrity);

  const auto by_other = sign_statement(w.trust_statement.body, other_root);
  check_refused(CatalogAuthority::create(by_other, w.root.public_key()), Errc::integrity);

  auto forged = w.trust_statement;
  forged.signature = by_other.signature;
  check_refused(CatalogAuthority::create(forged, w.root.public_key()), Errc::integrity);

  // A root-signed body that is not a valid trust list.
  check_refused(CatalogAuthority::create(sign_statement(w.revoke("deck", 1).body, w.root), w.root.public_key()),
                Errc::corrupt);

  auto ok = CatalogAuthority::create(w.trust_statement, w.root.public_key());
  REQUIRE(ok.is_ok());
  CHECK(ok->trust().version == 1);
  CHECK(ok->trust().hub_key == w.hub.public_key());
  CHECK(ok->seq() == 0);
}
