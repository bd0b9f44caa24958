// CacheIndex (private to the cache): the SQLite index of chunks, versions
// and recipes behind AssetCache. Every SQL statement of the cache lives here.
// Single-threaded, owned by AssetCache.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <filesystem>
#include <optional>
#include <vector>

#include "outpost/cache/asset_cache.hpp"

namespace outpost::cache {

struct ChunkRow {
  ChunkId id;
  std::uint32_t size = 0;
  bool missing = false;
};

class CacheIndex {
 public:
  explicit CacheIndex(const std::filesystem::path& path);

  std::optional<Bytes> meta(const std::string& key);
  void set_meta(const std::string& key, std::optional<ByteView> value);

  // Intents mark multi-step file operations (import, shred) in progress; one
  // left behind by a crash tells the next open to look for orphan files.
  std::int64_t begin_intent(const std::string& what);
  void end_intent(std::int64_t id);
  bool has_intents();
  void clear_intents();

  bool chunk_present(const ChunkId& id);
  // Records a complete version and its chunks (marking them present) and
  // ends the import's intent, in one transaction.
  void add_version(const VersionInfo& info, const std::vector<RecipeEntry>& recipe, std::int64_t intent);
  // Deletes a version; returns the chunks no other version uses (their rows
  // are deleted too) so the caller can remove their files.
  std::vector<ChunkRow> remove_version(const VersionRef& ref);

  std::optional<VersionInfo> find(const VersionRef& ref);
  std::optional<AssetCache::Presence> presence(const VersionRef& ref);
  std::optional<std::uint64_t> newest_version(const std::string& asset);
  std::vector<VersionInfo> list();
  std::vector<RecipeEntry> recipe(const VersionRef& ref);
  void touch(const VersionRef& ref, TimePoint when);
  bool set_pinned(const VersionRef& ref, bool pinned);

  // Unpinned versions, in eviction order: superseded first, then least
  // recently used.
  std::vector<VersionRef> eviction_order();
  std::uint64_t stored_bytes();
  CacheStats stats();

  std::vector<ChunkRow> present_chunks();
  void mark_missing(const ChunkId& id);
  std::vector<VersionRef> damaged_versions();

 private:
  SQLite::Database db_;
  SQLite::Statement chunk_present_;
  SQLite::Statement find_;
  SQLite::Statement presence_;  // the gate asks on every decision
};

}  // namespace outpost::cache
