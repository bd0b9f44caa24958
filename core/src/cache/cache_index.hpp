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
  // The chunk's row, present or missing; nullopt if no version uses it.
  std::optional<ChunkRow> chunk(const ChunkId& id);
  // Records a complete version and its chunks (marking them present) and
  // ends the import's intent, in one transaction.
  void add_version(const VersionInfo& info, const std::vector<RecipeEntry>& recipe, std::int64_t intent);
  // Records a version by its recipe alone: chunks the cache holds are
  // shared, the others are added as missing, to be stored later. Throws
  // Error(integrity), recording nothing, if a known chunk has another size.
  void add_recipe(const VersionInfo& info, const std::vector<RecipeEntry>& recipe);
  // Marks stored chunks present and ends the intent, in one transaction.
  void mark_present(const std::vector<ChunkId>& ids, std::int64_t intent);
  // Deletes a version; returns the chunks no other version uses (their rows
  // are deleted too) so the caller can remove their files.
  std::vector<ChunkRow> remove_version(const VersionRef& ref);

  std::optional<VersionInfo> find(const VersionRef& ref);
  std::optional<AssetCache::Presence> presence(const VersionRef& ref);
  // complete_only skips versions with a missing chunk.
  std::optional<std::uint64_t> newest_version(const std::string& asset, bool complete_only);
  std::vector<VersionInfo> list();
  std::vector<RecipeEntry> recipe(const VersionRef& ref);
  // The version's distinct missing chunks, in recipe order.
  std::vector<ChunkSpec> missing_chunks(const VersionRef& ref);
  // The versions whose recipe holds any of the chunks.
  std::vector<VersionRef> versions_using(const std::vector<ChunkId>& ids);
  void touch(const VersionRef& ref, TimePoint when);
  bool set_pinned(const VersionRef& ref, bool pinned);
  void set_asset_pinned(const std::string& asset, bool pinned, TimePoint when);
  std::vector<std::string> pinned_assets();

  // Versions not kept (pinned, or current of a pinned asset), in eviction order: superseded (by a newer complete
  // version) first, then least recently used.
  std::vector<VersionRef> eviction_order();
  std::uint64_t stored_bytes();
  CacheStats stats();

  std::vector<ChunkRow> present_chunks();
  void mark_missing(const ChunkId& id);
  // Versions with a missing chunk: damaged, or still being filled.
  std::vector<VersionRef> incomplete_versions();

 private:
  SQLite::Database db_;
  SQLite::Statement chunk_present_;
  SQLite::Statement chunk_;  // asked once per chunk stored
  SQLite::Statement find_;
  SQLite::Statement presence_;  // the gate asks on every decision
};

}  // namespace outpost::cache
