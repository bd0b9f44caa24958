#include "truth.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "text.hpp"

namespace outpost::sim {

namespace {

using nlohmann::json;

std::string text_of(const json& doc, const char* key) {
  const auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::uint64_t number_of(const json& doc, const char* key) {
  const auto it = doc.find(key);
  return it != doc.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

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

}  // namespace

std::vector<HubEvent> read_hub_events(const std::string& hub_db) {
  SQLite::Database db(hub_db, SQLite::OPEN_READONLY);
  SQLite::Statement st(db, "SELECT device, seq, type, received_at, payload FROM events ORDER BY device, seq");
  std::vector<HubEvent> out;
  while (st.executeStep()) {
    HubEvent e;
    e.device = st.getColumn(0).getString();
    e.seq = static_cast<std::uint64_t>(st.getColumn(1).getInt64());
    e.type = st.getColumn(2).getString();
    e.received_ms = st.getColumn(3).getInt64();
    const SQLite::Column payload = st.getColumn(4);
    if (!payload.isNull() && !is_lead(e.type)) {
      const auto* bytes = static_cast<const std::uint8_t*>(payload.getBlob());
      const json doc = json::from_msgpack(bytes, bytes + payload.getBytes(), true, false);
      if (doc.is_object()) {
        e.asset = text_of(doc, "asset");
        e.version = number_of(doc, "version");
        e.presentation = text_of(doc, "presentation");
        e.text = e.type == "asset.feedback" ? text_of(doc, "comment") : text_of(doc, "text");
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

void compare_deliveries(const std::vector<DeviceTruth>& devices, const std::vector<HubEvent>& events, Results& r) {
  std::map<std::string, std::vector<const HubEvent*>> by_device;
  std::map<std::string, std::vector<const HubEvent*>> by_text;
  for (const HubEvent& e : events) {
    by_device[e.device].push_back(&e);
    if (e.type == "asset.feedback" || e.type == "content.request") by_text[e.text].push_back(&e);
  }
  for (const DeviceTruth& d : devices) {
    const std::vector<const HubEvent*>& held = by_device[d.name];

    // Usage events without an id of their own: counted per key, in order.
    const Expected expected = expected_usage(d);
    std::map<std::string, std::vector<const HubEvent*>> hub_keys;
    std::map<std::string, std::vector<const HubEvent*>> hub_presentations;
    std::set<std::uint64_t> lead_seqs;
    for (const HubEvent* e : held) {
      if (e->type == "asset.opened") hub_keys[usage_key(e->type, e->asset, e->version)].push_back(e);
      if (e->type == "asset.blocked") hub_keys[usage_key(e->type, e->asset, 0)].push_back(e);
      if (e->type == "search.performed") hub_keys[usage_key(e->type, "", 0)].push_back(e);
      if (e->type == "presentation.started" || e->type == "page.viewed" || e->type == "presentation.ended") {
        hub_presentations[e->presentation].push_back(e);
      }
      if (is_lead(e->type)) lead_seqs.insert(e->seq);
    }
    std::uint64_t excess = 0;
    for (const auto& [key, at_hub] : hub_keys) {
      const auto it = expected.by_key.find(key);
      const std::size_t want = it == expected.by_key.end() ? 0 : it->second.size();
      if (at_hub.size() > want) excess += at_hub.size() - want;
    }
    for (const auto& [key, times] : expected.by_key) {
      const auto it = hub_keys.find(key);
      const std::size_t have = it == hub_keys.end() ? 0 : it->second.size();
      r.usage.sent += times.size();
      r.usage.received += std::min(have, times.size());
      for (std::size_t i = 0; i < std::min(have, times.size()); ++i) {
        r.usage.delay_s.push_back(delay_s(it->second[i]->received_ms, times[i]));
      }
    }

    // Presentations, feedback, requests and leads: matched by their own id.
    std::set<std::string> ours;
    std::uint64_t leads_unacked = 0;
    for (const Done& x : d.done) {
      if ((x.kind == ActionKind::present || x.kind == ActionKind::present_old) && x.acknowledged && x.allowed) {
        ours.insert(x.presentation);
        const auto it = hub_presentations.find(x.presentation);
        std::uint64_t started = 0, ended = 0, pages = 0;
        if (it != hub_presentations.end()) {
          for (const HubEvent* e : it->second) {
            started += e->type == "presentation.started";
            ended += e->type == "presentation.ended";
            pages += e->type == "page.viewed";
          }
          r.usage.delay_s.push_back(delay_s(it->second.front()->received_ms, x.done_ms));
        }
        r.usage.sent += 2 + x.pages;
        r.usage.received += std::min<std::uint64_t>(started, 1) + std::min<std::uint64_t>(ended, 1) +
                            std::min(pages, x.pages);
        r.usage.duplicates += (started > 1 ? started - 1 : 0) + (ended > 1 ? ended - 1 : 0) +
                              (pages > x.pages ? pages - x.pages : 0);
      }
      if (x.kind == ActionKind::feedback || x.kind == ActionKind::request) {
        if (!x.acknowledged) {
          ++r.feedback.unacknowledged;
          r.feedback.extra += by_text.count(x.token) > 0 ? 1 : 0;
          continue;
        }
        const auto it = by_text.find(x.token);
        const std::size_t n = it == by_text.end() ? 0 : it->second.size();
        ++r.feedback.sent;
        r.feedback.received += n > 0 ? 1 : 0;
        r.feedback.duplicates += n > 1 ? n - 1 : 0;
        if (n > 0) r.feedback.delay_s.push_back(delay_s(it->second.front()->received_ms, x.done_ms));
      }
      if (x.kind == ActionKind::capture || x.kind == ActionKind::duplicate_scan) {
        if (!x.acknowledged) {
          ++leads_unacked;
          continue;
        }
        ++r.leads.sent;
        if (lead_seqs.count(x.seq) > 0) {
          ++r.leads.received;
          for (const HubEvent* e : held) {
            if (e->seq == x.seq) r.leads.delay_s.push_back(delay_s(e->received_ms, x.done_ms));
          }
        }
      }
    }
    // Presentation events whose id no acknowledged presentation has: from a
    // killed process (within its slack) or duplicates.
    for (const auto& [id, list] : hub_presentations) {
      if (ours.count(id) == 0) excess += list.size();
    }
    r.usage.unacknowledged += expected.slack;
    r.usage.extra += std::min(excess, expected.slack);
    r.usage.duplicates += excess > expected.slack ? excess - expected.slack : 0;

    // Leads: every lead event beyond the acknowledged captures must come
    // from a killed capture.
    r.leads.unacknowledged += leads_unacked;
    std::uint64_t acked_here = 0;
    for (const Done& x : d.done) {
      if ((x.kind == ActionKind::capture || x.kind == ActionKind::duplicate_scan) && x.acknowledged &&
          lead_seqs.count(x.seq) > 0) {
        ++acked_here;
      }
    }
    const std::uint64_t beyond = lead_seqs.size() - acked_here;
    r.leads.extra += std::min(beyond, leads_unacked);
    r.leads.duplicates += beyond > leads_unacked ? beyond - leads_unacked : 0;
  }
}

void compare_lead_book(const std::vector<DeviceTruth>& devices, const std::string& leads_json, const std::string& show,
                       Results& r) {
  LeadBookCheck& b = r.lead_book;
  for (const DeviceTruth& d : devices) {
    std::set<std::uint64_t> acked, possible;
    for (const Done& x : d.done) {
      if (x.kind != ActionKind::capture && x.kind != ActionKind::duplicate_scan) continue;
      if (x.kind == ActionKind::duplicate_scan && x.acknowledged && acked.count(x.visitor) > 0) {
        ++b.repeat_scans;
        b.repeat_recognised += x.repeat ? 1 : 0;
      }
      possible.insert(x.visitor);
      if (x.acknowledged) acked.insert(x.visitor);
    }
    b.visitors += acked.size();
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
