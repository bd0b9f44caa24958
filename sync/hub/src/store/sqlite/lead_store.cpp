// The lead book's tables in hub.db (the embedded backend). Their migrations
// are lead_schema's; the hub store's connection runs them when it opens
// (hub_schema.cpp), so a lead book connection only checks they ran.
#include <algorithm>

#include "store/sqlite/hub_schema.hpp"
#include "outpost/hub/store/at_rest.hpp"
#include "store/sqlite/sqlite_backend.hpp"
#include "store/sqlite/sqlite_util.hpp"
#include "outpost/hub/store/lead_repository.hpp"

namespace outpost::hub::sqlite {

namespace {

constexpr std::string_view lead_migrations[] = {
    // Personal data only inside the *box columns (XChaCha20-Poly1305 under
    // a key derived from the lead key); person = keyed BLAKE2b of the
    // normalised email. lead_box: the rep device's X25519 key its
    // assignments are sealed to (NULL until told).
    R"sql(
ALTER TABLE devices ADD COLUMN lead_box BLOB;
CREATE TABLE lead_deliveries(
  device TEXT NOT NULL,
  seq INTEGER NOT NULL,
  lead TEXT NOT NULL,
  kind TEXT NOT NULL,          -- assign | withdraw
  sealed BLOB,                 -- assign: crypto_box_seal to devices.lead_box; withdraw: NULL
  created_at INTEGER NOT NULL,
  PRIMARY KEY(device, seq)
) WITHOUT ROWID;
CREATE TABLE lead_pending(
  device TEXT NOT NULL,
  lead TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(device, lead)
) WITHOUT ROWID;
CREATE TABLE leads(
  id TEXT PRIMARY KEY,
  person BLOB NOT NULL UNIQUE,
  box BLOB NOT NULL,           -- fields, each with the time of its value
  score INTEGER NOT NULL,
  show TEXT NOT NULL,
  first_captured_at INTEGER NOT NULL,
  last_captured_at INTEGER NOT NULL,
  team TEXT,
  rep TEXT,
  assigned_at INTEGER,
  due_at INTEGER,
  escalated_at INTEGER
) WITHOUT ROWID;
CREATE INDEX leads_by_rep ON leads(rep);
CREATE TABLE lead_visits(
  journal_id BLOB NOT NULL,
  seq INTEGER NOT NULL,
  lead TEXT NOT NULL,
  show TEXT NOT NULL,
  kiosk TEXT NOT NULL,
  captured_at INTEGER NOT NULL,
  score INTEGER NOT NULL,
  box BLOB NOT NULL,           -- answers and consent
  PRIMARY KEY(journal_id, seq)
) WITHOUT ROWID;
CREATE INDEX lead_visits_by_lead ON lead_visits(lead);
CREATE TABLE lead_withdrawals(
  journal_id BLOB NOT NULL,
  seq INTEGER NOT NULL,
  person BLOB NOT NULL,
  show TEXT NOT NULL,
  withdrawn_at INTEGER NOT NULL,
  PRIMARY KEY(journal_id, seq)
) WITHOUT ROWID;
CREATE INDEX lead_withdrawals_by_person ON lead_withdrawals(person);
CREATE TABLE lead_follow_ups(
  journal_id BLOB NOT NULL,
  seq INTEGER NOT NULL,
  lead TEXT NOT NULL,
  device TEXT NOT NULL,
  outcome TEXT NOT NULL,
  box BLOB NOT NULL,           -- the note
  at INTEGER NOT NULL,
  PRIMARY KEY(journal_id, seq)
) WITHOUT ROWID;
CREATE INDEX lead_follow_ups_by_lead ON lead_follow_ups(lead);
CREATE TABLE lead_tombstones(person BLOB PRIMARY KEY, erased_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE lead_round_robin(team TEXT PRIMARY KEY, next INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE lead_cursors(journal_id BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
)sql",
    // Badge-only leads waiting to be completed from an attendee list (tried:
    // the lists last looked in), and the ids of leads merged into another
    // (a rep's follow-up of the old id still reaches the lead).
    R"sql(
CREATE TABLE lead_badges(lead TEXT PRIMARY KEY, show TEXT NOT NULL, tried TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
CREATE TABLE lead_merged(old TEXT PRIMARY KEY, into_lead TEXT NOT NULL) WITHOUT ROWID;
)sql",
};

constexpr const char* lead_columns =
    "SELECT id, person, box, score, show, first_captured_at, last_captured_at, team, rep FROM leads ";

LeadRow lead_from(SQLite::Statement& st) {
  return LeadRow{st.getColumn(0).getString(),
                 blob_copy(st.getColumn(1)),
                 blob_copy(st.getColumn(2)),
                 u64(st.getColumn(3)),
                 st.getColumn(4).getString(),
                 from_unix_ms(st.getColumn(5).getInt64()),
                 from_unix_ms(st.getColumn(6).getInt64()),
                 opt_text(st.getColumn(7)),
                 opt_text(st.getColumn(8))};
}

class SqliteLeadStore final : public LeadRepository {
 public:
  SqliteLeadStore(const std::filesystem::path& path, AtRestPtr at_rest)
      : db_(path.string(), SQLite::OPEN_READWRITE, 10'000), at_rest_(std::move(at_rest)), units_(db_), cached_(db_) {
    db_.exec("PRAGMA synchronous=FULL");  // an absorbed lead or an assignment must survive a power cut
    db_.exec("PRAGMA foreign_keys=ON");
    if (repository_version(db_, lead_schema.repository) < lead_schema.migrations.size()) {
      throw Error(Errc::corrupt, "hub.db has no lead book tables (the hub store was not migrated)");
    }
  }

  UnitPtr write() override { return units_.write(); }
  UnitPtr read() override { return units_.read(); }

  // ---- leads

  bool lead_exists(const std::string& id) override {
    const auto held = cached_.get("SELECT 1 FROM leads WHERE id = ?");
    SQLite::Statement& st = *held;
    st.bind(1, id);
    return st.executeStep();
  }

  std::optional<LeadRow> lead(const std::string& id) override {
    SQLite::Statement st(db_, std::string(lead_columns) + "WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) return std::nullopt;
    return lead_from(st);
  }

  std::optional<LeadRow> lead_by_person(ByteView person) override {
    SQLite::Statement st(db_, std::string(lead_columns) + "WHERE person = ?");
    bind_blob(st, 1, person);
    if (!st.executeStep()) return std::nullopt;
    return lead_from(st);
  }

  std::vector<LeadSummary> summaries(const std::string& id) override {
    std::string sql =
        "SELECT l.id, l.show, l.score, l.first_captured_at, l.last_captured_at, l.team, l.rep, l.assigned_at, "
        "l.due_at, l.escalated_at, (SELECT count(*) FROM lead_visits v WHERE v.lead = l.id), "
        "(SELECT min(f.at) FROM lead_follow_ups f WHERE f.lead = l.id AND f.device = l.rep), "
        "(SELECT f.outcome FROM lead_follow_ups f WHERE f.lead = l.id ORDER BY f.at DESC LIMIT 1) FROM leads l ";
    if (!id.empty()) sql.append("WHERE l.id = ? ");
    sql.append("ORDER BY l.first_captured_at, l.id");
    SQLite::Statement st(db_, sql);
    if (!id.empty()) st.bind(1, id);
    std::vector<LeadSummary> out;
    while (st.executeStep()) {
      LeadSummary s;
      s.id = st.getColumn(0).getString();
      s.show = st.getColumn(1).getString();
      s.score = u64(st.getColumn(2));
      s.first_captured_at = from_unix_ms(st.getColumn(3).getInt64());
      s.last_captured_at = from_unix_ms(st.getColumn(4).getInt64());
      s.team = opt_text(st.getColumn(5));
      s.rep = opt_text(st.getColumn(6));
      s.assigned_at = opt_time(st.getColumn(7));
      s.due_at = opt_time(st.getColumn(8));
      s.escalated_at = opt_time(st.getColumn(9));
      s.visits = static_cast<std::size_t>(st.getColumn(10).getInt64());
      s.followed_up_at = opt_time(st.getColumn(11));
      s.outcome = opt_text(st.getColumn(12));
      out.push_back(std::move(s));
    }
    return out;
  }

  std::vector<std::string> leads_of_rep(const std::string& rep) override {
    return texts("SELECT id FROM leads WHERE rep = ? ORDER BY id", rep);
  }

  void insert_lead(const LeadRow& row) override {
    SQLite::Statement put(db_,
                          "INSERT INTO leads(id, person, box, score, show, first_captured_at, last_captured_at, team, "
                          "rep) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    put.bind(1, row.id);
    bind_blob(put, 2, row.person);
    bind_blob(put, 3, row.box);
    put.bind(4, i64(row.score));
    put.bind(5, row.show);
    put.bind(6, to_unix_ms(row.first_captured_at));
    put.bind(7, to_unix_ms(row.last_captured_at));
    bind_text_or_null(put, 8, row.team);
    bind_text_or_null(put, 9, row.rep);
    put.exec();
  }

  void fold_into_lead(const std::string& id, ByteView box, std::uint64_t score, const std::string& show,
                      TimePoint first, TimePoint last) override {
    SQLite::Statement upd(db_,
                          "UPDATE leads SET box = ?, score = max(score, ?), "
                          "show = CASE WHEN ? < first_captured_at THEN ? ELSE show END, "
                          "first_captured_at = min(first_captured_at, ?), last_captured_at = max(last_captured_at, ?) "
                          "WHERE id = ?");
    bind_blob(upd, 1, box);
    upd.bind(2, i64(score));
    upd.bind(3, to_unix_ms(first));
    upd.bind(4, show);
    upd.bind(5, to_unix_ms(first));
    upd.bind(6, to_unix_ms(last));
    upd.bind(7, id);
    upd.exec();
  }

  void set_lead_box(const std::string& id, ByteView box) override { set_blob("UPDATE leads SET box = ? WHERE id = ?", box, id); }

  void set_person(const std::string& id, ByteView person) override {
    set_blob("UPDATE leads SET person = ? WHERE id = ?", person, id);
  }

  void set_assignment(const std::string& id, const std::string& team, const std::string& rep, TimePoint assigned_at,
                      TimePoint due_at) override {
    SQLite::Statement st(db_,
                         "UPDATE leads SET team = ?, rep = ?, assigned_at = ?, due_at = ?, escalated_at = NULL "
                         "WHERE id = ?");
    bind_text_or_null(st, 1, team);
    st.bind(2, rep);
    st.bind(3, to_unix_ms(assigned_at));
    st.bind(4, to_unix_ms(due_at));
    st.bind(5, id);
    st.exec();
  }

  void copy_assignment(const std::string& from, const std::string& into) override {
    SQLite::Statement take(db_,
                           "UPDATE leads SET (team, rep, assigned_at, due_at, escalated_at) = "
                           "(SELECT team, rep, assigned_at, due_at, escalated_at FROM leads WHERE id = ?) WHERE id = ?");
    take.bind(1, from);
    take.bind(2, into);
    take.exec();
  }

  void clear_assignment(const std::string& id) override {
    by_text("UPDATE leads SET team = NULL, rep = NULL, assigned_at = NULL, due_at = NULL, escalated_at = NULL "
            "WHERE id = ?",
            id);
  }

  bool escalate(const std::string& id, TimePoint now) override {
    SQLite::Statement st(db_, "UPDATE leads SET escalated_at = ? WHERE id = ? AND rep IS NOT NULL");
    st.bind(1, to_unix_ms(now));
    st.bind(2, id);
    return st.exec() > 0;
  }

  void merge_rows(const std::string& from, const std::string& into) override {
    for (const char* sql : {"UPDATE lead_visits SET lead = ?1 WHERE lead = ?2",
                            "UPDATE lead_follow_ups SET lead = ?1 WHERE lead = ?2",
                            "UPDATE lead_merged SET into_lead = ?1 WHERE into_lead = ?2",
                            "INSERT OR REPLACE INTO lead_merged(old, into_lead) VALUES(?2, ?1)"}) {
      SQLite::Statement st(db_, sql);
      st.bind(1, into);
      st.bind(2, from);
      st.exec();
    }
    for (const char* sql : {"DELETE FROM lead_pending WHERE lead = ?", "DELETE FROM lead_badges WHERE lead = ?",
                            "DELETE FROM leads WHERE id = ?"}) {
      by_text(sql, from);
    }
  }

  std::optional<std::string> merged_into(const std::string& old_id) override {
    SQLite::Statement st(db_, "SELECT into_lead FROM lead_merged WHERE old = ?");
    st.bind(1, old_id);
    if (!st.executeStep()) return std::nullopt;
    return st.getColumn(0).getString();
  }

  std::uint64_t remove_lead(const std::string& id) override {
    std::uint64_t cleared = 0;
    for (const char* sql :
         {"UPDATE events SET payload = NULL WHERE payload IS NOT NULL AND (journal_id, seq) IN "
          "(SELECT journal_id, seq FROM lead_visits WHERE lead = ?)",
          "UPDATE events SET payload = NULL WHERE payload IS NOT NULL AND (journal_id, seq) IN "
          "(SELECT journal_id, seq FROM lead_follow_ups WHERE lead = ?)"}) {
      cleared += static_cast<std::uint64_t>(by_text(sql, id));
    }
    for (const char* sql : {"DELETE FROM lead_visits WHERE lead = ?", "DELETE FROM lead_follow_ups WHERE lead = ?",
                            "DELETE FROM lead_pending WHERE lead = ?", "DELETE FROM lead_badges WHERE lead = ?",
                            "DELETE FROM leads WHERE id = ?"}) {
      by_text(sql, id);
    }
    return cleared;
  }

  // ---- visits, follow-ups, withdrawals, tombstones

  std::vector<VisitRow> visits(const std::string& lead) override {
    SQLite::Statement v(db_,
                        "SELECT journal_id, seq, show, kiosk, captured_at, score, box FROM lead_visits WHERE lead = ? "
                        "ORDER BY captured_at, journal_id, seq");
    v.bind(1, lead);
    std::vector<VisitRow> out;
    while (v.executeStep()) {
      out.push_back(VisitRow{blob_copy(v.getColumn(0)), u64(v.getColumn(1)), lead, v.getColumn(2).getString(),
                             v.getColumn(3).getString(), from_unix_ms(v.getColumn(4).getInt64()), u64(v.getColumn(5)),
                             blob_copy(v.getColumn(6))});
    }
    return out;
  }

  void insert_visit(const VisitRow& row) override {
    SQLite::Statement v(db_,
                        "INSERT OR IGNORE INTO lead_visits(journal_id, seq, lead, show, kiosk, captured_at, score, box) "
                        "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    bind_blob(v, 1, row.journal_id);
    v.bind(2, i64(row.seq));
    v.bind(3, row.lead);
    v.bind(4, row.show);
    v.bind(5, row.kiosk);
    v.bind(6, to_unix_ms(row.captured_at));
    v.bind(7, i64(row.score));
    bind_blob(v, 8, row.box);
    v.exec();
  }

  std::vector<FollowUpRow> follow_ups(const std::string& lead) override {
    SQLite::Statement f(db_,
                        "SELECT journal_id, seq, device, outcome, box, at FROM lead_follow_ups WHERE lead = ? "
                        "ORDER BY at, journal_id, seq");
    f.bind(1, lead);
    std::vector<FollowUpRow> out;
    while (f.executeStep()) {
      out.push_back(FollowUpRow{blob_copy(f.getColumn(0)), u64(f.getColumn(1)), lead, f.getColumn(2).getString(),
                                f.getColumn(3).getString(), blob_copy(f.getColumn(4)),
                                from_unix_ms(f.getColumn(5).getInt64())});
    }
    return out;
  }

  void insert_follow_up(const FollowUpRow& row) override {
    SQLite::Statement put(db_,
                          "INSERT OR IGNORE INTO lead_follow_ups(journal_id, seq, lead, device, outcome, box, at) "
                          "VALUES(?, ?, ?, ?, ?, ?, ?)");
    bind_blob(put, 1, row.journal_id);
    put.bind(2, i64(row.seq));
    put.bind(3, row.lead);
    put.bind(4, row.device);
    put.bind(5, row.outcome);
    bind_blob(put, 6, row.box);
    put.bind(7, to_unix_ms(row.at));
    put.exec();
  }

  std::vector<WithdrawalRow> withdrawals(ByteView person) override {
    SQLite::Statement w(db_,
                        "SELECT journal_id, seq, show, withdrawn_at FROM lead_withdrawals WHERE person = ? "
                        "ORDER BY withdrawn_at");
    bind_blob(w, 1, person);
    std::vector<WithdrawalRow> out;
    while (w.executeStep()) {
      out.push_back(WithdrawalRow{blob_copy(w.getColumn(0)), u64(w.getColumn(1)), Bytes(person.begin(), person.end()),
                                  w.getColumn(2).getString(), from_unix_ms(w.getColumn(3).getInt64())});
    }
    return out;
  }

  void insert_withdrawal(const WithdrawalRow& row) override {
    SQLite::Statement put(db_,
                          "INSERT OR IGNORE INTO lead_withdrawals(journal_id, seq, person, show, withdrawn_at) "
                          "VALUES(?, ?, ?, ?, ?)");
    bind_blob(put, 1, row.journal_id);
    put.bind(2, i64(row.seq));
    bind_blob(put, 3, row.person);
    put.bind(4, row.show);
    put.bind(5, to_unix_ms(row.withdrawn_at));
    put.exec();
  }

  std::pair<std::uint64_t, std::uint64_t> remove_withdrawals(ByteView person) override {
    SQLite::Statement clear(db_,
                            "UPDATE events SET payload = NULL WHERE payload IS NOT NULL AND (journal_id, seq) IN "
                            "(SELECT journal_id, seq FROM lead_withdrawals WHERE person = ?)");
    bind_blob(clear, 1, person);
    const auto cleared = static_cast<std::uint64_t>(clear.exec());
    SQLite::Statement del(db_, "DELETE FROM lead_withdrawals WHERE person = ?");
    bind_blob(del, 1, person);
    return {cleared, static_cast<std::uint64_t>(del.exec())};
  }

  std::optional<TimePoint> erased_at(ByteView person) override {
    const auto held = cached_.get("SELECT erased_at FROM lead_tombstones WHERE person = ?");
    SQLite::Statement& st = *held;
    bind_blob(st, 1, person);
    if (!st.executeStep()) return std::nullopt;
    return from_unix_ms(st.getColumn(0).getInt64());
  }

  void set_erased(ByteView person, TimePoint at) override {
    SQLite::Statement tomb(db_, "INSERT OR REPLACE INTO lead_tombstones(person, erased_at) VALUES(?, ?)");
    bind_blob(tomb, 1, person);
    tomb.bind(2, to_unix_ms(at));
    tomb.exec();
  }

  // ---- events

  std::vector<LeadEventRow> take_new_events() override {
    struct Journal {
      Bytes id;
      std::string device;
      std::int64_t acked;
      std::int64_t from;
    };
    std::vector<Journal> journals;
    {
      SQLite::Statement st(db_,
                           "SELECT j.journal_id, j.device, j.acked_seq, coalesce(c.seq, 0) FROM journals j "
                           "LEFT JOIN lead_cursors c ON c.journal_id = j.journal_id "
                           "WHERE j.acked_seq > coalesce(c.seq, 0)");
      while (st.executeStep()) {
        journals.push_back({blob_copy(st.getColumn(0)), st.getColumn(1).getString(), st.getColumn(2).getInt64(),
                            st.getColumn(3).getInt64()});
      }
    }
    SQLite::Statement read(db_,
                           "SELECT seq, time, type, payload FROM events WHERE journal_id = ? AND seq > ? AND seq <= ? "
                           "AND type IN ('lead.captured', 'lead.repeat_visit', 'consent.withdrawn', "
                           "'lead.followed_up') ORDER BY seq");
    SQLite::Statement cursor(db_, "INSERT OR REPLACE INTO lead_cursors(journal_id, seq) VALUES(?, ?)");
    std::vector<LeadEventRow> out;
    for (const Journal& j : journals) {
      read.reset();
      bind_blob(read, 1, j.id);
      read.bind(2, j.from);
      read.bind(3, j.acked);
      while (read.executeStep()) {
        LeadEventRow e{j.id, j.device, u64(read.getColumn(0)), u64(read.getColumn(1)), read.getColumn(2).getString(),
                       std::nullopt};
        // A payload that does not open (hub.db changed behind the hub's
        // back) reads as empty: the lead book alerts it as malformed
        // instead of taking it for one an erase cleared.
        if (!read.getColumn(3).isNull()) {
          e.payload = at_rest_->open_payload(j.id, e.seq, blob(read.getColumn(3))).value_or(Bytes{});
        }
        out.push_back(std::move(e));
      }
      cursor.reset();
      bind_blob(cursor, 1, j.id);
      cursor.bind(2, j.acked);
      cursor.exec();
    }
    return out;
  }

  void clear_event_payload(ByteView journal_id, std::uint64_t seq) override {
    SQLite::Statement st(db_, "UPDATE events SET payload = NULL WHERE journal_id = ? AND seq = ?");
    bind_blob(st, 1, journal_id);
    st.bind(2, i64(seq));
    st.exec();
  }

  // ---- badges

  std::vector<BadgeWait> badge_waits() override {
    SQLite::Statement st(db_, "SELECT lead, show, tried FROM lead_badges ORDER BY lead");
    std::vector<BadgeWait> out;
    while (st.executeStep()) {
      out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getString()});
    }
    return out;
  }

  void add_badge_wait(const std::string& lead, const std::string& show) override {
    two_texts("INSERT OR IGNORE INTO lead_badges(lead, show) VALUES(?, ?)", lead, show);
  }

  void set_badge_tried(const std::string& lead, const std::string& tried) override {
    two_texts("UPDATE lead_badges SET tried = ? WHERE lead = ?", tried, lead);
  }

  void remove_badge_wait(const std::string& lead) override { by_text("DELETE FROM lead_badges WHERE lead = ?", lead); }

  // ---- devices, deliveries, round robin

  std::optional<LeadDevice> device(const std::string& name) override {
    const auto held = cached_.get("SELECT role, revoked_at, lead_box FROM devices WHERE name = ?");
    SQLite::Statement& st = *held;
    st.bind(1, name);
    if (!st.executeStep()) return std::nullopt;
    LeadDevice d{st.getColumn(0).getString(), !st.getColumn(1).isNull(), std::nullopt};
    if (!st.getColumn(2).isNull()) d.lead_box = blob_copy(st.getColumn(2));
    return d;
  }

  void set_device_lead_box(const std::string& name, ByteView key) override {
    set_blob("UPDATE devices SET lead_box = ? WHERE name = ?", key, name);
  }

  void add_pending(const std::string& device, const std::string& lead, TimePoint now) override {
    SQLite::Statement st(db_, "INSERT OR IGNORE INTO lead_pending(device, lead, created_at) VALUES(?, ?, ?)");
    st.bind(1, device);
    st.bind(2, lead);
    st.bind(3, to_unix_ms(now));
    st.exec();
  }

  std::vector<std::string> pending(const std::string& device) override {
    return texts("SELECT lead FROM lead_pending WHERE device = ? ORDER BY created_at, lead", device);
  }

  void remove_pending(const std::string& device, const std::string& lead) override {
    two_texts("DELETE FROM lead_pending WHERE device = ? AND lead = ?", device, lead);
  }

  std::vector<std::string> devices_ready_for_pending() override {
    SQLite::Statement st(db_,
                         "SELECT DISTINCT p.device FROM lead_pending p JOIN devices d ON d.name = p.device "
                         "WHERE d.lead_box IS NOT NULL ORDER BY p.device");
    std::vector<std::string> out;
    while (st.executeStep()) out.push_back(st.getColumn(0).getString());
    return out;
  }

  bool ever_assigned(const std::string& device, const std::string& lead) override {
    const auto held = cached_.get("SELECT 1 FROM lead_deliveries WHERE device = ? AND lead = ? AND kind = 'assign'");
    SQLite::Statement& st = *held;
    st.bind(1, device);
    st.bind(2, lead);
    return st.executeStep();
  }

  std::optional<std::string> last_delivery_kind(const std::string& device, const std::string& lead) override {
    SQLite::Statement st(db_,
                         "SELECT kind FROM lead_deliveries WHERE device = ? AND lead = ? ORDER BY seq DESC LIMIT 1");
    st.bind(1, device);
    st.bind(2, lead);
    if (!st.executeStep()) return std::nullopt;
    return st.getColumn(0).getString();
  }

  void append_delivery(const std::string& device, const std::string& lead, const std::string& kind,
                       const std::optional<Bytes>& sealed, TimePoint now) override {
    SQLite::Statement put(db_,
                          "INSERT INTO lead_deliveries(device, seq, lead, kind, sealed, created_at) "
                          "VALUES(?1, (SELECT coalesce(max(seq), 0) + 1 FROM lead_deliveries WHERE device = ?1), "
                          "?2, ?3, ?4, ?5)");
    put.bind(1, device);
    put.bind(2, lead);
    put.bind(3, kind);
    if (sealed) bind_blob(put, 4, *sealed);
    put.bind(5, to_unix_ms(now));
    put.exec();
  }

  std::vector<Delivery> deliveries(const std::string& device, std::uint64_t after_seq, std::size_t limit) override {
    SQLite::Statement st(db_,
                         "SELECT seq, lead, kind, sealed, created_at FROM lead_deliveries WHERE device = ? AND seq > ? "
                         "ORDER BY seq LIMIT ?");
    st.bind(1, device);
    st.bind(2, i64(after_seq));
    st.bind(3, static_cast<std::int64_t>(std::min<std::size_t>(limit, 1'000'000)));
    std::vector<Delivery> out;
    while (st.executeStep()) {
      Delivery d;
      d.device = device;
      d.seq = u64(st.getColumn(0));
      d.lead = st.getColumn(1).getString();
      d.kind = st.getColumn(2).getString();
      if (!st.getColumn(3).isNull()) d.sealed = blob_copy(st.getColumn(3));
      d.created_at = from_unix_ms(st.getColumn(4).getInt64());
      out.push_back(std::move(d));
    }
    return out;
  }

  std::vector<LeadBook::DeliveryHead> delivery_heads() override {
    SQLite::Statement st(db_,
                         "SELECT d.device, max(d.seq), v.lead_box FROM lead_deliveries d JOIN devices v "
                         "ON v.name = d.device WHERE v.lead_box IS NOT NULL GROUP BY d.device");
    std::vector<LeadBook::DeliveryHead> out;
    while (st.executeStep()) {
      const ByteView box = blob(st.getColumn(2));
      if (box.size() != 32) continue;
      LeadBook::DeliveryHead h;
      h.device = st.getColumn(0).getString();
      h.seq = u64(st.getColumn(1));
      std::copy(box.begin(), box.end(), h.lead_box.bytes.begin());
      out.push_back(std::move(h));
    }
    return out;
  }

  std::size_t round_robin_next(const std::string& team) override {
    SQLite::Statement get(db_, "SELECT next FROM lead_round_robin WHERE team = ?");
    get.bind(1, team);
    return get.executeStep() ? static_cast<std::size_t>(get.getColumn(0).getInt64()) : 0;
  }

  void set_round_robin_next(const std::string& team, std::size_t next) override {
    SQLite::Statement put(db_, "INSERT OR REPLACE INTO lead_round_robin(team, next) VALUES(?, ?)");
    put.bind(1, team);
    put.bind(2, static_cast<std::int64_t>(next));
    put.exec();
  }

  void add_alert(const std::string& device, const std::string& kind, const std::string& detail,
                 TimePoint now) override {
    SQLite::Statement st(db_, "INSERT INTO alerts(at, device, kind, detail) VALUES(?, ?, ?, ?)");
    st.bind(1, to_unix_ms(now));
    st.bind(2, device);
    st.bind(3, kind);
    st.bind(4, detail);
    st.exec();
  }

 private:
  static void bind_text_or_null(SQLite::Statement& st, int index, const std::string& text) {
    if (text.empty()) {
      st.bind(index);
    } else {
      st.bind(index, text);
    }
  }
  int by_text(const char* sql, const std::string& value) {
    SQLite::Statement st(db_, sql);
    st.bind(1, value);
    return st.exec();
  }
  void two_texts(const char* sql, const std::string& a, const std::string& b) {
    SQLite::Statement st(db_, sql);
    st.bind(1, a);
    st.bind(2, b);
    st.exec();
  }
  void set_blob(const char* sql, ByteView value, const std::string& key) {
    SQLite::Statement st(db_, sql);
    bind_blob(st, 1, value);
    st.bind(2, key);
    st.exec();
  }
  std::vector<std::string> texts(const char* sql, const std::string& value) {
    SQLite::Statement st(db_, sql);
    st.bind(1, value);
    std::vector<std::string> out;
    while (st.executeStep()) out.push_back(st.getColumn(0).getString());
    return out;
  }

  SQLite::Database db_;
  AtRestPtr at_rest_;
  Units units_;
  Statements cached_;
};

}  // namespace

const RepositorySchema lead_schema{"leads", lead_migrations};

std::unique_ptr<LeadRepository> open_lead_store(const std::filesystem::path& db_path, AtRestPtr at_rest) {
  return std::make_unique<SqliteLeadStore>(db_path, std::move(at_rest));
}

}  // namespace outpost::hub::sqlite
