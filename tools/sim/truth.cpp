#include "truth.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

#include "json_fields.hpp"
#include "text.hpp"

namespace outpost::sim {

namespace {

using nlohmann::json;

bool is_lead(const std::string& type) { return type == "lead.captured" || type == "lead.repeat_visit"; }

double delay_s(std::int64_t received_ms, std::int64_t done_ms) {
  return static_cast<double>(std::max<std::int64_t>(0, received_ms - done_ms)) / 1000.0;
}

// The events one device's actions should have produced, by key; a
// presentation's own events are matched by its id instead.
struct Expected {
  std::map<std::string, std::vector<std::int64_t>> by_key;  // key -> when each was done
  std::uint64_t slack = 0;  // events that killed processes may have written
};

std::string usage_key(const std::string& type, const std::string& asset, std::uint64_t version) {
  return cat(type, "|", asset, "|", version);
}

Expected expected_usage(const DeviceTruth& d) {
  Expected e;
  for (const Done& x : d.done) {
    const bool usage = x.kind == ActionKind::open || x.kind == ActionKind::present ||
                       x.kind == ActionKind::present_old || x.kind == ActionKind::search;
    if (!usage) continue;
    if (!x.acknowledged) {
      e.slack += x.kind == ActionKind::search || x.kind == ActionKind::open ? 1 : 11;  // present: 3 + up to 8 pages
      continue;
    }
    if (x.kind == ActionKind::search) {
      e.by_key[usage_key("search.performed", "", 0)].push_back(x.done_ms);
    } else if (x.allowed) {
      e.by_key[usage_key("asset.opened", x.asset, x.version)].push_back(x.done_ms);
    } else {
      e.by_key[usage_key("asset.blocked", x.asset, 0)].push_back(x.done_ms);
    }
  }
  return e;
}

// One device's events at one place: the hub, or still queued on the device.
struct PresentationCount {
  std::uint64_t started = 0, ended = 0, pages = 0;
  std::int64_t first_received_ms = 0;
};

struct Held {
  std::map<std::string, std::vector<const HubEvent*>> usage;  // usage_key -> events, in seq order
  std::map<std::string, PresentationCount> presentations;      // by presentation id
  std::map<std::uint64_t, const HubEvent*> leads;              // by journal seq
  std::map<std::string, std::vector<const HubEvent*>> texts;   // feedback and requests, by their text
};

Held index_events(const std::vector<const HubEvent*>& events) {
  Held h;
  for (const HubEvent* e : events) {
    if (e->type == "asset.opened") h.usage[usage_key(e->type, e->asset, e->version)].push_back(e);
    if (e->type == "asset.blocked") h.usage[usage_key(e->type, e->asset, 0)].push_back(e);
    if (e->type == "search.performed") h.usage[usage_key(e->type, "", 0)].push_back(e);
    if (e->type == "presentation.started" || e->type == "page.viewed" || e->type == "presentation.ended") {
      PresentationCount& p = h.presentations[e->presentation];
      if (p.started + p.ended + p.pages == 0) p.first_received_ms = e->received_ms;
      p.started += e->type == "presentation.started";
      p.ended += e->type == "presentation.ended";
      p.pages += e->type == "page.viewed";
    }
    if (is_lead(e->type)) h.leads.emplace(e->seq, e);
    if (e->type == "asset.feedback" || e->type == "content.request") h.texts[e->text].push_back(e);
  }
  return h;
}

std::map<std::string, std::vector<const HubEvent*>> by_device(const std::vector<HubEvent>& events) {
  std::map<std::string, std::vector<const HubEvent*>> out;
  for (const HubEvent& e : events) out[e.device].push_back(&e);
  return out;
}

// Of `want` items, `at_hub` are at the hub and `queued` still on the device:
// counts them as received, then undelivered; the rest are lost.
void tally(Delivery& d, std::uint64_t want, std::uint64_t at_hub, std::uint64_t queued) {
  const std::uint64_t received = std::min(want, at_hub);
  d.sent += want;
  d.received += received;
  d.undelivered += std::min(want - received, queued);
}

template <typename Map, typename Key>
std::uint64_t count_of(const Map& m, const Key& key) {
  const auto it = m.find(key);
  return it == m.end() ? 0 : it->second.size();
}

}  // namespace

std::vector<HubEvent> read_device_queue(const std::string& device, const std::string& stats_json,
                                        const std::string& show_json) {
  const json stats = json::parse(stats_json, nullptr, false);
  const json events = json::parse(show_json, nullptr, false);
  if (!stats.is_object() || !stats.contains("acked_seq") || !stats["acked_seq"].is_number_unsigned()) {
    throw std::runtime_error(cat(device, ": `journal stats --json` gave no acked_seq"));
  }
  if (!events.is_array()) throw std::runtime_error(cat(device, ": `journal show --json` did not print a list"));
  const std::uint64_t acked = stats["acked_seq"].get<std::uint64_t>();
  std::vector<HubEvent> out;
  for (const json& j : events) {
    HubEvent e;
    e.device = device;
    e.seq = number_of(j, "seq");
    e.type = text_of(j, "type");
    if (e.seq <= acked) continue;  // the hub acknowledged it: not queued any more
    const auto payload = j.find("payload");
    if (payload != j.end() && payload->is_object()) {
      e.asset = text_of(*payload, "asset");
      e.version = number_of(*payload, "version");
      e.presentation = text_of(*payload, "presentation");
      e.text = e.type == "asset.feedback" ? text_of(*payload, "comment") : text_of(*payload, "text");
    }
    out.push_back(std::move(e));
  }
  return out;
}

void compare_deliveries(const std::vector<DeviceTruth>& devices, const std::vector<HubEvent>& at_hub,
                        const std::vector<HubEvent>& queued, Results& r) {
  auto hub_by_device = by_device(at_hub);
  auto queued_by_device = by_device(queued);
  for (const DeviceTruth& d : devices) {
    const std::uint64_t undelivered_before = r.usage.undelivered + r.leads.undelivered + r.feedback.undelivered;
    const Held hub = index_events(hub_by_device[d.name]);
    const Held queue = index_events(queued_by_device[d.name]);

    // Usage events without an id of their own: counted per key, in order.
    const Expected expected = expected_usage(d);
    std::uint64_t excess = 0;
    for (const auto& [key, events] : hub.usage) {
      const auto it = expected.by_key.find(key);
      const std::size_t want = it == expected.by_key.end() ? 0 : it->second.size();
      if (events.size() > want) excess += events.size() - want;
    }
    for (const auto& [key, times] : expected.by_key) {
      const std::uint64_t have = count_of(hub.usage, key);
      tally(r.usage, times.size(), have, count_of(queue.usage, key));
      for (std::size_t i = 0; i < std::min<std::size_t>(have, times.size()); ++i) {
        r.usage.delay_s.push_back(delay_s(hub.usage.at(key)[i]->received_ms, times[i]));
      }
    }

    // Presentations, feedback, requests and leads: matched by their own id.
    std::set<std::string> ours;
    std::uint64_t leads_unacked = 0, leads_acked_at_hub = 0;
    for (const Done& x : d.done) {
      if ((x.kind == ActionKind::present || x.kind == ActionKind::present_old) && x.acknowledged && x.allowed) {
        ours.insert(x.presentation);
        const auto h = hub.presentations.find(x.presentation);
        const auto q = queue.presentations.find(x.presentation);
        const PresentationCount ph = h == hub.presentations.end() ? PresentationCount{} : h->second;
        const PresentationCount pq = q == queue.presentations.end() ? PresentationCount{} : q->second;
        tally(r.usage, 1, ph.started, pq.started);
        tally(r.usage, 1, ph.ended, pq.ended);
        tally(r.usage, x.pages, ph.pages, pq.pages);
        if (h != hub.presentations.end()) r.usage.delay_s.push_back(delay_s(ph.first_received_ms, x.done_ms));
        r.usage.duplicates += (ph.started > 1 ? ph.started - 1 : 0) + (ph.ended > 1 ? ph.ended - 1 : 0) +
                              (ph.pages > x.pages ? ph.pages - x.pages : 0);
      }
      if (x.kind == ActionKind::feedback || x.kind == ActionKind::request) {
        const std::uint64_t n = count_of(hub.texts, x.token);
        if (!x.acknowledged) {
          ++r.feedback.unacknowledged;
          r.feedback.extra += n > 0 ? 1 : 0;
          continue;
        }
        tally(r.feedback, 1, n, count_of(queue.texts, x.token));
        r.feedback.duplicates += n > 1 ? n - 1 : 0;
        if (n > 0) r.feedback.delay_s.push_back(delay_s(hub.texts.at(x.token).front()->received_ms, x.done_ms));
      }
      if (x.kind == ActionKind::capture || x.kind == ActionKind::duplicate_scan) {
        if (!x.acknowledged) {
          ++leads_unacked;
          continue;
        }
        const auto h = hub.leads.find(x.seq);
        tally(r.leads, 1, h != hub.leads.end() ? 1 : 0, queue.leads.count(x.seq));
        if (h != hub.leads.end()) {
          ++leads_acked_at_hub;
          r.leads.delay_s.push_back(delay_s(h->second->received_ms, x.done_ms));
        }
      }
    }
    // Presentation events whose id no acknowledged presentation has: from a
    // killed process (within its slack) or duplicates.
    for (const auto& [id, p] : hub.presentations) {
      if (ours.count(id) == 0) excess += p.started + p.ended + p.pages;
    }
    r.usage.unacknowledged += expected.slack;
    r.usage.extra += std::min(excess, expected.slack);
    r.usage.duplicates += excess > expected.slack ? excess - expected.slack : 0;

    // Leads: every lead event beyond the acknowledged captures must come
    // from a killed capture.
    r.leads.unacknowledged += leads_unacked;
    const std::uint64_t beyond = hub.leads.size() - leads_acked_at_hub;
    r.leads.extra += std::min(beyond, leads_unacked);
    r.leads.duplicates += beyond > leads_unacked ? beyond - leads_unacked : 0;
    const std::uint64_t undelivered =
        r.usage.undelivered + r.leads.undelivered + r.feedback.undelivered - undelivered_before;
    if (undelivered > 0) r.undelivered_by_device[d.name] = undelivered;
  }
}

void compare_lead_book(const std::vector<DeviceTruth>& devices, const std::vector<HubEvent>& queued,
                       const std::string& leads_json, const std::string& show, Results& r) {
  LeadBookCheck& b = r.lead_book;
  std::set<std::pair<std::string, std::uint64_t>> still_queued;
  for (const HubEvent& e : queued) {
    if (is_lead(e.type)) still_queued.insert({e.device, e.seq});
  }
  for (const DeviceTruth& d : devices) {
    std::set<std::uint64_t> acked, delivered, possible;  // delivered: not still queued on the kiosk
    for (const Done& x : d.done) {
      if (x.kind != ActionKind::capture && x.kind != ActionKind::duplicate_scan) continue;
      if (x.kind == ActionKind::duplicate_scan && x.acknowledged && acked.count(x.visitor) > 0) {
        ++b.repeat_scans;
        b.repeat_recognised += x.repeat ? 1 : 0;
      }
      possible.insert(x.visitor);
      if (x.acknowledged) acked.insert(x.visitor);
      if (x.acknowledged && still_queued.count({d.name, x.seq}) == 0) delivered.insert(x.visitor);
    }
    b.visitors += delivered.size();
    b.visitors_possible += possible.size();
  }
  const json doc = json::parse(leads_json, nullptr, false);
  if (!doc.is_array()) {
    b.problem = "outpost-hub leads list --json did not print a list";
    return;
  }
  for (const json& lead : doc) {
    if (!lead.is_object() || text_of(lead, "show") != show) continue;
    ++b.leads;
    b.visits += number_of(lead, "visits");
  }
  b.checked = true;
}

}  // namespace outpost::sim
