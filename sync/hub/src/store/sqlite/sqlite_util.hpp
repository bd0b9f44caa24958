// What every SQLite repository of the hub shares: column and binding
// helpers, one unit-of-work family (transactions nesting as savepoints),
// and a cache of prepared statements. Private to store/sqlite/.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "outpost/base/bytes.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/hub/store/unit.hpp"
#include "outpost/storage/columns.hpp"

namespace outpost::hub::sqlite {

using storage::bind_blob;
using storage::opt_text;
using storage::opt_time;
inline ByteView blob(const SQLite::Column& c) { return storage::blob_view(c); }
inline Bytes blob_copy(const SQLite::Column& c) { return storage::blob_bytes(c); }

inline std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }
inline std::uint64_t u64(const SQLite::Column& c) { return static_cast<std::uint64_t>(c.getInt64()); }

// One connection's units of work: the outermost write is BEGIN IMMEDIATE
// (the write lock up front, so two writers never deadlock upgrading), the
// outermost read a deferred BEGIN, and any unit inside another a savepoint.
class Units {
 public:
  explicit Units(SQLite::Database& db) : db_(db) {}
  UnitPtr write() { return open(depth_ == 0 ? "BEGIN IMMEDIATE" : nullptr); }
  UnitPtr read() { return open(depth_ == 0 ? "BEGIN" : nullptr); }
  int depth() const noexcept { return depth_; }

 private:
  class Scope;
  UnitPtr open(const char* begin);
  SQLite::Database& db_;
  int depth_ = 0;
};

// Prepared statements kept for the life of the connection, keyed by the
// address of their SQL text (pass string literals). get() hands one out
// with its bindings cleared; the handle resets it when it goes, so no
// statement is left mid-step holding a read snapshot open.
class Statements {
 public:
  class Handle {
   public:
    explicit Handle(SQLite::Statement& st) : st_(st) {}
    ~Handle() { (void)st_.tryReset(); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    SQLite::Statement* operator->() const noexcept { return &st_; }
    SQLite::Statement& operator*() const noexcept { return st_; }

   private:
    SQLite::Statement& st_;
  };

  explicit Statements(SQLite::Database& db) : db_(db) {}
  Handle get(const char* sql);

 private:
  SQLite::Database& db_;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> cache_;
};

}  // namespace outpost::hub::sqlite
