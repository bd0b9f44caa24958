#include <catch2/catch.hpp>

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "catalog_world.hpp"

using namespace outpost;
using namespace outpost::test;
using gate::BlockReason;

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

// "allowed" or the block reason's name, for readable failures.
std::string outcome(const gate::Decision& d) {
  if (d.allowed) return d.reason ? "allowed-with-reason?" : "allowed";
  return d.reason ? std::string(gate::reason_name(*d.reason)) : "blocked-without-reason?";
}

std::int64_t ms(TimePoint t) { return to_unix_ms(t); }

std::uint64_t version_of(const gate::Decision& d) { return d.version.value_or(0); }
std::uint64_t pending_of(const gate::Decision& d) { return d.update_pending.value_or(0); }

gate::Decision decide(gate::Gate& g, const std::string& asset, std::optional<std::uint64_t> version = std::nullopt) {
  gate::Decision d = g.decide(asset, version);
  UNSCOPED_INFO(asset << (version ? "@" + std::to_string(*version) : std::string()) << " -> " << outcome(d)
                      << " v" << version_of(d) << ": " << d.message);
  return d;
}

bool same_decision(const gate::Decision& a, const gate::Decision& b) {
  return a.asset == b.asset && a.version == b.version && a.allowed == b.allowed && a.reason == b.reason &&
         a.in_grace == b.in_grace && a.grace_ends == b.grace_ends && a.update_pending == b.update_pending &&
         a.message == b.message && a.decided_at == b.decided_at;
}

}  // namespace

TEST_CASE("Gate: a current, cached, released version is allowed", "[gate]") {
  CatalogWorld w;
  const Bytes v1 = random_bytes(5000, 1);
  w.publish_cached("deck", 1, v1);
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  const auto d = g.decide("deck");
  INFO(d.message);
  CHECK(d.allowed);
  CHECK(d.version == std::optional<std::uint64_t>(1));
}

TEST_CASE("Gate: an allowed decision names the version and carries no reason or grace", "[gate]") {
  CatalogWorld w;
  w.publish_cached("deck", 1, random_bytes(5000, 1));
  w.publish_cached("deck", 2, random_bytes(5000, 2));
  w.clock.advance(minutes(1));
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  for (auto version : {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{2}}) {
    const auto d = decide(g, "deck", version);
    CHECK(outcome(d) == "allowed");
    CHECK(d.asset == "deck");
    CHECK(version_of(d) == 2);
    CHECK_FALSE(d.in_grace);
    CHECK_FALSE(d.grace_ends.has_value());
    CHECK_FALSE(d.update_pending.has_value());
    CHECK(ms(d.decided_at) == ms(w.clock.now()));
    CHECK_FALSE(d.message.empty());
  }
}

TEST_CASE("Gate: an unknown asset or version is not-in-catalog", "[gate]") {
  CatalogWorld w;
  w.publish_cached("deck", 1, random_bytes(5000, 1));
  w.sync();
  gate::Gate g(*w.device, *w.cache);

  const auto unknown_asset = decide(g, "brochure");
  CHECK(outcome(unknown_asset) == "not-in-catalog");
  CHECK(unknown_asset.asset == "brochure");
  CHECK_FALSE(unknown_asset.version.has_value());

  const auto unknown_asset_version = decide(g, "brochure", 1);
  CHECK(outcome(unknown_asset_version) == "not-in-catalog");

  const auto unknown_version = decide(g, "deck", 2);
  CHECK(outcome(unknown_version) == "not-in-catalog");
  CHECK(version_of(unknown_version) == 2);
  CHECK(outcome(decide(g, "deck", 0)) == "not-in-catalog");

  // Content in the cache alone is not enough: it was never released.
  w.import("flyer", 1, random_bytes(3000, 3));
  CHECK(outcome(decide(g, "flyer")) == "not-in-catalog");
  CHECK(outcome(decide(g, "flyer", 1)) == "not-in-catalog");
  CHECK(outcome(decide(g, "deck", 1)) == "allowed");
}

TEST_CASE("Gate: a revoked version is blocked as revoked", "[gate]") {
  CatalogWorld w;
  w.publish_cached("deck", 1, random_bytes(5000, 1));
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  REQUIRE(outcome(decide(g, "deck", 1)) == "allowed");

  w.publish(w.revoke("deck", 1, "wrong discount on slide 4"));
  w.clock.advance(minutes(1));
  w.sync();
  const auto d = decide(g, "deck", 1);
  CHECK(outcome(d) == "revoked");
  CHECK_FALSE(d.allowed);
  CHECK(version_of(d) == 1);
  CHECK_THAT(d.message, Catch::Matchers::Contains("wrong discount on slide 4"));
  // Without a version: the only version is revoked, so that is the answer.
  const auto newest = decide(g, "deck");
  CHECK(outcome(newest) == "revoked");
  CHECK(version_of(newest) == 1);
}

TEST_CASE("Gate: a revoked newest version does not supersede the older one", "[gate]") {
  CatalogWorld w;
  w.publish_cached("deck", 1, random_bytes(5000, 1));
  w.publish_cached("deck", 2, random_bytes(5000, 2));  // grace 0: replaces v1 at once
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  REQUIRE(outcome(decide(g, "deck", 1)) == "superseded");

  w.publish(w.revoke("deck", 2, "broken link"));
  w.clock.advance(minutes(1));
  w.sync();
  const auto old = decide(g, "deck", 1);
  CHECK(outcome(old) == "allowed");
  CHECK_FALSE(old.in_grace);
  CHECK_FALSE(old.update_pending.has_value());
  CHECK(outcome(decide(g, "deck", 2)) == "revoked");
  const auto newest = decide(g, "deck");
  CHECK(outcome(newest) == "allowed");
  CHECK(version_of(newest) == 1);
  CHECK_FALSE(newest.update_pending.has_value());
}

TEST_CASE("Gate: a version exactly at expires-at is expired", "[gate]") {
  CatalogWorld w;
  const Bytes content = random_bytes(5000, 1);
  auto r = w.release_of("offer", 1, content);
  const TimePoint expires = w.clock.now() + hours(1);
  r.expires_at = expires;
  w.publish(w.sign(r));
  w.import("offer", 1, content);
  w.sync();
  gate::Gate g(*w.device, *w.cache);

  w.clock.set(expires - milliseconds(1));
  CHECK(outcome(decide(g, "offer", 1)) == "allowed");
  CHECK(outcome(decide(g, "offer")) == "allowed");

  w.clock.set(expires);
  const auto d = decide(g, "offer", 1);
  CHECK(outcome(d) == "expired");
  CHECK(version_of(d) == 1);
  const auto newest = decide(g, "offer");
  CHECK(outcome(newest) == "expired");
  CHECK(version_of(newest) == 1);

  w.clock.advance(days(1));
  CHECK(outcome(decide(g, "offer", 1)) == "expired");
}

TEST_CASE("Gate: a version before its valid-from is not-yet-valid, and allowed exactly at it", "[gate]") {
  CatalogWorld w;
  const Bytes content = random_bytes(5000, 1);
  auto r = w.release_of("launch", 1, content);
  const TimePoint from = w.clock.now() + hours(2);
  r.valid_from = from;
  w.publish(w.sign(r));
  w.import("launch", 1, content);
  w.sync();
  gate::Gate g(*w.device, *w.cache);

  CHECK(outcome(decide(g, "launch", 1)) == "not-yet-valid");
  const auto newest = decide(g, "launch");
  CHECK(outcome(newest) == "not-yet-valid");
  CHECK(version_of(newest) == 1);

  w.clock.set(from - milliseconds(1));
  CHECK(outcome(decide(g, "launch", 1)) == "not-yet-valid");
  w.clock.set(from);
  CHECK(outcome(decide(g, "launch", 1)) == "allowed");
  CHECK(outcome(decide(g, "launch")) == "allowed");
}

TEST_CASE("Gate: an older version is superseded exactly when the newer one's grace ends", "[gate]") {
  CatalogWorld w;
  const TimePoint t0 = w.clock.now();
  w.publish_cached("deck", 1, random_bytes(5000, 1));
  const Bytes v2 = random_bytes(5000, 2);
  auto r2 = w.release_of("deck", 2, v2);
  r2.valid_from = t0 + hours(1);
  r2.grace = hours(2);
  w.publish(w.sign(r2));
  w.import("deck", 2, v2);
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  const TimePoint grace_end = t0 + hours(3);

  SECTION("before v2 is valid, v1 is simply current") {
    w.clock.set(t0 + hours(1) - milliseconds(1));
    const auto d = decide(g, "deck", 1);
    CHECK(outcome(d) == "allowed");
    CHECK_FALSE(d.in_grace);
    CHECK_FALSE(d.update_pending.has_value());
    CHECK(version_of(decide(g, "deck")) == 1);
    CHECK(outcome(decide(g, "deck", 2)) == "not-yet-valid");
  }
  SECTION("from v2's valid-from, v1 is in grace") {
    for (TimePoint t : {t0 + hours(1), grace_end - milliseconds(1)}) {
      w.clock.set(t);
      const auto d = decide(g, "deck", 1);
      CHECK(outcome(d) == "allowed");
      CHECK(d.in_grace);
      REQUIRE(d.grace_ends.has_value());
      CHECK(ms(*d.grace_ends) == ms(grace_end));
      CHECK(pending_of(d) == 2);
      const auto newest = decide(g, "deck");
      CHECK(outcome(newest) == "allowed");
      CHECK(version_of(newest) == 2);
    }
  }
  SECTION("exactly at valid-from(v2) + grace, v1 is superseded") {
    w.clock.set(grace_end);
    const auto d = decide(g, "deck", 1);
    CHECK(outcome(d) == "superseded");
    CHECK_FALSE(d.in_grace);
    CHECK(pending_of(d) == 2);
    CHECK(outcome(decide(g, "deck", 2)) == "allowed");
    CHECK(version_of(decide(g, "deck")) == 2);
  }
}

TEST_CASE("Gate: without a version, the newest allowed cached version is shown and the update is pending",
          "[gate]") {
  CatalogWorld w;
  const TimePoint t0 = w.clock.now();
  w.publish_cached("deck", 1, random_bytes(5000, 1));
  const Bytes v2 = random_bytes(5000, 2);
  auto r2 = w.release_of("deck", 2, v2);
  r2.grace = days(1);
  w.publish(w.sign(r2));  // not downloaded yet
  auto r3 = w.release_of("deck", 3, random_bytes(5000, 3));
  r3.valid_from = t0 + days(30);  // announced, not valid yet
  w.publish(w.sign(r3));
  w.clock.advance(hours(1));
  w.sync();
  gate::Gate g(*w.device, *w.cache);

  const auto d = decide(g, "deck");
  CHECK(outcome(d) == "allowed");
  CHECK(version_of(d) == 1);
  CHECK(d.in_grace);
  CHECK(pending_of(d) == 2);
  CHECK(outcome(decide(g, "deck", 2)) == "not-downloaded");
  CHECK(outcome(decide(g, "deck", 3)) == "not-yet-valid");

  w.import("deck", 2, v2);
  const auto after = decide(g, "deck");
  CHECK(outcome(after) == "allowed");
  CHECK(version_of(after) == 2);
  CHECK_FALSE(after.update_pending.has_value());  // v3 is not valid yet
  CHECK_FALSE(after.in_grace);
}

TEST_CASE("Gate: a newer version without grace that is not downloaded blocks, never shows the old one",
          "[gate]") {
  CatalogWorld w;
  w.publish_cached("deck", 1, random_bytes(5000, 1));
  w.publish(w.sign(w.release_of("deck", 2, random_bytes(5000, 2))));  // grace 0, not downloaded
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  const auto d = decide(g, "deck");
  CHECK(outcome(d) == "not-downloaded");
  CHECK(version_of(d) == 2);
  CHECK(outcome(decide(g, "deck", 1)) == "superseded");
}

TEST_CASE("Gate: a price sheet is stale after 7 days without a fresh timestamp, general content is not",
          "[gate]") {
  CatalogWorld w;
  const Bytes prices = random_bytes(5000, 1);
  auto r = w.release_of("prices", 1, prices);
  r.criticality = "price-sheet";
  w.publish(w.sign(r));
  w.import("prices", 1, prices);
  w.publish_cached("deck", 1, random_bytes(5000, 2));
  const TimePoint synced = w.clock.now();
  w.sync();
  gate::Gate g(*w.device, *w.cache);

  w.clock.set(synced + days(7));
  CHECK(outcome(decide(g, "prices", 1)) == "allowed");
  w.clock.set(synced + days(7) + milliseconds(1));
  const auto stale = decide(g, "prices", 1);
  CHECK(outcome(stale) == "stale-catalog");
  CHECK(version_of(stale) == 1);
  CHECK(outcome(decide(g, "prices")) == "stale-catalog");
  CHECK(outcome(decide(g, "deck", 1)) == "allowed");

  // A sync brings a fresh timestamp: the price sheet may be shown again.
  w.sync();
  CHECK(outcome(decide(g, "prices", 1)) == "allowed");

  // General content has 90 days.
  const TimePoint resynced = w.clock.now();
  w.clock.set(resynced + days(90));
  CHECK(outcome(decide(g, "deck", 1)) == "allowed");
  w.clock.set(resynced + days(90) + milliseconds(1));
  CHECK(outcome(decide(g, "deck", 1)) == "stale-catalog");
}

TEST_CASE("Gate: offline budgets come from the trust list, unknown classes use 'general'", "[gate]") {
  CatalogWorld w;
  const auto v2 = w.make_trust(2, {w.publisher.public_key()},
                               {{"general", std::chrono::hours(2)}, {"forms", std::chrono::minutes(10)}});
  REQUIRE(w.authority.update_trust(v2, w.root.public_key()).is_ok());
  auto publish_class = [&](const std::string& asset, const std::string& criticality, std::uint64_t seed) {
    const Bytes content = random_bytes(3000, seed);
    auto r = w.release_of(asset, 1, content);
    r.criticality = criticality;
    w.publish(w.sign(r));
    w.import(asset, 1, content);
  };
  publish_class("form", "forms", 1);
  publish_class("deck", "general", 2);
  publish_class("prices", "price-sheet", 3);  // not in this list: falls back to general
  publish_class("odd", "no-such-class", 4);
  const TimePoint synced = w.clock.now();
  w.sync();
  REQUIRE(w.device->status().trust_version == 2);
  gate::Gate g(*w.device, *w.cache);

  w.clock.set(synced + minutes(10));
  CHECK(outcome(decide(g, "form")) == "allowed");
  w.clock.set(synced + minutes(10) + milliseconds(1));
  CHECK(outcome(decide(g, "form")) == "stale-catalog");
  for (const char* asset : {"deck", "prices", "odd"}) CHECK(outcome(decide(g, asset)) == "allowed");

  w.clock.set(synced + hours(2));
  for (const char* asset : {"deck", "prices", "odd"}) CHECK(outcome(decide(g, asset)) == "allowed");
  w.clock.set(synced + hours(2) + milliseconds(1));
  for (const char* asset : {"deck", "prices", "odd"}) CHECK(outcome(decide(g, asset)) == "stale-catalog");
}

TEST_CASE("Gate: a released version that is not in the cache is not-downloaded", "[gate]") {
  CatalogWorld w;
  w.publish(w.sign(w.release_of("video", 1, random_bytes(5000, 1))));
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  const auto d = decide(g, "video", 1);
  CHECK(outcome(d) == "not-downloaded");
  CHECK(version_of(d) == 1);
  const auto newest = decide(g, "video");
  CHECK(outcome(newest) == "not-downloaded");
  CHECK(version_of(newest) == 1);
}

TEST_CASE("Gate: cached content that is not the released content is blocked as integrity", "[gate]") {
  CatalogWorld w;
  const Bytes released = random_bytes(5000, 1);
  const Bytes other = random_bytes(5000, 2);  // same size, different bytes
  w.publish(w.sign(w.release_of("deck", 1, released)));
  w.import("deck", 1, other);
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  const auto d = decide(g, "deck", 1);
  CHECK(outcome(d) == "integrity");
  CHECK(outcome(decide(g, "deck")) == "integrity");

  // The right bytes under a wrong size claim are refused as well.
  auto sized = w.release_of("brochure", 1, released);
  sized.size = released.size() + 1;
  w.publish(w.sign(sized));
  w.import("brochure", 1, released);
  w.sync();
  CHECK(outcome(decide(g, "brochure", 1)) == "integrity");
}

TEST_CASE("Gate: a damaged chunk found by verify blocks the version as integrity", "[gate]") {
  CatalogWorld w;
  w.publish_cached("deck", 1, random_bytes(600'000, 5));
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  REQUIRE(outcome(decide(g, "deck", 1)) == "allowed");

  auto files = w.chunk_files();
  REQUIRE_FALSE(files.empty());
  Bytes bytes = read_file(files[0]);
  bytes[bytes.size() / 2] = static_cast<std::uint8_t>(bytes[bytes.size() / 2] ^ 0x01);
  write_file(files[0], bytes);
  auto report = w.cache->verify();
  REQUIRE(report.is_ok());
  REQUIRE_FALSE(report->ok());

  const auto d = decide(g, "deck", 1);
  CHECK(outcome(d) == "integrity");
  CHECK(outcome(decide(g, "deck")) == "integrity");
}

TEST_CASE("Gate: setting the clock back does not make an expired version allowed again", "[gate]") {
  CatalogWorld w;
  const TimePoint t0 = w.clock.now();
  const Bytes content = random_bytes(5000, 1);
  auto r = w.release_of("offer", 1, content);
  r.expires_at = t0 + hours(1);
  w.publish(w.sign(r));
  w.import("offer", 1, content);
  w.sync();
  {
    gate::Gate g(*w.device, *w.cache);
    REQUIRE(outcome(decide(g, "offer", 1)) == "allowed");
    w.clock.set(t0 + hours(2));
    REQUIRE(outcome(decide(g, "offer", 1)) == "expired");

    w.clock.set(t0);
    const auto d = decide(g, "offer", 1);
    CHECK(outcome(d) == "expired");
    CHECK(ms(d.decided_at) == ms(t0 + hours(2)));
    CHECK(outcome(decide(g, "offer")) == "expired");
  }
  // Nor after a restart with the clock still wrong.
  w.device.reset();
  w.clock.set(t0 - days(10));
  w.device = w.open_catalog();
  gate::Gate g(*w.device, *w.cache);
  CHECK(outcome(decide(g, "offer", 1)) == "expired");
}

TEST_CASE("Gate: setting the clock back does not un-supersede an older version", "[gate]") {
  CatalogWorld w;
  const TimePoint t0 = w.clock.now();
  w.publish_cached("deck", 1, random_bytes(5000, 1));
  const Bytes v2 = random_bytes(5000, 2);
  auto r2 = w.release_of("deck", 2, v2);
  r2.valid_from = t0 + hours(1);
  w.publish(w.sign(r2));
  w.import("deck", 2, v2);
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  w.clock.set(t0 + hours(2));
  REQUIRE(outcome(decide(g, "deck", 1)) == "superseded");
  w.clock.set(t0);
  CHECK(outcome(decide(g, "deck", 1)) == "superseded");
  const auto newest = decide(g, "deck");
  CHECK(outcome(newest) == "allowed");
  CHECK(version_of(newest) == 2);
}

TEST_CASE("Gate: every decision reaches the sink exactly once, with the same fields", "[gate]") {
  CatalogWorld w;
  const TimePoint t0 = w.clock.now();
  w.publish_cached("deck", 1, random_bytes(5000, 1));
  auto r2 = w.release_of("deck", 2, random_bytes(5000, 2));
  r2.grace = hours(5);
  w.publish(w.sign(r2));  // in grace, not downloaded
  w.publish_cached("gone", 1, random_bytes(5000, 3));
  w.publish(w.revoke("gone", 1, "withdrawn"));
  auto future = w.release_of("launch", 1, random_bytes(5000, 4));
  future.valid_from = t0 + days(1);
  w.publish(w.sign(future));
  w.publish(w.sign(w.release_of("video", 1, random_bytes(5000, 5))));
  w.clock.advance(minutes(1));
  w.sync();

  std::vector<gate::Decision> seen;
  gate::Gate g(*w.device, *w.cache, [&](const gate::Decision& d) { seen.push_back(d); });

  const std::vector<std::pair<std::string, std::optional<std::uint64_t>>> asks = {
      {"deck", std::nullopt},   // allowed in grace, after judging v2 first
      {"deck", 1},              // allowed
      {"deck", 2},              // not-downloaded
      {"deck", 9},              // not-in-catalog (version)
      {"nothing", std::nullopt},  // not-in-catalog (asset)
      {"gone", std::nullopt},   // revoked, via the "report the newest" path
      {"gone", 1},              // revoked
      {"launch", std::nullopt},  // not-yet-valid
      {"video", 1},             // not-downloaded
  };
  std::set<std::string> outcomes;
  for (const auto& [asset, version] : asks) {
    const std::size_t before = seen.size();
    const auto d = decide(g, asset, version);
    REQUIRE(seen.size() == before + 1);
    CHECK(same_decision(seen.back(), d));
    outcomes.insert(outcome(d));
  }
  CHECK(outcomes == std::set<std::string>{"allowed", "not-downloaded", "not-in-catalog", "revoked", "not-yet-valid"});
  CHECK(seen.front().in_grace);
  CHECK(pending_of(seen.front()) == 2);

  // A gate without a sink decides the same.
  gate::Gate quiet(*w.device, *w.cache);
  CHECK(same_decision(quiet.decide("deck"), seen.front()));
}

TEST_CASE("Gate: a version replaced without grace is not brought back by a later release's grace", "[gate]") {
  // v2 replaced v1 with no grace (say, v1 had a wrong price). A later v3 with
  // a week of grace must not make v1 showable again: the device would present
  // a version that was replaced.
  CatalogWorld w;
  const TimePoint t0 = w.clock.now();
  w.publish_cached("deck", 1, random_bytes(5000, 1));
  auto r2 = w.release_of("deck", 2, random_bytes(5000, 2));
  r2.valid_from = t0 + hours(1);  // grace 0
  w.publish(w.sign(r2));  // not downloaded yet
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  w.clock.set(t0 + hours(2));
  REQUIRE(outcome(decide(g, "deck", 1)) == "superseded");
  REQUIRE(outcome(decide(g, "deck")) == "not-downloaded");

  auto r3 = w.release_of("deck", 3, random_bytes(5000, 3));
  r3.valid_from = t0 + hours(3);
  r3.grace = days(7);
  w.publish(w.sign(r3));  // not downloaded yet either
  w.sync();
  w.clock.set(t0 + hours(4));

  const auto pinned = decide(g, "deck", 1);
  CHECK(outcome(pinned) == "superseded");
  const auto newest = decide(g, "deck");
  CHECK_FALSE(newest.allowed);
  CHECK(version_of(newest) != 1);
}
