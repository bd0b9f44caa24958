#include "device_commands.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "json_fields.hpp"
#include "text.hpp"

namespace outpost::sim {

namespace {

using nlohmann::json;

// The visitor's e-mail: unique per kiosk, visitor and seed; never printed.
std::string visitor_email(const DeviceCommandContext& c, std::uint64_t visitor) {
  return cat("visitor", visitor, ".", c.device, ".s", c.seed, "@sim.example");
}

void read_decision(const json& d, Done& done) {
  if (!d.is_object()) return;
  done.allowed = flag_of(d, "allowed");
  done.version = number_of(d, "version");
  done.in_grace = flag_of(d, "in_grace");
  const auto pending = d.find("update_pending");  // the version waiting to be fetched
  done.update_pending = pending != d.end() && !pending->is_null();
  const auto reason = d.find("reason");
  if (reason != d.end() && reason->is_string()) done.reason = reason->get<std::string>();
}

}  // namespace

std::string booth_form_json() {
  return R"({"show": "sim-show",
 "fields": [{"name": "email", "type": "email", "required": true},
            {"name": "name", "required": true},
            {"name": "company"}],
 "consent": {"text": "I agree to be contacted about this show.", "version": "sim-1"},
 "qualification": [{"name": "timeline", "question": "When do you plan to buy?",
                    "options": [{"value": "now", "score": 10}, {"value": "later", "score": 2}]}]}
)";
}

std::string action_token(const DeviceCommandContext& c, const Action& a, std::uint64_t serial) {
  return cat("sim ", kind_name(a.kind), " ", c.device, " #", serial, " seed ", c.seed);
}

std::vector<std::string> action_argv(const DeviceCommandContext& c, const Action& a, const std::string& token) {
  std::vector<std::string> argv = {c.outpost, "--home", c.home, "--json", "--quiet"};
  auto add = [&](std::initializer_list<std::string> more) { argv.insert(argv.end(), more); };
  switch (a.kind) {
    case ActionKind::sync:  // the final sync of the run waits longer: nothing is left to do but deliver
      add({"sync", "--timeout", fixed(a.text == "final" ? std::max(10.0, c.sync_timeout_s) : c.sync_timeout_s, 1)});
      break;
    case ActionKind::search: add({"search", a.text}); break;
    case ActionKind::open: add({"open", a.asset, "--out", "/dev/null"}); break;
    case ActionKind::present:
      add({"present", a.asset, "--pages", std::to_string(a.param), "--dwell", "30"});
      break;
    case ActionKind::present_old:
      add({"present", cat(a.asset, "@1"), "--pages", std::to_string(a.param), "--dwell", "30"});
      break;
    case ActionKind::feedback:
      add({"feedback", a.asset, "--rating", std::to_string(a.param), "--comment", token});
      break;
    case ActionKind::request: add({"request", token, "--asset", a.asset}); break;
    case ActionKind::capture:
    case ActionKind::duplicate_scan:
      add({"lead", "capture", "--form", booth_form_asset, "--field", cat("email=", visitor_email(c, a.param)),
           "--field", cat("name=Visitor ", a.param), "--answer", "timeline=now", "--consent"});
      break;
    default: break;  // not a device command
  }
  return argv;
}

std::vector<std::string> observe_argv(const DeviceCommandContext& c) {
  return {c.outpost, "--home", c.home, "--json", "catalog", "show"};
}

void read_answer(const Action& a, const Finished& f, const std::string& out, Done& done) {
  done.kind = a.kind;
  done.asset = a.asset;
  if (a.kind == ActionKind::capture || a.kind == ActionKind::duplicate_scan) done.visitor = a.param;
  // Exit 3 is the gate's refusal: an answer, not a failure.
  done.acknowledged = f.signal == 0 && (f.code == 0 || f.code == 3);
  const json doc = json::parse(out, nullptr, false);
  if (!doc.is_object()) {
    if (a.kind != ActionKind::search && a.kind != ActionKind::sync) done.acknowledged = false;
    return;
  }
  switch (a.kind) {
    case ActionKind::open: read_decision(doc, done); break;
    case ActionKind::present:
    case ActionKind::present_old:
      if (doc.contains("decision")) {
        read_decision(doc["decision"], done);
        done.presentation = text_of(doc, "id");
        done.pages = number_of(doc, "pages");
        done.version = number_of(doc, "version");
      } else {
        read_decision(doc, done);
      }
      break;
    case ActionKind::feedback:
    case ActionKind::request: done.seq = number_of(doc, "seq"); break;
    case ActionKind::capture:
    case ActionKind::duplicate_scan:
      done.seq = number_of(doc, "seq");
      done.repeat = flag_of(doc, "repeat");
      break;
    default: break;
  }
  if ((a.kind == ActionKind::feedback || a.kind == ActionKind::request || a.kind == ActionKind::capture ||
       a.kind == ActionKind::duplicate_scan) &&
      done.seq == 0) {
    done.acknowledged = false;
  }
}

std::optional<Holding> read_holding(const std::string& out) {
  const json doc = json::parse(out, nullptr, false);
  if (!doc.is_array()) return std::nullopt;
  Holding h;
  for (const json& entry : doc) {
    if (!entry.is_object() || !entry.contains("decision")) continue;
    const std::string asset = text_of(entry, "asset");
    const std::uint64_t version = number_of(entry, "version");
    h.known[asset] = version;
    const json& d = entry.at("decision");
    if (flag_of(d, "allowed")) h.held[asset] = number_of(d, "version");
    const auto reason = d.find("reason");
    if (reason != d.end() && reason->is_string()) {
      h.reason[asset] = reason->get<std::string>();
      if (reason->get<std::string>() == "revoked") h.revoked.insert({asset, version});
    }
  }
  return h;
}

}  // namespace outpost::sim
