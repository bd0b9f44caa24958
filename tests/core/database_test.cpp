// open_database: application_id / user_version identification, forward
// migrations, refusing foreign or newer files, and the RAII Transaction.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/base/status.hpp"
#include "outpost/storage/database.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::storage;
using outpost::test::random_bytes;
using outpost::test::read_file;
using outpost::test::TempDir;
using outpost::test::write_file;
namespace fs = std::filesystem;

namespace {

constexpr std::int32_t app_id = 0x4f505453;  // "OPTS"

// Version 1 creates a table and inserts one row; version 2 adds a second
// table and another row. Counting rows tells whether a migration re-ran.
constexpr std::string_view migrations_v1[] = {
    "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO items(name) VALUES('from v1');",
};
constexpr std::string_view migrations_v2[] = {
    migrations_v1[0],
    "CREATE TABLE tags(item INTEGER NOT NULL REFERENCES items(id), tag TEXT); "
    "INSERT INTO items(name) VALUES('from v2');",
};
constexpr std::string_view migrations_v2_broken[] = {
    migrations_v1[0],
    "INSERT INTO items(name) VALUES('half done'); THIS IS NOT SQL;",
};

constexpr Schema schema_v1{"test db", app_id, migrations_v1};
constexpr Schema schema_v2{"test db", app_id, migrations_v2};
constexpr Schema schema_v2_broken{"test db", app_id, migrations_v2_broken};
constexpr Schema other_app_v1{"other db", app_id + 1, migrations_v1};

int pragma(SQLite::Database& db, const char* name) { return db.execAndGet(std::string("PRAGMA ") + name).getInt(); }

int count_items(SQLite::Database& db) { return db.execAndGet("SELECT count(*) FROM items").getInt(); }

// The Errc of the outpost::Error that opening throws; fails the test if it
// throws nothing or something else.
Errc open_error(const fs::path& path, const Schema& schema, bool create) {
  try {
    SQLite::Database db = open_database(path, schema, create, Durability::full);
  } catch (const Error& e) {
    INFO(e.what());
    return e.status().code();
  }
  FAIL("open_database did not throw");
  return Errc::ok;
}

// Header fields read without open_database.
std::pair<int, int> raw_ids(const fs::path& path) {
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  return {pragma(db, "application_id"), pragma(db, "user_version")};
}

}  // namespace

TEST_CASE("Database: a new file gets the application_id and the latest user_version", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  {
    SQLite::Database db = open_database(path, schema_v2, true, Durability::full);
    CHECK(pragma(db, "application_id") == app_id);
    CHECK(pragma(db, "user_version") == 2);
    CHECK(count_items(db) == 2);
    CHECK(db.tableExists("tags"));
  }
  CHECK(raw_ids(path) == std::pair<int, int>{app_id, 2});
}

TEST_CASE("Database: connection settings follow the durability", "[core][db]") {
  TempDir dir;
  {
    SQLite::Database db = open_database(dir / "full.db", schema_v1, true, Durability::full);
    CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(pragma(db, "synchronous") == 2);  // FULL
    CHECK(pragma(db, "foreign_keys") == 1);
  }
  {
    SQLite::Database db = open_database(dir / "normal.db", schema_v1, true, Durability::normal);
    CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(pragma(db, "synchronous") == 1);  // NORMAL
  }
}

TEST_CASE("Database: reopening does not re-run migrations", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  {
    SQLite::Database db = open_database(path, schema_v2, true, Durability::full);
    REQUIRE(count_items(db) == 2);
  }
  for (int i = 0; i < 2; ++i) {
    SQLite::Database db = open_database(path, schema_v2, false, Durability::full);
    CHECK(count_items(db) == 2);
    CHECK(pragma(db, "user_version") == 2);
  }
}

TEST_CASE("Database: adding a migration upgrades an old file from version 1 to 2", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  {
    SQLite::Database db = open_database(path, schema_v1, true, Durability::full);
    CHECK(pragma(db, "user_version") == 1);
    CHECK(count_items(db) == 1);
    CHECK_FALSE(db.tableExists("tags"));
    db.exec("INSERT INTO items(name) VALUES('user data')");
  }
  {
    SQLite::Database db = open_database(path, schema_v2, false, Durability::full);
    CHECK(pragma(db, "user_version") == 2);
    CHECK(pragma(db, "application_id") == app_id);
    CHECK(db.tableExists("tags"));
    // Migration 1 did not run again; migration 2 did; user data is kept.
    CHECK(count_items(db) == 3);
    CHECK(db.execAndGet("SELECT count(*) FROM items WHERE name = 'user data'").getInt() == 1);
  }
}

TEST_CASE("Database: a failing migration leaves the file at its old version", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  { SQLite::Database db = open_database(path, schema_v1, true, Durability::full); }
  CHECK_THROWS(open_database(path, schema_v2_broken, false, Durability::full));
  CHECK(raw_ids(path) == std::pair<int, int>{app_id, 1});
  SQLite::Database db = open_database(path, schema_v1, false, Durability::full);
  CHECK(count_items(db) == 1);  // the half-done migration was rolled back
}

TEST_CASE("Database: a file with a newer user_version is unsupported", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  { SQLite::Database db = open_database(path, schema_v2, true, Durability::full); }
  CHECK(open_error(path, schema_v1, false) == Errc::unsupported);
  CHECK(open_error(path, schema_v1, true) == Errc::unsupported);
  // Nothing was changed: the newer build can still use it.
  CHECK(raw_ids(path) == std::pair<int, int>{app_id, 2});
  SQLite::Database db = open_database(path, schema_v2, false, Durability::full);
  CHECK(count_items(db) == 2);
}

TEST_CASE("Database: the unsupported message names both versions", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  { SQLite::Database db = open_database(path, schema_v2, true, Durability::full); }
  try {
    SQLite::Database db = open_database(path, schema_v1, false, Durability::full);
    FAIL("expected an exception");
  } catch (const Error& e) {
    CHECK(e.status().code() == Errc::unsupported);
    CHECK_THAT(e.status().message(), Catch::Contains("version 2") && Catch::Contains("(1)"));
  }
}

TEST_CASE("Database: a file with a different application_id is corrupt", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  { SQLite::Database db = open_database(path, other_app_v1, true, Durability::full); }
  CHECK(open_error(path, schema_v1, false) == Errc::corrupt);
  CHECK(open_error(path, schema_v2, true) == Errc::corrupt);
  CHECK(raw_ids(path) == std::pair<int, int>{app_id + 1, 1});
}

TEST_CASE("Database: a file that is not SQLite is corrupt and left unchanged", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  const Bytes garbage = random_bytes(8192, 42);
  write_file(path, garbage);
  CHECK(open_error(path, schema_v1, false) == Errc::corrupt);
  CHECK(open_error(path, schema_v1, true) == Errc::corrupt);
  CHECK(read_file(path) == garbage);
  // No journal or WAL files were left beside it.
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path())) names.push_back(entry.path().filename().string());
  CHECK(names == std::vector<std::string>{"test.db"});
}

TEST_CASE("Database: a text file is corrupt and left unchanged", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "notes.txt";
  const std::string text(2000, 'x');
  write_file(path, as_bytes(text));
  CHECK(open_error(path, schema_v1, true) == Errc::corrupt);
  CHECK(read_file(path) == Bytes(text.begin(), text.end()));
}

TEST_CASE("Database: an SQLite file of another application is corrupt", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "other.db";
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES('x');");
  }
  const Bytes before = read_file(path);
  CHECK(open_error(path, schema_v1, false) == Errc::corrupt);
  CHECK(open_error(path, schema_v1, true) == Errc::corrupt);
  CHECK(raw_ids(path) == std::pair<int, int>{0, 0});
  CHECK(read_file(path) == before);
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  CHECK_FALSE(db.tableExists("items"));
}

TEST_CASE("Database: an SQLite file with app id 0 but a user_version is corrupt", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "other.db";
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version=1");
  }
  CHECK(open_error(path, schema_v1, false) == Errc::corrupt);
  CHECK(raw_ids(path) == std::pair<int, int>{0, 1});
}

TEST_CASE("Database: create=false on a missing file is not_found and creates nothing", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "missing.db";
  CHECK(open_error(path, schema_v1, false) == Errc::not_found);
  CHECK_FALSE(fs::exists(path));
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("Database: an empty SQLite file made by us earlier (version 0) is migrated", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA application_id=" + std::to_string(app_id));
  }
  SQLite::Database db = open_database(path, schema_v1, false, Durability::full);
  CHECK(pragma(db, "user_version") == 1);
  CHECK(count_items(db) == 1);
}

TEST_CASE("Database: a negative application_id is stored and recognised", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  static constexpr Schema negative{"negative", -123456789, migrations_v1};
  { SQLite::Database db = open_database(path, negative, true, Durability::full); }
  CHECK(raw_ids(path) == std::pair<int, int>{-123456789, 1});
  SQLite::Database db = open_database(path, negative, false, Durability::full);
  CHECK(count_items(db) == 1);
}

TEST_CASE("Database: a Transaction rolls back unless committed", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  SQLite::Database db = open_database(path, schema_v1, true, Durability::full);
  REQUIRE(count_items(db) == 1);
  {
    Transaction tx(db);
    db.exec("INSERT INTO items(name) VALUES('rolled back')");
    CHECK(count_items(db) == 2);  // visible inside the transaction
  }
  CHECK(count_items(db) == 1);
  {
    Transaction tx(db);
    db.exec("INSERT INTO items(name) VALUES('kept')");
    tx.commit();
  }
  CHECK(count_items(db) == 2);

  // An exception thrown inside the transaction's scope rolls it back.
  try {
    Transaction tx(db);
    db.exec("INSERT INTO items(name) VALUES('abandoned')");
    throw Error(Errc::io, "simulated failure");
  } catch (const Error&) {
  }
  CHECK(count_items(db) == 2);
  // A new transaction can be started after the rollback.
  {
    Transaction tx(db);
    db.exec("INSERT INTO items(name) VALUES('second')");
    tx.commit();
  }
  CHECK(count_items(db) == 3);
}

TEST_CASE("Database: committed data survives reopening, rolled back data does not", "[core][db]") {
  TempDir dir;
  const fs::path path = dir / "test.db";
  {
    SQLite::Database db = open_database(path, schema_v1, true, Durability::full);
    {
      Transaction tx(db);
      db.exec("INSERT INTO items(name) VALUES('committed')");
      tx.commit();
    }
    {
      Transaction tx(db);
      db.exec("INSERT INTO items(name) VALUES('not committed')");
    }
  }
  SQLite::Database db = open_database(path, schema_v1, false, Durability::full);
  CHECK(db.execAndGet("SELECT count(*) FROM items WHERE name = 'committed'").getInt() == 1);
  CHECK(db.execAndGet("SELECT count(*) FROM items WHERE name = 'not committed'").getInt() == 0);
}

TEST_CASE("Database: foreign keys are enforced", "[core][db]") {
  TempDir dir;
  SQLite::Database db = open_database(dir / "test.db", schema_v2, true, Durability::full);
  CHECK_THROWS_AS(db.exec("INSERT INTO tags(item, tag) VALUES(9999, 'dangling')"), SQLite::Exception);
  CHECK_NOTHROW(db.exec("INSERT INTO tags(item, tag) VALUES(1, 'ok')"));
}
