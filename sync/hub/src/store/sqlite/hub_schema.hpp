// hub.db's schema: each repository owns a list of migrations (defined
// beside its implementation) and its version is kept in schema_versions,
// so a repository's tables change without touching another's. Private to
// store/sqlite/.
#pragma once

#include <SQLiteCpp/Database.h>

#include <filesystem>
#include <span>
#include <string_view>

namespace outpost::hub::sqlite {

struct RepositorySchema {
  std::string_view repository;  // its row in schema_versions
  std::span<const std::string_view> migrations;  // migrations[i] takes version i to i + 1
};

extern const RepositorySchema settings_schema;  // hub_store.cpp
extern const RepositorySchema device_schema;
extern const RepositorySchema catalog_schema;
extern const RepositorySchema blob_schema;
extern const RepositorySchema journal_schema;
extern const RepositorySchema alert_schema;
extern const RepositorySchema lead_schema;  // lead_store.cpp

// Opens hub.db (create: makes it) and brings every repository's tables up
// to date, in one transaction. A store made before per-repository
// migrations (user_version 1 to 4) is taken over without losing a row.
// Throws outpost::Error: not_found (no file and not create), corrupt (not a
// hub store), unsupported (written by a newer Outpost).
SQLite::Database open_hub_db(const std::filesystem::path& path, bool create);

// The version schema_versions records for a repository (0 when none).
std::size_t repository_version(SQLite::Database& db, std::string_view repository);

}  // namespace outpost::hub::sqlite
