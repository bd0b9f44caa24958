#include "outpost/hub/hub_store.hpp"
#include "outpost/hub/store/at_rest.hpp"
#include "store/sqlite/hub_schema.hpp"
#include "store/sqlite/sqlite_backend.hpp"
#include "store/sqlite/sqlite_util.hpp"

#include <sodium.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <cstring>

#include "outpost/cache/content_digest.hpp"
#include "outpost/catalog/records.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/base/random.hpp"
#include "outpost/journal/event_row.hpp"
#include "outpost/storage/database.hpp"
#include "outpost/storage/file_io.hpp"

namespace outpost::hub::sqlite {

namespace {

using json = nlohmann::json;

// Each repository's migrations (hub_schema.cpp runs them, in the order of
// hub_repositories); migrations[i] takes the repository from version i to
// i + 1. The lead book's are in lead_store.cpp.
constexpr std::string_view settings_migrations[] = {
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);",
};

constexpr std::string_view device_migrations[] = {
    R"sql(
CREATE TABLE tokens(
  secret_hash BLOB PRIMARY KEY,
  device TEXT NOT NULL,
  role TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
) WITHOUT ROWID;
CREATE TABLE devices(
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  curve_key BLOB NOT NULL UNIQUE,
  enrolled_at INTEGER NOT NULL,
  last_seen INTEGER,
  catalog_seq INTEGER NOT NULL DEFAULT 0,
  revoked_at INTEGER,
  wipe_requested_at INTEGER,
  wiped_at INTEGER
);
)sql",
    // The complete versions each device last said it holds (session.done),
    // replaced as a whole each time; holdings_at says when, and that the
    // device reports at all (an empty list is not the same as never told).
    R"sql(
CREATE TABLE holdings(
  device TEXT NOT NULL,
  asset TEXT NOT NULL,
  version INTEGER NOT NULL,
  reported_at INTEGER NOT NULL,
  PRIMARY KEY(device, asset, version)
) WITHOUT ROWID;
ALTER TABLE devices ADD COLUMN holdings_at INTEGER;
)sql",
    // The public enrollment key of each token (sync::enrollment_keys): the
    // enrollment port's ZAP handler admits only these. Tokens issued before
    // have none and must be issued again.
    R"sql(
ALTER TABLE tokens ADD COLUMN enroll_key BLOB;
CREATE INDEX tokens_by_enroll_key ON tokens(enroll_key);
)sql",
};

constexpr std::string_view catalog_migrations[] = {
    R"sql(
CREATE TABLE statements(
  seq INTEGER PRIMARY KEY,
  statement BLOB NOT NULL,      -- SignedStatement::encode(), the exact signed bytes
  asset TEXT,                   -- a release: its version; a revocation: the version revoked
  version INTEGER,
  kind TEXT NOT NULL            -- release | revocation
);
CREATE TABLE trust_lists(version INTEGER PRIMARY KEY, statement BLOB NOT NULL);
CREATE TABLE releases(
  asset TEXT NOT NULL,
  version INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(asset, version)
) WITHOUT ROWID;
CREATE TABLE recipes(
  asset TEXT NOT NULL,
  version INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  chunk BLOB NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY(asset, version, idx)
) WITHOUT ROWID;
CREATE INDEX recipes_by_chunk ON recipes(chunk);
)sql",
};

// The chunk files' records (their contents are files under chunks/).
constexpr std::string_view blob_migrations[] = {
    "CREATE TABLE chunks(id BLOB PRIMARY KEY, size INTEGER NOT NULL) WITHOUT ROWID;",
};

constexpr std::string_view journal_migrations[] = {
    R"sql(
CREATE TABLE journals(
  journal_id BLOB PRIMARY KEY,
  device TEXT NOT NULL,
  acked_seq INTEGER NOT NULL DEFAULT 0,
  head_hash BLOB NOT NULL,
  head_time INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE events(
  journal_id BLOB NOT NULL,
  seq INTEGER NOT NULL,
  time INTEGER NOT NULL,
  type TEXT NOT NULL,
  payload BLOB,
  payload_hash BLOB NOT NULL,
  hash BLOB NOT NULL,
  device TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY(journal_id, seq)
) WITHOUT ROWID;
CREATE INDEX events_by_type ON events(type, time);
)sql",
};

constexpr std::string_view alert_migrations[] = {
    R"sql(
CREATE TABLE alerts(
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  device TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL
);
)sql",
};

crypto::Digest digest_col(const SQLite::Column& c) {
  auto d = crypto::Digest::from_bytes(blob(c));
  if (!d) throw Error(Errc::corrupt, "hub store holds a malformed hash");
  return *d;
}

constexpr const char* device_columns =
    "SELECT name, role, curve_key, enrolled_at, last_seen, catalog_seq, revoked_at, wipe_requested_at, wiped_at "
    "FROM devices ";

DeviceRecord device_from(SQLite::Statement& st) {
  DeviceRecord d;
  d.name = st.getColumn(0).getString();
  d.role = st.getColumn(1).getString();
  const ByteView key = blob(st.getColumn(2));
  if (key.size() != d.key.size()) throw Error(Errc::corrupt, "hub store holds a malformed device key");
  std::memcpy(d.key.data(), key.data(), key.size());
  d.enrolled_at = from_unix_ms(st.getColumn(3).getInt64());
  d.last_seen = opt_time(st.getColumn(4));
  d.catalog_seq = static_cast<std::uint64_t>(st.getColumn(5).getInt64());
  d.revoked_at = opt_time(st.getColumn(6));
  d.wipe_requested_at = opt_time(st.getColumn(7));
  d.wiped_at = opt_time(st.getColumn(8));
  return d;
}

std::string chunk_hex(const cache::ChunkId& id) { return id.hex(); }

}  // namespace

// ---- the store

class SqliteHubStore final : public HubStore {
 public:
  SqliteHubStore(const fs::path& home, bool create, AtRestPtr at_rest);

  UnitPtr write() override;
  UnitPtr read() override;

  Result<sync::HubAddress> address() override;
  Status set_address(const sync::HubAddress& address) override;
  Result<crypto::PublicKey> root_key() override;
  Status set_root_key(const crypto::PublicKey& root) override;

  Result<sync::EnrollToken> create_token(const std::string& device, const std::string& role, const HubKeys& keys,
                                         const crypto::PublicKey& root, Random& random, TimePoint now,
                                         std::chrono::seconds lifetime) override;
  Result<DeviceRecord> redeem_token(ByteView secret, const sync::CurvePublicKey& device_key, TimePoint now) override;
  bool token_issued_for(const sync::CurvePublicKey& enroll_key) override;
  std::vector<DeviceRecord> devices() override;
  std::optional<DeviceRecord> device(const std::string& name) override;
  std::optional<DeviceRecord> device_by_key(const sync::CurvePublicKey& key) override;
  Status revoke_device(const std::string& name, TimePoint now) override;
  Status request_wipe(const std::string& name, TimePoint now) override;
  Status mark_wiped(const std::string& name, TimePoint now) override;
  Status touch_device(const std::string& name, TimePoint now, std::uint64_t catalog_seq) override;
  std::optional<TimePoint> last_cut_off() override;
  Status set_holdings(const std::string& device, const std::vector<cache::VersionRef>& holdings,
                      TimePoint now) override;
  std::optional<std::vector<cache::VersionRef>> holdings(const std::string& device) override;

  std::optional<catalog::SignedStatement> trust_list() override;
  Status save_trust_list(const catalog::SignedStatement& statement, std::uint64_t version) override;
  std::vector<StoredStatement> statements(std::uint64_t after_seq) override;
  std::uint64_t catalog_seq() override;
  Result<std::uint64_t> add_statement(const catalog::SignedStatement& statement,
                                      const std::optional<cache::VersionRef>& release,
                                      const std::vector<cache::RecipeEntry>& recipe,
                                      const std::optional<cache::VersionRef>& revoked) override;
  Result<std::vector<cache::RecipeEntry>> recipe(const cache::VersionRef& ref, bool include_revoked) override;
  bool chunk_entitled(const cache::ChunkId& id) override;

  bool has_chunk(const cache::ChunkId& id) override;
  Result<std::size_t> store_chunks(const std::vector<cache::ChunkId>& ids, const std::vector<Bytes>& data) override;
  Result<Bytes> read_chunk(const cache::ChunkId& id, bool verify) override;

  std::optional<JournalState> journal(ByteView journal_id) override;
  Result<IngestResult> ingest(const std::string& device, ByteView journal_id,
                              const std::vector<journal::StoredEvent>& events, TimePoint now,
                              const std::optional<journal::JournalParent>& continues) override;
  std::uint64_t event_count() override;
  Result<journal::ChainLink> held_link(ByteView journal_id, std::uint64_t seq);
  Status add_alert(const std::string& device, const std::string& kind, const std::string& detail,
                   TimePoint now) override;
  std::vector<Alert> alerts() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct SqliteHubStore::Impl {
  Impl(const fs::path& home, bool create, AtRestPtr sealing)
      : dir(home),
        // FULL: an acked journal event or an accepted statement must survive a power cut.
        db(open_hub_db(db_path(home), create)),
        at_rest(std::move(sealing)),
        units(db),
        cached(db) {
    seal_existing();
  }

  fs::path dir;
  SQLite::Database db;
  AtRestPtr at_rest;
  Units units;
  Statements cached;  // the per-chunk lookups

  fs::path chunk_path(const cache::ChunkId& id) const {
    const std::string hex = chunk_hex(id);
    return chunk_dir(dir) / hex.substr(0, 2) / hex;
  }

  std::optional<DeviceRecord> find_device(const std::string& where, const std::function<void(SQLite::Statement&)>& bind) {
    SQLite::Statement st(db, std::string(device_columns) + where);
    bind(st);
    if (!st.executeStep()) return std::nullopt;
    return device_from(st);
  }

  // A store records the key check of the keys that sealed it. A store an
  // earlier build kept in clear has none: its statements and payloads are
  // sealed here, once, in one transaction.
  void seal_existing() {
    const Bytes check = at_rest->key_check();
    if (auto held = storage::meta_blob(db, "at_rest")) {
      if (*held != check) {
        throw Error(Errc::corrupt, db_path(dir).string() +
                                       " was sealed with another hub's keys: hub.keys in this home does not belong to "
                                       "this store (restore the matching hub.keys)");
      }
      return;
    }
    storage::Transaction tx(db);
    if (storage::meta_blob(db, "at_rest")) return;  // another connection sealed it first
    {
      SQLite::Statement read(db, "SELECT seq, statement FROM statements");
      SQLite::Statement put(db, "UPDATE statements SET statement = ? WHERE seq = ?");
      while (read.executeStep()) {
        const std::uint64_t seq = u64(read.getColumn(0));
        const Bytes box = at_rest->seal_statement(seq, blob(read.getColumn(1)));
        put.reset();
        bind_blob(put, 1, box);
        put.bind(2, i64(seq));
        put.exec();
      }
    }
    {
      SQLite::Statement read(db, "SELECT journal_id, seq, payload FROM events WHERE payload IS NOT NULL");
      SQLite::Statement put(db, "UPDATE events SET payload = ? WHERE journal_id = ? AND seq = ?");
      while (read.executeStep()) {
        const Bytes journal_id = blob_copy(read.getColumn(0));
        const std::uint64_t seq = u64(read.getColumn(1));
        const Bytes box = at_rest->seal_payload(journal_id, seq, blob(read.getColumn(2)));
        put.reset();
        bind_blob(put, 1, box);
        bind_blob(put, 2, journal_id);
        put.bind(3, i64(seq));
        put.exec();
      }
    }
    storage::set_meta(db, "at_rest", check);
    tx.commit();
  }

  Status set_device_time(const std::string& name, const char* column, TimePoint now) {
    SQLite::Statement st(db, std::string("UPDATE devices SET ") + column + " = ? WHERE name = ?");
    st.bind(1, to_unix_ms(now));
    st.bind(2, name);
    if (st.exec() == 0) return {Errc::not_found, "no device named '" + name + "' (see `outpost-hub devices`)"};
    return {};
  }
};

SqliteHubStore::SqliteHubStore(const fs::path& home, bool create, AtRestPtr at_rest)
    : impl_(std::make_unique<Impl>(home, create, std::move(at_rest))) {}

UnitPtr SqliteHubStore::write() { return impl_->units.write(); }
UnitPtr SqliteHubStore::read() { return impl_->units.read(); }

Result<sync::HubAddress> SqliteHubStore::address() {
  return guarded([&]() -> Result<sync::HubAddress> {
    sync::HubAddress a;
    if (auto host = storage::meta_blob(impl_->db, "host")) a.host.assign(host->begin(), host->end());
    if (auto port = storage::meta_int(impl_->db, "port")) a.port = static_cast<std::uint16_t>(*port);
    return a;
  });
}

Status SqliteHubStore::set_address(const sync::HubAddress& a) {
  return guarded([&]() -> Status {
    storage::set_meta(impl_->db, "host", as_bytes(a.host));
    storage::set_meta(impl_->db, "port", std::int64_t{a.port});
    return {};
  });
}

Result<crypto::PublicKey> SqliteHubStore::root_key() {
  return guarded([&]() -> Result<crypto::PublicKey> {
    const auto bytes = storage::meta_blob(impl_->db, "root_key");
    crypto::PublicKey key;
    if (!bytes || bytes->size() != key.bytes.size()) return Status(Errc::corrupt, "the hub store has no root key");
    std::memcpy(key.bytes.data(), bytes->data(), key.bytes.size());
    return key;
  });
}

Status SqliteHubStore::set_root_key(const crypto::PublicKey& root) {
  return guarded([&]() -> Status {
    storage::set_meta(impl_->db, "root_key", root.bytes);
    return {};
  });
}

// ---- enrollment

Result<sync::EnrollToken> SqliteHubStore::create_token(const std::string& device, const std::string& role, const HubKeys& keys,
                                           const crypto::PublicKey& root, Random& random, TimePoint now,
                                           std::chrono::seconds lifetime) {
  return guarded([&]() -> Result<sync::EnrollToken> {
    if (role != "rep" && role != "kiosk") return Status(Errc::invalid_argument, "role must be rep or kiosk");
    if (auto existing = this->device(device); existing && !existing->revoked_at) {
      return Status(Errc::already_exists, "device '" + device + "' is enrolled already (revoke it first)");
    }
    auto address = this->address();
    if (!address) return address.status();
    sync::EnrollToken token;
    token.device = device;
    token.role = role;
    token.endpoint = address->enroll();
    token.hub_curve_key = keys.curve.public_key();
    token.root_key = root;
    random.fill(token.secret);
    token.expires_at = now + lifetime;
    // Validates the name (and the rest) exactly as a device will.
    std::string text = token.encode();
    if (auto parsed = sync::EnrollToken::parse(text); !parsed) return parsed.status();
    crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(text.data()), text.size()));
    SQLite::Statement st(impl_->db,
                         "INSERT INTO tokens(secret_hash, device, role, expires_at, enroll_key) VALUES(?, ?, ?, ?, ?)");
    bind_blob(st, 1, crypto::blake2b(token.secret).view());
    st.bind(2, device);
    st.bind(3, role);
    st.bind(4, to_unix_ms(token.expires_at));
    bind_blob(st, 5, sync::enrollment_keys(token.secret).public_key());
    st.exec();
    return token;
  });
}

Result<DeviceRecord> SqliteHubStore::redeem_token(ByteView secret, const sync::CurvePublicKey& device_key, TimePoint now) {
  return guarded([&]() -> Result<DeviceRecord> {
    const UnitPtr w = impl_->units.write();
    SQLite::Statement st(impl_->db, "SELECT device, role, expires_at, used_at FROM tokens WHERE secret_hash = ?");
    bind_blob(st, 1, crypto::blake2b(secret).view());
    const Status refused(Errc::permission, "enrollment refused: the token is unknown, used or expired");
    if (!st.executeStep() || !st.getColumn(3).isNull() || from_unix_ms(st.getColumn(2).getInt64()) <= now) {
      return refused;
    }
    const std::string name = st.getColumn(0).getString();
    const std::string role = st.getColumn(1).getString();
    st.reset();
    if (device_by_key(device_key)) return Status(Errc::already_exists, "this device key is enrolled already");
    if (auto existing = device(name); existing && !existing->revoked_at) {
      return Status(Errc::already_exists, "device '" + name + "' is enrolled already");
    }
    SQLite::Statement burn(impl_->db, "UPDATE tokens SET used_at = ? WHERE secret_hash = ?");
    burn.bind(1, to_unix_ms(now));
    bind_blob(burn, 2, crypto::blake2b(secret).view());
    burn.exec();
    // A revoked device of the same name is replaced (re-enrollment).
    SQLite::Statement put(impl_->db,
                          "INSERT OR REPLACE INTO devices(name, role, curve_key, enrolled_at) VALUES(?, ?, ?, ?)");
    put.bind(1, name);
    put.bind(2, role);
    bind_blob(put, 3, device_key);
    put.bind(4, to_unix_ms(now));
    put.exec();
    w->commit();
    return *device(name);
  });
}

bool SqliteHubStore::token_issued_for(const sync::CurvePublicKey& enroll_key) {
  SQLite::Statement st(impl_->db, "SELECT 1 FROM tokens WHERE enroll_key = ?");
  bind_blob(st, 1, enroll_key);
  return st.executeStep();
}

// ---- devices

std::vector<DeviceRecord> SqliteHubStore::devices() {
  std::vector<DeviceRecord> out;
  SQLite::Statement st(impl_->db, std::string(device_columns) + "ORDER BY name");
  while (st.executeStep()) out.push_back(device_from(st));
  return out;
}

std::optional<DeviceRecord> SqliteHubStore::device(const std::string& name) {
  return impl_->find_device("WHERE name = ?", [&](SQLite::Statement& st) { st.bind(1, name); });
}

std::optional<DeviceRecord> SqliteHubStore::device_by_key(const sync::CurvePublicKey& key) {
  return impl_->find_device("WHERE curve_key = ?", [&](SQLite::Statement& st) { bind_blob(st, 1, key); });
}

Status SqliteHubStore::revoke_device(const std::string& name, TimePoint now) {
  return guarded([&] { return impl_->set_device_time(name, "revoked_at", now); });
}

std::optional<TimePoint> SqliteHubStore::last_cut_off() {
  SQLite::Statement st(impl_->db, "SELECT max(max(coalesce(revoked_at, 0), coalesce(wipe_requested_at, 0))) FROM devices");
  if (!st.executeStep() || st.getColumn(0).isNull() || st.getColumn(0).getInt64() == 0) return std::nullopt;
  return from_unix_ms(st.getColumn(0).getInt64());
}

Status SqliteHubStore::request_wipe(const std::string& name, TimePoint now) {
  return guarded([&] { return impl_->set_device_time(name, "wipe_requested_at", now); });
}

Status SqliteHubStore::mark_wiped(const std::string& name, TimePoint now) {
  return guarded([&] { return impl_->set_device_time(name, "wiped_at", now); });
}

Status SqliteHubStore::touch_device(const std::string& name, TimePoint now, std::uint64_t catalog_seq) {
  return guarded([&]() -> Status {
    SQLite::Statement st(impl_->db, "UPDATE devices SET last_seen = ?, catalog_seq = ? WHERE name = ?");
    st.bind(1, to_unix_ms(now));
    st.bind(2, static_cast<std::int64_t>(catalog_seq));
    st.bind(3, name);
    if (st.exec() == 0) return Status(Errc::not_found, "no device named '" + name + "' (see `outpost-hub devices`)");
    return {};
  });
}

Status SqliteHubStore::set_holdings(const std::string& device, const std::vector<cache::VersionRef>& holdings,
                              TimePoint now) {
  return guarded([&]() -> Status {
    const UnitPtr w = impl_->units.write();
    SQLite::Statement mark(impl_->db, "UPDATE devices SET holdings_at = ? WHERE name = ?");
    mark.bind(1, to_unix_ms(now));
    mark.bind(2, device);
    if (mark.exec() == 0) return {Errc::not_found, "no device named '" + device + "'"};
    SQLite::Statement clear(impl_->db, "DELETE FROM holdings WHERE device = ?");
    clear.bind(1, device);
    clear.exec();
    SQLite::Statement put(impl_->db,
                          "INSERT OR IGNORE INTO holdings(device, asset, version, reported_at) VALUES(?, ?, ?, ?)");
    for (const cache::VersionRef& ref : holdings) {
      put.reset();
      put.bind(1, device);
      put.bind(2, ref.asset);
      put.bind(3, static_cast<std::int64_t>(ref.version));
      put.bind(4, to_unix_ms(now));
      put.exec();
    }
    w->commit();
    return {};
  });
}

std::optional<std::vector<cache::VersionRef>> SqliteHubStore::holdings(const std::string& device) {
  SQLite::Statement known(impl_->db, "SELECT holdings_at FROM devices WHERE name = ?");
  known.bind(1, device);
  if (!known.executeStep() || known.getColumn(0).isNull()) return std::nullopt;
  std::vector<cache::VersionRef> out;
  SQLite::Statement st(impl_->db, "SELECT asset, version FROM holdings WHERE device = ? ORDER BY asset, version");
  st.bind(1, device);
  while (st.executeStep()) {
    out.push_back({st.getColumn(0).getString(), static_cast<std::uint64_t>(st.getColumn(1).getInt64())});
  }
  return out;
}

// ---- catalog

std::optional<catalog::SignedStatement> SqliteHubStore::trust_list() {
  SQLite::Statement st(impl_->db, "SELECT statement FROM trust_lists ORDER BY version DESC LIMIT 1");
  if (!st.executeStep()) return std::nullopt;
  auto statement = catalog::SignedStatement::decode(blob(st.getColumn(0)));
  if (!statement) throw Error(Errc::corrupt, "hub store: the trust list is unreadable");
  return *statement;
}

Status SqliteHubStore::save_trust_list(const catalog::SignedStatement& statement, std::uint64_t version) {
  return guarded([&]() -> Status {
    SQLite::Statement st(impl_->db, "INSERT INTO trust_lists(version, statement) VALUES(?, ?)");
    st.bind(1, static_cast<std::int64_t>(version));
    const Bytes encoded = statement.encode();
    bind_blob(st, 2, encoded);
    st.exec();
    return {};
  });
}

std::vector<StoredStatement> SqliteHubStore::statements(std::uint64_t after_seq) {
  std::vector<StoredStatement> out;
  SQLite::Statement st(impl_->db, "SELECT seq, statement FROM statements WHERE seq > ? ORDER BY seq");
  st.bind(1, i64(after_seq));
  while (st.executeStep()) {
    const std::uint64_t seq = u64(st.getColumn(0));
    const auto opened = impl_->at_rest->open_statement(seq, blob(st.getColumn(1)));
    auto statement = opened ? catalog::SignedStatement::decode(*opened)
                            : Result<catalog::SignedStatement>(Status(Errc::corrupt, "it does not decrypt"));
    if (!statement) throw Error(Errc::corrupt, "hub store: statement " + std::to_string(seq) + " is unreadable");
    out.push_back({static_cast<std::uint64_t>(st.getColumn(0).getInt64()), std::move(*statement)});
  }
  return out;
}

std::uint64_t SqliteHubStore::catalog_seq() {
  return u64(impl_->db.execAndGet("SELECT coalesce(max(seq), 0) FROM statements"));
}

Result<std::uint64_t> SqliteHubStore::add_statement(const catalog::SignedStatement& statement,
                                                    const std::optional<cache::VersionRef>& release,
                                                    const std::vector<cache::RecipeEntry>& recipe,
                                                    const std::optional<cache::VersionRef>& revoked) {
  return guarded([&]() -> Result<std::uint64_t> {
    const UnitPtr w = impl_->units.write();
    // Inside the write unit the writer holds the database's write lock, so
    // the next seq is read and taken atomically: no gap, never twice.
    const std::uint64_t seq = catalog_seq() + 1;
    const cache::VersionRef* ref = release ? &*release : revoked ? &*revoked : nullptr;
    SQLite::Statement st(impl_->db, "INSERT INTO statements(seq, statement, asset, version, kind) VALUES(?, ?, ?, ?, ?)");
    st.bind(1, static_cast<std::int64_t>(seq));
    const Bytes sealed = impl_->at_rest->seal_statement(seq, statement.encode());
    bind_blob(st, 2, sealed);
    if (ref != nullptr) {
      st.bind(3, ref->asset);
      st.bind(4, static_cast<std::int64_t>(ref->version));
    }
    st.bind(5, release ? "release" : "revocation");
    st.exec();
    if (release) {
      SQLite::Statement rel(impl_->db, "INSERT INTO releases(asset, version, seq) VALUES(?, ?, ?)");
      rel.bind(1, release->asset);
      rel.bind(2, static_cast<std::int64_t>(release->version));
      rel.bind(3, static_cast<std::int64_t>(seq));
      rel.exec();
      SQLite::Statement link(impl_->db, "INSERT INTO recipes(asset, version, idx, chunk, size) VALUES(?, ?, ?, ?, ?)");
      for (std::size_t i = 0; i < recipe.size(); ++i) {
        if (!has_chunk(recipe[i].id)) {
          return Status(Errc::integrity, release->to_string() + ": the hub lacks chunk " +
                                             chunk_hex(recipe[i].id).substr(0, 16) + " (upload it first)");
        }
        link.reset();
        link.bind(1, release->asset);
        link.bind(2, static_cast<std::int64_t>(release->version));
        link.bind(3, static_cast<std::int64_t>(i));
        bind_blob(link, 4, recipe[i].id.view());
        link.bind(5, static_cast<std::int64_t>(recipe[i].size));
        link.exec();
      }
    }
    if (revoked) {
      SQLite::Statement rev(impl_->db, "UPDATE releases SET revoked = 1 WHERE asset = ? AND version = ?");
      rev.bind(1, revoked->asset);
      rev.bind(2, static_cast<std::int64_t>(revoked->version));
      rev.exec();
    }
    w->commit();
    return seq;
  });
}

Result<std::vector<cache::RecipeEntry>> SqliteHubStore::recipe(const cache::VersionRef& ref, bool include_revoked) {
  return guarded([&]() -> Result<std::vector<cache::RecipeEntry>> {
    SQLite::Statement rel(impl_->db, "SELECT revoked FROM releases WHERE asset = ? AND version = ?");
    rel.bind(1, ref.asset);
    rel.bind(2, static_cast<std::int64_t>(ref.version));
    if (!rel.executeStep()) return Status(Errc::not_found, "the hub has no release " + ref.to_string());
    if (rel.getColumn(0).getInt() != 0 && !include_revoked) {
      return Status(Errc::permission, ref.to_string() + " is revoked");
    }
    std::vector<cache::RecipeEntry> out;
    SQLite::Statement st(impl_->db, "SELECT chunk, size FROM recipes WHERE asset = ? AND version = ? ORDER BY idx");
    st.bind(1, ref.asset);
    st.bind(2, static_cast<std::int64_t>(ref.version));
    std::uint64_t offset = 0;
    while (st.executeStep()) {
      cache::RecipeEntry e{digest_col(st.getColumn(0)), offset, static_cast<std::uint32_t>(st.getColumn(1).getInt())};
      offset += e.size;
      out.push_back(e);
    }
    return out;
  });
}

bool SqliteHubStore::chunk_entitled(const cache::ChunkId& id) {
  const auto st = impl_->cached.get(
      "SELECT 1 FROM recipes r JOIN releases v ON v.asset = r.asset AND v.version = r.version "
      "WHERE r.chunk = ? AND v.revoked = 0 LIMIT 1");
  bind_blob(*st, 1, id.view());
  return st->executeStep();
}

// ---- chunks

bool SqliteHubStore::has_chunk(const cache::ChunkId& id) {
  const auto st = impl_->cached.get("SELECT 1 FROM chunks WHERE id = ?");
  bind_blob(*st, 1, id.view());
  return st->executeStep();
}

Result<std::size_t> SqliteHubStore::store_chunks(const std::vector<cache::ChunkId>& ids, const std::vector<Bytes>& data) {
  return guarded([&]() -> Result<std::size_t> {
    if (ids.size() != data.size()) return Status(Errc::invalid_argument, "chunk ids and contents do not pair up");
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (data[i].empty() || data[i].size() > cache::ChunkerParams{}.max_size) {
        return Status(Errc::invalid_argument, "chunk " + chunk_hex(ids[i]).substr(0, 16) + " has an impossible size");
      }
      if (crypto::blake2b(data[i]) != ids[i]) {
        return Status(Errc::integrity, "chunk " + chunk_hex(ids[i]).substr(0, 16) + " does not match its id");
      }
    }
    std::vector<std::size_t> fresh;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (has_chunk(ids[i])) continue;
      const fs::path path = impl_->chunk_path(ids[i]);
      fs::create_directories(path.parent_path());
      // Content-addressed: an existing file with this name already holds these bytes
      // (checked on read), e.g. written before a crash and never recorded.
      if (!fs::exists(path)) storage::create_file_durably(path, data[i], 0600);
      fresh.push_back(i);
    }
    const UnitPtr w = impl_->units.write();
    SQLite::Statement st(impl_->db, "INSERT OR IGNORE INTO chunks(id, size) VALUES(?, ?)");
    for (std::size_t i : fresh) {
      st.reset();
      bind_blob(st, 1, ids[i].view());
      st.bind(2, static_cast<std::int64_t>(data[i].size()));
      st.exec();
    }
    w->commit();
    return fresh.size();
  });
}

Result<Bytes> SqliteHubStore::read_chunk(const cache::ChunkId& id, bool verify) {
  return guarded([&]() -> Result<Bytes> {
    const fs::path path = impl_->chunk_path(id);
    if (!fs::exists(path)) return Status(Errc::not_found, "the hub lacks chunk " + chunk_hex(id).substr(0, 16));
    Bytes bytes = storage::read_file(path);
    if (verify && crypto::blake2b(bytes) != id) {
      return Status(Errc::integrity, "hub chunk file " + path.string() + " is damaged (its hash does not match)");
    }
    return bytes;
  });
}

// ---- journals

std::optional<JournalState> SqliteHubStore::journal(ByteView journal_id) {
  SQLite::Statement st(impl_->db, "SELECT device, acked_seq, head_hash, head_time FROM journals WHERE journal_id = ?");
  bind_blob(st, 1, journal_id);
  if (!st.executeStep()) return std::nullopt;
  JournalState s;
  s.device = st.getColumn(0).getString();
  s.acked_seq = static_cast<std::uint64_t>(st.getColumn(1).getInt64());
  s.head = {s.acked_seq, digest_col(st.getColumn(2)), journal::HlcTime{static_cast<std::uint64_t>(st.getColumn(3).getInt64())}};
  return s;
}

Result<IngestResult> SqliteHubStore::ingest(const std::string& device, ByteView journal_id,
                                      const std::vector<journal::StoredEvent>& events, TimePoint now,
                                      const std::optional<journal::JournalParent>& continues) {
  return guarded([&]() -> Result<IngestResult> {
    const UnitPtr w = impl_->units.write();
    JournalState state;
    if (auto held = journal(journal_id)) {
      if (held->device != device) {
        return Status(Errc::permission, "journal belongs to another device");
      }
      state = *held;
    } else {
      state.device = device;
      if (continues) {
        auto parent = journal(continues->journal_id);
        if (!parent || parent->device != device) {
          return Status(Errc::permission, "the journal this one continues is not this device's");
        }
        if (continues->seq > parent->acked_seq) {
          return Status(Errc::invalid_argument, "the journal continues event " + std::to_string(continues->seq) +
                                                    " of one the hub holds only up to " +
                                                    std::to_string(parent->acked_seq));
        }
        auto link = held_link(continues->journal_id, continues->seq);
        if (!link) return link.status();
        state.acked_seq = continues->seq;
        state.head = *link;
      }
      SQLite::Statement st(impl_->db,
                           "INSERT INTO journals(journal_id, device, acked_seq, head_hash, head_time) VALUES(?, ?, ?, ?, ?)");
      bind_blob(st, 1, journal_id);
      st.bind(2, device);
      st.bind(3, static_cast<std::int64_t>(state.acked_seq));
      bind_blob(st, 4, state.head.hash.view());
      st.bind(5, static_cast<std::int64_t>(state.head.time.value));
      st.exec();
    }
    IngestResult result;
    SQLite::Statement held_hash(impl_->db, "SELECT hash FROM events WHERE journal_id = ? AND seq = ?");
    SQLite::Statement put(impl_->db,
                          "INSERT INTO events(journal_id, seq, time, type, payload, payload_hash, hash, device, "
                          "received_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const journal::StoredEvent& e : events) {
      if (e.seq <= state.acked_seq) {
        held_hash.reset();
        bind_blob(held_hash, 1, journal_id);
        held_hash.bind(2, static_cast<std::int64_t>(e.seq));
        if (held_hash.executeStep() && digest_col(held_hash.getColumn(0)) != e.hash) {
          result.diverged_at = e.seq;
          result.problem = "event " + std::to_string(e.seq) +
                           " differs from the one the hub holds (the device was restored from a copy or cloned)";
          break;
        }
        ++result.duplicates;  // held already: the device resent after a lost ack
        continue;
      }
      if (!journal::links_to(state.head, e)) {
        result.broken_at = e.seq;
        result.problem = e.seq != state.acked_seq + 1
                             ? "gap: expected event " + std::to_string(state.acked_seq + 1) + ", got " +
                                   std::to_string(e.seq)
                             : "event " + std::to_string(e.seq) + " does not chain from event " +
                                   std::to_string(state.acked_seq);
        break;
      }
      // A journal's clock only moves forward (a hybrid logical clock): an
      // event not after the one before it was not made by a device's journal.
      if (state.acked_seq > 0 && e.time.value <= state.head.time.value) {
        result.broken_at = e.seq;
        result.problem = "event " + std::to_string(e.seq) + " is not later than event " +
                         std::to_string(state.acked_seq) + " (a journal's times only increase)";
        break;
      }
      put.reset();
      bind_blob(put, 1, journal_id);
      put.bind(2, static_cast<std::int64_t>(e.seq));
      put.bind(3, static_cast<std::int64_t>(e.time.value));
      put.bind(4, std::string(e.type->name));
      Bytes sealed;
      if (e.payload) {
        sealed = impl_->at_rest->seal_payload(journal_id, e.seq, *e.payload);
        bind_blob(put, 5, sealed);
      }
      bind_blob(put, 6, e.payload_hash.view());
      bind_blob(put, 7, e.hash.view());
      put.bind(8, device);
      put.bind(9, to_unix_ms(now));
      put.exec();
      state.head = journal::link_of(e);
      state.acked_seq = e.seq;
      ++result.stored;
    }
    SQLite::Statement upd(impl_->db,
                          "UPDATE journals SET acked_seq = ?, head_hash = ?, head_time = ? WHERE journal_id = ?");
    upd.bind(1, static_cast<std::int64_t>(state.acked_seq));
    bind_blob(upd, 2, state.head.hash.view());
    upd.bind(3, static_cast<std::int64_t>(state.head.time.value));
    bind_blob(upd, 4, journal_id);
    upd.exec();
    if (result.broken_at) {
      if (Status s = add_alert(device, "journal.chain", result.problem, now); !s) return s;
    }
    if (result.diverged_at) {
      if (Status s = add_alert(device, "journal.diverged", result.problem, now); !s) return s;
    }
    w->commit();
    result.acked_seq = state.acked_seq;
    return result;
  });
}

// The link of an event the hub holds (the zero link for seq 0).
Result<journal::ChainLink> SqliteHubStore::held_link(ByteView journal_id, std::uint64_t seq) {
  if (seq == 0) return journal::ChainLink{};
  SQLite::Statement st(impl_->db, "SELECT hash, time FROM events WHERE journal_id = ? AND seq = ?");
  bind_blob(st, 1, journal_id);
  st.bind(2, static_cast<std::int64_t>(seq));
  if (!st.executeStep()) {
    return Status(Errc::not_found, "the hub no longer holds event " + std::to_string(seq) + " of that journal");
  }
  return journal::ChainLink{seq, digest_col(st.getColumn(0)),
                            journal::HlcTime{static_cast<std::uint64_t>(st.getColumn(1).getInt64())}};
}

std::uint64_t SqliteHubStore::event_count() {
  return static_cast<std::uint64_t>(impl_->db.execAndGet("SELECT count(*) FROM events").getInt64());
}

Status SqliteHubStore::add_alert(const std::string& device, const std::string& kind, const std::string& detail,
                           TimePoint now) {
  return guarded([&]() -> Status {
    SQLite::Statement st(impl_->db, "INSERT INTO alerts(at, device, kind, detail) VALUES(?, ?, ?, ?)");
    st.bind(1, to_unix_ms(now));
    st.bind(2, device);
    st.bind(3, kind);
    st.bind(4, detail);
    st.exec();
    return {};
  });
}

std::vector<Alert> SqliteHubStore::alerts() {
  std::vector<Alert> out;
  SQLite::Statement st(impl_->db, "SELECT id, at, device, kind, detail FROM alerts ORDER BY id");
  while (st.executeStep()) {
    out.push_back({st.getColumn(0).getInt64(), from_unix_ms(st.getColumn(1).getInt64()), st.getColumn(2).getString(),
                   st.getColumn(3).getString(), st.getColumn(4).getString()});
  }
  return out;
}

const RepositorySchema settings_schema{"settings", settings_migrations};
const RepositorySchema device_schema{"devices", device_migrations};
const RepositorySchema catalog_schema{"catalog", catalog_migrations};
const RepositorySchema blob_schema{"blobs", blob_migrations};
const RepositorySchema journal_schema{"journals", journal_migrations};
const RepositorySchema alert_schema{"alerts", alert_migrations};

std::unique_ptr<HubStore> open_hub_store(const fs::path& home, bool create, AtRestPtr at_rest) {
  return std::make_unique<SqliteHubStore>(home, create, std::move(at_rest));
}

}  // namespace outpost::hub::sqlite
