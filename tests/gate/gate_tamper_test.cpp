// Issue 18, finding 2: the gate decides only on what verifies. Someone with
// the device's files (a rep's home, a stolen tablet) edits catalog.db with
// sqlite3 behind Outpost's back; the catalog checks itself when it opens,
// rebuilds derived rows from the signed statements, and otherwise refuses
// to let anything open until a whole catalog from the hub rebuilds it.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <string>

#include "catalog_world.hpp"

using namespace outpost;
using namespace outpost::test;
using gate::BlockReason;
using Catch::Matchers::Contains;

namespace {

// A world where deck@1 was replaced by deck@2 (no grace), brochure@1 is
// withdrawn, and flyer@1 becomes valid only tomorrow; all cached.
struct TamperWorld : CatalogWorld {
  Bytes deck1 = random_bytes(3000, 1);
  Bytes deck2 = random_bytes(3000, 2);
  Bytes brochure = random_bytes(3000, 3);
  Bytes flyer = random_bytes(3000, 4);

  TamperWorld() {
    publish_cached("deck", 1, deck1);
    publish_cached("brochure", 1, brochure);
    sync();
    clock.advance(1h);
    publish_cached("deck", 2, deck2);
    publish(revoke("brochure", 1, "wrong prices"));
    catalog::Release later = release_of("flyer", 1, flyer);
    later.valid_from = clock.now() + std::chrono::hours(24);
    publish(sign(later));
    import("flyer", 1, flyer);
    sync();
  }

  fs::path db_path() const { return dir.path() / "catalog.db"; }

  // Runs SQL on catalog.db as sqlite3 would, with the catalog closed.
  void tamper(const std::string& sql) {
    device.reset();
    {
      SQLite::Database db(db_path().string(), SQLite::OPEN_READWRITE);
      db.exec(sql);
    }
    device = open_catalog();
  }

  gate::Decision decide(const std::string& asset, std::optional<std::uint64_t> version = std::nullopt) {
    gate::Gate g(*device, *cache);
    gate::Decision d = g.decide(asset, version);
    UNSCOPED_INFO(asset << " -> " << d.message);
    return d;
  }

  // The decisions an untouched catalog makes.
  void check_rules_hold() {
    auto old_deck = decide("deck", 1);
    CHECK_FALSE(old_deck.allowed);
    CHECK(old_deck.reason == BlockReason::superseded);
    CHECK(decide("deck").version == std::optional<std::uint64_t>(2));
    CHECK(decide("deck").allowed);
    CHECK(decide("brochure", 1).reason == BlockReason::revoked);
    CHECK(decide("flyer", 1).reason == BlockReason::not_yet_valid);
    CHECK(decide("forged").reason == BlockReason::not_in_catalog);
  }

  void check_everything_blocked() {
    for (const char* asset : {"deck", "brochure", "flyer", "forged"}) {
      const auto d = decide(asset);
      CHECK_FALSE(d.allowed);
      CHECK(d.reason == BlockReason::stale_catalog);
      CHECK_THAT(d.message, Contains("integrity check") && Contains("sync to repair"));
    }
    CHECK(device->status().seq == 0);
    CHECK(device->status().damage.has_value());
  }

  // What a sync fetches for a damaged catalog, or when the hub's history
  // differs: everything from seq 0.
  catalog::ApplyReport rebuild(catalog::DeviceCatalog::ApplyMode mode = catalog::DeviceCatalog::ApplyMode::continue_held) {
    auto d = authority.delta(0, hub, clock.now(), timestamp_lifetime);
    REQUIRE(d.is_ok());
    auto r = device->apply(*d, mode);
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    return *r;
  }
};

}  // namespace

TEST_CASE("Gate tampering: the untouched world decides as the rules say", "[gate][attack]") {
  TamperWorld w;
  w.check_rules_hold();
  w.device.reset();
  w.device = w.open_catalog();
  CHECK_FALSE(w.device->status().damage.has_value());
  CHECK_FALSE(w.device->status().repaired);
  w.check_rules_hold();
}

TEST_CASE("Gate tampering: derived rows changed with sqlite3 are rebuilt from the signed statements at open",
          "[gate][attack]") {
  TamperWorld w;
  SECTION("the superseding release deleted: deck@1 stays superseded") {
    w.tamper("DELETE FROM releases WHERE asset = 'deck' AND version = 2");
  }
  SECTION("a release row inserted for bytes imported into the cache: not in the catalog") {
    const Bytes forged = random_bytes(2000, 9);
    w.import("forged", 1, forged);
    const auto digest = cache::content_digest(forged);
    w.tamper("INSERT INTO releases VALUES('forged', 1, 1, 0, NULL, 0, 'general', X'" + digest.hex() + "', " +
             std::to_string(forged.size()) + ")");
  }
  SECTION("valid_from moved to 0: a not-yet-valid version stays not yet valid") {
    w.tamper("UPDATE releases SET valid_from = 0");
  }
  SECTION("the revocation deleted: brochure@1 stays withdrawn") {
    w.tamper("DELETE FROM revocations");
  }
  SECTION("the expiry or grace of a row changed") {
    w.tamper("UPDATE releases SET grace_s = 999999999, expires_at = NULL");
  }
  CHECK(w.device->status().repaired);
  CHECK_FALSE(w.device->status().damage.has_value());
  w.check_rules_hold();
  // Repaired for good: the next open finds nothing to repair.
  w.device.reset();
  w.device = w.open_catalog();
  CHECK_FALSE(w.device->status().repaired);
  w.check_rules_hold();
}

TEST_CASE("Gate tampering: signed data or sealed values changed make the catalog damaged: nothing opens until a "
          "whole catalog rebuilds it",
          "[gate][attack]") {
  TamperWorld w;
  std::string why;
  SECTION("a statement deleted with its row") {
    w.tamper("DELETE FROM releases WHERE asset = 'deck' AND version = 2; DELETE FROM statements WHERE seq = 3");
    why = "missing";
  }
  SECTION("the last statements cut off and the seq lowered (a rollback)") {
    w.tamper("DELETE FROM revocations; DELETE FROM releases WHERE seq > 2; DELETE FROM statements WHERE seq > 2; "
             "UPDATE meta SET value = 2 WHERE key = 'seq'");
    why = "sealed values";
  }
  SECTION("trusted time wound back, so expired content would open with the clock set back") {
    w.tamper("UPDATE meta SET value = 0 WHERE key = 'hwm'");
    why = "sealed values";
  }
  SECTION("the seal deleted") {
    w.tamper("DELETE FROM meta WHERE key = 'seal'");
    why = "not sealed";
  }
  SECTION("a statement's bytes changed (stored encrypted: the box no longer opens)") {
    w.tamper("UPDATE statements SET envelope = envelope || X'00' WHERE seq = 1");
    why = "does not decrypt";
  }
  REQUIRE(w.device->status().damage.has_value());
  CHECK_THAT(*w.device->status().damage, Contains(why));
  w.check_everything_blocked();

  // A delta that continues the damaged catalog is refused: only a whole one repairs.
  auto partial = w.authority.delta(3, w.hub, w.clock.now(), w.timestamp_lifetime);
  REQUIRE(partial.is_ok());
  auto refused = w.device->apply(*partial);
  REQUIRE_FALSE(refused.is_ok());
  CHECK_THAT(refused.status().message(), Contains("from seq 0"));

  // Reopening does not bless it (trusted time persisted in between never re-seals).
  w.clock.advance(std::chrono::hours(2));
  (void)w.device->trusted_now();
  w.device.reset();
  w.device = w.open_catalog();
  w.check_everything_blocked();

  const auto report = w.rebuild();
  CHECK(report.to_seq == 5);
  CHECK_FALSE(w.device->status().damage.has_value());
  CHECK(w.device->status().seq == 5);
  w.check_rules_hold();
  w.device.reset();
  w.device = w.open_catalog();
  CHECK_FALSE(w.device->status().damage.has_value());
  w.check_rules_hold();
}

TEST_CASE("Gate tampering: a catalog sealed with another device's key is damaged", "[gate][attack]") {
  TamperWorld w;
  w.device.reset();
  const crypto::SecretKey other = crypto::SecretKey::random(w.random, 32);
  auto opened = catalog::DeviceCatalog::open(w.db_path(), w.clock, other);
  REQUIRE(opened.is_ok());
  w.device = std::move(opened).value();
  CHECK(w.device->status().damage.has_value());
  w.check_everything_blocked();
}

TEST_CASE("Gate tampering: a whole catalog from a sound device rebuilds only if it keeps everything the device holds",
          "[gate][attack]") {
  TamperWorld w;
  SECTION("the same history, grown: accepted, nothing lost") {
    w.clock.advance(1h);
    w.publish_cached("deck", 3, random_bytes(3000, 5));
    // Not without asking: a whole catalog to a sound device is refused as not continuing it.
    auto whole = w.authority.delta(0, w.hub, w.clock.now(), w.timestamp_lifetime);
    REQUIRE(whole.is_ok());
    CHECK_FALSE(w.device->apply(*whole).is_ok());
    const auto report = w.rebuild(catalog::DeviceCatalog::ApplyMode::rebuild);
    CHECK(report.from_seq == 0);
    CHECK(report.to_seq == 6);
    CHECK(w.decide("deck").version == std::optional<std::uint64_t>(3));
    CHECK(w.decide("brochure", 1).reason == BlockReason::revoked);
  }
  SECTION("a diverged history without the revocation (a hub restored from an old backup): refused") {
    // Another hub of the same organisation, whose history never saw the
    // revocation, offers its whole catalog.
    catalog::CatalogAuthority other = w.make_authority();
    const auto history = w.authority.delta(0, w.hub, w.clock.now(), w.timestamp_lifetime);
    REQUIRE(history.is_ok());
    REQUIRE(history->statements.size() == 5);
    for (std::size_t i : {0, 1, 2, 4}) REQUIRE(other.submit(history->statements[i]).is_ok());  // not the revocation
    REQUIRE(other.submit(w.sign(w.release_of("deck", 3, random_bytes(3000, 6)))).is_ok());
    auto whole = other.delta(0, w.hub, w.clock.now(), w.timestamp_lifetime);
    REQUIRE(whole.is_ok());
    auto r = w.device->apply(*whole, catalog::DeviceCatalog::ApplyMode::rebuild);
    REQUIRE_FALSE(r.is_ok());
    CHECK_THAT(r.status().message(), Contains("drops the revocation of brochure@1"));
    w.check_rules_hold();
    CHECK(w.device->status().seq == 5);
  }
}
