#include "outpost/catalog/device_catalog.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <array>
#include <map>

#include "outpost/catalog/catalog_state.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/kdf.hpp"
#include "outpost/storage/database.hpp"
#include "outpost/storage/columns.hpp"

namespace outpost::catalog {

namespace {

constexpr std::string_view migrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value);
CREATE TABLE statements(seq INTEGER PRIMARY KEY, envelope BLOB NOT NULL);
CREATE TABLE releases(
  asset TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL REFERENCES statements(seq),
  -- copied from the verified statement, for the gate:
  valid_from INTEGER NOT NULL, expires_at INTEGER, grace_s INTEGER NOT NULL, criticality TEXT NOT NULL,
  digest BLOB NOT NULL, size INTEGER NOT NULL,
  PRIMARY KEY(asset, version)) WITHOUT ROWID;
CREATE TABLE revocations(
  asset TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL REFERENCES statements(seq),
  PRIMARY KEY(asset, version)) WITHOUT ROWID;
)sql",
};

constexpr storage::Schema schema{"catalog", 0x4f504354 /* "OPCT" */, migrations};

// Trusted time is written back when it has moved this far, so a crash loses
// at most this much of the high-water mark.
constexpr std::chrono::milliseconds persist_step{60'000};

std::string iso(TimePoint t) { return std::to_string(to_unix_ms(t)) + " ms"; }

Result<Record> parse_record(const SignedStatement& s) {
  Result<StatementType> type = s.peek_type();
  if (!type) return type.status();
  if (*type == StatementType::release) {
    Result<Release> r = Release::from_body(s.body);
    if (!r) return r.status();
    return Record(std::move(r).value());
  }
  if (*type == StatementType::revocation) {
    Result<Revocation> r = Revocation::from_body(s.body);
    if (!r) return r.status();
    return Record(std::move(r).value());
  }
  return Status(Errc::corrupt, "the catalog holds a " + std::string(type_name(*type)) + " as a catalog statement");
}

// The keys that keep the stored statements unreadable without the device's
// master key. A statement is stored as an AEAD box bound to its seq.
class EnvelopeKeys {
 public:
  explicit EnvelopeKeys(const crypto::SecretKey& master)
      : key_(crypto::derive_key(master, crypto::purpose::catalog_envelopes)),
        nonce_key_(crypto::derive_key(master, crypto::purpose::catalog_envelope_nonces)) {}

  Bytes seal(std::uint64_t seq, ByteView envelope) const {
    return crypto::aead_seal_synthetic(key_, nonce_key_, envelope, associated(seq));
  }

  // The statement stored at seq; throws corrupt when the box does not open
  // (changed, moved to another seq, or sealed by another device).
  Bytes open(std::uint64_t seq, ByteView box) const {
    Bytes plain;
    if (!crypto::aead_open(key_, box, associated(seq), plain)) {
      throw Error(Errc::corrupt, "catalog statement " + std::to_string(seq) + " does not decrypt with this device's key");
    }
    return plain;
  }

 private:
  static std::array<std::uint8_t, 8> associated(std::uint64_t seq) {
    std::array<std::uint8_t, 8> out{};
    for (int i = 7; i >= 0; --i, seq >>= 8) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(seq);
    return out;
  }

  crypto::SecretKey key_;
  crypto::SecretKey nonce_key_;
};

// Writes statements (encrypted) and the rows derived from them, for the gate.
class Inserter {
 public:
  Inserter(SQLite::Database& db, const EnvelopeKeys& keys)
      : keys_(keys),
        put_(db, "INSERT INTO statements(seq, envelope) VALUES(?, ?)"),
        rel_(db,
             "INSERT INTO releases(asset, version, seq, valid_from, expires_at, grace_s, criticality, digest, size) "
             "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        rev_(db, "INSERT INTO revocations(asset, version, seq) VALUES(?, ?, ?)") {}

  void statement(std::uint64_t seq, ByteView envelope) {
    const Bytes box = keys_.seal(seq, envelope);
    put_.reset();
    put_.bind(1, static_cast<std::int64_t>(seq));
    put_.bind(2, box.data(), static_cast<int>(box.size()));
    put_.exec();
  }

  void row(std::uint64_t seq, const Record& record) {
    if (const auto* r = std::get_if<Release>(&record)) {
      rel_.reset();
      rel_.bind(1, r->asset);
      rel_.bind(2, static_cast<std::int64_t>(r->version));
      rel_.bind(3, static_cast<std::int64_t>(seq));
      rel_.bind(4, to_unix_ms(r->valid_from));
      if (r->expires_at) {
        rel_.bind(5, to_unix_ms(*r->expires_at));
      } else {
        rel_.bind(5);
      }
      rel_.bind(6, static_cast<std::int64_t>(r->grace.count()));
      rel_.bind(7, r->criticality);
      rel_.bind(8, r->digest.bytes.data(), static_cast<int>(r->digest.size));
      rel_.bind(9, static_cast<std::int64_t>(r->size));
      rel_.exec();
      return;
    }
    const auto& v = std::get<Revocation>(record);
    rev_.reset();
    rev_.bind(1, v.asset);
    rev_.bind(2, static_cast<std::int64_t>(v.version));
    rev_.bind(3, static_cast<std::int64_t>(seq));
    rev_.exec();
  }

 private:
  const EnvelopeKeys& keys_;
  SQLite::Statement put_;
  SQLite::Statement rel_;
  SQLite::Statement rev_;
};

}  // namespace

struct DeviceCatalog::Impl {
  Impl(const std::filesystem::path& path, const Clock& clk, const crypto::SecretKey& master)
      : db(storage::open_database(path, schema, true, storage::Durability::full)),
        releases_query(db,
                       "SELECT s.seq, s.envelope FROM releases r JOIN statements s ON s.seq = r.seq "
                       "WHERE r.asset = ? ORDER BY r.version DESC"),
        terms_query(db,
                    "SELECT version, valid_from, expires_at, grace_s, criticality, digest, size FROM releases "
                    "WHERE asset = ? ORDER BY version DESC"),
        clock(clk),
        seal_key(crypto::derive_key(master, crypto::purpose::catalog_seal)),
        envelope_keys(master) {
    hwm = from_unix_ms(meta_int("hwm").value_or(0));
    persisted_hwm = hwm;
    offset = std::chrono::milliseconds(meta_int("clock_offset_ms").value_or(0));
    check_integrity();
  }

  mutable SQLite::Database db;
  mutable SQLite::Statement releases_query;
  mutable SQLite::Statement terms_query;  // prepared once: the gate's first question on each asset
  mutable std::map<std::string, std::vector<ReleaseTerms>> terms_cache;
  const Clock& clock;
  const crypto::SecretKey seal_key;
  const EnvelopeKeys envelope_keys;
  // Set when what is stored does not verify: the gate then blocks every
  // open, the catalog reports seq 0, and the next full delta rebuilds it.
  std::optional<std::string> damage;
  bool repaired = false;  // derived rows were rebuilt from the signed statements at open
  TimePoint hwm;
  TimePoint persisted_hwm;
  std::chrono::milliseconds offset{0};  // the hub's time minus the device clock, at the last live session
  std::optional<TrustList> trust;
  std::optional<CatalogTimestamp> timestamp;
  mutable std::map<std::string, std::vector<Release>> release_cache;
  // Revoked versions by (asset, version) -> catalog seq of the revocation;
  // loaded once, since the gate asks for every version it judges.
  mutable std::optional<std::map<std::pair<std::string, std::uint64_t>, std::int64_t>> revoked;

  const std::map<std::pair<std::string, std::uint64_t>, std::int64_t>& revocations() const {
    if (!revoked) {
      revoked.emplace();
      SQLite::Statement st(db, "SELECT asset, version, seq FROM revocations");
      while (st.executeStep()) {
        revoked->emplace(std::pair(st.getColumn(0).getString(), static_cast<std::uint64_t>(st.getColumn(1).getInt64())),
                         st.getColumn(2).getInt64());
      }
    }
    return *revoked;
  }

  // The statement in a row of the statements table (seq, envelope): stored
  // encrypted once meta 'envelopes' is 1; in clear in a catalog an earlier
  // Outpost wrote (encrypted at the first open that verifies it).
  Bytes statement_at(const SQLite::Column& seq, const SQLite::Column& stored) const {
    const ByteView bytes = storage::blob_view(stored);
    if (!envelopes_encrypted) return Bytes(bytes.begin(), bytes.end());
    return envelope_keys.open(static_cast<std::uint64_t>(seq.getInt64()), bytes);
  }
  bool envelopes_encrypted = false;

  static TrustList parse_trust(const Bytes& envelope) {
    auto s = value_or_throw(SignedStatement::decode(envelope));
    return value_or_throw(TrustList::from_body(s.body));
  }

  std::optional<Bytes> meta_blob(const std::string& key) const { return storage::meta_blob(db, key); }
  std::optional<std::int64_t> meta_int(const std::string& key) const { return storage::meta_int(db, key); }
  void set_meta(const std::string& key, ByteView value) { storage::set_meta(db, key, value); }
  void set_meta(const std::string& key, std::int64_t value) { storage::set_meta(db, key, value); }

  TimePoint now() {
    hwm = std::max(hwm, clock.now() + offset);
    if (hwm - persisted_hwm >= persist_step) raise_persisted();
    return hwm;
  }

  void observe(TimePoint t) {
    if (t > hwm) hwm = t;
  }

  void raise_persisted() {
    storage::Transaction tx(db);
    set_meta("hwm", to_unix_ms(hwm));
    if (!damage) reseal();  // a damaged catalog is never sealed again until rebuilt
    tx.commit();
    persisted_hwm = hwm;
  }


  // ---- integrity of what is stored
  //
  // The signed statements are the truth; the releases and revocations
  // tables are derived from them for the gate. The meta values the gate
  // also trusts (seq, chain digest, root, trust list, timestamp, trusted
  // time, clock offset, and a digest of the derived rows) are sealed with a
  // key from the device's key store. At open: the seal must match, the
  // statements must chain to the sealed digest, which the held timestamp
  // (signed by the hub key of the root-signed trust list) must cover, and
  // derived rows that differ from the statements are rebuilt from them.

  // One meta value as sealed: absent, an integer, or bytes.
  void seal_field(crypto::Blake2b& h, const std::string& key) const {
    SQLite::Statement st(db, "SELECT value FROM meta WHERE key = ?");
    st.bind(1, key);
    h.update(as_bytes(key));
    if (!st.executeStep() || st.getColumn(0).isNull()) {
      h.update(as_bytes(std::string_view("\0", 1)));
      return;
    }
    const SQLite::Column c = st.getColumn(0);
    if (c.isInteger()) {
      h.update(as_bytes(std::string_view("i", 1)));
      h.update(be64(static_cast<std::uint64_t>(c.getInt64())));
      return;
    }
    const ByteView b = storage::blob_view(c);
    h.update(as_bytes(std::string_view("b", 1)));
    h.update(be64(b.size()));
    h.update(b);
  }

  static std::array<std::uint8_t, 8> be64(std::uint64_t v) {
    std::array<std::uint8_t, 8> out{};
    for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    return out;
  }

  crypto::Digest seal_value() const {
    crypto::Blake2b h(seal_key);
    h.update(as_bytes(std::string_view("outpost-catalog-seal-v1")));
    for (const char* key : {"seq", "digest", "root", "trust", "timestamp", "hwm", "clock_offset_ms", "rows"}) {
      seal_field(h, key);
    }
    return h.finish();
  }

  // Writes the seal over the meta values as they now are (inside the
  // caller's transaction).
  void reseal() { set_meta("seal", seal_value().view()); }

  // A digest of every derived row, in primary-key order.
  crypto::Digest rows_digest() const {
    crypto::Blake2b h;
    SQLite::Statement rel(db,
                          "SELECT asset, version, seq, valid_from, expires_at, grace_s, criticality, digest, size "
                          "FROM releases ORDER BY asset, version");
    auto text = [&](const std::string& t) {
      h.update(be64(t.size()));
      h.update(as_bytes(t));
    };
    while (rel.executeStep()) {
      h.update(as_bytes(std::string_view("R")));
      text(rel.getColumn(0).getString());
      for (int i : {1, 2, 3}) h.update(be64(static_cast<std::uint64_t>(rel.getColumn(i).getInt64())));
      h.update(be64(rel.getColumn(4).isNull() ? 0 : 1));
      h.update(be64(static_cast<std::uint64_t>(rel.getColumn(4).getInt64())));
      h.update(be64(static_cast<std::uint64_t>(rel.getColumn(5).getInt64())));
      text(rel.getColumn(6).getString());
      const ByteView d = storage::blob_view(rel.getColumn(7));
      h.update(be64(d.size()));
      h.update(d);
      h.update(be64(static_cast<std::uint64_t>(rel.getColumn(8).getInt64())));
    }
    SQLite::Statement rev(db, "SELECT asset, version, seq FROM revocations ORDER BY asset, version");
    while (rev.executeStep()) {
      h.update(as_bytes(std::string_view("V")));
      text(rev.getColumn(0).getString());
      for (int i : {1, 2}) h.update(be64(static_cast<std::uint64_t>(rev.getColumn(i).getInt64())));
    }
    return h.finish();
  }

  bool holds_anything() const {
    SQLite::Statement st(db, "SELECT (SELECT COUNT(*) FROM meta) + (SELECT COUNT(*) FROM statements) + "
                             "(SELECT COUNT(*) FROM releases) + (SELECT COUNT(*) FROM revocations)");
    st.executeStep();
    return st.getColumn(0).getInt64() > 0;
  }

  // Why the statements, the held timestamp and the trust list do not
  // verify together; nullopt when they do.
  std::optional<std::string> chain_problem() const {
    const std::int64_t seq = meta_int("seq").value_or(0);
    crypto::Digest chained{};
    std::int64_t expect = 1;
    SQLite::Statement st(db, "SELECT seq, envelope FROM statements ORDER BY seq");
    while (st.executeStep()) {
      if (st.getColumn(0).getInt64() != expect) return "catalog statement " + std::to_string(expect) + " is missing";
      Bytes statement;
      try {
        statement = statement_at(st.getColumn(0), st.getColumn(1));
      } catch (const Error& e) {
        return std::string(e.what());
      }
      chained = chain_digest(chained, crypto::blake2b(statement));
      ++expect;
    }
    if (expect - 1 != seq) {
      return "the catalog holds " + std::to_string(expect - 1) + " statements but claims seq " + std::to_string(seq);
    }
    const auto digest = meta_blob("digest");
    if (seq > 0 && (!digest || ByteView(*digest).size() != crypto::Digest::size ||
                    !std::equal(digest->begin(), digest->end(), chained.bytes.begin()))) {
      return std::string("the catalog statements do not chain to the catalog digest");
    }
    const auto root_bytes = meta_blob("root");
    const auto trust_env = meta_blob("trust");
    const auto ts_env = meta_blob("timestamp");
    if (!trust_env && !ts_env && seq == 0) return std::nullopt;  // nothing applied yet
    if (!root_bytes || root_bytes->size() != 32 || !trust_env || !ts_env) {
      return std::string("the catalog lacks its root key, trust list or timestamp");
    }
    crypto::PublicKey root;
    std::copy(root_bytes->begin(), root_bytes->end(), root.bytes.begin());
    auto trust_statement = SignedStatement::decode(*trust_env);
    if (!trust_statement) return "the held trust list: " + trust_statement.status().message();
    Result<TrustList> list = check_trust_list(*trust_statement, root, nullptr);
    if (!list) return "the held trust list: " + list.status().message();
    auto ts_statement = SignedStatement::decode(*ts_env);
    if (!ts_statement) return "the held timestamp: " + ts_statement.status().message();
    Result<CatalogTimestamp> ts = check_timestamp(*ts_statement, *list);
    if (!ts) return "the held timestamp: " + ts.status().message();
    if (ts->seq != static_cast<std::uint64_t>(seq) || ts->digest != chained) {
      return std::string("the held timestamp does not cover the catalog statements");
    }
    return std::nullopt;
  }

  // The derived rows, rebuilt from the statements (inside a transaction).
  void rederive_rows() {
    db.exec("DELETE FROM releases");
    db.exec("DELETE FROM revocations");
    SQLite::Statement st(db, "SELECT seq, envelope FROM statements ORDER BY seq");
    Inserter insert(db, envelope_keys);
    while (st.executeStep()) {
      auto s = value_or_throw(SignedStatement::decode(statement_at(st.getColumn(0), st.getColumn(1))));
      insert.row(static_cast<std::uint64_t>(st.getColumn(0).getInt64()), value_or_throw(parse_record(s)));
    }
  }

  void check_integrity() {
    envelopes_encrypted = meta_int("envelopes").value_or(0) == 1;
    const auto stored = meta_blob("seal");
    if (!stored) {
      if (!holds_anything()) {  // a new catalog
        storage::Transaction tx(db);
        set_meta("envelopes", 1);
        envelopes_encrypted = true;
        set_meta("rows", rows_digest().view());
        reseal();
        tx.commit();
        load_verified();
        return;
      }
      damage = "the catalog is not sealed (written by an earlier Outpost, or changed outside Outpost)";
      return;
    }
    const crypto::Digest seal = seal_value();
    if (ByteView(*stored).size() != crypto::Digest::size ||
        sodium_memcmp(stored->data(), seal.bytes.data(), crypto::Digest::size) != 0) {
      damage = "the catalog's sealed values were changed outside Outpost";
      return;
    }
    if (auto problem = chain_problem()) {
      damage = *problem;
      return;
    }
    const auto rows = meta_blob("rows");
    auto rows_match = [&] { return rows && std::ranges::equal(rows_digest().view(), ByteView(*rows)); };
    if (!rows_match()) {
      storage::Transaction tx(db);
      rederive_rows();
      if (!rows_match()) {
        damage = "the catalog's derived rows do not match its statements";
        return;  // the transaction rolls back
      }
      tx.commit();
      repaired = true;
    }
    if (!envelopes_encrypted) encrypt_envelopes();
    load_verified();
  }

  // A verified catalog written by an Outpost that stored its statements in
  // clear: each one is encrypted in place, in one transaction.
  void encrypt_envelopes() {
    storage::Transaction tx(db);
    std::vector<std::pair<std::uint64_t, Bytes>> boxes;
    SQLite::Statement st(db, "SELECT seq, envelope FROM statements");
    while (st.executeStep()) {
      const auto seq = static_cast<std::uint64_t>(st.getColumn(0).getInt64());
      boxes.emplace_back(seq, envelope_keys.seal(seq, storage::blob_view(st.getColumn(1))));
    }
    SQLite::Statement put(db, "UPDATE statements SET envelope = ? WHERE seq = ?");
    for (const auto& [seq, box] : boxes) {
      put.reset();
      put.bind(1, box.data(), static_cast<int>(box.size()));
      put.bind(2, static_cast<std::int64_t>(seq));
      put.exec();
    }
    set_meta("envelopes", 1);
    tx.commit();
    envelopes_encrypted = true;
  }

  void load_verified() {
    if (auto env = meta_blob("trust")) trust = parse_trust(*env);
    if (auto env = meta_blob("timestamp")) {
      auto s = value_or_throw(SignedStatement::decode(*env));
      timestamp = value_or_throw(CatalogTimestamp::from_body(s.body));
    }
  }

  // The rule state as stored: counters plus every release and revocation.
  CatalogState load_state() const {
    CatalogState state;
    const std::int64_t seq = meta_int("seq").value_or(0);
    crypto::Digest digest{};
    if (auto d = meta_blob("digest")) digest = *crypto::Digest::from_bytes(*d);
    state.restore(static_cast<std::uint64_t>(seq), digest);
    SQLite::Statement rel(db, "SELECT asset, version FROM releases");
    while (rel.executeStep()) {
      state.note_release(rel.getColumn(0).getString(), static_cast<std::uint64_t>(rel.getColumn(1).getInt64()));
    }
    SQLite::Statement rev(db, "SELECT asset, version FROM revocations");
    while (rev.executeStep()) {
      state.note_revocation(rev.getColumn(0).getString(), static_cast<std::uint64_t>(rev.getColumn(1).getInt64()));
    }
    return state;
  }

  // A delta that passed every rule, ready to be written.
  struct Checked {
    ApplyReport report;
    std::vector<Record> records;
    std::optional<TrustList> trust;
    CatalogTimestamp timestamp;
    CatalogState state;
    bool rebuild = false;
  };

  // Every rule, nothing written (but trusted time, which only moves
  // forward). A rebuild (asked for, or of a damaged catalog) checks a whole
  // catalog from the root again and, unless the held catalog is damaged,
  // must keep every release and revocation held (a hub whose history
  // diverged cannot withdraw one).
  Result<Checked> check(const CatalogDelta& delta, ApplyMode mode) {
    const auto root_bytes = meta_blob("root");
    if (!root_bytes) return Status(Errc::invalid_argument, "no root key is pinned on this device; enroll it first");
    crypto::PublicKey root;
    std::copy(root_bytes->begin(), root_bytes->end(), root.bytes.begin());
    const bool rebuild = delta.from_seq == 0 && (damage || mode == ApplyMode::rebuild);
    if (mode == ApplyMode::rebuild && delta.from_seq != 0) {
      return Status(Errc::invalid_argument, "a rebuild needs the whole catalog (from seq 0), not one from seq " +
                                                std::to_string(delta.from_seq));
    }
    if (damage && !rebuild) {
      return Status(Errc::integrity, "the catalog on this device failed its integrity check (" + *damage +
                                         "): only a whole catalog (from seq 0, as `outpost sync` fetches) repairs it");
    }

    ApplyReport report;
    std::optional<TrustList> new_trust = trust;
    if (delta.trust_list) {
      const auto held = damage ? std::nullopt : meta_blob("trust");
      if (!held || *held != delta.trust_list->encode()) {
        Result<TrustList> checked = check_trust_list(*delta.trust_list, root, trust ? &*trust : nullptr);
        if (!checked) return checked.status();
        new_trust = std::move(checked).value();
        report.trust_updated = true;
      }
    }
    if (!new_trust) return Status(Errc::invalid_argument, "no trust list yet: the delta must carry one");

    Result<CatalogTimestamp> ts = check_timestamp(delta.timestamp, *new_trust);
    if (!ts) return ts.status();
    // A timestamp that stays valid for long would keep a frozen catalog
    // (one that withholds a revocation) fresh for as long.
    if (ts->expires_at - ts->issued_at > max_timestamp_validity) {
      const auto hours = std::chrono::duration_cast<std::chrono::hours>(ts->expires_at - ts->issued_at).count();
      return Status(Errc::integrity, "the catalog timestamp is valid for " + std::to_string(hours) +
                                         " h, longer than the " + std::to_string(max_timestamp_validity.count()) +
                                         " h a device accepts: refused");
    }
    const TimePoint trusted = now();
    if (ts->expires_at <= trusted) {
      return Status(Errc::integrity, "the catalog timestamp expired at " + iso(ts->expires_at) +
                                         " (trusted time " + iso(trusted) + "): this update is too old to trust");
    }
    if (timestamp && ts->issued_at < timestamp->issued_at) {
      return Status(Errc::integrity, "the catalog timestamp is older than the one held (replayed update refused)");
    }

    const CatalogState held = damage ? CatalogState{} : load_state();
    CatalogState state = rebuild ? CatalogState{} : held;
    report.from_seq = state.seq();
    if (delta.from_seq != state.seq()) {
      return Status(Errc::invalid_argument, "the update starts at catalog seq " + std::to_string(delta.from_seq) +
                                                " but this device holds seq " + std::to_string(state.seq()));
    }
    if (ts->seq < held.seq()) {
      return Status(Errc::integrity, "the timestamp's seq " + std::to_string(ts->seq) +
                                         " is lower than the held seq (rollback refused)");
    }
    std::vector<Record> records;
    for (const SignedStatement& s : delta.statements) {
      Result<Record> r = state.add(s, *new_trust);
      if (!r) {
        return Status(r.status().code(), "statement " + std::to_string(state.seq() + 1) + ": " + r.status().message());
      }
      records.push_back(std::move(r).value());
    }
    if (state.seq() != ts->seq) {
      return Status(Errc::integrity, "the timestamp covers catalog seq " + std::to_string(ts->seq) +
                                         " but the update ends at seq " + std::to_string(state.seq()));
    }
    if (state.digest() != ts->digest) {
      return Status(Errc::integrity,
                    "catalog digest mismatch: the statements differ from what the hub signed (nothing applied)");
    }
    if (rebuild && !damage) {
      if (auto dropped = held.missing_from(state)) {
        return Status(Errc::integrity, "the whole catalog offered drops " + *dropped +
                                           ", which this device holds (refused; nothing applied)");
      }
    }
    for (const Record& record : records) {
      if (const auto* r = std::get_if<Release>(&record)) {
        ++report.releases;
        report.released.push_back(*r);
      } else {
        const auto& v = std::get<Revocation>(record);
        ++report.revocations;
        report.revoked.push_back({v.asset, v.version});
      }
    }
    report.to_seq = state.seq();
    return Checked{std::move(report), std::move(records), std::move(new_trust), *ts, std::move(state), rebuild};
  }

  Result<ApplyReport> apply(const CatalogDelta& delta, ApplyMode mode) {
    Result<Checked> checked = check(delta, mode);
    if (!checked) return checked.status();
    ApplyReport& report = checked->report;
    const std::vector<Record>& records = checked->records;
    const CatalogState& state = checked->state;
    const CatalogTimestamp& ts = checked->timestamp;

    storage::Transaction tx(db);
    if (checked->rebuild) {
      db.exec("DELETE FROM releases");
      db.exec("DELETE FROM revocations");
      db.exec("DELETE FROM statements");
      // A catalog is encrypted at open once it verifies; a damaged one
      // whose statements are in clear is rebuilt whole, encrypted.
      set_meta("envelopes", 1);
    }
    Inserter insert(db, envelope_keys);
    std::uint64_t seq = report.from_seq;
    for (std::size_t i = 0; i < records.size(); ++i) {
      ++seq;
      insert.statement(seq, delta.statements[i].encode());
      insert.row(seq, records[i]);
    }
    set_meta("seq", static_cast<std::int64_t>(state.seq()));
    set_meta("digest", state.digest().view());
    set_meta("timestamp", delta.timestamp.encode());
    if (report.trust_updated) set_meta("trust", delta.trust_list->encode());
    observe(ts.issued_at);
    set_meta("hwm", to_unix_ms(hwm));
    set_meta("rows", rows_digest().view());
    reseal();
    tx.commit();

    envelopes_encrypted = envelopes_encrypted || checked->rebuild;
    persisted_hwm = hwm;
    trust = std::move(checked->trust);
    timestamp = ts;
    damage.reset();
    release_cache.clear();
    terms_cache.clear();
    revoked.reset();
    return std::move(report);
  }

  const std::vector<Release>& releases_of(const std::string& asset) const {
    auto it = release_cache.find(asset);
    if (it != release_cache.end()) return it->second;
    SQLite::Statement& st = releases_query;
    st.reset();
    st.bind(1, asset);
    std::vector<Release> out;
    while (st.executeStep()) {
      auto s = value_or_throw(SignedStatement::decode(statement_at(st.getColumn(0), st.getColumn(1))));
      out.push_back(value_or_throw(Release::from_body(s.body)));
    }
    st.reset();
    return release_cache.emplace(asset, std::move(out)).first->second;
  }
};

Status DeviceCatalog::observe_hub_time(TimePoint hub_time) {
  return guarded([&]() -> Status {
    const auto skew = std::chrono::duration_cast<std::chrono::milliseconds>(hub_time - impl_->clock.now());
    const auto new_offset = std::chrono::abs(skew) <= clock_tolerance ? std::chrono::milliseconds(0) : skew;
    const bool rewind = impl_->hwm > hub_time + clock_tolerance;
    if (new_offset == impl_->offset && !rewind) return {};
    storage::Transaction tx(impl_->db);
    impl_->set_meta("clock_offset_ms", static_cast<std::int64_t>(new_offset.count()));
    if (rewind) impl_->set_meta("hwm", to_unix_ms(hub_time));
    if (!impl_->damage) impl_->reseal();
    tx.commit();
    impl_->offset = new_offset;
    if (rewind) impl_->hwm = impl_->persisted_hwm = hub_time;
    return {};
  });
}

DeviceCatalog::DeviceCatalog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeviceCatalog::~DeviceCatalog() {
  try {
    if (impl_ && impl_->hwm > impl_->persisted_hwm) impl_->raise_persisted();
  } catch (...) {  // NOLINT(bugprone-empty-catch): at worst persist_step of trusted time is lost
  }
}

Result<std::unique_ptr<DeviceCatalog>> DeviceCatalog::open(const std::filesystem::path& path, const Clock& clock,
                                                           const crypto::SecretKey& master) {
  return guarded([&]() -> Result<std::unique_ptr<DeviceCatalog>> {
    return std::unique_ptr<DeviceCatalog>(new DeviceCatalog(std::make_unique<Impl>(path, clock, master)));
  });
}

Status DeviceCatalog::pin_root(const crypto::PublicKey& root) {
  return guarded([&]() -> Status {
    if (auto held = impl_->meta_blob("root")) {
      if (ByteView(*held).size() == 32 && std::equal(held->begin(), held->end(), root.bytes.begin())) return Status::ok();
      return {Errc::already_exists, "this device already trusts another root key"};
    }
    storage::Transaction tx(impl_->db);
    impl_->set_meta("root", root.bytes);
    if (!impl_->damage) impl_->reseal();
    tx.commit();
    return Status::ok();
  });
}

std::optional<crypto::PublicKey> DeviceCatalog::root() const {
  auto held = impl_->meta_blob("root");
  if (!held || held->size() != 32) return std::nullopt;
  crypto::PublicKey key;
  std::copy(held->begin(), held->end(), key.bytes.begin());
  return key;
}

Result<ApplyReport> DeviceCatalog::apply(const CatalogDelta& delta, ApplyMode mode) {
  return guarded([&]() -> Result<ApplyReport> { return impl_->apply(delta, mode); });
}

Result<ApplyReport> DeviceCatalog::check(const CatalogDelta& delta, ApplyMode mode) {
  return guarded([&]() -> Result<ApplyReport> {
    Result<Impl::Checked> checked = impl_->check(delta, mode);
    if (!checked) return checked.status();
    return std::move(checked->report);
  });
}

TimePoint DeviceCatalog::trusted_now() { return impl_->now(); }

CatalogStatus DeviceCatalog::status() {
  CatalogStatus s;
  s.damage = impl_->damage;
  s.repaired = impl_->repaired;
  if (!impl_->damage) s.seq = static_cast<std::uint64_t>(impl_->meta_int("seq").value_or(0));
  if (impl_->timestamp) {
    s.verified_as_of = impl_->timestamp->issued_at;
    s.timestamp_expires = impl_->timestamp->expires_at;
  }
  s.trust_version = impl_->trust ? impl_->trust->version : 0;
  s.trusted_now = trusted_now();
  return s;
}

const std::optional<TrustList>& DeviceCatalog::trust() const { return impl_->trust; }

const std::optional<std::string>& DeviceCatalog::damage() const { return impl_->damage; }

std::optional<Release> DeviceCatalog::release(const cache::VersionRef& ref) const {
  for (const Release& r : impl_->releases_of(ref.asset)) {
    if (r.version == ref.version) return r;
  }
  return std::nullopt;
}

std::vector<Release> DeviceCatalog::releases(const std::string& asset) const { return impl_->releases_of(asset); }

const std::vector<ReleaseTerms>& DeviceCatalog::terms(const std::string& asset) const {
  auto it = impl_->terms_cache.find(asset);
  if (it != impl_->terms_cache.end()) return it->second;
  SQLite::Statement& st = impl_->terms_query;
  st.reset();
  st.bind(1, asset);
  std::vector<ReleaseTerms> out;
  while (st.executeStep()) {
    ReleaseTerms t;
    t.asset = asset;
    t.version = static_cast<std::uint64_t>(st.getColumn(0).getInt64());
    t.valid_from = from_unix_ms(st.getColumn(1).getInt64());
    if (!st.getColumn(2).isNull()) t.expires_at = from_unix_ms(st.getColumn(2).getInt64());
    t.grace = Seconds(st.getColumn(3).getInt64());
    t.criticality = st.getColumn(4).getString();
    const auto digest = crypto::Digest::from_bytes(storage::blob_view(st.getColumn(5)));
    if (!digest) throw Error(Errc::corrupt, "catalog holds a malformed release digest");
    t.digest = *digest;
    t.size = static_cast<std::uint64_t>(st.getColumn(6).getInt64());
    out.push_back(std::move(t));
  }
  st.reset();
  return impl_->terms_cache.emplace(asset, std::move(out)).first->second;
}

bool DeviceCatalog::is_revoked(const cache::VersionRef& ref) const {
  return impl_->revocations().contains({ref.asset, ref.version});
}

std::optional<TimePoint> DeviceCatalog::verified_as_of() const {
  if (!impl_->timestamp) return std::nullopt;
  return impl_->timestamp->issued_at;
}

std::optional<Revocation> DeviceCatalog::revocation(const cache::VersionRef& ref) const {
  const auto& revoked = impl_->revocations();
  const auto it = revoked.find({ref.asset, ref.version});
  if (it == revoked.end()) return std::nullopt;
  SQLite::Statement st(impl_->db, "SELECT seq, envelope FROM statements WHERE seq = ?");
  st.bind(1, it->second);
  if (!st.executeStep()) return std::nullopt;
  auto s = value_or_throw(SignedStatement::decode(impl_->statement_at(st.getColumn(0), st.getColumn(1))));
  return value_or_throw(Revocation::from_body(s.body));
}

std::vector<Release> DeviceCatalog::latest_releases() const {
  SQLite::Statement st(impl_->db, "SELECT DISTINCT asset FROM releases ORDER BY asset");
  std::vector<Release> out;
  while (st.executeStep()) {
    const auto& list = impl_->releases_of(st.getColumn(0).getString());
    if (!list.empty()) out.push_back(list.front());
  }
  return out;
}

}  // namespace outpost::catalog
