#include "plan.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

namespace outpost::sim {

namespace {

// Draws from std::mt19937_64 with our own mapping to ranges, so a plan does
// not depend on how a standard library implements its distributions.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t bits() { return rng_(); }
  double unit() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }
  std::int64_t in(std::int64_t lo, std::int64_t hi) {
    const auto width = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(rng_() % width);
  }
  std::int64_t in(const Span& s) { return in(s.lo, s.hi); }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(in(0, static_cast<std::int64_t>(items.size()) - 1))];
  }

 private:
  std::mt19937_64 rng_;
};

const char* const query_words[] = {"price", "deck", "security", "hospital", "video", "case", "emea", "promo",
                                   "onboarding", "veterinary", "roadmap", "contract"};

struct Library {
  // What marketing has done up to a tick, so reps pick assets that exist.
  std::vector<std::string> live;
  std::vector<std::string> republished;  // assets with a version 2 or later
};

Library library_at(const Scenario& s, const std::vector<std::string>& initial, std::int64_t tick) {
  Library lib{initial, {}};
  for (const MarketingStep& m : s.marketing) {
    if (m.tick >= tick) continue;
    if (m.action == "promo") lib.live.push_back(m.asset);
    if (m.action == "publish" &&
        std::find(lib.republished.begin(), lib.republished.end(), m.asset) == lib.republished.end()) {
      lib.republished.push_back(m.asset);
    }
  }
  return lib;
}

Action device_action(std::int64_t tick, int device, ActionKind kind) {
  Action a;
  a.tick = tick;
  a.device = device;
  a.kind = kind;
  return a;
}

void rep_action(const Scenario& s, Draw& draw, const Library& lib, Action& a) {
  const double weights[] = {s.weight_search,      s.weight_open,     s.weight_present,
                            s.weight_present_old, s.weight_feedback, s.weight_request};
  const ActionKind kinds[] = {ActionKind::search,      ActionKind::open,     ActionKind::present,
                              ActionKind::present_old, ActionKind::feedback, ActionKind::request};
  double total = 0;
  for (double w : weights) total += w;
  double x = draw.unit() * total;
  std::size_t i = 0;
  while (i + 1 < std::size(weights) && x >= weights[i]) x -= weights[i++];
  a.kind = kinds[i];
  if (a.kind == ActionKind::present_old && lib.republished.empty()) a.kind = ActionKind::present;
  a.asset = a.kind == ActionKind::present_old ? draw.pick(lib.republished) : draw.pick(lib.live);
  if (a.kind == ActionKind::search) {
    a.asset.clear();
    a.text = query_words[draw.in(0, static_cast<std::int64_t>(std::size(query_words)) - 1)];
  }
  if (a.kind == ActionKind::present || a.kind == ActionKind::present_old) a.param = static_cast<std::uint64_t>(draw.in(1, 8));
  if (a.kind == ActionKind::feedback) a.param = static_cast<std::uint64_t>(draw.in(1, 5));
}

}  // namespace

const char* kind_name(ActionKind kind) {
  switch (kind) {
    case ActionKind::sync: return "sync";
    case ActionKind::go_offline: return "go-offline";
    case ActionKind::go_online: return "go-online";
    case ActionKind::search: return "search";
    case ActionKind::open: return "open";
    case ActionKind::present: return "present";
    case ActionKind::present_old: return "present-old";
    case ActionKind::feedback: return "feedback";
    case ActionKind::request: return "request";
    case ActionKind::capture: return "capture";
    case ActionKind::duplicate_scan: return "duplicate-scan";
    case ActionKind::kill: return "kill";
    case ActionKind::hub_restart: return "hub-restart";
    case ActionKind::publish: return "publish";
    case ActionKind::revoke: return "revoke";
    case ActionKind::promo: return "promo";
    case ActionKind::clock_back: return "clock-back";
    case ActionKind::clock_forward: return "clock-forward";
  }
  return "?";
}

std::string canonical_line(const Action& a) {
  std::string line = std::to_string(a.tick);
  line.append(" ").append(std::to_string(a.device)).append(" ").append(kind_name(a.kind));
  line.append(" ").append(a.asset).append(" ").append(a.text).append(" ").append(std::to_string(a.param));
  return line;
}

std::string Plan::digest_hex() const {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(digest));
  return buffer;
}

Plan make_plan(const Scenario& s) {
  Draw draw(s.seed);
  Plan plan;
  for (std::int64_t i = 0; i < s.reps; ++i) plan.devices.push_back({"rep-" + std::to_string(i + 1), false});
  for (std::int64_t i = 0; i < s.kiosks; ++i) plan.devices.push_back({"kiosk-" + std::to_string(i + 1), true});
  for (std::int64_t i = 0; i < s.assets; ++i) plan.library.push_back("lib-" + std::to_string(i + 1));

  const int devices = static_cast<int>(plan.devices.size());
  std::vector<std::vector<Action>> by_tick(static_cast<std::size_t>(s.ticks));
  auto add = [&](Action a) { by_tick[static_cast<std::size_t>(a.tick)].push_back(std::move(a)); };
  auto sync_at = [&](std::int64_t tick, int device) {
    Action a = device_action(tick, device, ActionKind::sync);
    if (draw.chance(s.link_drop_share)) a.param = static_cast<std::uint64_t>(draw.in(512, 96 * 1024));
    add(std::move(a));
  };

  // Marketing, the hub and the clock come first within their tick.
  for (const MarketingStep& m : s.marketing) {
    Action a = device_action(m.tick, -1, m.action == "publish"  ? ActionKind::publish
                                         : m.action == "revoke" ? ActionKind::revoke
                                                                : ActionKind::promo);
    a.asset = m.asset;
    a.param = static_cast<std::uint64_t>(m.action == "promo" ? m.expires_ticks : m.grace_ticks);
    add(std::move(a));
  }
  for (std::int64_t tick : s.hub_restarts) add(device_action(tick, -1, ActionKind::hub_restart));
  std::vector<int> order(static_cast<std::size_t>(devices));
  for (int i = 0; i < devices; ++i) order[static_cast<std::size_t>(i)] = i;
  for (int i = devices - 1; i > 0; --i) std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(draw.in(0, i))]);
  for (std::int64_t i = 0; i < s.clock_back_devices; ++i) {
    add(device_action(s.clock_back_tick, order[static_cast<std::size_t>(i)], ActionKind::clock_back));
  }
  for (std::int64_t i = 0; i < s.clock_forward_devices; ++i) {
    const auto device = order[static_cast<std::size_t>(s.clock_back_devices + i)];
    add(device_action(s.clock_forward_tick, device, ActionKind::clock_forward));
  }

  for (int d = 0; d < devices; ++d) {
    // One offline period for a share of the field; its end is a reconnect.
    std::int64_t off_from = -1;
    std::int64_t off_until = -1;
    if (draw.chance(s.offline_share) && s.ticks > 2) {
      off_from = draw.in(1, s.ticks - 2);
      off_until = std::min(s.ticks - 1, off_from + draw.in(s.offline_ticks));
      add(device_action(off_from, d, ActionKind::go_offline));
      add(device_action(off_until, d, ActionKind::go_online));
    }
    auto online = [&](std::int64_t tick) { return tick < off_from || tick >= off_until; };
    if (off_until > 0 && off_until < s.ticks) sync_at(off_until, d);
    for (std::int64_t t = draw.in(0, s.sync_every.hi); t < s.ticks; t += draw.in(s.sync_every)) {
      if (online(t)) sync_at(t, d);
    }
    for (const MarketingStep& m : s.marketing) {  // the hub's notice of a catalog change
      const std::int64_t t = m.tick + draw.in(s.notice_ticks);
      if (t < s.ticks && online(m.tick) && online(t)) sync_at(t, d);
    }
    std::uint64_t visitors = 0;
    for (std::int64_t t = 0; t < s.ticks; ++t) {
      if (plan.devices[static_cast<std::size_t>(d)].kiosk) {
        if (!draw.chance(s.kiosk_activity)) continue;
        Action a = device_action(t, d, ActionKind::capture);
        if (visitors > 0 && draw.chance(s.duplicate_share)) {
          a.kind = ActionKind::duplicate_scan;
          a.param = static_cast<std::uint64_t>(draw.in(1, static_cast<std::int64_t>(visitors)));
        } else {
          a.param = ++visitors;
        }
        add(std::move(a));
      } else if (draw.chance(s.rep_activity)) {
        Action a = device_action(t, d, ActionKind::search);
        rep_action(s, draw, library_at(s, plan.library, t), a);
        add(std::move(a));
      }
    }
  }
  for (std::int64_t i = 0; i < s.kills; ++i) {
    Action a = device_action(draw.in(1, std::max<std::int64_t>(1, s.ticks - 1)), -1, ActionKind::kill);
    a.param = draw.bits();
    // Every other kill waits for a kiosk's next lead capture and cuts it
    // short: the durable write must keep what was acknowledged before it.
    if (i % 2 == 1 && s.kiosks > 0) {
      a.device = static_cast<int>(s.reps + static_cast<std::int64_t>(a.param % static_cast<std::uint64_t>(s.kiosks)));
      a.text = "next-capture";
    }
    if (a.tick < s.ticks) add(std::move(a));
  }

  std::uint64_t hash = 0xcbf29ce484222325ULL;
  auto mix = [&](const std::string& text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
    hash ^= '\n';
    hash *= 0x100000001b3ULL;
  };
  for (const DeviceSpec& d : plan.devices) mix(d.name + (d.kiosk ? " kiosk" : " rep"));
  for (const std::string& asset : plan.library) mix(asset);
  for (auto& tick : by_tick) {
    for (Action& a : tick) {
      mix(canonical_line(a));
      plan.actions.push_back(std::move(a));
    }
  }
  plan.digest = hash;
  return plan;
}

}  // namespace outpost::sim
