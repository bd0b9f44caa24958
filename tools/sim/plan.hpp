// The action plan of a scenario: every device's name and role, its
// connectivity and every action, by tick, drawn from the scenario's seed
// with std::mt19937_64. The same scenario always gives the same plan, and
// the same digest (printed at the start and in the report). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace outpost::sim {

enum class ActionKind {
  sync,          // param: cut the connection after this many bytes (0: no link drop)
  go_offline,
  go_online,
  search,        // text: the query
  open,          // asset
  present,       // asset; param: pages
  present_old,   // asset; param: pages; presents version 1 explicitly
  feedback,      // asset; param: rating
  request,       // asset
  capture,       // param: the visitor's number at this kiosk
  duplicate_scan,  // param: the number of a visitor this kiosk captured before
  kill,          // device -1: param picks which running device process gets kill -9;
                 // a kiosk (text "next-capture"): its next lead capture is killed
                 // a few ms in (param picks when)
  hub_restart,
  publish,       // asset: a new version
  revoke,        // asset: its current version
  promo,         // asset: a new asset; param: expires this many ticks later (0: never)
  clock_back,    // device: its clock goes back Scenario::clock_back_s from here on
  clock_forward,  // device: its clock goes forward Scenario::clock_forward_s from here on
};

const char* kind_name(ActionKind kind);

struct Action {
  std::int64_t tick = 0;
  int device = -1;  // -1: marketing, the hub or the whole field
  ActionKind kind = ActionKind::sync;
  std::string asset;
  std::string text;
  std::uint64_t param = 0;
};

struct DeviceSpec {
  std::string name;
  bool kiosk = false;
};

struct Plan {
  std::vector<DeviceSpec> devices;
  std::vector<std::string> library;  // the assets published before the field starts
  std::vector<Action> actions;       // by tick; within a tick in the order drawn
  std::uint64_t digest = 0;          // FNV-1a 64 of the canonical text of the plan

  std::string digest_hex() const;
};

Plan make_plan(const Scenario& scenario);

// One line per action, the input of the digest.
std::string canonical_line(const Action& a);

}  // namespace outpost::sim
