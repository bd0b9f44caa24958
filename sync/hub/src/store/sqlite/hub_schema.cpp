#include "store/sqlite/hub_schema.hpp"

#include <SQLiteCpp/Statement.h>

#include <array>
#include <string>

#include "outpost/base/status.hpp"
#include "outpost/storage/database.hpp"

namespace outpost::hub::sqlite {

namespace {

constexpr std::int32_t application_id = 0x4f504842;  // "OPHB"
// user_version 1 to 4: the single migration list of earlier builds;
// 5: versions per repository in schema_versions.
constexpr int per_repository = 5;

// In dependency order: the lead book's first migration adds a column to devices.
const std::array<const RepositorySchema*, 7> repositories{&settings_schema, &device_schema, &catalog_schema,
                                                          &blob_schema,     &journal_schema, &alert_schema,
                                                          &lead_schema};

// What a store of the earlier single list holds at each user_version, per
// repository: 1 made the settings, devices, catalog, chunks, journals and
// alerts; 2 the holdings (devices 2); 3 and 4 the lead book.
std::size_t legacy_version(std::string_view repository, int user_version) {
  if (repository == "devices") return user_version >= 2 ? 2 : 1;
  if (repository == "leads") return user_version >= 4 ? 2 : user_version == 3 ? 1 : 0;
  return 1;
}

void set_version(SQLite::Database& db, std::string_view repository, std::size_t version) {
  SQLite::Statement st(db, "INSERT OR REPLACE INTO schema_versions(repository, version) VALUES(?, ?)");
  st.bind(1, std::string(repository));
  st.bind(2, static_cast<std::int64_t>(version));
  st.exec();
}

}  // namespace

std::size_t repository_version(SQLite::Database& db, std::string_view repository) {
  SQLite::Statement st(db, "SELECT version FROM schema_versions WHERE repository = ?");
  st.bind(1, std::string(repository));
  return st.executeStep() ? static_cast<std::size_t>(st.getColumn(0).getInt64()) : 0;
}

SQLite::Database open_hub_db(const std::filesystem::path& path, bool create) {
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec)) throw Error(Errc::not_found, "hub store not found at " + path.string());
  storage::make_private(path, create);
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | (create ? SQLite::OPEN_CREATE : 0), 5000);
  std::int32_t app_id = 0;
  try {
    app_id = db.execAndGet("PRAGMA application_id").getInt();
  } catch (const SQLite::Exception&) {
    throw Error(Errc::corrupt, path.string() + " is not an Outpost hub store (not SQLite)");
  }
  const int user_version = db.execAndGet("PRAGMA user_version").getInt();
  if (app_id == 0 && user_version == 0) {
    if (db.execAndGet("SELECT count(*) FROM sqlite_master").getInt() != 0) {
      throw Error(Errc::corrupt, path.string() + " is an SQLite file of another application");
    }
  } else if (app_id != application_id) {
    throw Error(Errc::corrupt, path.string() + " is not an Outpost hub store");
  }
  if (user_version > per_repository) {
    throw Error(Errc::unsupported, "hub store " + path.string() + " has schema version " + std::to_string(user_version) +
                                       ", newer than this build supports; upgrade Outpost");
  }
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=FULL");  // an acked journal event or an accepted statement must survive a power cut
  db.exec("PRAGMA foreign_keys=ON");

  // Nothing to do is the common case: check before taking the write lock.
  if (user_version == per_repository) {
    bool current = true;
    for (const RepositorySchema* r : repositories) {
      const std::size_t v = repository_version(db, r->repository);
      if (v > r->migrations.size()) {
        throw Error(Errc::unsupported, "hub store " + path.string() + ": the " + std::string(r->repository) +
                                           " tables are at version " + std::to_string(v) +
                                           ", newer than this build supports; upgrade Outpost");
      }
      current = current && v == r->migrations.size();
    }
    if (current) return db;
  }

  storage::Transaction tx(db);
  const int seen = db.execAndGet("PRAGMA user_version").getInt();  // another process may have migrated meanwhile
  if (seen < per_repository) {
    db.exec("CREATE TABLE schema_versions(repository TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID");
    if (seen > 0) {
      for (const RepositorySchema* r : repositories) set_version(db, r->repository, legacy_version(r->repository, seen));
    }
  }
  for (const RepositorySchema* r : repositories) {
    std::size_t v = repository_version(db, r->repository);
    if (v > r->migrations.size()) {
      throw Error(Errc::unsupported, "hub store " + path.string() + ": the " + std::string(r->repository) +
                                         " tables are newer than this build supports; upgrade Outpost");
    }
    for (; v < r->migrations.size(); ++v) db.exec(std::string(r->migrations[v]));
    set_version(db, r->repository, v);
  }
  db.exec("PRAGMA application_id=" + std::to_string(application_id));
  db.exec("PRAGMA user_version=" + std::to_string(per_repository));
  tx.commit();
  return db;
}

}  // namespace outpost::hub::sqlite
