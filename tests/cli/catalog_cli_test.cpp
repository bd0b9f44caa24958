// catalog apply / show, open and status through the real outpost binary,
// with deltas made by a CatalogAuthority as the hub would.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <SQLiteCpp/Database.h>

#include "org.hpp"
#include "cli_runner.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using namespace std::chrono_literals;
using nlohmann::json;

TEST_CASE("CLI: apply a catalog update, open the current version, and get blocked on the replaced one",
          "[cli][catalog]") {
  Org org;
  Cli cli;
  REQUIRE(cli("init --root " + org.root.public_key().hex()).code == 0);

  const Bytes v1 = random_bytes(40'000, 1);
  const fs::path v1_file = cli.dir / "v1";
  write_file(v1_file, v1);
  org.release("deck", 1, v1);
  auto applied = cli("--json catalog apply '" + org.bundle(cli.dir, "u1").string() + "'");
  INFO(applied.err);
  REQUIRE(applied.code == 0);
  CHECK(json::parse(applied.out)["to_seq"] == 1);

  auto not_downloaded = cli("open deck");
  CHECK(not_downloaded.code == 3);
  CHECK(not_downloaded.err.find("not-downloaded") != std::string::npos);

  REQUIRE(cli("cache import '" + v1_file.string() + "' --asset deck --version 1").code == 0);
  auto opened = cli("open deck");
  REQUIRE(opened.code == 0);
  CHECK(Bytes(opened.out.begin(), opened.out.end()) == v1);

  // Version 2 replaces it with no grace: version 1 may no longer be shown.
  org.release("deck", 2, random_bytes(40'000, 2));
  REQUIRE(cli("catalog apply '" + org.bundle(cli.dir, "u2").string() + "'").code == 0);
  auto old = cli("open deck@1");
  CHECK(old.code == 3);
  CHECK(old.err.find("superseded") != std::string::npos);
  CHECK(old.out.empty());
  auto newest = cli("--json open deck");
  CHECK(newest.code == 3);
  CHECK(json::parse(newest.out)["reason"] == "not-downloaded");

  auto show = cli("--json catalog show");
  REQUIRE(show.code == 0);
  CHECK(json::parse(show.out)[0]["version"] == 2);

  auto status = cli("--json status");
  REQUIRE(status.code == 0);
  const json s = json::parse(status.out);
  CHECK(s["catalog"]["seq"] == 2);
  CHECK(s["catalog"]["offline_budget"]["price-sheet"]["left_s"].get<std::int64_t>() > 6 * 24 * 3600);
}

TEST_CASE("CLI: a revocation blocks the version and shreds its chunks", "[cli][catalog]") {
  Org org;
  Cli cli;
  REQUIRE(cli("init --root " + org.root.public_key().hex()).code == 0);
  const Bytes v1 = random_bytes(100'000, 3);
  const fs::path v1_file = cli.dir / "v1";
  write_file(v1_file, v1);
  org.release("prices", 1, v1);
  REQUIRE(cli("catalog apply '" + org.bundle(cli.dir, "u1").string() + "'").code == 0);
  REQUIRE(cli("cache import '" + v1_file.string() + "' --asset prices --version 1").code == 0);
  REQUIRE(cli("open prices --out '" + (cli.dir / "out").string() + "'").code == 0);

  org.revoke("prices", 1);
  auto applied = cli("catalog apply '" + org.bundle(cli.dir, "u2").string() + "'");
  REQUIRE(applied.code == 0);
  CHECK(applied.out.find("prices@1") != std::string::npos);
  auto blocked = cli("open prices@1");
  CHECK(blocked.code == 3);
  CHECK(blocked.err.find("revoked") != std::string::npos);
  CHECK(cli("cache cat prices@1").code == 1);  // gone from the cache
}

TEST_CASE("CLI: a tampered or foreign catalog update changes nothing", "[cli][catalog]") {
  Org org;
  Cli cli;
  REQUIRE(cli("init --root " + org.root.public_key().hex()).code == 0);
  org.release("deck", 1, random_bytes(1000, 4));
  const fs::path good = org.bundle(cli.dir, "u1");

  Bytes bytes = read_file(good);
  bytes[bytes.size() / 2] ^= 0x01;
  const fs::path tampered = cli.dir / "tampered";
  write_file(tampered, bytes);
  auto bad = cli("catalog apply '" + tampered.string() + "'");
  CHECK(bad.code == 1);
  CHECK_FALSE(bad.err.empty());

  Org other(6);  // another organisation's root signed this one
  other.release("deck", 1, random_bytes(1000, 5));
  auto foreign = cli("catalog apply '" + other.bundle(cli.dir, "foreign").string() + "'");
  CHECK(foreign.code == 1);
  CHECK(foreign.err.find("root") != std::string::npos);

  CHECK(json::parse(cli("--json status").out)["catalog"]["seq"] == 0);
  CHECK(cli("catalog apply '" + good.string() + "'").code == 0);
  CHECK(json::parse(cli("--json status").out)["catalog"]["seq"] == 1);
  // Applying the same update again is refused: the device is past it.
  auto again = cli("catalog apply '" + good.string() + "'");
  CHECK(again.code == 1);
  CHECK(again.err.find("seq") != std::string::npos);
}

TEST_CASE("CLI: a deleted catalog.db is rebuilt under the pinned root and another organisation's root is refused",
          "[cli][catalog]") {
  Org org;
  Cli cli;
  REQUIRE(cli("init --root " + org.root.public_key().hex()).code == 0);
  org.release("deck", 1, random_bytes(1000, 4));
  REQUIRE(cli("catalog apply '" + org.bundle(cli.dir, "u1").string() + "'").code == 0);
  for (const char* part : {"", "-wal", "-shm"}) fs::remove((cli.home / "catalog.db").string() + part);

  // The rebuilt catalog trusts the root the home pinned, and no other.
  CHECK(json::parse(cli("--json status").out)["catalog"]["seq"] == 0);
  Org other(6);
  other.release("deck", 1, random_bytes(1000, 5));
  auto foreign = cli("catalog apply '" + other.bundle(cli.dir, "foreign").string() + "'");
  CHECK(foreign.code == 1);
  CHECK(foreign.err.find("root") != std::string::npos);
  auto repin = cli("catalog pin-root " + other.root.public_key().hex());
  CHECK(repin.code == 1);
  CHECK(repin.err.find("another root key") != std::string::npos);
  CHECK(json::parse(cli("--json status").out)["catalog"]["seq"] == 0);

  // The organisation's own catalog repairs it.
  org.device_seq = 0;
  auto repaired = cli("catalog apply '" + org.bundle(cli.dir, "again").string() + "'");
  INFO(repaired.err);
  CHECK(repaired.code == 0);
  CHECK(json::parse(cli("--json status").out)["catalog"]["seq"] == 1);
  CHECK(cli("catalog pin-root " + org.root.public_key().hex()).code == 0);  // the same key: fine
}

TEST_CASE("CLI: search finds assets by prefix and facet and shows each one's gate decision", "[cli][catalog][search]") {
  Org org;
  Cli cli;
  REQUIRE(cli("init --root " + org.root.public_key().hex()).code == 0);
  const Bytes deck = random_bytes(5000, 7);
  const fs::path deck_file = cli.dir / "deck";
  write_file(deck_file, deck);
  org.release("pricing-emea", 1, deck);
  org.release("pricing-apac", 1, random_bytes(5000, 8));
  REQUIRE(cli("catalog apply '" + org.bundle(cli.dir, "u1").string() + "'").code == 0);
  REQUIRE(cli("cache import '" + deck_file.string() + "' --asset pricing-emea --version 1").code == 0);

  auto found = cli("--json search titl");
  REQUIRE(found.code == 0);
  const json r = json::parse(found.out);
  REQUIRE(r["hits"].size() == 2);
  std::map<std::string, json> by_asset;
  for (const auto& h : r["hits"]) by_asset[h["asset"]] = h["decision"];
  CHECK(by_asset["pricing-emea"]["allowed"] == true);
  CHECK(by_asset["pricing-apac"]["reason"] == "not-downloaded");

  auto none = cli("--json search nothing-like-this");
  REQUIRE(none.code == 0);
  CHECK(json::parse(none.out)["total"] == 0);
  CHECK(cli("search x --facet colour=red").code == 1);
  CHECK(cli("search x --facet oops").code == 1);
}

// Issue 18, finding 2, as the campaign ran it: sqlite3 on a rep's catalog.db.
TEST_CASE("CLI: a superseded version stays blocked after catalog.db is edited, and a damaged catalog says so",
          "[cli][catalog][attack]") {
  Org org;
  Cli cli;
  REQUIRE(cli("init --root " + org.root.public_key().hex()).code == 0);
  const Bytes v1 = random_bytes(20'000, 61);
  const fs::path v1_file = cli.dir / "v1";
  write_file(v1_file, v1);
  org.release("emea-prices", 1, v1);
  org.release("emea-prices", 2, random_bytes(20'000, 62));
  REQUIRE(cli("catalog apply '" + org.bundle(cli.dir, "u1").string() + "'").code == 0);
  REQUIRE(cli("cache import '" + v1_file.string() + "' --asset emea-prices --version 1").code == 0);
  REQUIRE(cli("open emea-prices@1").code == 3);
  auto edit = [&](const std::string& sql) {
    SQLite::Database db((cli.home / "catalog.db").string(), SQLite::OPEN_READWRITE);
    db.exec(sql);
  };

  edit("DELETE FROM releases WHERE asset = 'emea-prices' AND version = 2");
  auto old = cli("open emea-prices@1");
  CHECK(old.code == 3);
  CHECK(old.err.find("superseded") != std::string::npos);
  CHECK(old.out.empty());

  edit("DELETE FROM releases WHERE version = 2; DELETE FROM statements WHERE seq = 2");
  auto blocked = cli("open emea-prices@1");
  CHECK(blocked.code == 3);
  CHECK(blocked.err.find("integrity check") != std::string::npos);
  CHECK(blocked.out.empty());
  auto status = cli("status");
  REQUIRE(status.code == 0);
  CHECK(status.out.find("WARNING: the catalog failed its integrity check") != std::string::npos);
  CHECK_FALSE(json::parse(cli("--json status").out)["catalog"]["damage"].is_null());

  // A whole catalog (from seq 0) rebuilds it.
  org.device_seq = 0;
  auto rebuilt = cli("catalog apply '" + org.bundle(cli.dir, "u2").string() + "'");
  INFO(rebuilt.err);
  REQUIRE(rebuilt.code == 0);
  CHECK(json::parse(cli("--json status").out)["catalog"]["damage"].is_null());
  auto again = cli("open emea-prices@1");
  CHECK(again.code == 3);
  CHECK(again.err.find("superseded") != std::string::npos);
}
