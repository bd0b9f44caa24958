#include "outpost/shell/json.hpp"

#include <algorithm>
#include <chrono>

#include "outpost/base/time_text.hpp"

namespace outpost::shell {

namespace {

json optional_time(const std::optional<TimePoint>& t) { return t ? json(iso_time(*t)) : json(nullptr); }

}  // namespace

json decision_json(const gate::Decision& d) {
  json j = {
      {"asset", d.asset},       {"version", d.version ? json(*d.version) : json(nullptr)},
      {"allowed", d.allowed},   {"reason", d.reason ? json(std::string(gate::reason_name(*d.reason))) : json(nullptr)},
      {"in_grace", d.in_grace}, {"message", d.message}};
  if (d.grace_ends) j["grace_ends"] = iso_time(*d.grace_ends);
  if (d.update_pending) j["update_pending"] = *d.update_pending;
  return j;
}

json release_json(const catalog::Release& r) {
  return {{"asset", r.asset},
          {"version", r.version},
          {"title", r.title},
          {"kind", r.kind},
          {"tags", r.tags},
          {"criticality", r.criticality},
          {"size", r.size},
          {"digest", r.digest.hex()},
          {"valid_from", iso_time(r.valid_from)},
          {"expires_at", optional_time(r.expires_at)},
          {"note", r.change_note}};
}

json report_json(const sync::SyncReport& r) {
  return {{"catalog_from", r.catalog_from},
          {"catalog_to", r.catalog_to},
          {"releases", r.releases},
          {"revocations", r.revocations},
          {"versions_fetched", r.versions_fetched},
          {"chunks_fetched", r.chunks_fetched},
          {"bytes_fetched", r.bytes_fetched},
          {"events_pushed", r.events_pushed},
          {"journal_acked", r.journal_acked},
          {"leads_assigned", r.leads_assigned},
          {"leads_withdrawn", r.leads_withdrawn},
          {"leads_unreadable", r.leads_unreadable},
          {"journal_forked_at", r.journal_forked_at ? json(*r.journal_forked_at) : json(nullptr)},
          {"journal_events_continued", r.journal_events_continued},
          {"wiped", r.wiped}};
}

json search_json(const device::DeviceHome::SearchOutcome& outcome) {
  json hits = json::array();
  for (const auto& found : outcome.found) {
    hits.push_back({{"asset", found.hit.asset},
                    {"version", found.hit.version},
                    {"title", found.hit.title},
                    {"kind", found.hit.kind},
                    {"score", found.hit.score},
                    {"decision", decision_json(found.decision)}});
  }
  json facets = json::array();
  for (const auto& f : outcome.results.facets)
    facets.push_back({{"facet", f.facet}, {"value", f.value}, {"count", f.count}});
  return {{"hits", hits},
          {"total", outcome.results.total},
          {"total_is_estimate", outcome.results.total_is_estimate},
          {"facets", facets}};
}

json link_json(const sync::DeviceLink& link) {
  return {{"device", link.device}, {"role", link.role}, {"hub", link.sync_endpoint}};
}

json catalog_status_json(const catalog::CatalogStatus& s, const std::map<std::string, catalog::Seconds>& budgets) {
  json classes = json::object();
  for (const auto& [name, budget] : budgets) {
    const auto left = s.verified_as_of
                          ? std::chrono::duration_cast<std::chrono::seconds>(*s.verified_as_of + budget - s.trusted_now)
                          : std::chrono::seconds(0);
    classes[name] = {{"budget_s", budget.count()}, {"left_s", std::max<std::int64_t>(0, left.count())}};
  }
  return {{"seq", s.seq},
          {"verified_as_of", optional_time(s.verified_as_of)},
          {"trusted_now", iso_time(s.trusted_now)},
          {"trust_version", s.trust_version},
          {"damage", s.damage ? json(*s.damage) : json(nullptr)},
          {"offline_budget", classes}};
}

json cache_stats_json(const cache::CacheStats& s) {
  return {{"assets", s.assets},
          {"versions", s.versions},
          {"pinned_versions", s.pinned_versions},
          {"chunks", s.chunks},
          {"missing_chunks", s.missing_chunks},
          {"logical_bytes", s.logical_bytes},
          {"stored_bytes", s.stored_bytes},
          {"quota", s.quota ? json(*s.quota) : json(nullptr)}};
}

json journal_stats_json(const journal::JournalStats& s) {
  return {{"events", s.events},
          {"first_seq", s.first_seq},
          {"head_seq", s.head_seq},
          {"acked_seq", s.acked_seq},
          {"bytes", s.bytes},
          {"quota_bytes", s.quota_bytes},
          {"dropped_total", s.dropped_total}};
}

json home_status_json(device::DeviceHome& home, const sync::DeviceLink* link) {
  const auto& trust = home.catalog().trust();
  const journal::JournalStats journal = home.journal().stats();
  json cache = cache_stats_json(home.cache().stats());
  cache["pinned_assets"] = home.cache().pinned_assets();
  json events = journal_stats_json(journal);
  events["undelivered"] = journal.head_seq - journal.acked_seq;
  return {{"link", link != nullptr ? link_json(*link) : json(nullptr)},
          {"catalog", catalog_status_json(home.catalog().status(),
                                          trust ? trust->offline_budget : catalog::default_offline_budget())},
          {"cache", cache},
          {"journal", events}};
}

json form_json(const device::DeviceHome::Form& f) {
  json fields = json::array();
  for (const auto& field : f.form.fields) {
    fields.push_back({{"name", field.name},
                      {"label", field.label},
                      {"type", leads::field_type_name(field.type)},
                      {"required", field.required},
                      {"options", field.options}});
  }
  json questions = json::array();
  for (const auto& q : f.form.qualification) {
    json options = json::array();
    for (const auto& o : q.options) options.push_back({{"value", o.value}, {"label", o.label}, {"score", o.score}});
    questions.push_back({{"name", q.name}, {"question", q.question}, {"required", q.required}, {"options", options}});
  }
  return {
      {"asset", f.ref.asset},       {"version", f.ref.version},
      {"show", f.form.show},        {"fields", fields},
      {"qualification", questions}, {"consent", {{"text", f.form.consent_text}, {"version", f.form.consent_version}}}};
}

json captured_json(const leads::Captured& c) {
  return {{"seq", c.seq}, {"repeat", c.repeat}, {"score", c.score}, {"show", c.show}};
}

json presentation_json(const device::PresentationSummary& s) {
  return {{"id", s.id}, {"asset", s.asset}, {"version", s.version}, {"pages", s.pages}, {"duration_ms", s.duration_ms}};
}

namespace {

std::vector<std::string> shows_of(const leads::Assignment& a) {
  std::vector<std::string> out;
  for (const auto& v : a.visits) {
    if (std::find(out.begin(), out.end(), v.show) == out.end()) out.push_back(v.show);
  }
  return out;
}

std::string field_of(const leads::Assignment& a, const char* name) {
  const auto it = a.fields.find(name);
  return it == a.fields.end() ? std::string() : it->second;
}

}  // namespace

json assigned_summary_json(const leads::AssignedLead& l, TimePoint now) {
  const leads::Assignment& a = l.assignment;
  json follow_up = nullptr;
  if (l.follow_up) follow_up = {{"outcome", l.follow_up->outcome}, {"at", iso_time(l.follow_up->at)}};
  return {{"lead", a.lead},
          {"score", a.score},
          {"shows", shows_of(a)},
          {"name", field_of(a, "name")},
          {"email", field_of(a, "email")},
          {"assigned_at", optional_time(a.assigned_at)},
          {"due_at", optional_time(a.due_at)},
          {"overdue", l.overdue(now)},
          {"follow_up", std::move(follow_up)}};
}

json assigned_lead_json(const leads::AssignedLead& l, TimePoint now) {
  const leads::Assignment& a = l.assignment;
  json doc = assigned_summary_json(l, now);
  doc["fields"] = a.fields;
  json visits = json::array();
  for (const auto& v : a.visits) {
    visits.push_back(
        {{"show", v.show}, {"kiosk", v.kiosk}, {"captured_at", optional_time(v.captured_at)}, {"answers", v.answers}});
  }
  doc["visits"] = std::move(visits);
  doc["consent"] = {{"version", a.consent_version}, {"accepted_at", optional_time(a.consent_at)}};
  doc["received_at"] = iso_time(l.received_at);
  return doc;
}

json field_errors_json(const std::vector<leads::FieldError>& errors) {
  json list = json::array();
  for (const auto& e : errors) list.push_back({{"field", e.field}, {"problem", e.problem}});
  return {{"errors", list}};
}

}  // namespace outpost::shell
