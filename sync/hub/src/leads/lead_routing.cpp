// The lead book's routing: the rules file, routing and assigning leads to
// reps, and the deliveries that carry assignments to the rep devices.
#include <algorithm>

#include "leads/lead_book_impl.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/storage/database.hpp"

namespace outpost::hub {

using namespace lead_detail;

namespace {

[[noreturn]] void bad_rules(const std::string& where, const std::string& problem) {
  throw Error(Errc::invalid_argument, "routing rules: " + where + " " + problem);
}

std::vector<std::string> text_list(const json& value, const std::string& where) {
  std::vector<std::string> out;
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
    return out;
  }
  if (!value.is_array()) bad_rules(where, "must be text or a list of text");
  for (const json& v : value) {
    if (!v.is_string()) bad_rules(where, "must hold only text");
    out.push_back(v.get<std::string>());
  }
  return out;
}

// The values the rules match on: the lead's fields, overlaid by the answers
// of its visits (latest visit last, so its answers win).
std::map<std::string, std::string> routing_values(const Lead& lead) {
  std::map<std::string, std::string> values = lead.fields;
  for (const LeadVisit& v : lead.history) {
    for (const auto& [q, a] : v.answers) values[q] = a;
  }
  return values;
}

bool matches(const RoutingRule& rule, const Lead& lead, const std::map<std::string, std::string>& values) {
  if (lead.score < rule.min_score) return false;
  for (const auto& [key, accepted] : rule.match) {
    const auto it = values.find(key);
    if (it == values.end() || std::find(accepted.begin(), accepted.end(), it->second) == accepted.end()) return false;
  }
  return true;
}

}  // namespace

Result<RoutingRules> RoutingRules::parse(std::string_view json_text) {
  return guarded([&]() -> Result<RoutingRules> {
    json doc;
    try {
      doc = json::parse(json_text);
    } catch (const json::exception& e) {
      bad_rules("file", std::string("is not valid JSON (") + e.what() + ")");
    }
    if (!doc.is_object()) bad_rules("file", "must be a JSON object");
    for (const auto& [key, value] : doc.items()) {
      if (key != "teams" && key != "rules" && key != "default_team" && key != "sla_hours") {
        bad_rules("'" + key + "'", "is not a known key (teams, rules, default_team, sla_hours)");
      }
    }
    RoutingRules rules;
    const json teams = doc.value("teams", json::object());
    if (!teams.is_object() || teams.empty()) bad_rules("'teams'", "must be an object of team: [rep devices]");
    for (const auto& [team, members] : teams.items()) {
      auto reps = text_list(members, "team '" + team + "'");
      if (reps.empty()) bad_rules("team '" + team + "'", "has no reps");
      rules.teams[team] = std::move(reps);
    }
    if (doc.contains("sla_hours")) {
      const json& h = doc["sla_hours"];
      if (!h.is_number_unsigned() || h.get<std::uint64_t>() == 0 || h.get<std::uint64_t>() > 24 * 365) {
        bad_rules("'sla_hours'", "must be a whole number of hours from 1 to 8760");
      }
      rules.sla = std::chrono::hours(h.get<std::int64_t>());
    }
    if (doc.contains("default_team")) {
      if (!doc["default_team"].is_string()) bad_rules("'default_team'", "must be a team name");
      rules.default_team = doc["default_team"].get<std::string>();
      if (!rules.teams.contains(rules.default_team)) {
        bad_rules("'default_team'", "names team '" + rules.default_team + "', which 'teams' does not define");
      }
    }
    const json list = doc.value("rules", json::array());
    if (!list.is_array()) bad_rules("'rules'", "must be a list");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const json& r = list[i];
      std::string where = "rules[" + std::to_string(i) + "]";
      if (!r.is_object()) bad_rules(where, "must be an object");
      RoutingRule rule;
      if (r.contains("name") && (!r["name"].is_string() || r["name"].get<std::string>().empty())) {
        bad_rules(where, "'name' must be non-empty text");
      }
      rule.name = r.value("name", where);
      where = "rule '" + rule.name + "'";
      for (const auto& [key, value] : r.items()) {
        if (key != "name" && key != "match" && key != "min_score" && key != "team") {
          bad_rules(where, "has unknown key '" + key + "' (name, match, min_score, team)");
        }
      }
      if (!r.contains("team") || !r["team"].is_string()) bad_rules(where, "needs a team");
      rule.team = r["team"].get<std::string>();
      if (!rules.teams.contains(rule.team)) bad_rules(where, "names team '" + rule.team + "', which 'teams' does not define");
      if (r.contains("min_score")) {
        if (!r["min_score"].is_number_unsigned()) bad_rules(where, "'min_score' must be a whole number");
        rule.min_score = r["min_score"].get<std::uint64_t>();
      }
      const json match = r.value("match", json::object());
      if (!match.is_object()) bad_rules(where, "'match' must be an object of field or question: value(s)");
      for (const auto& [key, value] : match.items()) rule.match[key] = text_list(value, where + " match '" + key + "'");
      rules.rules.push_back(std::move(rule));
    }
    return rules;
  });
}

// ---- Impl: assignments and deliveries

std::string LeadBook::Impl::rep_problem(const std::string& device) {
  SQLite::Statement st(db, "SELECT role, revoked_at FROM devices WHERE name = ?");
  st.bind(1, device);
  if (!st.executeStep()) return "no device named '" + device + "' (see `outpost-hub devices`)";
  if (!st.getColumn(1).isNull()) return "device '" + device + "' is revoked";
  if (st.getColumn(0).getString() != "rep") return "device '" + device + "' is not a rep device";
  return {};
}

void LeadBook::Impl::write_delivery(const std::string& device, const std::string& lead, const char* kind,
                                    const std::optional<Bytes>& sealed, TimePoint now) {
  SQLite::Statement put(db,
                        "INSERT INTO lead_deliveries(device, seq, lead, kind, sealed, created_at) "
                        "VALUES(?1, (SELECT coalesce(max(seq), 0) + 1 FROM lead_deliveries WHERE device = ?1), "
                        "?2, ?3, ?4, ?5)");
  put.bind(1, device);
  put.bind(2, lead);
  put.bind(3, kind);
  if (sealed) bind_blob(put, 4, *sealed);
  put.bind(5, to_unix_ms(now));
  put.exec();
}

void LeadBook::Impl::queue_assign(const std::string& device, const std::string& lead, TimePoint now) {
  SQLite::Statement st(db, "INSERT OR IGNORE INTO lead_pending(device, lead, created_at) VALUES(?, ?, ?)");
  st.bind(1, device);
  st.bind(2, lead);
  st.bind(3, to_unix_ms(now));
  st.exec();
  deliver_pending(device, now);
}

bool LeadBook::Impl::queue_withdraw(const std::string& device, const std::string& lead, TimePoint now) {
  SQLite::Statement drop(db, "DELETE FROM lead_pending WHERE device = ? AND lead = ?");
  drop.bind(1, device);
  drop.bind(2, lead);
  drop.exec();
  // Only what the device could have received needs taking back.
  SQLite::Statement sent(db, "SELECT 1 FROM lead_deliveries WHERE device = ? AND lead = ? AND kind = 'assign'");
  sent.bind(1, device);
  sent.bind(2, lead);
  if (!sent.executeStep()) return false;
  sent.reset();
  SQLite::Statement last(db, "SELECT kind FROM lead_deliveries WHERE device = ? AND lead = ? ORDER BY seq DESC LIMIT 1");
  last.bind(1, device);
  last.bind(2, lead);
  if (last.executeStep() && last.getColumn(0).getString() == "withdraw") return true;
  last.reset();
  write_delivery(device, lead, "withdraw", std::nullopt, now);
  return true;
}

Bytes LeadBook::Impl::assignment_document(const Lead& lead) {
  json visits = json::array();
  for (const LeadVisit& v : lead.history) {
    visits.push_back(
        {{"show", v.show}, {"kiosk", v.kiosk}, {"captured_at", iso_time(v.captured_at)}, {"answers", v.answers}});
  }
  json consent = json::object();
  if (!lead.history.empty()) {
    const auto latest = std::max_element(lead.history.begin(), lead.history.end(),
                                         [](const LeadVisit& a, const LeadVisit& b) { return a.consent_at < b.consent_at; });
    consent = {{"version", latest->consent_version}, {"accepted_at", iso_time(latest->consent_at)}};
  }
  const json doc = {{"lead", lead.id},
                    {"assigned_at", lead.assigned_at ? iso_time(*lead.assigned_at) : std::string()},
                    {"due_at", lead.due_at ? iso_time(*lead.due_at) : std::string()},
                    {"score", lead.score},
                    {"fields", lead.fields},
                    {"visits", std::move(visits)},
                    {"consent", std::move(consent)}};
  std::string text = doc.dump();
  Bytes out(text.begin(), text.end());
  crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(text.data()), text.size()));
  return out;
}

void LeadBook::Impl::deliver_pending(const std::string& device, TimePoint now) {
  SQLite::Statement key(db, "SELECT lead_box FROM devices WHERE name = ?");
  key.bind(1, device);
  if (!key.executeStep() || key.getColumn(0).isNull()) return;
  const ByteView k = blob(key.getColumn(0));
  if (k.size() != 32) throw Error(Errc::corrupt, "device '" + device + "' has a malformed lead_box key");
  crypto::BoxPublicKey box;
  std::copy(k.begin(), k.end(), box.bytes.begin());
  key.reset();
  std::vector<std::string> leads;
  SQLite::Statement pending(db, "SELECT lead FROM lead_pending WHERE device = ? ORDER BY created_at, lead");
  pending.bind(1, device);
  while (pending.executeStep()) leads.push_back(pending.getColumn(0).getString());
  pending.reset();
  for (const std::string& id : leads) {
    std::optional<Lead> lead = read_lead(id, true);
    if (lead && lead->rep == device) {
      Bytes doc = assignment_document(*lead);
      write_delivery(device, id, "assign", crypto::seal(box, doc), now);
      crypto::wipe(doc);
    }
    SQLite::Statement done(db, "DELETE FROM lead_pending WHERE device = ? AND lead = ?");
    done.bind(1, device);
    done.bind(2, id);
    done.exec();
  }
}

void LeadBook::Impl::set_assignment(const std::string& lead, const std::string& team, const std::string& rep,
                                    TimePoint now, std::chrono::hours sla) {
  SQLite::Statement prev(db, "SELECT rep FROM leads WHERE id = ?");
  prev.bind(1, lead);
  if (!prev.executeStep()) throw Error(Errc::not_found, "no lead '" + lead + "' (see `outpost-hub leads list`)");
  const std::string before = opt_text(prev.getColumn(0));
  prev.reset();
  SQLite::Statement st(db,
                       "UPDATE leads SET team = ?, rep = ?, assigned_at = ?, due_at = ?, escalated_at = NULL "
                       "WHERE id = ?");
  if (team.empty()) {
    st.bind(1);
  } else {
    st.bind(1, team);
  }
  st.bind(2, rep);
  st.bind(3, to_unix_ms(now));
  st.bind(4, to_unix_ms(now + sla));
  st.bind(5, lead);
  st.exec();
  if (!before.empty() && before != rep) (void)queue_withdraw(before, lead, now);
  queue_assign(rep, lead, now);
}

// ---- LeadBook

Result<std::vector<RouteDecision>> LeadBook::route(const RoutingRules& rules, TimePoint now) {
  return guarded([&]() -> Result<std::vector<RouteDecision>> {
    storage::Transaction tx(impl_->db);
    std::vector<RouteDecision> out;
    for (const LeadSummary& s : impl_->summaries()) {
      if (!s.rep.empty()) continue;
      const std::optional<Lead> lead = impl_->read_lead(s.id, true);
      RouteDecision d{s.id, s.show, {}, {}, {}, {}};
      if (std::none_of(lead->consents.begin(), lead->consents.end(),
                       [](const LeadConsent& c) { return !c.withdrawn_at; })) {
        d.problem = "consent withdrawn for every show it was captured at";
        out.push_back(std::move(d));
        continue;
      }
      const auto values = routing_values(*lead);
      for (const RoutingRule& rule : rules.rules) {
        if (matches(rule, *lead, values)) {
          d.rule = rule.name;
          d.team = rule.team;
          break;
        }
      }
      if (d.team.empty() && !rules.default_team.empty()) {
        d.rule = "default";
        d.team = rules.default_team;
      }
      if (d.team.empty()) {
        d.problem = "no rule matches and there is no default team";
        out.push_back(std::move(d));
        continue;
      }
      // Round robin over the team's reps that can take leads now, from
      // where the last run stopped.
      const std::vector<std::string>& members = rules.teams.at(d.team);
      SQLite::Statement get(impl_->db, "SELECT next FROM lead_round_robin WHERE team = ?");
      get.bind(1, d.team);
      std::size_t next = get.executeStep() ? static_cast<std::size_t>(get.getColumn(0).getInt64()) : 0;
      get.reset();
      for (std::size_t tried = 0; tried < members.size(); ++tried) {
        const std::string& candidate = members[(next + tried) % members.size()];
        if (impl_->rep_problem(candidate).empty()) {
          d.rep = candidate;
          next = (next + tried + 1) % members.size();
          break;
        }
      }
      if (d.rep.empty()) {
        d.problem = "team '" + d.team + "' has no active rep device";
        out.push_back(std::move(d));
        continue;
      }
      SQLite::Statement put(impl_->db, "INSERT OR REPLACE INTO lead_round_robin(team, next) VALUES(?, ?)");
      put.bind(1, d.team);
      put.bind(2, static_cast<std::int64_t>(next));
      put.exec();
      impl_->set_assignment(d.lead, d.team, d.rep, now, rules.sla);
      out.push_back(std::move(d));
    }
    tx.commit();
    return out;
  });
}

Status LeadBook::assign(const std::string& lead, const std::string& rep, TimePoint now, std::chrono::hours sla) {
  return guarded([&]() -> Status {
    storage::Transaction tx(impl_->db);
    if (const std::string problem = impl_->rep_problem(rep); !problem.empty()) {
      return Status(Errc::invalid_argument, "cannot assign to " + problem);
    }
    SQLite::Statement team(impl_->db, "SELECT team FROM leads WHERE id = ?");
    team.bind(1, lead);
    if (!team.executeStep()) return Status(Errc::not_found, "no lead '" + lead + "' (see `outpost-hub leads list`)");
    const std::string t = opt_text(team.getColumn(0));
    team.reset();
    impl_->set_assignment(lead, t, rep, now, sla);
    tx.commit();
    return {};
  });
}

Status LeadBook::escalate(const std::string& lead, TimePoint now) {
  return guarded([&]() -> Status {
    SQLite::Statement st(impl_->db, "UPDATE leads SET escalated_at = ? WHERE id = ? AND rep IS NOT NULL");
    st.bind(1, to_unix_ms(now));
    st.bind(2, lead);
    if (st.exec() == 0) {
      SQLite::Statement known(impl_->db, "SELECT 1 FROM leads WHERE id = ?");
      known.bind(1, lead);
      if (!known.executeStep()) return Status(Errc::not_found, "no lead '" + lead + "' (see `outpost-hub leads list`)");
      return Status(Errc::invalid_argument, "lead " + lead + " is not assigned yet (route or assign it first)");
    }
    return {};
  });
}

Status LeadBook::set_lead_box(const std::string& device, const crypto::BoxPublicKey& key, TimePoint now) {
  return guarded([&]() -> Status {
    // Every rep hello reports its key: the same key again writes nothing.
    SQLite::Statement current(impl_->db, "SELECT lead_box FROM devices WHERE name = ?");
    current.bind(1, device);
    if (!current.executeStep()) return Status(Errc::not_found, "no device named '" + device + "'");
    const bool had_key = !current.getColumn(0).isNull();
    if (had_key) {
      const ByteView old = blob(current.getColumn(0));
      if (old.size() == key.bytes.size() && std::equal(old.begin(), old.end(), key.bytes.begin())) return {};
    }
    current.reset();
    storage::Transaction tx(impl_->db);
    SQLite::Statement st(impl_->db, "UPDATE devices SET lead_box = ? WHERE name = ?");
    bind_blob(st, 1, key.bytes);
    st.bind(2, device);
    st.exec();
    // A new key (the device was re-initialised or re-enrolled under its
    // name): what it was sent before no longer opens, so its current leads
    // go to it again, sealed to the new key.
    if (had_key) {
      SQLite::Statement held(impl_->db, "SELECT id FROM leads WHERE rep = ?");
      held.bind(1, device);
      std::vector<std::string> leads;
      while (held.executeStep()) leads.push_back(held.getColumn(0).getString());
      held.reset();
      for (const std::string& lead : leads) impl_->queue_assign(device, lead, now);
    }
    impl_->deliver_pending(device, now);
    tx.commit();
    return {};
  });
}

Status LeadBook::deliver_pending(const std::string& device, TimePoint now) {
  return guarded([&]() -> Status {
    storage::Transaction tx(impl_->db);
    impl_->deliver_pending(device, now);
    tx.commit();
    return {};
  });
}

Result<std::vector<LeadBook::DeliveryHead>> LeadBook::delivery_heads() {
  return guarded([&]() -> Result<std::vector<DeliveryHead>> {
    SQLite::Statement st(impl_->db,
                         "SELECT d.device, max(d.seq), v.lead_box FROM lead_deliveries d JOIN devices v "
                         "ON v.name = d.device WHERE v.lead_box IS NOT NULL GROUP BY d.device");
    std::vector<DeliveryHead> out;
    while (st.executeStep()) {
      const ByteView box = blob(st.getColumn(2));
      if (box.size() != 32) continue;
      DeliveryHead h;
      h.device = st.getColumn(0).getString();
      h.seq = static_cast<std::uint64_t>(st.getColumn(1).getInt64());
      std::copy(box.begin(), box.end(), h.lead_box.bytes.begin());
      out.push_back(std::move(h));
    }
    return out;
  });
}

Result<std::vector<Delivery>> LeadBook::deliveries(const std::string& device, std::uint64_t after_seq,
                                                   std::size_t limit) {
  return guarded([&]() -> Result<std::vector<Delivery>> {
    SQLite::Statement st(impl_->db,
                         "SELECT seq, lead, kind, sealed, created_at FROM lead_deliveries WHERE device = ? AND seq > ? "
                         "ORDER BY seq LIMIT ?");
    st.bind(1, device);
    st.bind(2, static_cast<std::int64_t>(after_seq));
    st.bind(3, static_cast<std::int64_t>(std::min<std::size_t>(limit, 1'000'000)));
    std::vector<Delivery> out;
    while (st.executeStep()) {
      Delivery d;
      d.device = device;
      d.seq = static_cast<std::uint64_t>(st.getColumn(0).getInt64());
      d.lead = st.getColumn(1).getString();
      d.kind = st.getColumn(2).getString();
      if (!st.getColumn(3).isNull()) {
        const ByteView b = blob(st.getColumn(3));
        d.sealed = Bytes(b.begin(), b.end());
      }
      d.created_at = from_unix_ms(st.getColumn(4).getInt64());
      out.push_back(std::move(d));
    }
    return out;
  });
}

}  // namespace outpost::hub
