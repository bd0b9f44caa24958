#include "outpost/storage/database.hpp"

#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "outpost/base/status.hpp"
#include "outpost/storage/columns.hpp"

namespace outpost::storage {

void make_private(const std::filesystem::path& path, bool create) {
  // Never open and close a database file this process may hold open: a
  // close drops every POSIX lock the process holds on it (SQLite's too).
  // O_EXCL creates only a file nobody has; the others are changed by name.
  if (create) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string name = path.string() + suffix;
    struct stat st {};
    if (::stat(name.c_str(), &st) == 0 && (st.st_mode & 077) != 0) (void)::chmod(name.c_str(), 0600);
  }
}

SQLite::Database open_database(const std::filesystem::path& path, const Schema& schema, bool create,
                               Durability durability) {
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec)) {
    throw Error(Errc::not_found, std::string(schema.name) + " not found at " + path.string());
  }
  make_private(path, create);
  const int flags = SQLite::OPEN_READWRITE | (create ? SQLite::OPEN_CREATE : 0);
  SQLite::Database db(path.string(), flags, 5000);

  std::int32_t app_id = 0;
  try {
    app_id = db.execAndGet("PRAGMA application_id").getInt();
  } catch (const SQLite::Exception&) {
    throw Error(Errc::corrupt, path.string() + " is not an Outpost " + std::string(schema.name) + " (not SQLite)");
  }
  const auto version = db.execAndGet("PRAGMA user_version").getInt();
  const auto known = static_cast<int>(schema.migrations.size());
  if (app_id == 0 && version == 0) {
    // A new file; any table already in it means it belongs to someone else.
    if (db.execAndGet("SELECT count(*) FROM sqlite_master").getInt() != 0) {
      throw Error(Errc::corrupt, path.string() + " is an SQLite file of another application");
    }
  } else if (app_id != schema.application_id) {
    throw Error(Errc::corrupt, path.string() + " is not an Outpost " + std::string(schema.name));
  }
  if (version > known) {
    throw Error(Errc::unsupported, std::string(schema.name) + " " + path.string() + " has schema version " +
                                       std::to_string(version) + ", newer than this build supports (" +
                                       std::to_string(known) + "); upgrade Outpost");
  }

  db.exec("PRAGMA journal_mode=WAL");
  db.exec(durability == Durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  db.exec("PRAGMA foreign_keys=ON");

  if (version < known) {
    Transaction tx(db);
    for (int v = version; v < known; ++v) db.exec(std::string(schema.migrations[static_cast<std::size_t>(v)]));
    db.exec("PRAGMA application_id=" + std::to_string(schema.application_id));
    db.exec("PRAGMA user_version=" + std::to_string(known));
    tx.commit();
  }
  return db;
}

std::optional<Bytes> meta_blob(SQLite::Database& db, const std::string& key) {
  SQLite::Statement st(db, "SELECT value FROM meta WHERE key = ?");
  st.bind(1, key);
  if (!st.executeStep()) return std::nullopt;
  return blob_bytes(st.getColumn(0));
}

std::optional<std::int64_t> meta_int(SQLite::Database& db, const std::string& key) {
  SQLite::Statement st(db, "SELECT value FROM meta WHERE key = ?");
  st.bind(1, key);
  if (!st.executeStep()) return std::nullopt;
  return st.getColumn(0).getInt64();
}

void set_meta(SQLite::Database& db, const std::string& key, ByteView value) {
  SQLite::Statement st(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  st.bind(1, key);
  st.bind(2, value.data(), static_cast<int>(value.size()));
  st.exec();
}

void set_meta(SQLite::Database& db, const std::string& key, std::int64_t value) {
  SQLite::Statement st(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  st.bind(1, key);
  st.bind(2, value);
  st.exec();
}

void erase_meta(SQLite::Database& db, const std::string& key) {
  SQLite::Statement st(db, "DELETE FROM meta WHERE key = ?");
  st.bind(1, key);
  st.exec();
}

Transaction::Transaction(SQLite::Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more can be done in a destructor
    }
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace outpost::storage
