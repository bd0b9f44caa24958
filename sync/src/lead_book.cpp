// The lead book: opening it, absorbing the hub's lead events, reading leads.
#include <sodium.h>

#include <algorithm>
#include <ctime>

#include "lead_book_impl.hpp"
#include "outpost/core/guard.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/kdf.hpp"
#include "outpost/storage/database.hpp"
#include "outpost/sync/hub_store.hpp"

namespace outpost::sync {

using namespace lead_detail;

namespace {

// Subkeys of the hub's lead secret key (crypto_kdf). Defined here, not in
// core's purpose list, because only the hub holds this master key.
constexpr crypto::KeyPurpose book_encryption{{'O', 'P', 'h', 'u', 'b', 'l', 'd', '1'}, 1};
constexpr crypto::KeyPurpose person_keys{{'O', 'P', 'h', 'u', 'b', 'l', 'd', '1'}, 2};

constexpr std::int64_t lowest_book_schema = 3;  // the migration that made the lead book's tables

constexpr const char* lead_event_types = "('lead.captured', 'lead.repeat_visit', 'consent.withdrawn', 'lead.followed_up')";

const char* const outcomes[] = {"called", "meeting", "disqualified", "no-answer"};

// One lead-related event as the hub stored it.
struct RawEvent {
  Bytes journal_id;
  std::string device;
  std::uint64_t seq = 0;
  std::int64_t time_ms = 0;  // the device's journal time
  std::string type;
  std::optional<Bytes> payload;

  int order() const {  // captures, then withdrawals, then follow-ups
    if (type == "consent.withdrawn") return 1;
    if (type == "lead.followed_up") return 2;
    return 0;
  }
  std::string where() const {
    std::string s = "event ";
    s.append(std::to_string(seq)).append(" of device '").append(device).append("'");
    return s;
  }
  std::string ad(const char* table) const {
    std::string s(table);
    s.append(":").append(to_hex(journal_id)).append(":").append(std::to_string(seq));
    return s;
  }
};

// A rejected event: counted and alerted, never fatal.
struct Refused {
  std::string kind;
  std::string detail;
};

json decode_map(ByteView bytes, const std::string& what) {
  json doc = json::from_msgpack(bytes.begin(), bytes.end(), true, false);
  if (!doc.is_object()) throw Refused{"lead.malformed", what + " is not a MessagePack map"};
  return doc;
}

const std::string& text(const json& doc, const char* key, const std::string& what) {
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_string()) {
    throw Refused{"lead.malformed", what + ": '" + std::string(key) + "' is missing or not text"};
  }
  return it->get_ref<const std::string&>();
}

std::uint64_t number(const json& doc, const char* key, const std::string& what) {
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_number_unsigned()) {
    throw Refused{"lead.malformed", what + ": '" + std::string(key) + "' is missing or not a number"};
  }
  return it->get<std::uint64_t>();
}

std::map<std::string, std::string> text_map(const json& doc, const char* key, const std::string& what) {
  std::map<std::string, std::string> out;
  const auto it = doc.find(key);
  if (it == doc.end()) return out;
  if (!it->is_object()) throw Refused{"lead.malformed", what + ": '" + std::string(key) + "' is not a map"};
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) throw Refused{"lead.malformed", what + ": '" + std::string(key) + "' holds a non-text value"};
    out[k] = v.get<std::string>();
  }
  return out;
}

// The sealed part of an event, opened with the hub's lead key.
json open_sealed_part(const crypto::BoxKeyPair& key, const json& outer, const std::string& what) {
  const auto it = outer.find("sealed");
  if (it == outer.end() || !it->is_binary()) throw Refused{"lead.malformed", what + " has no sealed part"};
  std::optional<Bytes> plain = crypto::open_sealed(key, it->get_binary());
  if (!plain) {
    throw Refused{"lead.sealed", what + ": the sealed part does not open with the hub's lead key (tampered, or "
                                        "sealed to another hub)"};
  }
  json inner;
  try {
    inner = decode_map(*plain, what + "'s sealed part");
  } catch (...) {
    crypto::wipe(*plain);
    throw;
  }
  crypto::wipe(*plain);
  return inner;
}

// The email of a sealed lead: the field named "email", else the one field
// whose value looks like an address (forms name their email field freely).
std::string email_of(const std::map<std::string, std::string>& fields) {
  if (auto it = fields.find("email"); it != fields.end() && !it->second.empty()) return normal_email(it->second);
  std::string found;
  for (const auto& [name, value] : fields) {
    if (value.find('@') == std::string::npos) continue;
    if (!found.empty()) return {};
    found = normal_email(value);
  }
  return found;
}

}  // namespace

// ---- helpers

namespace lead_detail {

std::string iso_utc(TimePoint t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const std::time_t tt = static_cast<std::time_t>(seconds.time_since_epoch().count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string normal_email(std::string_view email) {
  std::size_t b = 0, e = email.size();
  while (b < e && std::isspace(static_cast<unsigned char>(email[b])) != 0) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(email[e - 1])) != 0) --e;
  std::string out(email.substr(b, e - b));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Savepoint::Savepoint(SQLite::Database& db, const char* name) : db_(db), name_(name) { db_.exec("SAVEPOINT " + name_); }

Savepoint::~Savepoint() {
  if (done_) return;
  try {
    db_.exec("ROLLBACK TO " + name_);
    db_.exec("RELEASE " + name_);
  } catch (...) {  // NOLINT(bugprone-empty-catch): the enclosing transaction rolls back
  }
}

void Savepoint::release() {
  db_.exec("RELEASE " + name_);
  done_ = true;
}

}  // namespace lead_detail

// ---- Impl

LeadBook::Impl::Impl(const std::filesystem::path& db_path, const crypto::BoxKeyPair& lead, Random& r)
    : db(db_path.string(), SQLite::OPEN_READWRITE, 10'000),
      lead_key(crypto::BoxKeyPair::from_secret(lead.secret_key().view())),
      box_key(crypto::derive_key(lead.secret_key(), book_encryption)),
      person_key(crypto::derive_key(lead.secret_key(), person_keys)),
      random(r) {
  db.exec("PRAGMA synchronous=FULL");  // an absorbed lead or an assignment must survive a power cut
  db.exec("PRAGMA foreign_keys=ON");
  if (db.execAndGet("PRAGMA user_version").getInt64() < lowest_book_schema) {
    throw Error(Errc::corrupt, "hub.db has no lead book tables (the hub store was not migrated)");
  }
}

Bytes LeadBook::Impl::seal_box(const json& doc, std::string_view associated) {
  Bytes plain = json::to_msgpack(doc);
  Bytes box = crypto::aead_seal(box_key, random, plain, as_bytes(associated));
  crypto::wipe(plain);
  return box;
}

json LeadBook::Impl::open_box(ByteView box, std::string_view associated) {
  Bytes plain;
  if (!crypto::aead_open(box_key, box, as_bytes(associated), plain)) {
    throw Error(Errc::corrupt, "lead book: a record does not authenticate (" + std::string(associated) + ")");
  }
  json doc = json::from_msgpack(plain.begin(), plain.end(), true, false);
  crypto::wipe(plain);
  return doc;
}

crypto::Digest LeadBook::Impl::person_of(const std::string& email) const {
  return crypto::keyed_blake2b(person_key, as_bytes(email));
}

std::string LeadBook::Impl::new_lead_id() {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";  // RFC 4648 base32
  for (;;) {
    std::array<std::uint8_t, 10> r{};
    random.fill(r);
    std::string id = "L-";
    for (std::uint8_t b : r) id += alphabet[b & 31];
    SQLite::Statement st(db, "SELECT 1 FROM leads WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) return id;
  }
}

void LeadBook::Impl::alert(const std::string& device, const std::string& kind, const std::string& detail,
                           TimePoint now) {
  SQLite::Statement st(db, "INSERT INTO alerts(at, device, kind, detail) VALUES(?, ?, ?, ?)");
  st.bind(1, to_unix_ms(now));
  st.bind(2, device);
  st.bind(3, kind);
  st.bind(4, detail);
  st.exec();
}

std::vector<LeadSummary> LeadBook::Impl::summaries(const std::string& where_id) {
  std::string sql =
      "SELECT l.id, l.show, l.score, l.first_captured_at, l.last_captured_at, l.team, l.rep, l.assigned_at, "
      "l.due_at, l.escalated_at, (SELECT count(*) FROM lead_visits v WHERE v.lead = l.id), "
      "(SELECT min(f.at) FROM lead_follow_ups f WHERE f.lead = l.id AND f.device = l.rep), "
      "(SELECT f.outcome FROM lead_follow_ups f WHERE f.lead = l.id ORDER BY f.at DESC LIMIT 1) FROM leads l ";
  if (!where_id.empty()) sql.append("WHERE l.id = ? ");
  sql.append("ORDER BY l.first_captured_at, l.id");
  SQLite::Statement st(db, sql);
  if (!where_id.empty()) st.bind(1, where_id);
  std::vector<LeadSummary> out;
  while (st.executeStep()) {
    LeadSummary s;
    s.id = st.getColumn(0).getString();
    s.show = st.getColumn(1).getString();
    s.score = static_cast<std::uint64_t>(st.getColumn(2).getInt64());
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

std::optional<Lead> LeadBook::Impl::read_lead(const std::string& id, bool with_pii) {
  auto found = summaries(id);
  if (found.empty()) return std::nullopt;
  Lead lead;
  static_cast<LeadSummary&>(lead) = std::move(found.front());
  SQLite::Statement v(db,
                      "SELECT journal_id, seq, show, kiosk, captured_at, score, box FROM lead_visits WHERE lead = ? "
                      "ORDER BY captured_at, journal_id, seq");
  v.bind(1, id);
  std::map<std::string, LeadConsent> consents;
  while (v.executeStep()) {
    LeadVisit visit;
    visit.show = v.getColumn(2).getString();
    visit.kiosk = v.getColumn(3).getString();
    visit.captured_at = from_unix_ms(v.getColumn(4).getInt64());
    visit.score = static_cast<std::uint64_t>(v.getColumn(5).getInt64());
    std::string ad = "visit:";
    ad.append(to_hex(blob(v.getColumn(0)))).append(":").append(v.getColumn(1).getString());
    const json box = open_box(blob(v.getColumn(6)), ad);
    if (with_pii) visit.answers = box.value("answers", std::map<std::string, std::string>{});
    visit.consent_version = box.value("consent_version", "");
    visit.consent_at = from_unix_ms(box.value("consent_at", std::int64_t{0}));
    LeadConsent& c = consents[visit.show];
    if (c.show.empty() || visit.consent_at >= c.accepted_at) c = {visit.show, visit.consent_version, visit.consent_at, {}};
    lead.history.push_back(std::move(visit));
  }
  SQLite::Statement person(db, "SELECT person, box FROM leads WHERE id = ?");
  person.bind(1, id);
  if (!person.executeStep()) return std::nullopt;
  // A withdrawal counts against the consent it follows (a later capture
  // with fresh consent at the same show gives it back).
  SQLite::Statement w(db, "SELECT show, withdrawn_at FROM lead_withdrawals WHERE person = ? ORDER BY withdrawn_at");
  bind_blob(w, 1, blob(person.getColumn(0)));
  while (w.executeStep()) {
    auto it = consents.find(w.getColumn(0).getString());
    const TimePoint at = from_unix_ms(w.getColumn(1).getInt64());
    if (it != consents.end() && at >= it->second.accepted_at) it->second.withdrawn_at = at;
  }
  for (auto& [show, c] : consents) lead.consents.push_back(std::move(c));
  if (with_pii) {
    json box = open_box(blob(person.getColumn(1)), "lead:" + id);
    for (const auto& [name, entry] : box["fields"].items()) lead.fields[name] = entry.value("v", "");
  }
  SQLite::Statement f(db,
                      "SELECT journal_id, seq, device, outcome, box, at FROM lead_follow_ups WHERE lead = ? "
                      "ORDER BY at, journal_id, seq");
  f.bind(1, id);
  while (f.executeStep()) {
    LeadFollowUp up;
    up.device = f.getColumn(2).getString();
    up.outcome = f.getColumn(3).getString();
    if (with_pii) {
      std::string ad = "note:";
      ad.append(to_hex(blob(f.getColumn(0)))).append(":").append(f.getColumn(1).getString());
      up.note = open_box(blob(f.getColumn(4)), ad).value("note", "");
    }
    up.at = from_unix_ms(f.getColumn(5).getInt64());
    lead.follow_ups.push_back(std::move(up));
  }
  return lead;
}

// ---- LeadBook

std::string LeadSummary::state(TimePoint now) const {
  if (rep.empty()) return "unassigned";
  if (followed_up_at) return "followed-up";
  if (due_at && now > *due_at) return "overdue";
  return "assigned";
}

LeadBook::LeadBook(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LeadBook::~LeadBook() = default;

Result<std::unique_ptr<LeadBook>> LeadBook::open(const std::filesystem::path& home, const crypto::BoxKeyPair& lead_key,
                                                 Random& random) {
  return guarded([&]() -> Result<std::unique_ptr<LeadBook>> {
    {
      // Opening the store migrates hub.db to the schema with the book's tables.
      auto store = HubStore::open(home);
      if (!store) return store.status();
    }
    return std::unique_ptr<LeadBook>(new LeadBook(std::make_unique<Impl>(HubStore::db_path(home), lead_key, random)));
  });
}

namespace {

// Absorbing one event; throws Refused for an event to skip and alert.
struct Absorber {
  LeadBook::Impl& book;
  AbsorbReport& report;
  TimePoint now;

  void clear_payload(const RawEvent& e) {
    SQLite::Statement st(book.db, "UPDATE events SET payload = NULL WHERE journal_id = ? AND seq = ?");
    bind_blob(st, 1, e.journal_id);
    st.bind(2, static_cast<std::int64_t>(e.seq));
    st.exec();
    ++report.erased;
  }

  // True if the person was erased at or after `at` (their older events stay erased).
  bool erased(const crypto::Digest& person, std::int64_t at_ms) {
    SQLite::Statement st(book.db, "SELECT erased_at FROM lead_tombstones WHERE person = ?");
    bind_blob(st, 1, person.view());
    return st.executeStep() && at_ms <= st.getColumn(0).getInt64();
  }

  void capture(const RawEvent& e) {
    const std::string what = e.where();
    const json outer = decode_map(*e.payload, what);
    const json lead = open_sealed_part(book.lead_key, outer, what);
    const std::string& show = text(lead, "show", what);
    if (show != text(outer, "show", what)) {
      throw Refused{"lead.malformed", what + ": the sealed lead names another show than the event"};
    }
    const auto captured_ms = static_cast<std::int64_t>(number(lead, "captured_at", what));
    const std::uint64_t score = number(lead, "score", what);
    std::map<std::string, std::string> fields = text_map(lead, "fields", what);
    const std::map<std::string, std::string> answers = text_map(lead, "answers", what);
    const auto consent = lead.find("consent");
    if (consent == lead.end() || !consent->is_object()) throw Refused{"lead.malformed", what + " has no consent"};
    const std::string email = email_of(fields);
    if (email.empty()) throw Refused{"lead.malformed", what + ": the sealed lead has no email field"};
    const crypto::Digest person = book.person_of(email);
    if (erased(person, captured_ms)) return clear_payload(e);

    std::string id;
    SQLite::Statement find(book.db, "SELECT id, box, first_captured_at, rep FROM leads WHERE person = ?");
    bind_blob(find, 1, person.view());
    if (find.executeStep()) {
      id = find.getColumn(0).getString();
      json box = book.open_box(blob(find.getColumn(1)), "lead:" + id);
      const bool earlier = captured_ms < find.getColumn(2).getInt64();
      const std::string rep = opt_text(find.getColumn(3));
      find.reset();
      // Newest non-empty value of each field wins, whatever order the kiosks synced in.
      for (const auto& [name, value] : fields) {
        json& entry = box["fields"][name];
        if (value.empty() || (entry.is_object() && entry.value("t", std::int64_t{0}) > captured_ms)) continue;
        entry = {{"v", value}, {"t", captured_ms}};
      }
      SQLite::Statement upd(book.db,
                            "UPDATE leads SET box = ?, score = max(score, ?), show = CASE WHEN ? THEN ? ELSE show END, "
                            "first_captured_at = min(first_captured_at, ?), last_captured_at = max(last_captured_at, ?) "
                            "WHERE id = ?");
      const Bytes sealed = book.seal_box(box, "lead:" + id);
      bind_blob(upd, 1, sealed);
      upd.bind(2, static_cast<std::int64_t>(score));
      upd.bind(3, earlier ? 1 : 0);
      upd.bind(4, show);
      upd.bind(5, captured_ms);
      upd.bind(6, captured_ms);
      upd.bind(7, id);
      upd.exec();
      // The rep's copy is replaced by a fresh assignment with the new visit.
      if (!rep.empty()) book.queue_assign(rep, id, now);
    } else {
      find.reset();
      id = book.new_lead_id();
      json box = {{"fields", json::object()}};
      for (const auto& [name, value] : fields) {
        if (!value.empty()) box["fields"][name] = {{"v", value}, {"t", captured_ms}};
      }
      SQLite::Statement put(book.db,
                            "INSERT INTO leads(id, person, box, score, show, first_captured_at, last_captured_at) "
                            "VALUES(?, ?, ?, ?, ?, ?, ?)");
      put.bind(1, id);
      bind_blob(put, 2, person.view());
      const Bytes sealed = book.seal_box(box, "lead:" + id);
      bind_blob(put, 3, sealed);
      put.bind(4, static_cast<std::int64_t>(score));
      put.bind(5, show);
      put.bind(6, captured_ms);
      put.bind(7, captured_ms);
      put.exec();
      ++report.new_leads;
    }
    const json visit = {{"answers", answers},
                        {"consent_version", consent->value("version", "")},
                        {"consent_at", consent->value("accepted_at", captured_ms)},
                        {"consent_text_hash", consent->value("text_hash", "")}};
    SQLite::Statement v(book.db,
                        "INSERT OR IGNORE INTO lead_visits(journal_id, seq, lead, show, kiosk, captured_at, score, box) "
                        "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    bind_blob(v, 1, e.journal_id);
    v.bind(2, static_cast<std::int64_t>(e.seq));
    v.bind(3, id);
    v.bind(4, show);
    v.bind(5, e.device);
    v.bind(6, captured_ms);
    v.bind(7, static_cast<std::int64_t>(score));
    const Bytes sealed = book.seal_box(visit, e.ad("visit"));
    bind_blob(v, 8, sealed);
    v.exec();
    ++report.visits;
  }

  void withdrawal(const RawEvent& e) {
    const std::string what = e.where();
    const json outer = decode_map(*e.payload, what);
    const json inner = open_sealed_part(book.lead_key, outer, what);
    const std::string& show = text(inner, "show", what);
    const auto at = static_cast<std::int64_t>(number(inner, "withdrawn_at", what));
    const std::string email = normal_email(text(inner, "email", what));
    if (email.empty()) throw Refused{"lead.malformed", what + ": the withdrawal names no email"};
    const crypto::Digest person = book.person_of(email);
    if (erased(person, at)) return clear_payload(e);
    SQLite::Statement put(book.db,
                          "INSERT OR IGNORE INTO lead_withdrawals(journal_id, seq, person, show, withdrawn_at) "
                          "VALUES(?, ?, ?, ?, ?)");
    bind_blob(put, 1, e.journal_id);
    put.bind(2, static_cast<std::int64_t>(e.seq));
    bind_blob(put, 3, person.view());
    put.bind(4, show);
    put.bind(5, at);
    put.exec();
    ++report.withdrawals;
  }

  void follow_up(const RawEvent& e) {
    const std::string what = e.where();
    const json doc = decode_map(*e.payload, what);
    const std::string& lead = text(doc, "lead", what);
    const std::string& outcome = text(doc, "outcome", what);
    if (std::find(std::begin(outcomes), std::end(outcomes), outcome) == std::end(outcomes)) {
      throw Refused{"lead.follow_up", what + ": unknown outcome '" + outcome +
                                          "' (called, meeting, disqualified or no-answer)"};
    }
    SQLite::Statement find(book.db, "SELECT rep FROM leads WHERE id = ?");
    find.bind(1, lead);
    if (!find.executeStep()) throw Refused{"lead.follow_up", what + ": follow-up of unknown lead " + lead};
    const std::string rep = opt_text(find.getColumn(0));
    if (rep != e.device) {
      throw Refused{"lead.follow_up", what + ": follow-up of lead " + lead + ", which is assigned to " +
                                          (rep.empty() ? std::string("nobody") : "'" + rep + "'") + ", refused"};
    }
    SQLite::Statement put(book.db,
                          "INSERT OR IGNORE INTO lead_follow_ups(journal_id, seq, lead, device, outcome, box, at) "
                          "VALUES(?, ?, ?, ?, ?, ?, ?)");
    bind_blob(put, 1, e.journal_id);
    put.bind(2, static_cast<std::int64_t>(e.seq));
    put.bind(3, lead);
    put.bind(4, e.device);
    put.bind(5, outcome);
    const Bytes sealed = book.seal_box({{"note", doc.value("note", "")}}, e.ad("note"));
    bind_blob(put, 6, sealed);
    put.bind(7, e.time_ms);
    put.exec();
    ++report.follow_ups;
  }

  void absorb(const RawEvent& e) {
    ++report.scanned;
    if (!e.payload) return;  // cleared by an erase, or dropped on the device
    try {
      Savepoint sp(book.db, "lead_event");  // undone before the alert is written
      if (e.type == "consent.withdrawn") {
        withdrawal(e);
      } else if (e.type == "lead.followed_up") {
        follow_up(e);
      } else {
        capture(e);
      }
      sp.release();
    } catch (const Refused& r) {
      ++report.refused;
      book.alert(e.device, r.kind, r.detail, now);
    } catch (const json::exception&) {
      ++report.refused;
      book.alert(e.device, "lead.malformed", e.where() + " is not valid MessagePack", now);
    }
  }
};

}  // namespace

Result<AbsorbReport> LeadBook::absorb(TimePoint now) {
  return guarded([&]() -> Result<AbsorbReport> {
    AbsorbReport report;
    std::vector<std::string> waiting;
    {
      storage::Transaction tx(impl_->db);
      std::vector<RawEvent> events;
      SQLite::Statement journals(impl_->db,
                                 "SELECT j.journal_id, j.device, j.acked_seq, coalesce(c.seq, 0) FROM journals j "
                                 "LEFT JOIN lead_cursors c ON c.journal_id = j.journal_id "
                                 "WHERE j.acked_seq > coalesce(c.seq, 0)");
      SQLite::Statement read(impl_->db, std::string("SELECT seq, time, type, payload FROM events WHERE journal_id = ? "
                                                    "AND seq > ? AND seq <= ? AND type IN ") +
                                            lead_event_types + " ORDER BY seq");
      SQLite::Statement cursor(impl_->db, "INSERT OR REPLACE INTO lead_cursors(journal_id, seq) VALUES(?, ?)");
      while (journals.executeStep()) {
        const ByteView id = blob(journals.getColumn(0));
        const std::string device = journals.getColumn(1).getString();
        const std::int64_t acked = journals.getColumn(2).getInt64();
        read.reset();
        bind_blob(read, 1, id);
        read.bind(2, journals.getColumn(3).getInt64());
        read.bind(3, acked);
        while (read.executeStep()) {
          RawEvent e{Bytes(id.begin(), id.end()), device, static_cast<std::uint64_t>(read.getColumn(0).getInt64()),
                     static_cast<std::int64_t>(static_cast<std::uint64_t>(read.getColumn(1).getInt64()) >> 16),
                     read.getColumn(2).getString(), std::nullopt};
          if (!read.getColumn(3).isNull()) {
            const ByteView p = blob(read.getColumn(3));
            e.payload = Bytes(p.begin(), p.end());
          }
          events.push_back(std::move(e));
        }
        cursor.reset();
        bind_blob(cursor, 1, id);
        cursor.bind(2, acked);
        cursor.exec();
      }
      std::stable_sort(events.begin(), events.end(),
                       [](const RawEvent& a, const RawEvent& b) { return a.order() < b.order(); });
      Absorber absorber{*impl_, report, now};
      for (const RawEvent& e : events) absorber.absorb(e);
      tx.commit();
    }
    SQLite::Statement ready(impl_->db,
                            "SELECT DISTINCT p.device FROM lead_pending p JOIN devices d ON d.name = p.device "
                            "WHERE d.lead_box IS NOT NULL");
    while (ready.executeStep()) waiting.push_back(ready.getColumn(0).getString());
    ready.reset();
    for (const std::string& device : waiting) {
      storage::Transaction tx(impl_->db);
      impl_->deliver_pending(device, now);
      tx.commit();
    }
    return report;
  });
}

Result<std::vector<LeadSummary>> LeadBook::list() {
  return guarded([&]() -> Result<std::vector<LeadSummary>> { return impl_->summaries(); });
}

Result<Lead> LeadBook::lead(const std::string& id) {
  return guarded([&]() -> Result<Lead> {
    auto lead = impl_->read_lead(id, true);
    if (!lead) return Status(Errc::not_found, "no lead '" + id + "' (see `outpost-hub leads list`)");
    return std::move(*lead);
  });
}

}  // namespace outpost::sync
