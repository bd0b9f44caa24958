// The lead book's routing: the rules file, routing and assigning leads to
// reps, and the deliveries that carry assignments to the rep devices.
#include <algorithm>

#include "leads/lead_book_impl.hpp"
#include "outpost/base/guard.hpp"

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
    RoutingRules parsed;
    const json team_doc = doc.value("teams", json::object());
    if (!team_doc.is_object() || team_doc.empty()) bad_rules("'teams'", "must be an object of team: [rep devices]");
    for (const auto& [team, members] : team_doc.items()) {
      auto reps = text_list(members, "team '" + team + "'");
      if (reps.empty()) bad_rules("team '" + team + "'", "has no reps");
      parsed.teams[team] = std::move(reps);
    }
    if (doc.contains("sla_hours")) {
      const json& h = doc["sla_hours"];
      if (!h.is_number_unsigned() || h.get<std::uint64_t>() == 0 || h.get<std::uint64_t>() > 24 * 365) {
        bad_rules("'sla_hours'", "must be a whole number of hours from 1 to 8760");
      }
      parsed.sla = std::chrono::hours(h.get<std::int64_t>());
    }
    if (doc.contains("default_team")) {
      if (!doc["default_team"].is_string()) bad_rules("'default_team'", "must be a team name");
      parsed.default_team = doc["default_team"].get<std::string>();
      if (!parsed.teams.contains(parsed.default_team)) {
        bad_rules("'default_team'", "names team '" + parsed.default_team + "', which 'teams' does not define");
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
      if (!parsed.teams.contains(rule.team)) bad_rules(where, "names team '" + rule.team + "', which 'teams' does not define");
      if (r.contains("min_score")) {
        if (!r["min_score"].is_number_unsigned()) bad_rules(where, "'min_score' must be a whole number");
        rule.min_score = r["min_score"].get<std::uint64_t>();
      }
      const json match = r.value("match", json::object());
      if (!match.is_object()) bad_rules(where, "'match' must be an object of field or question: value(s)");
      for (const auto& [key, value] : match.items()) rule.match[key] = text_list(value, where + " match '" + key + "'");
      parsed.rules.push_back(std::move(rule));
    }
    return parsed;
  });
}

// ---- Impl: assignments and deliveries

std::string LeadBook::Impl::rep_problem(const std::string& device) {
  const std::optional<LeadDevice> d = db.device(device);
  if (!d) return "no device named '" + device + "' (see `outpost-hub devices`)";
  if (d->revoked) return "device '" + device + "' is revoked";
  if (d->role != "rep") return "device '" + device + "' is not a rep device";
  return {};
}

void LeadBook::Impl::write_delivery(const std::string& device, const std::string& lead, const char* kind,
                                    const std::optional<Bytes>& sealed, TimePoint now) {
  db.append_delivery(device, lead, kind, sealed, now);
}

void LeadBook::Impl::queue_assign(const std::string& device, const std::string& lead, TimePoint now) {
  db.add_pending(device, lead, now);
  deliver_pending(device, now);
}

bool LeadBook::Impl::queue_withdraw(const std::string& device, const std::string& lead, TimePoint now) {
  db.remove_pending(device, lead);
  // Only what the device could have received needs taking back.
  if (!db.ever_assigned(device, lead)) return false;
  if (db.last_delivery_kind(device, lead) == "withdraw") return true;
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
  const std::optional<LeadDevice> d = db.device(device);
  if (!d || !d->lead_box) return;
  if (d->lead_box->size() != 32) throw Error(Errc::corrupt, "device '" + device + "' has a malformed lead_box key");
  crypto::BoxPublicKey box;
  std::copy(d->lead_box->begin(), d->lead_box->end(), box.bytes.begin());
  for (const std::string& id : db.pending(device)) {
    try {
      std::optional<Lead> lead = read_lead(id, true);
      if (lead && lead->rep == device) {
        Bytes doc = assignment_document(*lead);
        write_delivery(device, id, "assign", crypto::seal(box, doc), now);
        crypto::wipe(doc);
      }
    } catch (const json::exception& e) {  // one unreadable lead must not hold up the others
      alert(device, "lead.quarantined", "lead " + id + " was not delivered: " + e.what(), now);
    }
    db.remove_pending(device, id);
  }
}

void LeadBook::Impl::set_assignment(const std::string& lead, const std::string& team, const std::string& rep,
                                    TimePoint now, std::chrono::hours sla) {
  const std::optional<LeadRow> row = db.lead(lead);
  if (!row) throw Error(Errc::not_found, "no lead '" + lead + "' (see `outpost-hub leads list`)");
  db.set_assignment(lead, team, rep, now, now + sla);
  if (!row->rep.empty() && row->rep != rep) (void)queue_withdraw(row->rep, lead, now);
  queue_assign(rep, lead, now);
}

// ---- LeadBook

Result<std::vector<RouteDecision>> LeadBook::route(const RoutingRules& rules, TimePoint now) {
  return guarded([&]() -> Result<std::vector<RouteDecision>> {
    const UnitPtr tx = impl_->db.write();
    // One lead's routing; a store error other than a bad record propagates.
    const auto route_one = [&](const LeadSummary& s) {
      const std::optional<Lead> lead = impl_->read_lead(s.id, true);
      RouteDecision d{s.id, s.show, {}, {}, {}, {}};
      if (!lead) throw Error(Errc::corrupt, "lead " + s.id + " has no record");
      if (std::none_of(lead->consents.begin(), lead->consents.end(),
                       [](const LeadConsent& c) { return !c.withdrawn_at; })) {
        d.problem = "consent withdrawn for every show it was captured at";
        return d;
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
        return d;
      }
      // Round robin over the team's reps that can take leads now, from
      // where the last run stopped.
      const std::vector<std::string>& members = rules.teams.at(d.team);
      std::size_t next = impl_->db.round_robin_next(d.team);
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
        return d;
      }
      impl_->db.set_round_robin_next(d.team, next);
      impl_->set_assignment(d.lead, d.team, d.rep, now, rules.sla);
      return d;
    };
    std::vector<RouteDecision> out;
    for (const LeadSummary& s : impl_->summaries()) {
      if (!s.rep.empty()) continue;
      // Each lead in a savepoint of its own: a record that cannot be read
      // is quarantined (left unrouted, alerted) and the others go on.
      std::string bad;
      try {
        const UnitPtr sp = impl_->db.write();
        RouteDecision d = route_one(s);
        sp->commit();
        out.push_back(std::move(d));
        continue;
      } catch (const json::exception& e) {
        bad = e.what();
      } catch (const Error& e) {
        if (e.status().code() != Errc::corrupt) throw;
        bad = e.status().message();
      }
      impl_->alert("", "lead.quarantined", "lead " + s.id + " was not routed: " + bad, now);
      out.push_back(RouteDecision{s.id, s.show, {}, {}, {}, "quarantined, its record cannot be read: " + bad});
    }
    tx->commit();
    return out;
  });
}

Status LeadBook::assign(const std::string& lead, const std::string& rep, TimePoint now, std::chrono::hours sla) {
  return guarded([&]() -> Status {
    const UnitPtr tx = impl_->db.write();
    if (const std::string problem = impl_->rep_problem(rep); !problem.empty()) {
      return Status(Errc::invalid_argument, "cannot assign to " + problem);
    }
    const std::optional<LeadRow> row = impl_->db.lead(lead);
    if (!row) return Status(Errc::not_found, "no lead '" + lead + "' (see `outpost-hub leads list`)");
    impl_->set_assignment(lead, row->team, rep, now, sla);
    tx->commit();
    return {};
  });
}

Status LeadBook::escalate(const std::string& lead, TimePoint now) {
  return guarded([&]() -> Status {
    if (!impl_->db.escalate(lead, now)) {
      if (!impl_->db.lead_exists(lead)) {
        return Status(Errc::not_found, "no lead '" + lead + "' (see `outpost-hub leads list`)");
      }
      return Status(Errc::invalid_argument, "lead " + lead + " is not assigned yet (route or assign it first)");
    }
    return {};
  });
}

Status LeadBook::set_lead_box(const std::string& device, const crypto::BoxPublicKey& key, TimePoint now) {
  return guarded([&]() -> Status {
    // Every rep hello reports its key: the same key again writes nothing.
    const std::optional<LeadDevice> current = impl_->db.device(device);
    if (!current) return Status(Errc::not_found, "no device named '" + device + "'");
    const bool had_key = current->lead_box.has_value();
    if (had_key && std::equal(current->lead_box->begin(), current->lead_box->end(), key.bytes.begin(),
                              key.bytes.end())) {
      return {};
    }
    const UnitPtr tx = impl_->db.write();
    impl_->db.set_device_lead_box(device, key.bytes);
    // A new key (the device was re-initialised or re-enrolled under its
    // name): what it was sent before no longer opens, so its current leads
    // go to it again, sealed to the new key.
    if (had_key) {
      for (const std::string& lead : impl_->db.leads_of_rep(device)) impl_->queue_assign(device, lead, now);
    }
    impl_->deliver_pending(device, now);
    tx->commit();
    return {};
  });
}

Status LeadBook::deliver_pending(const std::string& device, TimePoint now) {
  return guarded([&]() -> Status {
    const UnitPtr tx = impl_->db.write();
    impl_->deliver_pending(device, now);
    tx->commit();
    return {};
  });
}

Result<std::vector<LeadBook::DeliveryHead>> LeadBook::delivery_heads() {
  return guarded([&]() -> Result<std::vector<DeliveryHead>> { return impl_->db.delivery_heads(); });
}

Result<std::vector<Delivery>> LeadBook::deliveries(const std::string& device, std::uint64_t after_seq,
                                                   std::size_t limit) {
  return guarded([&]() -> Result<std::vector<Delivery>> { return impl_->db.deliveries(device, after_seq, limit); });
}

}  // namespace outpost::hub
