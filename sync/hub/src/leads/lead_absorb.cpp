// The lead book: absorbing the lead, consent and follow-up events the hub
// stored since the last run (a cursor per journal), one transaction a run,
// one savepoint an event: a bad event is undone, counted and alerted.
#include <algorithm>

#include "leads/lead_book_impl.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/base/utf8.hpp"

namespace outpost::hub {

using namespace lead_detail;

namespace {

const char* const outcomes[] = {"called", "meeting", "disqualified", "no-answer"};

// One lead-related event as the hub stored it.
struct RawEvent : LeadEventRow {
  std::int64_t time_ms() const { return static_cast<std::int64_t>(time >> 16); }  // the device's journal time

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

// Whether every key and text value in a document is valid UTF-8.
bool all_text_valid(const json& doc) {
  if (doc.is_string()) return valid_utf8(doc.get_ref<const std::string&>());
  if (doc.is_object()) {
    for (const auto& [key, value] : doc.items()) {
      if (!valid_utf8(key) || !all_text_valid(value)) return false;
    }
  }
  if (doc.is_array()) return std::all_of(doc.begin(), doc.end(), [](const json& v) { return all_text_valid(v); });
  return true;
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
  // Checked here, so that the lead book never holds text it cannot print.
  if (!all_text_valid(inner)) throw Refused{"lead.malformed", what + "'s sealed part holds text that is not valid UTF-8"};
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
    book.db.clear_event_payload(e.journal_id, e.seq);
    ++report.erased;
  }

  // True if the person was erased at or after `at` (their older events stay erased).
  bool erased(const crypto::Digest& person, std::int64_t at_ms) {
    const std::optional<TimePoint> at = book.db.erased_at(person.view());
    return at && at_ms <= to_unix_ms(*at);
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
    const TimePoint captured = from_unix_ms(captured_ms);
    if (const std::optional<LeadRow> found = book.db.lead_by_person(person.view())) {
      id = found->id;
      json box = book.open_box(found->box, "lead:" + id);
      merge_fields(box, timed(fields, captured_ms));
      book.db.fold_into_lead(id, book.seal_box(box, "lead:" + id), score, show, captured, captured);
      // The rep's copy is replaced by a fresh assignment with the new visit.
      if (!found->rep.empty()) book.queue_assign(found->rep, id, now);
    } else {
      id = book.new_lead_id();
      json box = {{"fields", json::object()}};
      merge_fields(box, timed(fields, captured_ms));
      LeadRow row;
      row.id = id;
      row.person.assign(person.view().begin(), person.view().end());
      row.box = book.seal_box(box, "lead:" + id);
      row.score = score;
      row.show = show;
      row.first_captured_at = row.last_captured_at = captured;
      book.db.insert_lead(row);
      ++report.new_leads;
      if (email.empty()) book.db.add_badge_wait(id, show);  // completed from an attendee list later (complete_badges)
    }
    const json visit = {{"answers", answers},
                        {"consent_version", consent->value("version", "")},
                        {"consent_at", consent->value("accepted_at", captured_ms)},
                        {"consent_text_hash", consent->value("text_hash", "")}};
    book.db.insert_visit({e.journal_id, e.seq, id, show, e.device, captured, score, book.seal_box(visit, e.ad("visit"))});
    ++report.visits;
    // The badge scanned before, unresolved, now comes with an email: the
    // badge's lead is this person's.
    if (!email.empty() && !badge_code.empty()) {
      if (auto earlier = book.db.lead_by_person(book.person_of(badge_identity(show, badge_code)).view())) {
        book.merge_lead(earlier->id, id, now);
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
    book.db.insert_withdrawal(
        {e.journal_id, e.seq, Bytes(person.view().begin(), person.view().end()), show, from_unix_ms(at)});
    ++report.withdrawals;
    if (auto lead = book.db.lead_by_person(person.view())) book.take_back_if_withdrawn(lead->id, now);
  }

  // The rep's note: sealed to the hub's lead key (a device before 0.2 sent
  // it in clear as "note").
  std::string note_of(const json& doc, const std::string& what) {
    const auto sealed = doc.find("sealed_note");
    if (sealed == doc.end()) return doc.value("note", "");
    if (!sealed->is_binary()) throw Refused{"lead.malformed", what + ": 'sealed_note' is not bytes"};
    std::optional<Bytes> plain = crypto::open_sealed(book.lead_key, sealed->get_binary());
    if (!plain) {
      throw Refused{"lead.sealed", what + ": the note does not open with the hub's lead key (tampered, or sealed to "
                                          "another hub)"};
    }
    std::string note(plain->begin(), plain->end());
    crypto::wipe(*plain);
    if (!valid_utf8(note)) {
      crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(note.data()), note.size()));
      throw Refused{"lead.malformed", what + ": the note is not valid UTF-8"};
    }
    return note;
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
    const bool was_delivered = book.db.ever_assigned(e.device, lead);
    const std::string current = book.current_lead(lead);
    if (current.empty()) {
      if (was_delivered) return clear_payload(e);  // the person was erased: the note goes too
      throw Refused{"lead.follow_up", what + ": follow-up of unknown lead " + lead};
    }
    const std::optional<LeadRow> held = book.db.lead(current);
    const std::string rep = held ? held->rep : std::string();
    if (rep != e.device && !was_delivered) {
      throw Refused{"lead.follow_up", what + ": follow-up of lead " + lead + ", which is assigned to " +
                                          (rep.empty() ? std::string("nobody") : "'" + rep + "'") +
                                          " and was never delivered to this device, refused"};
    }
    book.db.insert_follow_up({e.journal_id, e.seq, current, e.device, outcome,
                              book.seal_box({{"note", note_of(doc, what)}}, e.ad("note")), from_unix_ms(e.time_ms())});
    ++report.follow_ups;
  }

  void absorb(const RawEvent& e) {
    ++report.scanned;
    if (!e.payload) return;  // cleared by an erase, or dropped on the device
    try {
      const UnitPtr sp = book.db.write();  // a savepoint: undone before the alert is written
      if (e.type == "consent.withdrawn") {
        withdrawal(e);
      } else if (e.type == "lead.followed_up") {
        follow_up(e);
      } else {
        capture(e);
      }
      sp->commit();
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
      const UnitPtr tx = impl_->db.write();
      std::vector<RawEvent> events;
      for (LeadEventRow& row : impl_->db.take_new_events()) events.push_back(RawEvent{std::move(row)});
      std::stable_sort(events.begin(), events.end(),
                       [](const RawEvent& a, const RawEvent& b) { return a.order() < b.order(); });
      Absorber absorber{*impl_, report, now};
      for (const RawEvent& e : events) absorber.absorb(e);
      tx->commit();
    }
    waiting = impl_->db.devices_ready_for_pending();
    for (const std::string& device : waiting) {
      const UnitPtr tx = impl_->db.write();
      impl_->deliver_pending(device, now);
      tx->commit();
    }
    return report;
  });
}

}  // namespace outpost::hub
