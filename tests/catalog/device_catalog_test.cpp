// DeviceCatalog: a delta is applied whole and only when every rule holds;
// a refused delta leaves the device exactly as it was. Trusted time never
// goes back, across clock changes and restarts.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "catalog_world.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/kdf.hpp"

using namespace outpost;
using namespace outpost::test;
using namespace outpost::catalog;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

Bytes content(std::uint64_t seed) { return random_bytes(100, seed); }

std::int64_t ms(TimePoint t) { return to_unix_ms(t); }
std::int64_t ms(const std::optional<TimePoint>& t) { return t ? to_unix_ms(*t) : -1; }

// What a refused delta must not change.
struct Snapshot {
  std::uint64_t seq = 0;
  std::int64_t verified_as_of = -1;
  std::int64_t timestamp_expires = -1;
  std::uint64_t trust_version = 0;
  std::map<std::string, std::vector<Release>> releases;
  std::vector<Release> latest;
  std::vector<bool> revoked;
};

const std::vector<std::string> assets{"deck", "brochure", "flyer", "extra"};

Snapshot snapshot(DeviceCatalog& device) {
  Snapshot s;
  const CatalogStatus st = device.status();
  s.seq = st.seq;
  s.verified_as_of = ms(st.verified_as_of);
  s.timestamp_expires = ms(st.timestamp_expires);
  s.trust_version = st.trust_version;
  for (const auto& a : assets) {
    s.releases[a] = device.releases(a);
    for (std::uint64_t v = 1; v <= 3; ++v) s.revoked.push_back(device.revocation({a, v}).has_value());
  }
  s.latest = device.latest_releases();
  return s;
}

void check_same(const Snapshot& before, const Snapshot& after) {
  CHECK(after.seq == before.seq);
  CHECK(after.verified_as_of == before.verified_as_of);
  CHECK(after.timestamp_expires == before.timestamp_expires);
  CHECK(after.trust_version == before.trust_version);
  CHECK(after.releases == before.releases);
  CHECK(after.latest == before.latest);
  CHECK(after.revoked == before.revoked);
}

template <class R>
void check_refused(const R& result, Errc code) {
  INFO(result.status().to_string());
  REQUIRE_FALSE(result.is_ok());
  CHECK(result.status().code() == code);
}

// A world whose device already holds deck@1 (seq 1), with three more
// statements at the hub that the device has not seen yet.
struct PendingWorld : CatalogWorld {
  PendingWorld() {
    publish(sign(release_of("deck", 1, content(1))));
    sync();
    clock.advance(10min);
    publish(sign(release_of("brochure", 1, content(2))));
    publish(sign(release_of("deck", 2, content(3))));
    publish(revoke("deck", 1, "outdated"));
    clock.advance(10min);
  }

  // The good delta still applies after a refusal: nothing was half-applied.
  void check_good_delta_applies() {
    auto r = device->apply(delta());
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    CHECK(r->from_seq == 1);
    CHECK(r->to_seq == 4);
    CHECK(device->status().seq == 4);
    CHECK(device->releases("deck").size() == 2);
  }
};

}  // namespace

TEST_CASE("DeviceCatalog: a fresh delta sets seq, verified-as-of and the trust version", "[catalog]") {
  CatalogWorld w;
  const auto deck1 = w.release_of("deck", 1, content(1));
  const auto deck2 = w.release_of("deck", 2, content(2));
  const auto brochure = w.release_of("brochure", 1, content(3));
  w.publish(w.sign(deck1));
  w.publish(w.sign(deck2));
  w.publish(w.sign(brochure));
  w.clock.advance(3s);
  const TimePoint issued = w.clock.now();

  const Snapshot empty = snapshot(*w.device);
  CHECK(empty.seq == 0);
  CHECK(empty.verified_as_of == -1);
  CHECK(empty.trust_version == 0);
  CHECK_FALSE(w.device->trust().has_value());

  const ApplyReport report = w.sync();
  CHECK(report.from_seq == 0);
  CHECK(report.to_seq == 3);
  CHECK(report.releases == 3);
  CHECK(report.revocations == 0);
  CHECK(report.revoked.empty());
  CHECK(report.trust_updated);

  const CatalogStatus st = w.device->status();
  CHECK(st.seq == 3);
  CHECK(ms(st.verified_as_of) == ms(issued));
  CHECK(ms(st.timestamp_expires) == ms(issued + w.timestamp_lifetime));
  CHECK(st.trust_version == 1);
  REQUIRE(w.device->trust().has_value());
  CHECK(w.device->trust()->hub_key == w.hub.public_key());

  CHECK(w.device->releases("deck") == std::vector<Release>{deck2, deck1});
  CHECK(w.device->release({"deck", 1}) == deck1);
  CHECK_FALSE(w.device->release({"deck", 3}).has_value());
  CHECK(w.device->releases("nothing").empty());
  CHECK(w.device->latest_releases() == std::vector<Release>{brochure, deck2});
}

TEST_CASE("DeviceCatalog: nothing applies without a pinned root", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  auto opened = DeviceCatalog::open(w.dir.path() / "unpinned.db", w.clock, w.master);
  REQUIRE(opened.is_ok());
  auto& device = *opened.value();
  CHECK_FALSE(device.root().has_value());
  const Snapshot before = snapshot(device);
  const auto d = w.delta();
  check_refused(device.apply(d), Errc::invalid_argument);
  check_same(before, snapshot(device));
  CHECK_FALSE(device.trust().has_value());

  REQUIRE(device.pin_root(w.root.public_key()).is_ok());
  auto ok = device.apply(d);
  INFO(ok.status().to_string());
  REQUIRE(ok.is_ok());
  CHECK(device.status().seq == 1);
}

TEST_CASE("DeviceCatalog: a fresh device refuses a delta without a trust list", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  auto d = w.delta();
  auto stripped = d;
  stripped.trust_list.reset();
  const Snapshot before = snapshot(*w.device);
  check_refused(w.device->apply(stripped), Errc::invalid_argument);
  check_same(before, snapshot(*w.device));
  CHECK_FALSE(w.device->trust().has_value());

  REQUIRE(w.device->apply(d).is_ok());
  // Once a trust list is held, later deltas need not repeat it.
  w.publish(w.sign(w.release_of("deck", 2, content(2))));
  auto later = w.authority.delta(1, w.hub, w.clock.now(), w.timestamp_lifetime, false);
  REQUIRE(later.is_ok());
  auto applied = w.device->apply(*later);
  REQUIRE(applied.is_ok());
  CHECK_FALSE(applied->trust_updated);
  CHECK(w.device->status().seq == 2);
}

TEST_CASE("DeviceCatalog: a delta with any tampered statement is refused whole", "[catalog]") {
  PendingWorld w;
  const auto d = w.delta();
  REQUIRE(d.statements.size() == 3);
  const Snapshot before = snapshot(*w.device);
  for (std::size_t i = 0; i < d.statements.size(); ++i) {
    for (std::size_t at : {std::size_t{0}, d.statements[i].body.size() / 2, d.statements[i].body.size() - 1}) {
      INFO("statement " << i << ", byte " << at);
      auto bad = d;
      auto& byte = bad.statements[i].body[at];
      byte = static_cast<std::uint8_t>(byte ^ 0x01);
      check_refused(w.device->apply(bad), Errc::integrity);
      check_same(before, snapshot(*w.device));
    }
  }
  w.check_good_delta_applies();
}

TEST_CASE("DeviceCatalog: a statement signed by a key not on the trust list is refused", "[catalog]") {
  PendingWorld w;
  const auto stranger = crypto::SigningKey::generate(w.random);
  auto d = w.delta();
  const Snapshot before = snapshot(*w.device);
  d.statements[1] = sign_statement(d.statements[1].body, stranger);
  auto r = w.device->apply(d);
  check_refused(r, Errc::integrity);
  CHECK_THAT(r.status().message(), Contains("statement 3"));
  CHECK_THAT(r.status().message(), Contains("may not publish"));
  check_same(before, snapshot(*w.device));
  // The hub key cannot sign releases either.
  d = w.delta();
  d.statements[0] = sign_statement(d.statements[0].body, w.hub);
  check_refused(w.device->apply(d), Errc::integrity);
  check_same(before, snapshot(*w.device));
  w.check_good_delta_applies();
}

TEST_CASE("DeviceCatalog: replaying an older delta after a newer one is refused", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  const auto d1 = w.delta();
  REQUIRE(w.device->apply(d1).is_ok());
  w.clock.advance(1h);
  w.publish(w.sign(w.release_of("deck", 2, content(2))));
  w.publish(w.revoke("deck", 1));
  const auto d2 = w.delta();
  REQUIRE(w.device->apply(d2).is_ok());
  w.clock.advance(1h);
  const Snapshot before = snapshot(*w.device);
  REQUIRE(before.seq == 3);

  SECTION("as captured: refused (older timestamp, and a from_seq that does not match)") {
    for (const auto* replay : {&d1, &d2}) {
      auto r = w.device->apply(*replay);
      INFO(r.status().to_string());
      REQUIRE_FALSE(r.is_ok());
      CHECK((r.status().code() == Errc::integrity || r.status().code() == Errc::invalid_argument));
    }
  }
  SECTION("with a fresh timestamp but the old from_seq: the from_seq mismatch gives it away") {
    auto refreshed = d2;  // from 1, statements 2..3
    refreshed.timestamp = w.authority.timestamp(w.hub, w.clock.now(), w.timestamp_lifetime);
    auto r = w.device->apply(refreshed);
    check_refused(r, Errc::invalid_argument);
    CHECK_THAT(r.status().message(), Contains("seq"));
  }
  SECTION("with from_seq edited to the device's seq: the older timestamp gives it away") {
    auto edited = d1;
    edited.from_seq = 3;
    edited.statements.clear();
    check_refused(w.device->apply(edited), Errc::integrity);
  }
  SECTION("an older empty refresh at the current seq") {
    const auto stale_refresh = w.delta();  // issued now, at seq 3
    w.clock.advance(1h);
    w.sync();  // a newer timestamp is held
    const Snapshot held = snapshot(*w.device);
    auto r = w.device->apply(stale_refresh);
    check_refused(r, Errc::integrity);
    CHECK_THAT(r.status().message(), Contains("older"));
    check_same(held, snapshot(*w.device));
    return;
  }
  check_same(before, snapshot(*w.device));
}

TEST_CASE("DeviceCatalog: a timestamp older than the held one is refused", "[catalog]") {
  CatalogWorld w;
  const TimePoint t0 = w.clock.now();
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  w.clock.advance(2h);
  w.sync();
  const Snapshot before = snapshot(*w.device);
  CHECK(before.verified_as_of == ms(t0 + 2h));
  // A well-formed, hub-signed, unexpired delta at the current seq whose
  // timestamp was issued 1 ms before the held one.
  auto older = w.authority.delta(1, w.hub, t0 + 2h - 1ms, w.timestamp_lifetime);
  REQUIRE(older.is_ok());
  check_refused(w.device->apply(*older), Errc::integrity);
  check_same(before, snapshot(*w.device));
  // One issued at the same instant as the held one is harmless and accepted.
  auto same = w.authority.delta(1, w.hub, t0 + 2h, w.timestamp_lifetime);
  REQUIRE(same.is_ok());
  CHECK(w.device->apply(*same).is_ok());
}

TEST_CASE("DeviceCatalog: a delta that drops, adds or reorders statements is refused", "[catalog]") {
  PendingWorld w;
  const auto d = w.delta();
  const Snapshot before = snapshot(*w.device);

  SECTION("drops one statement, keeping the timestamp") {
    auto dropped = d;
    dropped.statements.erase(dropped.statements.begin() + 1);
    check_refused(w.device->apply(dropped), Errc::integrity);
    auto truncated = d;
    truncated.statements.pop_back();
    check_refused(w.device->apply(truncated), Errc::integrity);
    auto none = d;
    none.statements.clear();
    check_refused(w.device->apply(none), Errc::integrity);
  }
  SECTION("adds a validly signed statement the hub never saw") {
    auto added = d;
    added.statements.push_back(w.sign(w.release_of("extra", 1, content(9))));
    check_refused(w.device->apply(added), Errc::integrity);
  }
  SECTION("reorders independent statements (same count, different digest)") {
    auto reordered = d;
    std::swap(reordered.statements[0], reordered.statements[1]);  // brochure@1 <-> deck@2
    auto r = w.device->apply(reordered);
    check_refused(r, Errc::integrity);
    CHECK_THAT(r.status().message(), Contains("digest"));
  }
  SECTION("replaces them with another hub's equally long history") {
    auto other = CatalogAuthority::create(w.trust_statement, w.root.public_key());
    REQUIRE(other.is_ok());
    auto base = w.authority.delta(0, w.hub, w.clock.now(), 1h);
    REQUIRE(base.is_ok());
    REQUIRE(other->submit(base->statements[0]).is_ok());  // the shared deck@1
    REQUIRE(other->submit(w.sign(w.release_of("brochure", 1, content(20)))).is_ok());
    REQUIRE(other->submit(w.sign(w.release_of("deck", 2, content(21)))).is_ok());
    REQUIRE(other->submit(w.revoke("deck", 1, "outdated")).is_ok());
    auto fork = other->delta(1, w.hub, w.clock.now(), 1h);
    REQUIRE(fork.is_ok());
    auto spliced = d;
    spliced.statements = fork->statements;
    auto r = w.device->apply(spliced);
    check_refused(r, Errc::integrity);
    CHECK_THAT(r.status().message(), Contains("digest"));
  }
  check_same(before, snapshot(*w.device));
  w.check_good_delta_applies();
}

TEST_CASE("DeviceCatalog: a timestamp not signed by the trust list's hub key is refused", "[catalog]") {
  PendingWorld w;
  const auto stranger = crypto::SigningKey::generate(w.random);
  const auto d = w.delta();
  const Snapshot before = snapshot(*w.device);
  const std::vector<const crypto::SigningKey*> signers{&stranger, &w.publisher, &w.root};
  for (const crypto::SigningKey* key : signers) {
    auto bad = d;
    bad.timestamp = sign_statement(d.timestamp.body, *key);
    check_refused(w.device->apply(bad), Errc::integrity);
    check_same(before, snapshot(*w.device));
  }
  auto broken = d;
  broken.timestamp.signature.bytes[3] = static_cast<std::uint8_t>(broken.timestamp.signature.bytes[3] ^ 0x04);
  check_refused(w.device->apply(broken), Errc::integrity);
  // A hub-signed statement that is not a timestamp.
  auto wrong_type = d;
  wrong_type.timestamp = sign_statement(d.statements[0].body, w.hub);
  check_refused(w.device->apply(wrong_type), Errc::corrupt);
  check_same(before, snapshot(*w.device));
  w.check_good_delta_applies();
}

TEST_CASE("DeviceCatalog: an expired timestamp is refused, exactly at expires-at", "[catalog]") {
  PendingWorld w;
  const Snapshot before = snapshot(*w.device);

  SECTION("1 ms before expiry: accepted") {
    const auto d = w.delta();
    w.clock.advance(w.timestamp_lifetime - 1ms);
    REQUIRE(w.device->apply(d).is_ok());
    CHECK(w.device->status().seq == 4);
  }
  SECTION("exactly at expiry: refused") {
    const auto d = w.delta();
    w.clock.advance(w.timestamp_lifetime);
    auto r = w.device->apply(d);
    check_refused(r, Errc::integrity);
    CHECK_THAT(r.status().message(), Contains("expired"));
    check_same(before, snapshot(*w.device));
  }
  SECTION("well after expiry: refused") {
    const auto d = w.delta();
    w.clock.advance(w.timestamp_lifetime + 1ms);
    check_refused(w.device->apply(d), Errc::integrity);
    check_same(before, snapshot(*w.device));
  }
  SECTION("after expiry with the clock set back: still refused (trusted time)") {
    const TimePoint issued = w.clock.now();
    const auto d = w.delta();
    w.clock.advance(w.timestamp_lifetime + 1h);
    (void)w.device->trusted_now();  // the device saw the late time
    w.clock.set(issued);
    check_refused(w.device->apply(d), Errc::integrity);
    check_same(before, snapshot(*w.device));
  }
}

TEST_CASE("DeviceCatalog: a timestamp valid for longer than the device accepts is refused", "[catalog]") {
  PendingWorld w;
  const Snapshot before = snapshot(*w.device);
  const auto signed_for = [&](std::chrono::seconds lifetime) {
    auto d = w.authority.delta(w.device->status().seq, w.hub, w.clock.now(), lifetime);
    REQUIRE(d.is_ok());
    return std::move(d).value();
  };
  SECTION("a year") {
    auto r = w.device->apply(signed_for(std::chrono::hours(24 * 365)));
    check_refused(r, Errc::integrity);
    CHECK_THAT(r.status().message(), Contains("valid for 8760 h") && Contains("168 h a device accepts"));
    check_same(before, snapshot(*w.device));
  }
  SECTION("one second over the maximum") {
    const auto over = std::chrono::duration_cast<std::chrono::seconds>(DeviceCatalog::max_timestamp_validity) + 1s;
    check_refused(w.device->apply(signed_for(over)), Errc::integrity);
    check_same(before, snapshot(*w.device));
  }
  SECTION("exactly the maximum (an offline bundle's 7 days): accepted") {
    REQUIRE(w.device->apply(signed_for(DeviceCatalog::max_timestamp_validity)).is_ok());
    CHECK(w.device->status().seq == 4);
  }
}

TEST_CASE("DeviceCatalog: a trust list cannot be rolled back", "[catalog]") {
  CatalogWorld w;
  const auto second = crypto::SigningKey::generate(w.random);
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  CHECK(w.sync().trust_updated);
  CHECK(w.device->status().trust_version == 1);

  const auto v2 = w.make_trust(2, {w.publisher.public_key(), second.public_key()});
  REQUIRE(w.authority.update_trust(v2, w.root.public_key()).is_ok());
  w.clock.advance(1min);
  const auto report = w.sync();
  CHECK(report.trust_updated);
  CHECK(w.device->status().trust_version == 2);
  REQUIRE(w.device->trust().has_value());
  CHECK(w.device->trust()->find_publisher(second.public_key()) != nullptr);

  w.publish(w.sign(w.release_of("deck", 2, content(2)), &second));
  w.clock.advance(1min);
  const Snapshot before = snapshot(*w.device);
  auto d = w.delta();
  auto rolled_back = d;
  rolled_back.trust_list = w.trust_statement;  // version 1, validly root-signed
  auto r = w.device->apply(rolled_back);
  check_refused(r, Errc::integrity);
  CHECK_THAT(r.status().message(), Contains("rollback"));
  check_same(before, snapshot(*w.device));
  CHECK(w.device->trust()->version == 2);

  // A list not signed by the pinned root is refused too.
  auto foreign = d;
  foreign.trust_list = sign_statement(w.make_trust(3, {second.public_key()}).body, second);
  check_refused(w.device->apply(foreign), Errc::integrity);
  check_same(before, snapshot(*w.device));

  // The current list again is fine (and not an update).
  auto again = w.device->apply(d);
  REQUIRE(again.is_ok());
  CHECK_FALSE(again->trust_updated);
  CHECK(w.device->status().trust_version == 2);
}

TEST_CASE("DeviceCatalog: pinning the same root again is fine, another root is already_exists", "[catalog]") {
  CatalogWorld w;
  REQUIRE(w.device->root().has_value());
  CHECK(*w.device->root() == w.root.public_key());
  CHECK(w.device->pin_root(w.root.public_key()).is_ok());
  CHECK(w.device->pin_root(w.root.public_key()).is_ok());
  const auto other = crypto::SigningKey::generate(w.random);
  const Status s = w.device->pin_root(other.public_key());
  CHECK(s.code() == Errc::already_exists);
  CHECK(*w.device->root() == w.root.public_key());
  // The original root still governs what applies.
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  w.sync();
  CHECK(w.device->status().seq == 1);
}

TEST_CASE("DeviceCatalog: a refresh with no new statements advances verified-as-of", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  w.sync();
  const TimePoint first = w.clock.now();
  CHECK(ms(w.device->status().verified_as_of) == ms(first));
  w.clock.advance(6h);
  const ApplyReport report = w.sync();
  CHECK(report.from_seq == 1);
  CHECK(report.to_seq == 1);
  CHECK(report.releases == 0);
  CHECK(report.revocations == 0);
  CHECK_FALSE(report.trust_updated);
  const CatalogStatus st = w.device->status();
  CHECK(st.seq == 1);
  CHECK(ms(st.verified_as_of) == ms(first + 6h));
  CHECK(ms(st.timestamp_expires) == ms(first + 6h + w.timestamp_lifetime));
  CHECK(w.device->releases("deck").size() == 1);
}

TEST_CASE("DeviceCatalog: trusted time does not go back when the clock is set back", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  w.clock.advance(1h);
  const TimePoint synced = w.clock.now();
  w.sync();
  CHECK(ms(w.device->trusted_now()) == ms(synced));

  w.clock.set(synced - std::chrono::days(30));
  CHECK(ms(w.device->trusted_now()) == ms(synced));
  CHECK(ms(w.device->status().trusted_now) == ms(synced));

  // It follows the clock again once the clock passes the high-water mark.
  w.clock.set(synced + 5min);
  CHECK(ms(w.device->trusted_now()) == ms(synced + 5min));
  w.clock.set(synced);
  CHECK(ms(w.device->trusted_now()) == ms(synced + 5min));
}

TEST_CASE("DeviceCatalog: a hub timestamp ahead of the device clock raises trusted time", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  const TimePoint hub_time = w.clock.now() + 3h;  // the device clock is 3 h slow
  auto d = w.authority.delta(0, w.hub, hub_time, w.timestamp_lifetime);
  REQUIRE(d.is_ok());
  REQUIRE(w.device->apply(*d).is_ok());
  CHECK(ms(w.device->trusted_now()) == ms(hub_time));
  CHECK(ms(w.device->status().verified_as_of) == ms(hub_time));
}

TEST_CASE("DeviceCatalog: a clock set forward by mistake is brought back by the hub's live time, and can sync again",
          "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  w.sync();
  const TimePoint real = w.clock.now();
  // The device clock jumps 8 days ahead and the device sees it (trusted time follows).
  w.clock.set(real + std::chrono::days(8));
  CHECK(ms(w.device->trusted_now()) == ms(real + std::chrono::days(8)));
  w.clock.set(real + std::chrono::days(8) + 1h);
  // A fresh hub timestamp (made at the real time) now looks long expired: refused.
  auto fresh = w.authority.delta(w.device->status().seq, w.hub, real + 1h, w.timestamp_lifetime);
  REQUIRE(fresh.is_ok());
  CHECK_FALSE(w.device->apply(*fresh).is_ok());

  // A live session tells the hub's time: trusted time follows the hub from now on.
  REQUIRE(w.device->observe_hub_time(real + 1h).is_ok());
  CHECK(ms(w.device->trusted_now()) == ms(real + 1h));
  REQUIRE(w.device->apply(*fresh).is_ok());
  w.clock.advance(10min);  // the device clock still runs 8 days ahead; trusted time keeps the hub's pace
  CHECK(ms(w.device->trusted_now()) == ms(real + 1h + 10min));

  SECTION("the offset survives reopening") {
    w.device.reset();
    w.device = w.open_catalog();
    CHECK(ms(w.device->trusted_now()) == ms(real + 1h + 10min));
  }
  SECTION("the clock set right again: trusted time holds until the next session, which drops the offset") {
    w.clock.set(real + 1h + 20min);
    CHECK(ms(w.device->trusted_now()) == ms(real + 1h + 10min));  // never backwards on its own
    REQUIRE(w.device->observe_hub_time(real + 1h + 20min).is_ok());
    w.clock.advance(5min);
    CHECK(ms(w.device->trusted_now()) == ms(real + 1h + 25min));
  }
}

TEST_CASE("DeviceCatalog: a clock set back stays harmless with the hub's time, and small drift is ignored", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  w.sync();
  const TimePoint real = w.clock.now();
  // Drift within the tolerance: no offset, no rewind.
  REQUIRE(w.device->observe_hub_time(real - 90s).is_ok());
  CHECK(ms(w.device->trusted_now()) == ms(real));
  // Clock set back a year while offline: trusted time holds (the high-water mark).
  w.clock.set(real - std::chrono::days(365));
  CHECK(ms(w.device->trusted_now()) == ms(real));
  // The next live session corrects it to the hub's time, which runs on.
  REQUIRE(w.device->observe_hub_time(real + 1h).is_ok());
  CHECK(ms(w.device->trusted_now()) == ms(real + 1h));
  w.clock.advance(30min);
  CHECK(ms(w.device->trusted_now()) == ms(real + 90min));
}

TEST_CASE("DeviceCatalog: trusted time survives reopening after the clock was set back", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  w.clock.advance(2h);
  const TimePoint synced = w.clock.now();
  w.sync();

  SECTION("the last hub timestamp is persisted") {
    w.device.reset();
    w.clock.set(synced - std::chrono::days(400));
    w.device = w.open_catalog();
    CHECK(to_unix_ms(w.device->trusted_now()) >= to_unix_ms(synced));
    const CatalogStatus st = w.device->status();
    CHECK(st.seq == 1);
    CHECK(ms(st.verified_as_of) == ms(synced));
    CHECK(st.trust_version == 1);
    CHECK(w.device->releases("deck").size() == 1);
  }
  SECTION("a later device time seen before closing is persisted too") {
    w.clock.advance(std::chrono::days(3));
    const TimePoint seen = w.device->trusted_now();
    w.device.reset();
    w.clock.set(synced - std::chrono::days(1));
    w.device = w.open_catalog();
    CHECK(to_unix_ms(w.device->trusted_now()) >= to_unix_ms(seen));
  }
}

TEST_CASE("DeviceCatalog: CatalogDelta encodes and decodes losslessly, garbage is corrupt", "[catalog]") {
  PendingWorld w;
  const auto d = w.delta();
  auto back = CatalogDelta::decode(d.encode());
  INFO(back.status().to_string());
  REQUIRE(back.is_ok());
  CHECK(back->from_seq == d.from_seq);
  CHECK(back->statements == d.statements);
  CHECK(back->timestamp == d.timestamp);
  REQUIRE(back->trust_list.has_value());
  CHECK(*back->trust_list == *d.trust_list);
  CHECK(back->encode() == d.encode());

  auto no_trust = d;
  no_trust.trust_list.reset();
  no_trust.statements.clear();
  auto back2 = CatalogDelta::decode(no_trust.encode());
  REQUIRE(back2.is_ok());
  CHECK_FALSE(back2->trust_list.has_value());
  CHECK(back2->statements.empty());

  check_refused(CatalogDelta::decode(random_bytes(500, 8)), Errc::corrupt);
  check_refused(CatalogDelta::decode(Bytes{}), Errc::corrupt);
  check_refused(CatalogDelta::decode(as_bytes("outpost-delta/1")), Errc::corrupt);
  const Bytes encoded = d.encode();
  for (std::size_t n : {std::size_t{1}, encoded.size() / 3, encoded.size() - 1}) {
    INFO("truncated to " << n);
    check_refused(CatalogDelta::decode(ByteView(encoded).first(n)), Errc::corrupt);
  }
  // A statement envelope is not a delta.
  check_refused(CatalogDelta::decode(d.timestamp.encode()), Errc::corrupt);
  // Seqs are at most 2^63-1, the largest SQLite keeps.
  auto far = no_trust;
  far.from_seq = std::uint64_t{1} << 63;
  auto refused = CatalogDelta::decode(far.encode());
  check_refused(refused, Errc::corrupt);
  CHECK_THAT(refused.status().message(), Contains("from_seq"));
  far.from_seq = far.from_seq - 1;
  CHECK(CatalogDelta::decode(far.encode()).is_ok());

  // The decoded delta is what the device applies.
  REQUIRE(w.device->apply(*back).is_ok());
  CHECK(w.device->status().seq == 4);
}

TEST_CASE("DeviceCatalog: ApplyReport.revoked lists exactly the versions revoked by the delta", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("deck", 1, content(1))));
  w.publish(w.sign(w.release_of("deck", 2, content(2))));
  w.publish(w.sign(w.release_of("brochure", 1, content(3))));
  w.publish(w.revoke("deck", 1, "wrong discount"));
  w.publish(w.revoke("brochure", 1));
  const ApplyReport first = w.sync();
  CHECK(first.releases == 3);
  CHECK(first.revocations == 2);
  CHECK(first.revoked == std::vector<cache::VersionRef>{{"deck", 1}, {"brochure", 1}});
  auto rev = w.device->revocation({"deck", 1});
  REQUIRE(rev.has_value());
  CHECK(rev->reason == "wrong discount");
  CHECK_FALSE(w.device->revocation({"deck", 2}).has_value());

  w.clock.advance(1min);
  w.publish(w.sign(w.release_of("deck", 3, content(4))));
  w.publish(w.revoke("deck", 2, "superseded by a fix"));
  const ApplyReport second = w.sync();
  CHECK(second.from_seq == 5);
  CHECK(second.to_seq == 7);
  CHECK(second.releases == 1);
  CHECK(second.revoked == std::vector<cache::VersionRef>{{"deck", 2}});

  w.clock.advance(1min);
  CHECK(w.sync().revoked.empty());
}

TEST_CASE("DeviceCatalog: a device can still sync after a publisher was removed from the trust list",
          "[catalog]") {
  // The hub accepted releases while `publisher` was trusted, then the root
  // removed that publisher (trust list v2) and a new one published. Those
  // releases stay part of the signed history the hub timestamps; a device
  // that joins or catches up now must be able to apply it, or it can never
  // sync again (and never learns later revocations).
  CatalogWorld w;
  const auto second = crypto::SigningKey::generate(w.random);
  w.publish(w.sign(w.release_of("deck", 1, content(1))));

  const auto retire = [&] {
    return w.make_trust(2, {second.public_key()}, catalog::default_offline_budget(),
                        {{"old", w.publisher.public_key(), w.authority.seq()}});
  };
  SECTION("a device enrolled after the removal") {
    REQUIRE(w.authority.update_trust(retire(), w.root.public_key()).is_ok());
    w.publish(w.sign(w.release_of("deck", 2, content(2)), &second));
    w.clock.advance(1min);
    auto r = w.device->apply(w.delta());
    INFO(r.status().to_string());
    CHECK(r.is_ok());
    CHECK(w.device->status().seq == 2);
    CHECK(w.device->status().trust_version == 2);
  }
  SECTION("a device that was behind when the publisher was removed") {
    w.sync();
    w.publish(w.sign(w.release_of("deck", 2, content(2))));  // still by the old publisher
    REQUIRE(w.authority.update_trust(retire(), w.root.public_key()).is_ok());
    w.publish(w.sign(w.release_of("deck", 3, content(3)), &second));
    w.clock.advance(1min);
    auto r = w.device->apply(w.delta());
    INFO(r.status().to_string());
    CHECK(r.is_ok());
    CHECK(w.device->status().seq == 3);
  }
  SECTION("the retired publisher's later statements are refused by the device too") {
    REQUIRE(w.authority.update_trust(retire(), w.root.public_key()).is_ok());
    auto d = w.delta();
    d.statements.push_back(w.sign(w.release_of("deck", 2, content(2))));  // seq 2, after its cutoff
    auto r = w.device->apply(d);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Errc::integrity);
    CHECK(r.status().message().find("may not publish") != std::string::npos);
    CHECK(w.device->status().seq == 0);
  }
}

namespace {

// The device catalog's key for its stored statements, and the associated
// data it binds each one to (its seq, 8 bytes big-endian).
Bytes seq_bytes(std::int64_t seq) {
  Bytes out(8);
  for (int i = 7; i >= 0; --i, seq >>= 8) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(seq);
  return out;
}

// A release whose every text field names something a thief must not read.
Release secret_release(CatalogWorld& w) {
  Release r = w.release_of("okapi-merger", 1, content(1));
  r.title = "Quokka acquisition memo";
  r.description = "wombatcorp takeover terms";
  r.change_note = "numbat figures corrected";
  r.search_text = "platypuses and echidnas";
  r.tags = {"kangaroo"};
  return r;
}

void check_no_secret_in(const fs::path& db) {
  const std::string raw = database_text(db);
  for (const char* word : {"quokka", "acquisition", "wombatcorp", "numbat", "platypus", "echidna", "kangaroo"}) {
    INFO(word);
    CHECK(raw.find(word) == std::string::npos);
  }
}

}  // namespace

TEST_CASE("DeviceCatalog: catalog.db holds no title, description or search text in clear",
          "[catalog][attack]") {
  CatalogWorld w;
  w.publish(w.sign(secret_release(w)));
  w.sync();
  w.device.reset();
  check_no_secret_in(w.dir.path() / "catalog.db");
  w.device = w.open_catalog();
  CHECK_FALSE(w.device->status().damage.has_value());
  const auto held = w.device->release({"okapi-merger", 1});
  REQUIRE(held.has_value());
  CHECK(held->title == "Quokka acquisition memo");
  CHECK(held->search_text == "platypuses and echidnas");
}

TEST_CASE("DeviceCatalog: statements an earlier Outpost stored in clear are encrypted at the first open", "[catalog]") {
  CatalogWorld w;
  w.publish(w.sign(secret_release(w)));
  w.publish_cached("deck", 1, content(2));
  w.sync();
  w.device.reset();
  const fs::path db_path = w.dir.path() / "catalog.db";
  {
    // Back to the earlier format: every statement in clear, no 'envelopes' mark.
    SQLite::Database db(db_path.string(), SQLite::OPEN_READWRITE);
    const crypto::SecretKey key = crypto::derive_key(w.master, crypto::purpose::catalog_envelopes);
    std::vector<std::pair<std::int64_t, Bytes>> plain;
    SQLite::Statement st(db, "SELECT seq, envelope FROM statements");
    while (st.executeStep()) {
      const std::int64_t seq = st.getColumn(0).getInt64();
      const auto* data = static_cast<const std::uint8_t*>(st.getColumn(1).getBlob());
      const Bytes box(data, data + st.getColumn(1).getBytes());
      Bytes statement;
      REQUIRE(crypto::aead_open(key, box, seq_bytes(seq), statement));
      plain.emplace_back(seq, std::move(statement));
    }
    REQUIRE(plain.size() == 2);
    for (const auto& [seq, statement] : plain) {
      SQLite::Statement put(db, "UPDATE statements SET envelope = ? WHERE seq = ?");
      put.bind(1, statement.data(), static_cast<int>(statement.size()));
      put.bind(2, seq);
      put.exec();
    }
    db.exec("DELETE FROM meta WHERE key = 'envelopes'");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  CHECK(database_text(db_path).find("quokka") != std::string::npos);  // the earlier format, in clear

  w.device = w.open_catalog();
  CHECK_FALSE(w.device->status().damage.has_value());
  CHECK(w.device->status().seq == 2);
  REQUIRE(w.device->release({"okapi-merger", 1}).has_value());
  CHECK(w.device->release({"okapi-merger", 1})->title == "Quokka acquisition memo");
  w.device.reset();
  {
    SQLite::Database db(db_path.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.exec("VACUUM");
  }
  check_no_secret_in(db_path);
  // And it keeps syncing.
  w.device = w.open_catalog();
  w.publish_cached("deck", 2, content(3));
  CHECK(w.sync().releases == 1);
}

TEST_CASE("DeviceCatalog: a stored statement moved to another seq does not decrypt: damage, not a forged order",
          "[catalog][attack]") {
  CatalogWorld w;
  w.publish_cached("deck", 1, content(1));
  w.publish_cached("deck", 2, content(2));
  w.sync();
  w.device.reset();
  {
    SQLite::Database db((w.dir.path() / "catalog.db").string(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE statements SET seq = -seq");
    db.exec("UPDATE statements SET seq = 3 + seq WHERE seq < 0");  // 1 <-> 2
  }
  w.device = w.open_catalog();
  REQUIRE(w.device->status().damage.has_value());
  CHECK_THAT(*w.device->status().damage, Contains("does not decrypt"));
  // A whole catalog from the hub repairs it.
  auto d = w.authority.delta(0, w.hub, w.clock.now(), w.timestamp_lifetime);
  REQUIRE(d.is_ok());
  REQUIRE(w.device->apply(*d).is_ok());
  CHECK_FALSE(w.device->status().damage.has_value());
}
