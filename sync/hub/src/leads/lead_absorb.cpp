// The lead book: absorbing the lead, consent and follow-up events the hub
// stored since the last run (a cursor per journal), one transaction a run,
// one savepoint an event: a bad event is undone, counted and alerted.
#include <algorithm>

#include "leads/lead_book_impl.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/storage/database.hpp"

namespace outpost::hub {

using namespace lead_detail;

namespace {

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

// A capture's fields as a lead box holds them: each with its capture time.
json timed(const std::map<std::string, std::string>& fields, std::int64_t captured_ms) {
  json out = json::object();
  for (const auto& [name, value] : fields) out[name] = {{"v", value}, {"t", captured_ms}};
  return out;
}

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
    // A badge scanned at a kiosk whose attendee list lacked it carries no
    // email yet: the person is the badge within its show until completed.
    const auto badge = lead.find("badge");
    const std::string badge_code = badge != lead.end() && badge->is_string() ? badge->get<std::string>() : "";
    if (email.empty() && badge_code.empty()) {
      throw Refused{"lead.malformed", what + ": the sealed lead has neither an email field nor a badge"};
    }
    if (!badge_code.empty() && !fields.contains("badge")) fields["badge"] = badge_code;
    const std::string identity = email.empty() ? badge_identity(show, badge_code) : email;
    const crypto::Digest person = book.person_of(identity);
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
      merge_fields(box, timed(fields, captured_ms));
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
      merge_fields(box, timed(fields, captured_ms));
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
      if (email.empty()) {  // completed from an attendee list later (complete_badges)
        SQLite::Statement wait(book.db, "INSERT OR IGNORE INTO lead_badges(lead, show) VALUES(?, ?)");
        wait.bind(1, id);
        wait.bind(2, show);
        wait.exec();
      }
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
    // The badge scanned before, unresolved, now comes with an email: the
    // badge's lead is this person's.
    if (!email.empty() && !badge_code.empty()) {
      SQLite::Statement earlier(book.db, "SELECT id FROM leads WHERE person = ?");
      bind_blob(earlier, 1, book.person_of(badge_identity(show, badge_code)).view());
      if (earlier.executeStep()) {
        const std::string badge_lead = earlier.getColumn(0).getString();
        earlier.reset();
        book.merge_lead(badge_lead, id, now);
      }
    }
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
    SQLite::Statement find(book.db, "SELECT id FROM leads WHERE person = ?");
    bind_blob(find, 1, person.view());
    if (find.executeStep()) {
      const std::string id = find.getColumn(0).getString();
      find.reset();
      book.take_back_if_withdrawn(id, now);
    }
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
    // A device only records follow-ups of leads it holds, and holds only
    // what the hub delivered to it: a follow-up recorded before a
    // reassignment (or a withdrawal) reached the device is accepted.
    SQLite::Statement delivered(book.db,
                                "SELECT 1 FROM lead_deliveries WHERE device = ? AND lead = ? AND kind = 'assign'");
    delivered.bind(1, e.device);
    delivered.bind(2, lead);
    const bool was_delivered = delivered.executeStep();
    delivered.reset();
    const std::string current = book.current_lead(lead);
    if (current.empty()) {
      if (was_delivered) return clear_payload(e);  // the person was erased: the note goes too
      throw Refused{"lead.follow_up", what + ": follow-up of unknown lead " + lead};
    }
    SQLite::Statement find(book.db, "SELECT rep FROM leads WHERE id = ?");
    find.bind(1, current);
    const std::string rep = find.executeStep() ? opt_text(find.getColumn(0)) : std::string();
    find.reset();
    if (rep != e.device && !was_delivered) {
      throw Refused{"lead.follow_up", what + ": follow-up of lead " + lead + ", which is assigned to " +
                                          (rep.empty() ? std::string("nobody") : "'" + rep + "'") +
                                          " and was never delivered to this device, refused"};
    }
    SQLite::Statement put(book.db,
                          "INSERT OR IGNORE INTO lead_follow_ups(journal_id, seq, lead, device, outcome, box, at) "
                          "VALUES(?, ?, ?, ?, ?, ?, ?)");
    bind_blob(put, 1, e.journal_id);
    put.bind(2, static_cast<std::int64_t>(e.seq));
    put.bind(3, current);
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
      struct Pending {
        Bytes id;
        std::string device;
        std::int64_t acked;
        std::int64_t from;
      };
      std::vector<Pending> pending;
      while (journals.executeStep()) {
        const ByteView id = blob(journals.getColumn(0));
        pending.push_back({Bytes(id.begin(), id.end()), journals.getColumn(1).getString(),
                           journals.getColumn(2).getInt64(), journals.getColumn(3).getInt64()});
      }
      journals.reset();
      for (const auto& [id, device, acked, from] : pending) {
        read.reset();
        bind_blob(read, 1, id);
        read.bind(2, from);
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

}  // namespace outpost::hub
