#include "outpost/storage/database.hpp"

#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "outpost/base/status.hpp"
#include "outpost/storage/columns.hpp"

namespace outpost::storage {

namespace {

bool no_space(int err) { return err == ENOSPC || err == EDQUOT || err == EFBIG; }

// Migrates and configures a database SQLite has opened.
void prepare(SQLite::Database& db, const std::filesystem::path& path, const Schema& schema, Durability durability) {
  std::int32_t app_id = 0;
  try {
    app_id = db.execAndGet("PRAGMA application_id").getInt();
  } catch (const SQLite::Exception& e) {
    // Only a file SQLite cannot read as a database is "not SQLite"; a full
    // disk or an I/O error on the way (the WAL index is created on the
    // first read) is reported as what it is.
    if (e.getErrorCode() != SQLITE_NOTADB && e.getErrorCode() != SQLITE_CORRUPT) throw;
    throw Error(Errc::corrupt, path.string() + " is not an Outpost " + std::string(schema.name) +
                                   " (damaged, or not SQLite)");
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
}

}  // namespace

Status database_status(const std::filesystem::path& path, const SQLite::Exception& e, int system_errno) {
  const std::string file = path.string();
  const std::string detail = std::string(" (SQLite: ") + e.what() +
                             (system_errno != 0 ? std::string("; ") + std::strerror(system_errno) : std::string()) + ")";
  switch (e.getErrorCode()) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return {Errc::corrupt, file + " is damaged" + detail + ": restore it from a backup"};
    case SQLITE_FULL: return {Errc::disk_full, "no space left to write " + file + detail};
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return {Errc::busy, file + " is locked by another process" + detail, true};
    case SQLITE_READONLY:
    case SQLITE_PERM: return {Errc::permission, "cannot write " + file + detail};
    case SQLITE_CANTOPEN:
      if (no_space(system_errno)) return {Errc::disk_full, "no space left to open " + file + detail};
      if (system_errno == EACCES || system_errno == EPERM || system_errno == EROFS) {
        return {Errc::permission, "cannot open " + file + detail};
      }
      return {Errc::io, "cannot open " + file + detail};
    case SQLITE_IOERR:
      // A write SQLite could not make for want of space (or of the file
      // size limit) comes as an I/O error whose system errno is ENOSPC or
      // EFBIG (the connection's own, not a stale errno).
      if (no_space(system_errno)) return {Errc::disk_full, "no space left to write " + file + detail};
      return {Errc::io, "cannot read or write " + file + detail};
    default: return {Errc::io, file + ": " + e.what()};
  }
}

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
                               Durability durability, const std::function<void(SQLite::Database&)>& connect) {
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec)) {
    throw Error(Errc::not_found, std::string(schema.name) + " not found at " + path.string());
  }
  make_private(path, create);
  const int flags = SQLite::OPEN_READWRITE | (create ? SQLite::OPEN_CREATE : 0);
  std::optional<SQLite::Database> db;
  try {
    db.emplace(path.string(), flags, 5000);
  } catch (const SQLite::Exception& e) {
    throw Error(database_status(path, e, errno));
  }
  try {
    if (connect) connect(*db);
    prepare(*db, path, schema, durability);
  } catch (const SQLite::Exception& e) {
    throw Error(database_status(path, e, sqlite3_system_errno(db->getHandle())));
  }
  return std::move(*db);
}

Status check_database(const std::filesystem::path& path) {
  std::optional<SQLite::Database> db;
  try {
    db.emplace(path.string(), SQLite::OPEN_READONLY, 5000);
    SQLite::Statement check(*db, "PRAGMA quick_check(1)");
    if (check.executeStep() && check.getColumn(0).getString() == "ok") return Status::ok();
    return Status(Errc::corrupt, path.string() + " is damaged (SQLite's check: " + check.getColumn(0).getString() +
                                     "): restore it from a backup");
  } catch (const SQLite::Exception& e) {
    return database_status(path, e, db ? sqlite3_system_errno(db->getHandle()) : errno);
  }
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
