// A field scenario: the fleet, its connectivity, what reps, kiosks and
// marketing do, and the faults, read from a JSON file (tools/sim/README.md
// describes every key). Parsing is pure and strict: an unknown key, a value
// of the wrong type or out of range is a ScenarioError naming its path.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace outpost::sim {

struct ScenarioError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An inclusive range of whole numbers [lo, hi] drawn uniformly.
struct Span {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
};

struct MarketingStep {
  std::int64_t tick = 0;
  std::string action;        // publish (a new version of asset) | revoke (its current version) | promo (new asset)
  std::string asset;
  std::int64_t grace_ticks = 0;    // publish: older versions stay usable this long
  std::int64_t expires_ticks = 0;  // promo: it expires this many ticks after publishing (0: never)
};

struct Scenario {
  std::string name;
  std::uint64_t seed = 1;
  std::int64_t ticks = 100;
  std::int64_t tick_ms = 500;
  double field_minutes_per_tick = 5;  // only for the report's field-time column
  std::int64_t reps = 40;
  std::int64_t kiosks = 10;
  std::int64_t concurrency = 4;   // device processes running at once
  std::int64_t process_timeout_s = 30;

  // The library marketing publishes before the field starts.
  std::int64_t assets = 8;
  Span asset_kib{32, 256};

  // Connectivity.
  double offline_share = 0.3;  // of devices that have one offline period
  Span offline_ticks{10, 40};
  Span sync_every{10, 20};     // ticks between an online device's syncs
  Span notice_ticks{0, 2};     // an online device syncs this soon after a catalog change
  double link_drop_share = 0.1;  // of syncs whose connection the proxy cuts mid-transfer
  double sync_timeout_s = 3;

  // Reps: per tick, the chance that a rep does something, and what.
  double rep_activity = 0.08;
  double weight_search = 3, weight_open = 3, weight_present = 3, weight_present_old = 1, weight_feedback = 1,
         weight_request = 0.5;
  // Kiosks: per tick, the chance of a capture; the share that are a second scan.
  double kiosk_activity = 0.1;
  double duplicate_share = 0.15;

  std::vector<MarketingStep> marketing;

  // Faults.
  std::int64_t kills = 2;                  // kill -9 of a running device process
  std::vector<std::int64_t> hub_restarts;  // ticks
  std::int64_t clock_back_devices = 1;
  std::int64_t clock_back_s = 86400;
  std::int64_t clock_back_tick = 0;
  // A clock set forward (beyond an offline budget: the gate then refuses
  // what that class covers as stale-catalog, for good: trusted time never
  // goes back). Other devices than the clock_back ones.
  std::int64_t clock_forward_devices = 0;
  std::int64_t clock_forward_s = 8 * 86400;
  std::int64_t clock_forward_tick = 0;
  // The hub is stopped before the final phase and not started again: every
  // final sync fails, so what devices still queue stays undelivered (the
  // run's "incomplete" outcome, tested).
  bool hub_down_at_end = false;

  std::int64_t devices() const { return reps + kiosks; }
};

// Throws ScenarioError ("scenario: fleet.reps: must be between 1 and 500").
Scenario parse_scenario(const nlohmann::json& doc);
Scenario parse_scenario_text(const std::string& text);
Scenario load_scenario(const std::string& path);

}  // namespace outpost::sim
