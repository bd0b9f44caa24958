// The field simulator's pure parts: scenario parsing (malformed input gives
// an error naming where), the seeded plan, the report's math, the
// classification of every acknowledged item (at the hub, undelivered, lost)
// and the SVG.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "plan.hpp"
#include "results.hpp"
#include "scenario.hpp"
#include "truth.hpp"

using namespace outpost::sim;
using nlohmann::json;

namespace {

json small_scenario() {
  return json::parse(R"({
    "name": "unit", "seed": 11, "ticks": 40, "tick_ms": 100,
    "fleet": {"reps": 3, "kiosks": 2},
    "connectivity": {"offline_share": 0.5, "offline_ticks": [3, 6], "sync_every": [4, 8], "link_drop_share": 0.3},
    "reps": {"activity": 0.3},
    "kiosks": {"activity": 0.4, "duplicate_share": 0.3},
    "marketing": [{"tick": 5, "publish": "lib-1", "grace_ticks": 3}, {"tick": 9, "revoke": "lib-2"},
                  {"tick": 12, "promo": "promo-1", "expires_ticks": 10}],
    "faults": {"kills": 3, "hub_restarts": [20], "clock_back": {"devices": 1, "tick": 2},
               "clock_forward": {"devices": 1, "tick": 3}}
  })");
}

std::string error_of(const json& doc) {
  try {
    (void)parse_scenario(doc);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

// Checks that every element is closed in order (no XML library here): tags
// balance, no raw '<' or '&' in text, and the document is one <svg> element.
bool well_formed(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t i = xml.find("<svg");
  if (i == std::string::npos) return false;
  while (i < xml.size()) {
    if (xml[i] == '&') {
      const std::size_t end = xml.find(';', i);
      if (end == std::string::npos || end - i > 6) return false;
      i = end + 1;
      continue;
    }
    if (xml[i] != '<') {
      ++i;
      continue;
    }
    const std::size_t end = xml.find('>', i);
    if (end == std::string::npos) return false;
    std::string tag = xml.substr(i + 1, end - i - 1);
    if (tag.find('<') != std::string::npos) return false;
    i = end + 1;
    if (tag.front() == '/') {
      if (open.empty() || open.back() != tag.substr(1)) return false;
      open.pop_back();
      if (open.empty()) return xml.find('<', i) == std::string::npos;
      continue;
    }
    if (tag.back() == '/') continue;
    open.push_back(tag.substr(0, tag.find(' ')));
  }
  return false;
}

}  // namespace

TEST_CASE("Sim scenario: a valid file gives its values and defaults for what it leaves out", "[sim]") {
  const Scenario s = parse_scenario(small_scenario());
  CHECK(s.name == "unit");
  CHECK(s.seed == 11);
  CHECK(s.reps == 3);
  CHECK(s.kiosks == 2);
  CHECK(s.devices() == 5);
  CHECK(s.offline_ticks.lo == 3);
  CHECK(s.offline_ticks.hi == 6);
  REQUIRE(s.marketing.size() == 3);
  CHECK(s.marketing[0].action == "publish");
  CHECK(s.marketing[0].grace_ticks == 3);
  CHECK(s.marketing[2].expires_ticks == 10);
  CHECK(s.hub_restarts == std::vector<std::int64_t>{20});
  CHECK(s.concurrency == Scenario{}.concurrency);
  CHECK(s.clock_back_s == 86400);
}

TEST_CASE("Sim scenario: malformed input names the key and the problem", "[sim]") {
  json doc = small_scenario();
  doc["fleet"]["reps"] = -1;
  CHECK(error_of(doc) == "scenario: fleet.reps: must be between 0 and 500");

  doc = small_scenario();
  doc["fleet"]["rpes"] = 3;
  CHECK(error_of(doc) == "scenario: fleet.rpes: unknown key");

  doc = small_scenario();
  doc["connectivity"]["offline_ticks"] = json::array({9, 2});
  CHECK(error_of(doc) == "scenario: connectivity.offline_ticks: low must not be above high");

  doc = small_scenario();
  doc["ticks"] = "many";
  CHECK(error_of(doc) == "scenario: ticks: must be a whole number");

  doc = small_scenario();
  doc["marketing"][1] = json{{"tick", 3}, {"publish", "a"}, {"revoke", "b"}};
  CHECK(error_of(doc).find("marketing[1]: needs exactly one of publish, revoke, promo") != std::string::npos);

  doc = small_scenario();
  doc["marketing"][0]["tick"] = 40;  // past the last tick
  CHECK(error_of(doc) == "scenario: marketing[0].tick: must be between 0 and 39");

  doc = small_scenario();
  doc["faults"]["clock_forward"]["devices"] = 5;  // one of the 5 already has its clock set back
  CHECK(error_of(doc) == "scenario: faults.clock_forward.devices: must be between 0 and 4");

  doc = small_scenario();
  doc["fleet"] = json{{"reps", 0}, {"kiosks", 0}};
  CHECK(error_of(doc) == "scenario: fleet: needs at least one rep or kiosk");

  CHECK_THROWS_WITH(parse_scenario_text("{\"ticks\": 3,"), Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(load_scenario("/nonexistent/scenario.json"), Catch::Contains("cannot read /nonexistent/scenario.json"));
}

TEST_CASE("Sim plan: the same scenario gives the same plan and digest, another seed another", "[sim]") {
  const Scenario s = parse_scenario(small_scenario());
  const Plan a = make_plan(s);
  const Plan b = make_plan(s);
  REQUIRE(a.actions.size() == b.actions.size());
  for (std::size_t i = 0; i < a.actions.size(); ++i) CHECK(canonical_line(a.actions[i]) == canonical_line(b.actions[i]));
  CHECK(a.digest == b.digest);
  CHECK(a.digest_hex().size() == 16);

  Scenario other = s;
  other.seed = 12;
  CHECK(make_plan(other).digest != a.digest);
}

TEST_CASE("Sim plan: the scenario's marketing, faults and fleet are all in the plan, in tick order", "[sim]") {
  const Scenario s = parse_scenario(small_scenario());
  const Plan p = make_plan(s);
  REQUIRE(p.devices.size() == 5);
  CHECK(p.devices[0].name == "rep-1");
  CHECK(p.devices[4].kiosk);
  std::map<ActionKind, int> count;
  int back = -1, forward = -1;
  std::int64_t last_tick = 0;
  for (const Action& a : p.actions) {
    ++count[a.kind];
    CHECK(a.tick >= last_tick);
    CHECK(a.tick < s.ticks);
    last_tick = a.tick;
    const bool kiosk_action = a.kind == ActionKind::capture || a.kind == ActionKind::duplicate_scan;
    if (kiosk_action) CHECK(p.devices[static_cast<std::size_t>(a.device)].kiosk);
    if (a.kind == ActionKind::duplicate_scan) CHECK(a.param >= 1);
    if (a.kind == ActionKind::clock_back) back = a.device;
    if (a.kind == ActionKind::clock_forward) forward = a.device;
  }
  CHECK(count[ActionKind::publish] == 1);
  CHECK(count[ActionKind::revoke] == 1);
  CHECK(count[ActionKind::promo] == 1);
  CHECK(count[ActionKind::kill] == 3);
  CHECK(count[ActionKind::hub_restart] == 1);
  CHECK(count[ActionKind::clock_back] == 1);
  CHECK(count[ActionKind::clock_forward] == 1);
  CHECK(count[ActionKind::go_offline] == count[ActionKind::go_online]);
  CHECK(back != forward);  // two different devices
  CHECK(count[ActionKind::capture] > 0);
  CHECK(count[ActionKind::sync] > 0);
}

TEST_CASE("Sim report: nearest-rank percentiles and the distribution summary", "[sim]") {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  CHECK(percentile(v, 50) == 50);
  CHECK(percentile(v, 95) == 95);
  CHECK(percentile(v, 100) == 100);
  CHECK(percentile(v, 0) == 1);
  CHECK(percentile({}, 50) == 0);
  CHECK(percentile({7}, 95) == 7);
  CHECK(percentile({1, 2, 3}, 50) == 2);
  const Distribution d = summarize({4, 1, 3, 2});
  CHECK(d.count == 4);
  CHECK(d.p50 == 2);
  CHECK(d.max == 4);
  CHECK(d.mean == Approx(2.5));
}

TEST_CASE("Sim report: a lost lead, a duplicate or an outdated presentation breaks a must figure", "[sim]") {
  Results r;
  r.leads.sent = 10;
  r.leads.received = 10;
  r.usage.sent = 50;
  r.usage.received = 50;
  CHECK(must_violations(r).empty());
  CHECK(report_json(r)["pass"] == true);

  r.leads.received = 9;
  REQUIRE(must_violations(r).size() == 1);
  CHECK(must_violations(r)[0] == "leads: 1 of 10 acknowledged are neither at the hub nor on their device");
  r.leads.received = 10;

  r.usage.duplicates = 2;
  CHECK(must_violations(r).size() == 1);
  r.usage.duplicates = 0;

  r.crashes = 1;
  REQUIRE(must_violations(r).size() == 1);
  CHECK(must_violations(r)[0] == "1 device process(es) crashed (see the notes)");
  r.crashes = 0;
  r.hub_crashed = true;
  CHECK(must_violations(r).size() == 1);
  r.hub_crashed = false;
  r.errors = 2;  // counted and noted, not a must
  CHECK(must_violations(r).empty());

  r.after_revocation = 1;
  CHECK(must_violations(r).size() == 1);
  CHECK(report_json(r)["pass"] == false);
  CHECK(report_markdown(r).find("**FAIL**") != std::string::npos);

  r.after_revocation = 0;
  r.lead_book.checked = true;
  r.lead_book.visitors = 5;
  r.lead_book.visitors_possible = 6;
  r.lead_book.leads = 4;  // a visitor's lead is missing from the book
  REQUIRE(must_violations(r).size() == 1);
  CHECK(must_violations(r)[0] == "lead book: 4 lead(s) for 5 visitors whose capture was acknowledged");
  r.lead_book.leads = 7;  // more than there can be: a duplicate
  CHECK(must_violations(r).size() == 1);
  r.lead_book.leads = 6;  // a capture cut short by kill -9 that made it anyway
  CHECK(must_violations(r).empty());
  r.lead_book.repeat_scans = 3;
  r.lead_book.repeat_recognised = 2;
  CHECK(must_violations(r).size() == 1);
  r.lead_book.repeat_recognised = 3;

  // Counted, not broken: grace, unknowable expiry, killed processes' extras.
  r.after_revocation = 0;
  r.in_grace = 3;
  r.after_expiry_clock_back = 1;
  r.leads.unacknowledged = 2;
  r.leads.extra = 1;
  CHECK(must_violations(r).empty());
  CHECK(report_markdown(r).find("**PASS**") != std::string::npos);
}


namespace {

Done capture(std::uint64_t seq, std::int64_t at_ms) {
  Done d;
  d.kind = ActionKind::capture;
  d.acknowledged = true;
  d.seq = seq;
  d.done_ms = at_ms;
  return d;
}

HubEvent event(const std::string& device, std::uint64_t seq, const std::string& type, std::int64_t received_ms = 0) {
  HubEvent e;
  e.device = device;
  e.seq = seq;
  e.type = type;
  e.received_ms = received_ms;
  return e;
}

}  // namespace

TEST_CASE("Sim truth: an acknowledged item is at the hub, still queued on its device, or lost", "[sim]") {
  DeviceTruth kiosk{"kiosk-1", true, {capture(5, 1000), capture(6, 2000), capture(7, 3000)}};
  Done open;
  open.kind = ActionKind::open;
  open.acknowledged = open.allowed = true;
  open.asset = "lib-1";
  open.version = 2;
  Done feedback;
  feedback.kind = ActionKind::feedback;
  feedback.acknowledged = true;
  feedback.token = "sim feedback rep-1 #1";
  DeviceTruth rep{"rep-1", false, {open, open, feedback}};

  std::vector<HubEvent> hub = {event("kiosk-1", 5, "lead.captured", 1500), event("rep-1", 1, "asset.opened", 900)};
  hub[1].asset = "lib-1";
  hub[1].version = 2;
  std::vector<HubEvent> queued = {event("kiosk-1", 6, "lead.captured"), event("rep-1", 2, "asset.opened"),
                                  event("rep-1", 3, "asset.feedback"),
                                  event("kiosk-1", 5, "lead.captured")};  // delivered, ack not yet seen: counts once
  queued[1].asset = "lib-1";
  queued[1].version = 2;
  queued[2].text = feedback.token;

  Results r;
  compare_deliveries({kiosk, rep}, hub, queued, r);
  CHECK(r.leads.sent == 3);
  CHECK(r.leads.received == 1);
  CHECK(r.leads.undelivered == 1);
  CHECK(r.leads.lost() == 1);  // seq 7 is neither at the hub nor on the kiosk
  CHECK(r.leads.duplicates == 0);
  REQUIRE(r.leads.delay_s.size() == 1);
  CHECK(r.leads.delay_s[0] == Approx(0.5));
  CHECK(r.usage.sent == 2);
  CHECK(r.usage.received == 1);
  CHECK(r.usage.undelivered == 1);
  CHECK(r.usage.lost() == 0);
  CHECK(r.feedback.undelivered == 1);
  CHECK(r.feedback.lost() == 0);
  CHECK(r.undelivered_by_device.at("kiosk-1") == 1);
  CHECK(r.undelivered_by_device.at("rep-1") == 2);

  // A truly lost item fails the run, whatever is undelivered beside it.
  r.final_sync_failed["kiosk-1"] = "exit 1: hub did not answer";
  REQUIRE(must_violations(r).size() == 1);
  CHECK(must_violations(r)[0] == "leads: 1 of 3 acknowledged are neither at the hub nor on their device");
  CHECK(outcome(r) == Outcome::fail);
  CHECK(report_json(r)["leads"]["lost"] == 1);
  CHECK(report_json(r)["outcome"] == "fail");

  // Found on the kiosk after all: nothing lost, the run is incomplete, not failed.
  queued.push_back(event("kiosk-1", 7, "lead.repeat_visit"));
  Results again;
  again.final_sync_failed["kiosk-1"] = "exit 1: hub did not answer";
  again.final_phase_stop = "no sync succeeded for 120 s (--stall) while 1 device(s) were still working";
  compare_deliveries({kiosk, rep}, hub, queued, again);
  CHECK(again.leads.lost() == 0);
  CHECK(again.leads.undelivered == 2);
  CHECK(must_violations(again).empty());
  CHECK(outcome(again) == Outcome::incomplete);
  const std::vector<std::string> why = incomplete_reasons(again);
  REQUIRE(why.size() == 3);
  CHECK(why[0].find("the final phase stopped: no sync succeeded") == 0);
  CHECK(why[1] == "kiosk-1: its final sync did not succeed (exit 1: hub did not answer); 2 acknowledged item(s) "
                  "still queued on it");
  CHECK(why[2] == "rep-1: 2 acknowledged item(s) still queued on it although its final sync succeeded");
  const json report = report_json(again);
  CHECK(report["pass"] == false);
  CHECK(report["outcome"] == "incomplete");
  CHECK(report["leads"]["undelivered"] == 2);
  CHECK(report["leads"]["lost"] == 0);
  CHECK(report_markdown(again).find("**INCOMPLETE**") != std::string::npos);

  // Everything at the hub: pass.
  Results all;
  std::vector<HubEvent> everything = hub;
  for (HubEvent e : queued) {
    e.received_ms = 4000;
    if (!(e.device == "kiosk-1" && e.seq == 5)) everything.push_back(e);
  }
  compare_deliveries({kiosk, rep}, everything, {}, all);
  CHECK(all.leads.received == 3);
  CHECK(all.usage.received == 2);
  CHECK(all.feedback.received == 1);
  CHECK(all.undelivered_by_device.empty());
  CHECK(outcome(all) == Outcome::pass);
}

TEST_CASE("Sim truth: the device's queue is every event past what the hub acknowledged", "[sim]") {
  const std::string stats = R"({"events": 4, "first_seq": 1, "head_seq": 4, "acked_seq": 2})";
  const std::string show = R"js([
    {"seq": 2, "type": "asset.opened", "payload": {"asset": "lib-1", "version": 1}},
    {"seq": 3, "type": "asset.feedback", "payload": {"asset": "lib-1", "comment": "sim feedback #3"}},
    {"seq": 4, "type": "lead.captured", "payload": "(personal data, sealed: not shown)"}])js";
  const std::vector<HubEvent> q = read_device_queue("kiosk-2", stats, show);
  REQUIRE(q.size() == 2);
  CHECK(q[0].device == "kiosk-2");
  CHECK(q[0].seq == 3);
  CHECK(q[0].text == "sim feedback #3");
  CHECK(q[1].seq == 4);
  CHECK(q[1].type == "lead.captured");
  CHECK_THROWS_WITH(read_device_queue("kiosk-2", "{}", show), Catch::Contains("no acked_seq"));
  CHECK_THROWS_WITH(read_device_queue("kiosk-2", stats, "not json"), Catch::Contains("did not print a list"));
}

TEST_CASE("Sim report: the SVG is well-formed and escapes its labels", "[sim]") {
  Results r;
  r.scenario = "a<b & c";
  r.wall_s = 30;
  r.reps = 3;
  r.kiosks = 1;
  r.usage.delay_s = {0.2, 0.7, 1.5, 3, 8};
  r.leads.delay_s = {200};
  Propagation p;
  p.label = "lib-1@2 <new>";
  p.at_s = 5;
  p.reached_at_s = {6, 7.5, 12};
  r.propagation.push_back(p);
  const std::string svg = timeline_svg(r);
  CHECK(well_formed(svg));
  CHECK(svg.find("lib-1@2 &lt;new&gt;") != std::string::npos);
  CHECK(svg.find("a&lt;b &amp; c") != std::string::npos);
  CHECK(svg.find("<polyline") != std::string::npos);
  CHECK_FALSE(well_formed("<svg><g></svg></g>"));
  CHECK_FALSE(well_formed("<svg>1 < 2</svg>"));
  CHECK(xml_escape("\"x\" & 'y'") == "&quot;x&quot; &amp; &apos;y&apos;");
}
