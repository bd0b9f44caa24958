#include "cache_index.hpp"

#include <set>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "outpost/storage/columns.hpp"
#include "outpost/storage/database.hpp"

namespace outpost::cache {

namespace {

using storage::bind_blob;

constexpr std::string_view migrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE chunks(
  id BLOB PRIMARY KEY,             -- BLAKE2b-256 of the plaintext
  size INTEGER NOT NULL,           -- plaintext bytes
  missing INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE versions(
  asset TEXT NOT NULL,
  version INTEGER NOT NULL,
  size INTEGER NOT NULL,
  digest BLOB NOT NULL,
  chunk_count INTEGER NOT NULL,
  pinned INTEGER NOT NULL DEFAULT 0,
  imported_at INTEGER NOT NULL,
  last_used INTEGER NOT NULL,
  PRIMARY KEY(asset, version)
);
CREATE TABLE recipe(
  asset TEXT NOT NULL,
  version INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  chunk BLOB NOT NULL REFERENCES chunks(id),
  PRIMARY KEY(asset, version, idx),
  FOREIGN KEY(asset, version) REFERENCES versions(asset, version) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX recipe_by_chunk ON recipe(chunk);
CREATE TABLE intents(id INTEGER PRIMARY KEY, what TEXT NOT NULL);
)sql",
    // Assets pinned for offline use as a whole: the newest version is kept
    // and fetched even when the asset is downloaded on demand only.
    R"sql(
CREATE TABLE pinned_assets(asset TEXT PRIMARY KEY, pinned_at INTEGER NOT NULL) WITHOUT ROWID;
)sql",
};

constexpr storage::Schema schema{"cache index", 0x4f504341 /* "OPCA" */, migrations};

ChunkId chunk_id(const SQLite::Column& column) {
  auto id = crypto::Digest::from_bytes(
      storage::blob_view(column));
  if (!id) throw Error(Errc::corrupt, "cache index holds a malformed chunk id");
  return *id;
}

void bind_ref(SQLite::Statement& st, const VersionRef& ref) {
  st.bind(1, ref.asset);
  st.bind(2, static_cast<std::int64_t>(ref.version));
}

// SQL: version `v` (a table alias) has no missing chunk.
std::string complete(const std::string& v) {
  return "NOT EXISTS(SELECT 1 FROM recipe rc JOIN chunks cc ON cc.id = rc.chunk WHERE rc.asset = " + v +
         ".asset AND rc.version = " + v + ".version AND cc.missing = 1)";
}

// SQL: a newer complete version of v's asset is cached. One still being
// filled does not count: it must not get the version it replaces evicted
// first, before it can be shown.
std::string superseded(const std::string& v) {
  return "EXISTS(SELECT 1 FROM versions n WHERE n.asset = " + v + ".asset AND n.version > " + v + ".version AND " +
         complete("n") + ")";
}

// SQL: version v is kept through eviction: pinned itself, or the current
// version of an asset pinned as a whole (its superseded versions are not).
std::string kept(const std::string& v) {
  return "(" + v + ".pinned = 1 OR (EXISTS(SELECT 1 FROM pinned_assets p WHERE p.asset = " + v + ".asset) AND NOT " +
         superseded(v) + "))";
}

std::string version_columns() {
  return "SELECT v.asset, v.version, v.size, v.digest, v.chunk_count, " + kept("v") + ", v.imported_at, v.last_used, " +
         superseded("v") +
         ", (SELECT count(DISTINCT r.chunk) FROM recipe r JOIN chunks c ON c.id = r.chunk "
         "WHERE r.asset = v.asset AND r.version = v.version AND c.missing = 1) "
         "FROM versions v ";
}

VersionInfo version_from_row(SQLite::Statement& st) {
  VersionInfo info;
  info.ref.asset = st.getColumn(0).getString();
  info.ref.version = static_cast<std::uint64_t>(st.getColumn(1).getInt64());
  info.size = static_cast<std::uint64_t>(st.getColumn(2).getInt64());
  info.digest = chunk_id(st.getColumn(3));
  info.chunk_count = static_cast<std::size_t>(st.getColumn(4).getInt64());
  info.pinned = st.getColumn(5).getInt() != 0;
  info.imported_at = from_unix_ms(st.getColumn(6).getInt64());
  info.last_used = from_unix_ms(st.getColumn(7).getInt64());
  info.superseded = st.getColumn(8).getInt() != 0;
  info.missing_chunks = static_cast<std::size_t>(st.getColumn(9).getInt64());
  return info;
}

// The version row and its recipe links; the chunk rows must exist already.
void insert_version(SQLite::Database& db, const VersionInfo& info, const std::vector<RecipeEntry>& recipe) {
  SQLite::Statement version(db,
                            "INSERT INTO versions(asset, version, size, digest, chunk_count, imported_at, last_used) "
                            "VALUES(?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement link(db, "INSERT INTO recipe(asset, version, idx, chunk) VALUES(?, ?, ?, ?)");
  bind_ref(version, info.ref);
  version.bind(3, static_cast<std::int64_t>(info.size));
  bind_blob(version, 4, info.digest.view());
  version.bind(5, static_cast<std::int64_t>(recipe.size()));
  version.bind(6, to_unix_ms(info.imported_at));
  version.bind(7, to_unix_ms(info.last_used));
  version.exec();
  std::int64_t idx = 0;
  for (const RecipeEntry& e : recipe) {
    link.reset();
    bind_ref(link, info.ref);
    link.bind(3, idx++);
    bind_blob(link, 4, e.id.view());
    link.exec();
  }
}

}  // namespace

CacheIndex::CacheIndex(const std::filesystem::path& path)
    // FULL: an index row must never survive a power cut that its files did not.
    : db_(storage::open_database(path, schema, true, storage::Durability::full)),
      chunk_present_(db_, "SELECT 1 FROM chunks WHERE id = ? AND missing = 0"),
      chunk_(db_, "SELECT size, missing FROM chunks WHERE id = ?"),
      find_(db_, version_columns() + "WHERE v.asset = ? AND v.version = ?"),
      presence_(db_,
                "SELECT v.size, v.digest, " + complete("v") + " FROM versions v WHERE v.asset = ? AND v.version = ?") {}

std::optional<Bytes> CacheIndex::meta(const std::string& key) { return storage::meta_blob(db_, key); }

void CacheIndex::set_meta(const std::string& key, std::optional<ByteView> value) {
  if (value) {
    storage::set_meta(db_, key, *value);
  } else {
    storage::erase_meta(db_, key);
  }
}

std::int64_t CacheIndex::begin_intent(const std::string& what) {
  SQLite::Statement st(db_, "INSERT INTO intents(what) VALUES(?)");
  st.bind(1, what);
  st.exec();
  return db_.getLastInsertRowid();
}

void CacheIndex::end_intent(std::int64_t id) {
  SQLite::Statement st(db_, "DELETE FROM intents WHERE id = ?");
  st.bind(1, id);
  st.exec();
}

bool CacheIndex::has_intents() { return db_.execAndGet("SELECT count(*) FROM intents").getInt() > 0; }

void CacheIndex::clear_intents() { db_.exec("DELETE FROM intents"); }

bool CacheIndex::chunk_present(const ChunkId& id) {
  chunk_present_.reset();
  bind_blob(chunk_present_, 1, id.view());
  return chunk_present_.executeStep();
}

std::optional<ChunkRow> CacheIndex::chunk(const ChunkId& id) {
  chunk_.reset();
  bind_blob(chunk_, 1, id.view());
  if (!chunk_.executeStep()) return std::nullopt;
  ChunkRow row{id, static_cast<std::uint32_t>(chunk_.getColumn(0).getInt64()), chunk_.getColumn(1).getInt() != 0};
  chunk_.reset();
  return row;
}

void CacheIndex::add_version(const VersionInfo& info, const std::vector<RecipeEntry>& recipe, std::int64_t intent) {
  storage::Transaction tx(db_);
  SQLite::Statement chunk(db_,
                          "INSERT INTO chunks(id, size, missing) VALUES(?, ?, 0) "
                          "ON CONFLICT(id) DO UPDATE SET missing = 0");
  for (const RecipeEntry& e : recipe) {
    chunk.reset();
    bind_blob(chunk, 1, e.id.view());
    chunk.bind(2, static_cast<std::int64_t>(e.size));
    chunk.exec();
  }
  insert_version(db_, info, recipe);
  end_intent(intent);
  tx.commit();
}

void CacheIndex::add_recipe(const VersionInfo& info, const std::vector<RecipeEntry>& recipe) {
  storage::Transaction tx(db_);
  SQLite::Statement insert(db_, "INSERT INTO chunks(id, size, missing) VALUES(?, ?, 1)");
  for (const RecipeEntry& e : recipe) {
    if (const std::optional<ChunkRow> known = chunk(e.id)) {
      // Equal ids with unequal sizes cannot both be true; refuse the recipe
      // rather than let it skew the offsets of a version already cached.
      if (known->size == e.size) continue;
      throw Error(Errc::integrity, "the recipe of " + info.ref.to_string() + " gives chunk " +
                                       e.id.hex().substr(0, 16) + " " + std::to_string(e.size) +
                                       " bytes, but the cache holds it with " + std::to_string(known->size));
    }
    insert.reset();
    bind_blob(insert, 1, e.id.view());
    insert.bind(2, static_cast<std::int64_t>(e.size));
    insert.exec();
  }
  insert_version(db_, info, recipe);
  tx.commit();
}

void CacheIndex::mark_present(const std::vector<ChunkId>& ids, std::int64_t intent) {
  storage::Transaction tx(db_);
  SQLite::Statement st(db_, "UPDATE chunks SET missing = 0 WHERE id = ?");
  for (const ChunkId& id : ids) {
    st.reset();
    bind_blob(st, 1, id.view());
    st.exec();
  }
  end_intent(intent);
  tx.commit();
}

std::vector<ChunkRow> CacheIndex::remove_version(const VersionRef& ref) {
  storage::Transaction tx(db_);
  std::vector<ChunkRow> candidates;
  {
    SQLite::Statement st(db_,
                         "SELECT DISTINCT c.id, c.size, c.missing FROM recipe r JOIN chunks c ON c.id = r.chunk "
                         "WHERE r.asset = ? AND r.version = ?");
    bind_ref(st, ref);
    while (st.executeStep()) {
      candidates.push_back({chunk_id(st.getColumn(0)), static_cast<std::uint32_t>(st.getColumn(1).getInt64()),
                            st.getColumn(2).getInt() != 0});
    }
  }
  SQLite::Statement del(db_, "DELETE FROM versions WHERE asset = ? AND version = ?");  // cascades to recipe
  bind_ref(del, ref);
  del.exec();
  std::vector<ChunkRow> orphaned;
  SQLite::Statement drop(db_, "DELETE FROM chunks WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM recipe WHERE chunk = ?1)");
  for (const ChunkRow& row : candidates) {
    drop.reset();
    bind_blob(drop, 1, row.id.view());
    if (drop.exec() > 0) orphaned.push_back(row);
  }
  tx.commit();
  return orphaned;
}

std::optional<VersionInfo> CacheIndex::find(const VersionRef& ref) {
  find_.reset();
  bind_ref(find_, ref);
  if (!find_.executeStep()) return std::nullopt;
  VersionInfo info = version_from_row(find_);
  find_.reset();  // release the read snapshot
  return info;
}

std::optional<AssetCache::Presence> CacheIndex::presence(const VersionRef& ref) {
  presence_.reset();
  bind_ref(presence_, ref);
  if (!presence_.executeStep()) return std::nullopt;
  AssetCache::Presence p{static_cast<std::uint64_t>(presence_.getColumn(0).getInt64()), chunk_id(presence_.getColumn(1)),
                         presence_.getColumn(2).getInt() != 0};
  presence_.reset();
  return p;
}

std::optional<std::uint64_t> CacheIndex::newest_version(const std::string& asset, bool complete_only) {
  SQLite::Statement st(db_, "SELECT max(version) FROM versions v WHERE asset = ?" +
                                (complete_only ? " AND " + complete("v") : std::string()));
  st.bind(1, asset);
  st.executeStep();
  if (st.getColumn(0).isNull()) return std::nullopt;
  return static_cast<std::uint64_t>(st.getColumn(0).getInt64());
}

std::vector<VersionInfo> CacheIndex::list() {
  SQLite::Statement st(db_, version_columns() + "ORDER BY v.asset, v.version");
  std::vector<VersionInfo> out;
  while (st.executeStep()) out.push_back(version_from_row(st));
  return out;
}

std::vector<RecipeEntry> CacheIndex::recipe(const VersionRef& ref) {
  SQLite::Statement st(db_,
                       "SELECT r.chunk, c.size FROM recipe r JOIN chunks c ON c.id = r.chunk "
                       "WHERE r.asset = ? AND r.version = ? ORDER BY r.idx");
  bind_ref(st, ref);
  std::vector<RecipeEntry> out;
  std::uint64_t offset = 0;
  while (st.executeStep()) {
    RecipeEntry e{chunk_id(st.getColumn(0)), offset, static_cast<std::uint32_t>(st.getColumn(1).getInt64())};
    offset += e.size;
    out.push_back(e);
  }
  return out;
}

std::vector<ChunkSpec> CacheIndex::missing_chunks(const VersionRef& ref) {
  SQLite::Statement st(db_,
                       "SELECT r.chunk, c.size FROM recipe r JOIN chunks c ON c.id = r.chunk "
                       "WHERE r.asset = ? AND r.version = ? AND c.missing = 1 ORDER BY r.idx");
  bind_ref(st, ref);
  std::vector<ChunkSpec> out;
  std::unordered_set<ChunkId> seen;
  while (st.executeStep()) {
    const ChunkId id = chunk_id(st.getColumn(0));
    if (seen.insert(id).second) out.push_back({id, static_cast<std::uint32_t>(st.getColumn(1).getInt64())});
  }
  return out;
}

std::vector<VersionRef> CacheIndex::versions_using(const std::vector<ChunkId>& ids) {
  SQLite::Statement st(db_, "SELECT DISTINCT asset, version FROM recipe WHERE chunk = ?");
  std::set<std::pair<std::string, std::uint64_t>> found;
  for (const ChunkId& id : ids) {
    st.reset();
    bind_blob(st, 1, id.view());
    while (st.executeStep()) {
      found.emplace(st.getColumn(0).getString(), static_cast<std::uint64_t>(st.getColumn(1).getInt64()));
    }
  }
  std::vector<VersionRef> out;
  for (const auto& [asset, version] : found) out.push_back({asset, version});
  return out;
}

void CacheIndex::touch(const VersionRef& ref, TimePoint when) {
  SQLite::Statement st(db_, "UPDATE versions SET last_used = ? WHERE asset = ? AND version = ?");
  st.bind(1, to_unix_ms(when));
  st.bind(2, ref.asset);
  st.bind(3, static_cast<std::int64_t>(ref.version));
  st.exec();
}

bool CacheIndex::set_pinned(const VersionRef& ref, bool pinned) {
  SQLite::Statement st(db_, "UPDATE versions SET pinned = ? WHERE asset = ? AND version = ?");
  st.bind(1, pinned ? 1 : 0);
  st.bind(2, ref.asset);
  st.bind(3, static_cast<std::int64_t>(ref.version));
  return st.exec() > 0;
}

void CacheIndex::set_asset_pinned(const std::string& asset, bool pinned, TimePoint when) {
  if (pinned) {
    SQLite::Statement st(db_, "INSERT INTO pinned_assets(asset, pinned_at) VALUES(?, ?) ON CONFLICT(asset) DO NOTHING");
    st.bind(1, asset);
    st.bind(2, to_unix_ms(when));
    st.exec();
  } else {
    SQLite::Statement st(db_, "DELETE FROM pinned_assets WHERE asset = ?");
    st.bind(1, asset);
    st.exec();
  }
}

std::vector<std::string> CacheIndex::pinned_assets() {
  SQLite::Statement st(db_, "SELECT asset FROM pinned_assets ORDER BY asset");
  std::vector<std::string> out;
  while (st.executeStep()) out.push_back(st.getColumn(0).getString());
  return out;
}

std::vector<VersionRef> CacheIndex::eviction_order() {
  SQLite::Statement st(db_, "SELECT asset, version FROM versions v WHERE NOT " + kept("v") + " ORDER BY " + superseded("v") +
                                " DESC, last_used ASC, imported_at ASC, asset ASC, version ASC");
  std::vector<VersionRef> out;
  while (st.executeStep()) {
    out.push_back({st.getColumn(0).getString(), static_cast<std::uint64_t>(st.getColumn(1).getInt64())});
  }
  return out;
}

std::uint64_t CacheIndex::stored_bytes() {
  SQLite::Statement st(db_, "SELECT coalesce(sum(size), 0) + count(*) * ? FROM chunks WHERE missing = 0");
  st.bind(1, static_cast<std::int64_t>(chunk_file_overhead));
  st.executeStep();
  return static_cast<std::uint64_t>(st.getColumn(0).getInt64());
}

CacheStats CacheIndex::stats() {
  CacheStats s;
  SQLite::Statement v(db_, "SELECT count(DISTINCT asset), count(*), coalesce(sum(" + kept("v") + "), 0), coalesce(sum(size), 0) FROM versions v");
  v.executeStep();
  s.assets = static_cast<std::size_t>(v.getColumn(0).getInt64());
  s.versions = static_cast<std::size_t>(v.getColumn(1).getInt64());
  s.pinned_versions = static_cast<std::size_t>(v.getColumn(2).getInt64());
  s.logical_bytes = static_cast<std::uint64_t>(v.getColumn(3).getInt64());
  SQLite::Statement c(db_, "SELECT count(*), coalesce(sum(missing), 0) FROM chunks");
  c.executeStep();
  s.chunks = static_cast<std::size_t>(c.getColumn(0).getInt64());
  s.missing_chunks = static_cast<std::size_t>(c.getColumn(1).getInt64());
  s.stored_bytes = stored_bytes();
  return s;
}

std::vector<ChunkRow> CacheIndex::present_chunks() {
  SQLite::Statement st(db_, "SELECT id, size FROM chunks WHERE missing = 0");
  std::vector<ChunkRow> out;
  while (st.executeStep()) {
    out.push_back({chunk_id(st.getColumn(0)), static_cast<std::uint32_t>(st.getColumn(1).getInt64())});
  }
  return out;
}

void CacheIndex::mark_missing(const ChunkId& id) {
  SQLite::Statement st(db_, "UPDATE chunks SET missing = 1 WHERE id = ?");
  bind_blob(st, 1, id.view());
  st.exec();
}

std::vector<VersionRef> CacheIndex::incomplete_versions() {
  SQLite::Statement st(db_,
                       "SELECT DISTINCT r.asset, r.version FROM recipe r JOIN chunks c ON c.id = r.chunk "
                       "WHERE c.missing = 1 ORDER BY r.asset, r.version");
  std::vector<VersionRef> out;
  while (st.executeStep()) {
    out.push_back({st.getColumn(0).getString(), static_cast<std::uint64_t>(st.getColumn(1).getInt64())});
  }
  return out;
}

}  // namespace outpost::cache
