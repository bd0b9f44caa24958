#include "scenario.hpp"

#include <fstream>
#include <set>
#include <sstream>

namespace outpost::sim {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  std::string text = "scenario: ";
  text.append(path).append(": ").append(problem);
  throw ScenarioError(text);
}

std::string child_path(const std::string& parent, const std::string& key) {
  if (parent.empty()) return key;
  std::string out = parent;
  out.append(".").append(key);
  return out;
}

// One JSON object: typed, bounded reads of its keys; unknown keys refused.
class Section {
 public:
  Section(const json& doc, std::string path, std::set<std::string> known) : doc_(doc), path_(std::move(path)) {
    if (!doc_.is_object()) fail(path_.empty() ? "(top level)" : path_, "must be an object");
    for (const auto& [key, value] : doc_.items()) {
      if (known.count(key) == 0) fail(child_path(path_, key), "unknown key");
    }
  }

  bool has(const std::string& key) const { return doc_.contains(key); }

  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const {
    if (!has(key)) return fallback;
    return integer_value(doc_.at(key), child_path(path_, key), lo, hi);
  }

  bool boolean(const std::string& key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!doc_.at(key).is_boolean()) fail(child_path(path_, key), "must be true or false");
    return doc_.at(key).get<bool>();
  }

  double number(const std::string& key, double fallback, double lo, double hi) const {
    if (!has(key)) return fallback;
    const json& v = doc_.at(key);
    const std::string path = child_path(path_, key);
    if (!v.is_number()) fail(path, "must be a number");
    const double d = v.get<double>();
    if (!(d >= lo && d <= hi)) fail(path, range_text(lo, hi));
    return d;
  }

  std::string text(const std::string& key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    const json& v = doc_.at(key);
    if (!v.is_string() || v.get<std::string>().empty()) fail(child_path(path_, key), "must be a non-empty string");
    return v.get<std::string>();
  }

  Span span(const std::string& key, Span fallback, std::int64_t lo, std::int64_t hi) const {
    if (!has(key)) return fallback;
    const json& v = doc_.at(key);
    const std::string path = child_path(path_, key);
    if (!v.is_array() || v.size() != 2) fail(path, "must be [low, high]");
    Span s{integer_value(v[0], path + "[0]", lo, hi), integer_value(v[1], path + "[1]", lo, hi)};
    if (s.lo > s.hi) fail(path, "low must not be above high");
    return s;
  }

  Section section(const std::string& key, std::set<std::string> known) const {
    static const json empty = json::object();
    return Section(has(key) ? doc_.at(key) : empty, child_path(path_, key), std::move(known));
  }

  const json& raw(const std::string& key) const { return doc_.at(key); }
  const std::string& path() const { return path_; }

  static std::int64_t integer_value(const json& v, const std::string& path, std::int64_t lo, std::int64_t hi) {
    if (!v.is_number_integer()) fail(path, "must be a whole number");
    const std::int64_t n = v.get<std::int64_t>();
    if (n < lo || n > hi) fail(path, range_text(static_cast<double>(lo), static_cast<double>(hi)));
    return n;
  }

 private:
  static std::string range_text(double lo, double hi) {
    std::ostringstream out;
    out << "must be between " << lo << " and " << hi;
    return out.str();
  }

  const json& doc_;
  std::string path_;
};

MarketingStep parse_step(const json& doc, const std::string& path, std::int64_t ticks) {
  const Section s(doc, path, {"tick", "publish", "revoke", "promo", "grace_ticks", "expires_ticks"});
  MarketingStep step;
  if (!s.has("tick")) fail(path, "needs a tick");
  step.tick = s.integer("tick", 0, 0, ticks - 1);
  int actions = 0;
  for (const char* action : {"publish", "revoke", "promo"}) {
    if (!s.has(action)) continue;
    ++actions;
    step.action = action;
    step.asset = s.text(action, "");
  }
  if (actions != 1) fail(path, "needs exactly one of publish, revoke, promo (naming the asset)");
  step.grace_ticks = s.integer("grace_ticks", 0, 0, 1'000'000);
  step.expires_ticks = s.integer("expires_ticks", 0, 0, 1'000'000);
  if (step.action != "publish" && s.has("grace_ticks")) fail(path + ".grace_ticks", "only for publish");
  if (step.action != "promo" && s.has("expires_ticks")) fail(path + ".expires_ticks", "only for promo");
  return step;
}

}  // namespace

Scenario parse_scenario(const json& doc) {
  const Section top(doc, "",
                    {"name", "seed", "ticks", "tick_ms", "field_minutes_per_tick", "fleet", "library", "connectivity",
                     "reps", "kiosks", "marketing", "faults", "comment"});
  Scenario s;
  s.name = top.text("name", "unnamed");
  if (top.has("seed")) {
    const json& seed = top.raw("seed");
    if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<std::int64_t>() >= 0)) {
      fail("seed", "must be a whole number >= 0");
    }
    s.seed = seed.get<std::uint64_t>();
  }
  s.ticks = top.integer("ticks", s.ticks, 1, 100'000);
  s.tick_ms = top.integer("tick_ms", s.tick_ms, 10, 60'000);
  s.field_minutes_per_tick = top.number("field_minutes_per_tick", s.field_minutes_per_tick, 0, 1e6);

  const Section fleet = top.section("fleet", {"reps", "kiosks", "concurrency", "process_timeout_s"});
  s.reps = fleet.integer("reps", s.reps, 0, 500);
  s.kiosks = fleet.integer("kiosks", s.kiosks, 0, 500);
  if (s.devices() == 0) fail("fleet", "needs at least one rep or kiosk");
  s.concurrency = fleet.integer("concurrency", s.concurrency, 1, 64);
  s.process_timeout_s = fleet.integer("process_timeout_s", s.process_timeout_s, 1, 3600);

  const Section library = top.section("library", {"assets", "asset_kib"});
  s.assets = library.integer("assets", s.assets, 1, 200);
  s.asset_kib = library.span("asset_kib", s.asset_kib, 1, 64 * 1024);

  const Section net = top.section("connectivity", {"offline_share", "offline_ticks", "sync_every", "notice_ticks",
                                                   "link_drop_share", "sync_timeout_s"});
  s.offline_share = net.number("offline_share", s.offline_share, 0, 1);
  s.offline_ticks = net.span("offline_ticks", s.offline_ticks, 1, 100'000);
  s.sync_every = net.span("sync_every", s.sync_every, 1, 100'000);
  s.notice_ticks = net.span("notice_ticks", s.notice_ticks, 0, 100'000);
  s.link_drop_share = net.number("link_drop_share", s.link_drop_share, 0, 1);
  s.sync_timeout_s = net.number("sync_timeout_s", s.sync_timeout_s, 0.5, 600);

  const Section reps = top.section("reps", {"activity", "mix"});
  s.rep_activity = reps.number("activity", s.rep_activity, 0, 1);
  const Section mix = reps.section("mix", {"search", "open", "present", "present_old", "feedback", "request"});
  s.weight_search = mix.number("search", s.weight_search, 0, 1000);
  s.weight_open = mix.number("open", s.weight_open, 0, 1000);
  s.weight_present = mix.number("present", s.weight_present, 0, 1000);
  s.weight_present_old = mix.number("present_old", s.weight_present_old, 0, 1000);
  s.weight_feedback = mix.number("feedback", s.weight_feedback, 0, 1000);
  s.weight_request = mix.number("request", s.weight_request, 0, 1000);
  if (s.weight_search + s.weight_open + s.weight_present + s.weight_present_old + s.weight_feedback +
          s.weight_request <= 0) {
    fail("reps.mix", "needs at least one weight above 0");
  }

  const Section kiosks = top.section("kiosks", {"activity", "duplicate_share"});
  s.kiosk_activity = kiosks.number("activity", s.kiosk_activity, 0, 1);
  s.duplicate_share = kiosks.number("duplicate_share", s.duplicate_share, 0, 1);

  if (top.has("marketing")) {
    const json& steps = top.raw("marketing");
    if (!steps.is_array()) fail("marketing", "must be a list of steps");
    for (std::size_t i = 0; i < steps.size(); ++i) {
      s.marketing.push_back(parse_step(steps[i], "marketing[" + std::to_string(i) + "]", s.ticks));
    }
  }

  const Section faults =
      top.section("faults", {"kills", "hub_restarts", "clock_back", "clock_forward", "hub_down_at_end"});
  s.kills = faults.integer("kills", s.kills, 0, 10'000);
  s.hub_restarts.clear();
  if (faults.has("hub_restarts")) {
    const json& restarts = faults.raw("hub_restarts");
    if (!restarts.is_array()) fail("faults.hub_restarts", "must be a list of ticks");
    for (std::size_t i = 0; i < restarts.size(); ++i) {
      s.hub_restarts.push_back(
          Section::integer_value(restarts[i], "faults.hub_restarts[" + std::to_string(i) + "]", 0, s.ticks - 1));
    }
  }
  const Section clock = faults.section("clock_back", {"devices", "seconds", "tick"});
  s.clock_back_devices = clock.integer("devices", s.clock_back_devices, 0, s.devices());
  s.clock_back_s = clock.integer("seconds", s.clock_back_s, 1, 10LL * 365 * 86400);
  s.clock_back_tick = clock.integer("tick", s.clock_back_tick, 0, s.ticks - 1);
  const Section forward = faults.section("clock_forward", {"devices", "seconds", "tick"});
  s.clock_forward_devices = forward.integer("devices", s.clock_forward_devices, 0, s.devices() - s.clock_back_devices);
  s.clock_forward_s = forward.integer("seconds", s.clock_forward_s, 1, 10LL * 365 * 86400);
  s.clock_forward_tick = forward.integer("tick", s.clock_forward_tick, 0, s.ticks - 1);
  s.hub_down_at_end = faults.boolean("hub_down_at_end", s.hub_down_at_end);
  return s;
}

Scenario parse_scenario_text(const std::string& text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw ScenarioError(std::string("scenario: not valid JSON (at byte ").append(std::to_string(e.byte)).append(")"));
  }
  return parse_scenario(doc);
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::string text = "scenario: cannot read ";
    throw ScenarioError(text.append(path));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  try {
    return parse_scenario_text(buffer.str());
  } catch (const ScenarioError& e) {
    std::string text = path;
    throw ScenarioError(text.append(": ").append(e.what()));
  }
}

}  // namespace outpost::sim
