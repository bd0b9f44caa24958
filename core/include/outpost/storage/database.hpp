// Opening an Outpost SQLite database: WAL journal, foreign keys, a busy
// timeout, and a schema identified by PRAGMA application_id and migrated
// forward through PRAGMA user_version. A file written by a newer Outpost,
// or a file that is not ours, is refused with a clear error.
// A SQLite::Database must be used by one thread at a time.
#pragma once

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <optional>
#include <string>
#include <filesystem>
#include <functional>
#include <span>
#include <string_view>

#include "outpost/base/bytes.hpp"
#include "outpost/base/status.hpp"

namespace outpost::storage {

struct Schema {
  std::string_view name;           // for messages: "cache index"
  std::int32_t application_id;     // identifies the kind of file
  std::span<const std::string_view> migrations;  // migrations[i] takes user_version i to i+1
};

enum class Durability {
  full,    // every commit survives a power cut (synchronous=FULL)
  normal,  // a power cut may roll back the last commits (synchronous=NORMAL)
};

// A database file is its owner's alone: created 0600 before SQLite opens it
// (SQLite gives its -wal and -shm files the database file's mode), and an
// existing one (with its -wal and -shm) tightened to 0600 if wider. Does
// nothing for a file that does not exist unless create.
void make_private(const std::filesystem::path& path, bool create);

// Throws outpost::Error naming the file: not_found (create=false and no
// file), corrupt (damaged, not an SQLite file, or another application's),
// unsupported (newer schema), and as database_status() for what SQLite
// reports on the way (disk_full, busy, permission, io).
// connect runs on the new connection before the schema is checked and
// migrated: what a migration needs on every connection (an FTS5 tokenizer)
// is registered there.
SQLite::Database open_database(const std::filesystem::path& path, const Schema& schema, bool create,
                               Durability durability,
                               const std::function<void(SQLite::Database&)>& connect = {});

// A failure SQLite reported on the database at path, naming the file:
// corrupt (SQLITE_CORRUPT, SQLITE_NOTADB), disk_full (SQLITE_FULL, or an
// I/O error whose system_errno is ENOSPC, EDQUOT or EFBIG), busy,
// permission, io. system_errno: sqlite3_system_errno() of the connection.
Status database_status(const std::filesystem::path& path, const SQLite::Exception& e, int system_errno);

// Reads every page of the database at path (PRAGMA quick_check), read-only:
// ok, or corrupt naming the file and the first problem; an error as
// database_status() when it cannot be read.
Status check_database(const std::filesystem::path& path);

// The `meta(key TEXT PRIMARY KEY, value)` table each Outpost database keeps
// for its small settings and counters.
std::optional<Bytes> meta_blob(SQLite::Database& db, const std::string& key);
std::optional<std::int64_t> meta_int(SQLite::Database& db, const std::string& key);
void set_meta(SQLite::Database& db, const std::string& key, ByteView value);
void set_meta(SQLite::Database& db, const std::string& key, std::int64_t value);
void erase_meta(SQLite::Database& db, const std::string& key);

// RAII transaction: BEGIN IMMEDIATE on construction, ROLLBACK on destruction
// unless commit() was called.
class Transaction {
 public:
  explicit Transaction(SQLite::Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  SQLite::Database& db_;
  bool done_ = false;
};

}  // namespace outpost::storage
