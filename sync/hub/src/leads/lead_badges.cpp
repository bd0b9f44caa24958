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

}  // namespace

// ---- Impl

std::string LeadBook::Impl::current_lead(const std::string& id) {
  std::string at = id;
  for (int hop = 0; hop < 64; ++hop) {  // merges are kept flat; the bound only guards a damaged table
    if (db.lead_exists(at)) return at;
    std::optional<std::string> into = db.merged_into(at);
    if (!into) return {};
    at = std::move(*into);
  }
  return {};
}

void LeadBook::Impl::merge_lead(const std::string& from, const std::string& into, TimePoint now) {
  if (from == into) return;
  auto read = [&](const std::string& id) {
    std::optional<LeadRow> row = db.lead(id);
    if (!row) throw Error(Errc::not_found, "lead book: no lead " + id + " to merge");
    return std::move(*row);
  };
  const LeadRow a = read(from);
  const LeadRow b = read(into);
  json box = open_box(b.box, "lead:" + into);
  merge_fields(box, open_box(a.box, "lead:" + from)["fields"]);
  db.fold_into_lead(into, seal_box(box, "lead:" + into), a.score, a.show, a.first_captured_at, a.last_captured_at);
  std::string rep = b.rep;
  if (rep.empty() && !a.rep.empty()) {  // the assignment goes with the lead
    db.copy_assignment(from, into);
    rep = a.rep;
  }
  if (!a.rep.empty()) (void)queue_withdraw(a.rep, from, now);
  db.merge_rows(from, into);
  if (!rep.empty()) queue_assign(rep, into, now);  // the rep's copy gets the merged history
  take_back_if_withdrawn(into, now);
}

void LeadBook::Impl::take_back_if_withdrawn(const std::string& id, TimePoint now) {
  const std::optional<Lead> lead = read_lead(id, false);
  if (!lead || lead->rep.empty()) return;
  if (std::any_of(lead->consents.begin(), lead->consents.end(), [](const LeadConsent& c) { return !c.withdrawn_at; })) {
    return;
  }
  db.clear_assignment(id);
  (void)queue_withdraw(lead->rep, id, now);
}

// ---- LeadBook

Result<BadgeReport> LeadBook::complete_badges(HubStore& store, TimePoint now) {
  return guarded([&]() -> Result<BadgeReport> {
    BadgeReport report;
    std::vector<BadgeWait> waiting = impl_->db.badge_waits();
    if (waiting.empty()) return report;
    std::vector<HeldList> lists = attendee_lists(store);
    const std::string tried = fingerprint(lists);
    std::erase_if(waiting, [&](const BadgeWait& b) { return b.tried == tried; });
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
      const std::optional<LeadRow> row = impl_->db.lead(id);
      if (row && !row->rep.empty()) impl_->queue_assign(row->rep, id, now);
    };

    const UnitPtr tx = impl_->db.write();
    for (const BadgeWait& b : waiting) {
      ++report.looked_up;
      const std::optional<LeadRow> row = impl_->db.lead(b.lead);
      if (!row) continue;
      json box = impl_->open_box(row->box, "lead:" + b.lead);
      const TimePoint last = row->last_captured_at;
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
      impl_->db.set_badge_tried(b.lead, tried);
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

      impl_->db.set_lead_box(b.lead, impl_->seal_box(box, "lead:" + b.lead));
      if (email.empty()) {  // on the list, but with no email: still the badge's lead
        ++report.filled;
        redeliver(b.lead);
        continue;
      }
      const crypto::Digest person = impl_->person_of(email);
      if (const auto erased_at = impl_->db.erased_at(person.view()); erased_at && last <= *erased_at) {
        EraseReport erased;
        impl_->remove_lead(b.lead, now, erased);
        ++report.erased;
        continue;
      }
      ++report.completed;
      if (const auto other = impl_->db.lead_by_person(person.view())) {
        impl_->merge_lead(b.lead, other->id, now);
        ++report.merged;
        continue;
      }
      impl_->db.set_person(b.lead, person.view());
      impl_->db.remove_badge_wait(b.lead);
      redeliver(b.lead);
      impl_->take_back_if_withdrawn(b.lead, now);
    }
    tx->commit();
    return report;
  });
}

}  // namespace outpost::hub
