#include "outpost/leads/assigned_leads.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include "outpost/base/guard.hpp"
#include "outpost/storage/database.hpp"
#include "outpost/storage/columns.hpp"

namespace outpost::leads {

namespace {

using json = nlohmann::json;

constexpr std::string_view migrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value);
CREATE TABLE leads(
  id TEXT PRIMARY KEY,
  sealed BLOB NOT NULL,        -- crypto_box_seal to this device's lead key, as the hub sent it
  seq INTEGER NOT NULL,        -- the delivery that brought it
  received_at INTEGER NOT NULL,
  outcome TEXT,                -- the local follow-up, once recorded
  followed_up_at INTEGER
) WITHOUT ROWID;
)sql",
};

constexpr storage::Schema schema{"assigned leads", 0x4f504c44 /* "OPLD" */, migrations};

// "2027-03-01T09:30:00Z" (fractions of a second allowed); "" is absent.
std::optional<TimePoint> parse_iso(const std::string& text, bool& bad) {
  if (text.empty()) return std::nullopt;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &used) != 6 || used != 19 ||
      mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    bad = true;
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t ms = 0;
  if (at < text.size() && text[at] == '.') {
    int digits = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits) {
      if (digits < 3) ms = ms * 10 + (text[at] - '0');
    }
    for (; digits < 3; ++digits) ms *= 10;
  }
  if (at + 1 != text.size() || text[at] != 'Z') {
    bad = true;
    return std::nullopt;
  }
  const std::chrono::sys_days day = std::chrono::year{y} / std::chrono::month{static_cast<unsigned>(mo)} /
                                    std::chrono::day{static_cast<unsigned>(d)};
  return std::chrono::time_point_cast<std::chrono::milliseconds>(day) + std::chrono::hours(h) +
         std::chrono::minutes(mi) + std::chrono::seconds(s) + std::chrono::milliseconds(ms);
}

Bytes blob(const SQLite::Column& c) { return storage::blob_bytes(c); }

}  // namespace

bool valid_outcome(std::string_view outcome) {
  return std::find(std::begin(follow_up_outcomes), std::end(follow_up_outcomes), outcome) !=
         std::end(follow_up_outcomes);
}

bool AssignedLead::overdue(TimePoint now) const {
  return !follow_up && assignment.due_at && *assignment.due_at < now;
}

Result<Assignment> Assignment::parse(ByteView json_text) {
  const Status bad_json(Errc::invalid_argument, "assignment: not a JSON object");
  json doc;
  try {
    doc = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception&) {
    return bad_json;
  }
  if (!doc.is_object()) return bad_json;
  std::string problem;
  auto fail = [&](const std::string& field, const char* why) {
    if (problem.empty()) problem = "assignment: " + field + " " + why;
  };
  auto text = [&](const json& obj, const char* name, bool required, const std::string& where) -> std::string {
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) {
      if (required) fail(where + name, "is missing");
      return {};
    }
    if (!it->is_string()) return fail(where + name, "is not a string"), std::string();
    return it->get<std::string>();
  };
  auto time = [&](const json& obj, const char* name, const std::string& where) -> std::optional<TimePoint> {
    bool bad = false;
    auto t = parse_iso(text(obj, name, false, where), bad);
    if (bad) fail(where + name, "is not an ISO 8601 UTC time");
    return t;
  };
  auto string_map = [&](const json& obj, const char* name, const std::string& where) {
    std::map<std::string, std::string> out;
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return out;
    if (!it->is_object()) return fail(where + name, "is not an object"), out;
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return fail(where + name + "." + k, "is not a string"), out;
      out.emplace(k, v.get<std::string>());
    }
    return out;
  };

  Assignment a;
  a.lead = text(doc, "lead", true, "");
  if (problem.empty() && (a.lead.empty() || a.lead.size() > 256)) fail("lead", "is not 1-256 bytes");
  a.assigned_at = time(doc, "assigned_at", "");
  a.due_at = time(doc, "due_at", "");
  if (const auto it = doc.find("score"); it != doc.end() && !it->is_null()) {
    if (!it->is_number_unsigned()) {
      fail("score", "is not an unsigned integer");
    } else {
      a.score = it->get<std::uint64_t>();
    }
  }
  a.fields = string_map(doc, "fields", "");
  if (const auto it = doc.find("visits"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) {
      fail("visits", "is not a list");
    } else {
      for (const json& v : *it) {
        if (!v.is_object()) {
          fail("visits", "holds an item that is not an object");
          break;
        }
        AssignedVisit visit;
        visit.show = text(v, "show", false, "visits.");
        visit.kiosk = text(v, "kiosk", false, "visits.");
        visit.captured_at = time(v, "captured_at", "visits.");
        visit.answers = string_map(v, "answers", "visits.");
        a.visits.push_back(std::move(visit));
      }
    }
  }
  if (const auto it = doc.find("consent"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) {
      fail("consent", "is not an object");
    } else {
      a.consent_version = text(*it, "version", false, "consent.");
      a.consent_at = time(*it, "accepted_at", "consent.");
    }
  }
  if (!problem.empty()) return Status(Errc::invalid_argument, problem);
  return a;
}

struct AssignedLeads::Impl {
  Impl(const std::filesystem::path& file, crypto::BoxKeyPair k, const Clock& c)
      : db(storage::open_database(file, schema, true, storage::Durability::full)), key(std::move(k)), clock(c) {
    // Freed pages are zeroed, so a withdrawn lead's blob does not linger in the file.
    db.exec("PRAGMA secure_delete=ON");
  }

  SQLite::Database db;
  crypto::BoxKeyPair key;
  const Clock& clock;

  std::uint64_t cursor() { return static_cast<std::uint64_t>(storage::meta_int(db, "cursor").value_or(0)); }

  // The opened document, or the reason it cannot be had.
  Result<Assignment> open(ByteView sealed, const std::string& id) {
    std::optional<Bytes> plain = crypto::open_sealed(key, sealed);
    if (!plain) return Status(Errc::wrong_key, "lead " + id + ": its assignment does not open with this device's key");
    Result<Assignment> a = Assignment::parse(*plain);
    crypto::wipe(*plain);
    if (a && a->lead != id) return Status(Errc::integrity, "lead " + id + ": the sealed assignment names another lead");
    return a;
  }

  Result<AssignedLead> row(SQLite::Statement& st) {
    const std::string id = st.getColumn(0).getString();
    Bytes sealed = blob(st.getColumn(1));
    Result<Assignment> a = open(sealed, id);
    if (!a) return a.status();
    AssignedLead out{std::move(*a), std::nullopt, from_unix_ms(st.getColumn(2).getInt64())};
    if (!st.getColumn(3).isNull()) {
      out.follow_up = LocalFollowUp{st.getColumn(3).getString(), from_unix_ms(st.getColumn(4).getInt64())};
    }
    return out;
  }

  void truncate_wal() { db.exec("PRAGMA wal_checkpoint(TRUNCATE)"); }
};

AssignedLeads::AssignedLeads(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AssignedLeads::~AssignedLeads() = default;

Result<std::unique_ptr<AssignedLeads>> AssignedLeads::open(const std::filesystem::path& file, crypto::BoxKeyPair key,
                                                           const Clock& clock) {
  return guarded([&]() -> Result<std::unique_ptr<AssignedLeads>> {
    return std::unique_ptr<AssignedLeads>(new AssignedLeads(std::make_unique<Impl>(file, std::move(key), clock)));
  });
}

const crypto::BoxPublicKey& AssignedLeads::lead_box() const noexcept { return impl_->key.public_key(); }

std::uint64_t AssignedLeads::cursor() const { return impl_->cursor(); }

Result<DeliveryReport> AssignedLeads::apply(const std::vector<LeadDelivery>& batch) {
  return guarded([&]() -> Result<DeliveryReport> {
    storage::Transaction tx(impl_->db);
    DeliveryReport report;
    std::uint64_t cursor = impl_->cursor();
    bool deleted = false;
    for (const LeadDelivery& d : batch) {
      if (d.seq <= cursor) continue;  // applied before (a batch received twice)
      if (d.seq != cursor + 1) {
        return Status(Errc::integrity, "lead deliveries: expected seq " + std::to_string(cursor + 1) + ", got " +
                                           std::to_string(d.seq) + " (a gap: nothing applied)");
      }
      cursor = d.seq;
      if (d.kind == "withdraw") {
        SQLite::Statement del(impl_->db, "DELETE FROM leads WHERE id = ?");
        del.bind(1, d.lead);
        if (del.exec() > 0) deleted = true;
        ++report.withdrawn;
        continue;
      }
      if (d.kind != "assign" || !d.sealed) {
        return Status(Errc::invalid_argument, "lead deliveries: seq " + std::to_string(d.seq) + " is neither an "
                                                                                                 "assignment nor a withdrawal");
      }
      // Opened once to check it (then wiped): a blob this device cannot read
      // would only be dead weight, and the hub must hear of it.
      if (Result<Assignment> a = impl_->open(*d.sealed, d.lead); !a) {
        ++report.unreadable;
        report.unreadable_seqs.push_back(d.seq);
        continue;
      }
      // A fresh assignment of a lead already held (a visit was merged)
      // replaces its document and keeps the local follow-up.
      SQLite::Statement put(impl_->db,
                            "INSERT INTO leads(id, sealed, seq, received_at) VALUES(?, ?, ?, ?) "
                            "ON CONFLICT(id) DO UPDATE SET sealed = excluded.sealed, seq = excluded.seq, "
                            "received_at = excluded.received_at");
      put.bind(1, d.lead);
      put.bind(2, d.sealed->data(), static_cast<int>(d.sealed->size()));
      put.bind(3, static_cast<std::int64_t>(d.seq));
      put.bind(4, to_unix_ms(impl_->clock.now()));
      put.exec();
      ++report.assigned;
    }
    storage::set_meta(impl_->db, "cursor", static_cast<std::int64_t>(cursor));
    tx.commit();
    if (deleted) impl_->truncate_wal();
    report.cursor = cursor;
    return report;
  });
}

Result<std::vector<AssignedLead>> AssignedLeads::list() {
  return guarded([&]() -> Result<std::vector<AssignedLead>> {
    SQLite::Statement st(impl_->db, "SELECT id, sealed, received_at, outcome, followed_up_at FROM leads ORDER BY id");
    std::vector<AssignedLead> out;
    while (st.executeStep()) {
      Result<AssignedLead> lead = impl_->row(st);
      if (lead) out.push_back(std::move(*lead));
    }
    std::stable_sort(out.begin(), out.end(), [](const AssignedLead& a, const AssignedLead& b) {
      const TimePoint far = TimePoint::max();
      return a.assignment.due_at.value_or(far) < b.assignment.due_at.value_or(far);
    });
    return out;
  });
}

Result<AssignedLead> AssignedLeads::get(const std::string& lead) {
  return guarded([&]() -> Result<AssignedLead> {
    SQLite::Statement st(impl_->db,
                         "SELECT id, sealed, received_at, outcome, followed_up_at FROM leads WHERE id = ?");
    st.bind(1, lead);
    if (!st.executeStep()) {
      return Status(Errc::not_found, "no lead " + lead + " is assigned to this device (see `outpost lead list`)");
    }
    return impl_->row(st);
  });
}

bool AssignedLeads::holds(const std::string& lead) {
  SQLite::Statement st(impl_->db, "SELECT 1 FROM leads WHERE id = ?");
  st.bind(1, lead);
  return st.executeStep();
}

Status AssignedLeads::remove(const std::string& lead) {
  return guarded([&]() -> Status {
    SQLite::Statement del(impl_->db, "DELETE FROM leads WHERE id = ?");
    del.bind(1, lead);
    if (del.exec() == 0) return Status(Errc::not_found, "no lead " + lead + " is assigned to this device");
    impl_->truncate_wal();
    return {};
  });
}

Status AssignedLeads::mark_followed_up(const std::string& lead, const std::string& outcome, TimePoint at) {
  return guarded([&]() -> Status {
    if (!valid_outcome(outcome)) {
      return Status(Errc::invalid_argument,
                    "outcome '" + outcome + "' is not one of called, meeting, disqualified, no-answer");
    }
    SQLite::Statement st(impl_->db, "UPDATE leads SET outcome = ?, followed_up_at = ? WHERE id = ?");
    st.bind(1, outcome);
    st.bind(2, to_unix_ms(at));
    st.bind(3, lead);
    if (st.exec() == 0) return Status(Errc::not_found, "no lead " + lead + " is assigned to this device");
    return {};
  });
}

std::size_t AssignedLeads::count() {
  return static_cast<std::size_t>(impl_->db.execAndGet("SELECT count(*) FROM leads").getInt64());
}

}  // namespace outpost::leads
