// The embedded backend's own promises: per-repository migrations take over
// a store made by an earlier build without losing a row, and a store from a
// newer build is refused before anything is written.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include "hub_fixture.hpp"
#include "outpost/hub/hub_admin.hpp"
#include "outpost/hub/lead_book.hpp"
#include "outpost/hub/store/backend.hpp"

using namespace outpost;
using namespace outpost::test;

namespace {

std::int64_t version_of(SQLite::Database& db, const char* repository) {
  SQLite::Statement st(db, "SELECT version FROM schema_versions WHERE repository = ?");
  st.bind(1, repository);
  return st.executeStep() ? st.getColumn(0).getInt64() : -1;
}

bool has_table(SQLite::Database& db, const char* name) {
  SQLite::Statement st(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  st.bind(1, name);
  return st.executeStep();
}

}  // namespace

TEST_CASE("sqlite store: a store of the earlier single migration list is taken over, rows kept",
          "[sync][store][sqlite]") {
  HubFixture f;
  auto rep = f.device("rep-1");
  f.stop();
  {
    // Back to what a build before per-repository migrations left at
    // user_version 2: no lead book tables, no lead_box, no schema_versions.
    SQLite::Database db(hub::HubStore::db_path(f.hub_home).string(), SQLite::OPEN_READWRITE);
    for (const char* table : {"lead_deliveries", "lead_pending", "leads", "lead_visits", "lead_withdrawals",
                              "lead_follow_ups", "lead_tombstones", "lead_round_robin", "lead_cursors", "lead_badges",
                              "lead_merged", "schema_versions"}) {
      db.exec(std::string("DROP TABLE ") + table);
    }
    db.exec("ALTER TABLE devices DROP COLUMN lead_box");
    db.exec("DROP INDEX tokens_by_enroll_key");
    db.exec("ALTER TABLE tokens DROP COLUMN enroll_key");
    db.exec("PRAGMA user_version = 2");
  }
  auto admin = must(hub::HubAdmin::open(f.hub_home, f.random, f.clock));
  REQUIRE(admin->store().device("rep-1"));  // the row survived
  CHECK(admin->store().trust_list());
  auto book = must(hub::LeadBook::open(admin->backend(), admin->keys().lead, f.random));
  CHECK(must(book->list()).empty());
  must(book->set_lead_box("rep-1", crypto::BoxKeyPair::generate(f.random).public_key(), f.clock.now()));

  SQLite::Database db(hub::HubStore::db_path(f.hub_home).string(), SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 5);
  CHECK(version_of(db, "devices") == 3);
  CHECK(version_of(db, "catalog") == 1);
  CHECK(version_of(db, "leads") == 2);
  CHECK(has_table(db, "lead_merged"));
}

TEST_CASE("sqlite store: a store written by a newer build is refused, untouched", "[sync][store][sqlite]") {
  HubFixture f(false);
  const fs::path db_path = hub::HubStore::db_path(f.hub_home);
  SECTION("a repository at a version this build does not know") {
    {
      SQLite::Database db(db_path.string(), SQLite::OPEN_READWRITE);
      db.exec("UPDATE schema_versions SET version = 99 WHERE repository = 'leads'");
    }
    auto opened = hub::open_backend(f.hub_home);
    REQUIRE_FALSE(opened);
    CHECK(opened.status().code() == Errc::unsupported);
    CHECK_THAT(opened.status().message(), Catch::Contains("leads") && Catch::Contains("upgrade Outpost"));
    SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
    CHECK(version_of(db, "leads") == 99);
  }
  SECTION("a newer layout of the versions themselves") {
    {
      SQLite::Database db(db_path.string(), SQLite::OPEN_READWRITE);
      db.exec("PRAGMA user_version = 6");
    }
    CHECK(hub::open_backend(f.hub_home).status().code() == Errc::unsupported);
  }
  SECTION("another application's SQLite file") {
    fs::remove(db_path);
    {
      SQLite::Database db(db_path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      db.exec("CREATE TABLE photos(id INTEGER)");
    }
    CHECK(hub::open_backend(f.hub_home).status().code() == Errc::corrupt);
  }
}
