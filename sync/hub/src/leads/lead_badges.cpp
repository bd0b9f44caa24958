// The lead book: completing badge-only leads from the attendee lists the
// hub holds, merging one lead into another, and taking a lead back from
// its rep when the person's consent is gone.
#include <algorithm>
#include <set>

#include "leads/lead_book_impl.hpp"
#include "outpost/cache/content_digest.hpp"
#include "outpost/catalog/records.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/leads/attendees.hpp"
#include "outpost/storage/database.hpp"
#include "outpost/hub/hub_store.hpp"

namespace outpost::hub {

using namespace lead_detail;

namespace {

constexpr std::uint64_t max_list_bytes = 256u << 20;  // as a kiosk reads one

// A release of kind "attendees" the hub holds, not revoked.
struct HeldList {
  catalog::Release release;
  std::optional<leads::AttendeeList> parsed;  // read on first use
  bool unreadable = false;
};

// Every attendee list, newest publication first.
std::vector<HeldList> attendee_lists(HubStore& store) {
  std::vector<catalog::Release> releases;
  std::set<std::pair<std::string, std::uint64_t>> revoked;
  for (const StoredStatement& s : store.statements()) {
    const auto type = s.statement.peek_type();
    if (type && *type == catalog::StatementType::release) {
      auto r = catalog::Release::from_body(s.statement.body);
      if (r && r->kind == "attendees") releases.push_back(std::move(*r));
    } else if (type && *type == catalog::StatementType::revocation) {
      if (auto v = catalog::Revocation::from_body(s.statement.body)) revoked.insert({v->asset, v->version});
    }
  }
  std::vector<HeldList> out;
  for (catalog::Release& r : releases) {
    if (!revoked.contains({r.asset, r.version})) out.push_back({std::move(r), std::nullopt, false});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const HeldList& a, const HeldList& b) { return a.release.published_at > b.release.published_at; });
  return out;
}

// Identifies the set of lists: a lead looked up in it is not looked up
// again until a list is published or revoked.
std::string fingerprint(const std::vector<HeldList>& lists) {
  std::string out;
  for (const HeldList& l : lists) {
    if (!out.empty()) out.push_back(',');
    out.append(cache::VersionRef{l.release.asset, l.release.version}.to_string());
  }
  return out;
}

// The list's content from the chunk store, checked against the signed
// release (every chunk's hash, then the recipe's digest).
Result<leads::AttendeeList> read_list(HubStore& store, const catalog::Release& release) {
  const cache::VersionRef ref{release.asset, release.version};
  if (release.size > max_list_bytes) {
    return Status(Errc::invalid_argument, "attendee list " + ref.to_string() + " is over 256 MiB");
  }
  auto recipe = store.recipe(ref);
  if (!recipe) return recipe.status();
  if (cache::recipe_digest(*recipe) != release.digest) {
    return Status(Errc::integrity, "attendee list " + ref.to_string() + ": its chunks are not the signed content");
  }
  Bytes content;
  content.reserve(static_cast<std::size_t>(release.size));
  for (const cache::RecipeEntry& e : *recipe) {
    auto chunk = store.read_chunk(e.id);
    if (!chunk) return chunk.status();
    content.insert(content.end(), chunk->begin(), chunk->end());
  }
  return leads::AttendeeList::parse(content);
}

struct BadgeLead {
  std::string id;
  std::string show;
  std::string tried;
};

}  // namespace

// ---- Impl

std::string LeadBook::Impl::current_lead(const std::string& id) {
  std::string at = id;
  for (int hop = 0; hop < 64; ++hop) {  // merges are kept flat; the bound only guards a damaged table
    SQLite::Statement lead(db, "SELECT 1 FROM leads WHERE id = ?");
    lead.bind(1, at);
    if (lead.executeStep()) return at;
    SQLite::Statement merged(db, "SELECT into_lead FROM lead_merged WHERE old = ?");
    merged.bind(1, at);
    if (!merged.executeStep()) return {};
    at = merged.getColumn(0).getString();
  }
  return {};
}

void LeadBook::Impl::merge_lead(const std::string& from, const std::string& into, TimePoint now) {
  if (from == into) return;
  struct Row {
    json box;
    std::int64_t score = 0;
    std::string show;
    std::int64_t first = 0;
    std::int64_t last = 0;
    std::string rep;
  };
  auto read = [&](const std::string& id) {
    SQLite::Statement st(db, "SELECT box, score, show, first_captured_at, last_captured_at, rep FROM leads WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) throw Error(Errc::not_found, "lead book: no lead " + id + " to merge");
    return Row{open_box(blob(st.getColumn(0)), "lead:" + id), st.getColumn(1).getInt64(), st.getColumn(2).getString(),
               st.getColumn(3).getInt64(), st.getColumn(4).getInt64(), opt_text(st.getColumn(5))};
  };
  const Row a = read(from);
  Row b = read(into);
  merge_fields(b.box, a.box["fields"]);
  SQLite::Statement upd(db,
                        "UPDATE leads SET box = ?, score = max(score, ?), "
                        "show = CASE WHEN ? < first_captured_at THEN ? ELSE show END, "
                        "first_captured_at = min(first_captured_at, ?), last_captured_at = max(last_captured_at, ?) "
                        "WHERE id = ?");
  const Bytes sealed = seal_box(b.box, "lead:" + into);
  bind_blob(upd, 1, sealed);
  upd.bind(2, a.score);
  upd.bind(3, a.first);
  upd.bind(4, a.show);
  upd.bind(5, a.first);
  upd.bind(6, a.last);
  upd.bind(7, into);
  upd.exec();
  if (b.rep.empty() && !a.rep.empty()) {  // the assignment goes with the lead
    SQLite::Statement take(db,
                           "UPDATE leads SET (team, rep, assigned_at, due_at, escalated_at) = "
                           "(SELECT team, rep, assigned_at, due_at, escalated_at FROM leads WHERE id = ?) WHERE id = ?");
    take.bind(1, from);
    take.bind(2, into);
    take.exec();
    b.rep = a.rep;
  }
  for (const char* table : {"lead_visits", "lead_follow_ups"}) {
    SQLite::Statement move(db, std::string("UPDATE ") + table + " SET lead = ? WHERE lead = ?");
    move.bind(1, into);
    move.bind(2, from);
    move.exec();
  }
  if (!a.rep.empty()) (void)queue_withdraw(a.rep, from, now);
  for (const char* row : {"lead_pending WHERE lead", "lead_badges WHERE lead", "leads WHERE id"}) {
    SQLite::Statement del(db, std::string("DELETE FROM ") + row + " = ?");
    del.bind(1, from);
    del.exec();
  }
  SQLite::Statement flat(db, "UPDATE lead_merged SET into_lead = ? WHERE into_lead = ?");
  flat.bind(1, into);
  flat.bind(2, from);
  flat.exec();
  SQLite::Statement note(db, "INSERT OR REPLACE INTO lead_merged(old, into_lead) VALUES(?, ?)");
  note.bind(1, from);
  note.bind(2, into);
  note.exec();
  if (!b.rep.empty()) queue_assign(b.rep, into, now);  // the rep's copy gets the merged history
  take_back_if_withdrawn(into, now);
}

void LeadBook::Impl::take_back_if_withdrawn(const std::string& id, TimePoint now) {
  const std::optional<Lead> lead = read_lead(id, false);
  if (!lead || lead->rep.empty()) return;
  if (std::any_of(lead->consents.begin(), lead->consents.end(), [](const LeadConsent& c) { return !c.withdrawn_at; })) {
    return;
  }
  SQLite::Statement unassign(db,
                             "UPDATE leads SET team = NULL, rep = NULL, assigned_at = NULL, due_at = NULL, "
                             "escalated_at = NULL WHERE id = ?");
  unassign.bind(1, id);
  unassign.exec();
  (void)queue_withdraw(lead->rep, id, now);
}

// ---- LeadBook

Result<BadgeReport> LeadBook::complete_badges(HubStore& store, TimePoint now) {
  return guarded([&]() -> Result<BadgeReport> {
    BadgeReport report;
    std::vector<BadgeLead> waiting;
    {
      SQLite::Statement st(impl_->db, "SELECT lead, show, tried FROM lead_badges ORDER BY lead");
      while (st.executeStep()) {
        waiting.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getString()});
      }
    }
    if (waiting.empty()) return report;
    std::vector<HeldList> lists = attendee_lists(store);
    const std::string tried = fingerprint(lists);
    std::erase_if(waiting, [&](const BadgeLead& b) { return b.tried == tried; });
    if (waiting.empty()) return report;

    auto list_at = [&](HeldList& l) -> const leads::AttendeeList* {
      if (l.parsed) return &*l.parsed;
      if (l.unreadable) return nullptr;
      auto parsed = read_list(store, l.release);
      if (!parsed) {
        l.unreadable = true;
        ++report.bad_lists;
        impl_->alert("", "lead.attendees", "attendee list " + l.release.asset + "@" + std::to_string(l.release.version) +
                                               " cannot be used to complete badge leads: " + parsed.status().message(),
                     now);
        return nullptr;
      }
      l.parsed = std::move(*parsed);
      return &*l.parsed;
    };

    auto redeliver = [&](const std::string& id) {  // the rep's copy gets the completed fields
      SQLite::Statement st(impl_->db, "SELECT rep FROM leads WHERE id = ?");
      st.bind(1, id);
      if (!st.executeStep() || st.getColumn(0).isNull()) return;
      const std::string rep = st.getColumn(0).getString();
      st.reset();
      impl_->queue_assign(rep, id, now);
    };

    storage::Transaction tx(impl_->db);
    SQLite::Statement mark(impl_->db, "UPDATE lead_badges SET tried = ? WHERE lead = ?");
    for (const BadgeLead& b : waiting) {
      ++report.looked_up;
      SQLite::Statement row(impl_->db, "SELECT box, last_captured_at FROM leads WHERE id = ?");
      row.bind(1, b.id);
      if (!row.executeStep()) continue;
      json box = impl_->open_box(blob(row.getColumn(0)), "lead:" + b.id);
      const std::int64_t last_ms = row.getColumn(1).getInt64();
      row.reset();
      const std::string badge = box["fields"].value("badge", json::object()).value("v", std::string());

      std::optional<std::map<std::string, std::string>> found;
      for (HeldList& l : lists) {
        const leads::AttendeeList* list = list_at(l);
        if (list == nullptr || list->show() != b.show) continue;
        auto entry = list->find(badge);
        if (entry && *entry) {
          found = std::move(**entry);
          break;
        }
      }
      mark.reset();
      mark.bind(1, tried);
      mark.bind(2, b.id);
      mark.exec();
      if (!found) {
        ++report.not_found;
        continue;
      }
      // The list fills only what the kiosk lacked, as older than anything typed.
      std::map<std::string, std::string> held;
      for (const auto& [name, entry] : box["fields"].items()) held[name] = entry.value("v", std::string());
      for (auto& [name, value] : *found) {
        if (held[name].empty() && !value.empty()) {
          box["fields"][name] = {{"v", value}, {"t", 0}};  // older than anything typed
          held[name] = value;
        }
        crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(value.data()), value.size()));
      }
      const std::string email = email_of(held);
      for (auto& [name, value] : held) crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(value.data()), value.size()));

      SQLite::Statement upd(impl_->db, "UPDATE leads SET box = ? WHERE id = ?");
      const Bytes sealed = impl_->seal_box(box, "lead:" + b.id);
      bind_blob(upd, 1, sealed);
      upd.bind(2, b.id);
      upd.exec();
      if (email.empty()) {  // on the list, but with no email: still the badge's lead
        ++report.filled;
        redeliver(b.id);
        continue;
      }
      const crypto::Digest person = impl_->person_of(email);
      SQLite::Statement tomb(impl_->db, "SELECT erased_at FROM lead_tombstones WHERE person = ?");
      bind_blob(tomb, 1, person.view());
      if (tomb.executeStep() && last_ms <= tomb.getColumn(0).getInt64()) {
        EraseReport erased;
        impl_->remove_lead(b.id, now, erased);
        ++report.erased;
        continue;
      }
      tomb.reset();
      ++report.completed;
      SQLite::Statement other(impl_->db, "SELECT id FROM leads WHERE person = ?");
      bind_blob(other, 1, person.view());
      if (other.executeStep()) {
        const std::string into = other.getColumn(0).getString();
        other.reset();
        impl_->merge_lead(b.id, into, now);
        ++report.merged;
        continue;
      }
      other.reset();
      SQLite::Statement own(impl_->db, "UPDATE leads SET person = ? WHERE id = ?");
      bind_blob(own, 1, person.view());
      own.bind(2, b.id);
      own.exec();
      SQLite::Statement done(impl_->db, "DELETE FROM lead_badges WHERE lead = ?");
      done.bind(1, b.id);
      done.exec();
      redeliver(b.id);
      impl_->take_back_if_withdrawn(b.id, now);
    }
    tx.commit();
    return report;
  });
}

}  // namespace outpost::hub
