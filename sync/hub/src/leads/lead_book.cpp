// The lead book: opening it, its keys and boxes, reading leads.
#include <sodium.h>

#include <algorithm>
#include <ctime>

#include "leads/lead_book_impl.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/kdf.hpp"
#include "outpost/leads/attendees.hpp"
#include "outpost/leads/email.hpp"
#include "outpost/storage/database.hpp"
#include "outpost/hub/hub_store.hpp"

namespace outpost::hub {

using namespace lead_detail;

namespace {

// Subkeys of the hub's lead secret key (crypto_kdf). Defined here, not in
// core's purpose list, because only the hub holds this master key.
constexpr crypto::KeyPurpose book_encryption{{'O', 'P', 'h', 'u', 'b', 'l', 'd', '1'}, 1};
constexpr crypto::KeyPurpose person_keys{{'O', 'P', 'h', 'u', 'b', 'l', 'd', '1'}, 2};

constexpr std::int64_t lowest_book_schema = 4;  // the migration that made the lead book's last tables

}  // namespace

// ---- helpers

namespace lead_detail {

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

std::string badge_identity(const std::string& show, const std::string& badge) {
  std::string id = "badge:";
  id.append(show).append("\n").append(leads::normal_badge(badge));
  return id;
}

void merge_fields(json& box, const json& fields) {
  for (const auto& [name, entry] : fields.items()) {
    if (entry.value("v", std::string()).empty()) continue;
    json& held = box["fields"][name];
    if (held.is_object() && held.value("t", std::int64_t{0}) > entry.value("t", std::int64_t{0})) continue;
    held = entry;
  }
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

}  // namespace outpost::hub
