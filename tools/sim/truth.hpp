// The simulator's own ground truth: what each device was told to do, when,
// and what it answered; what each device was seen to hold after its syncs;
// and its comparison with the events the hub stored (read from hub.db
// directly, by device, type and id, not through the hub's reports).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plan.hpp"
#include "results.hpp"

namespace outpost::sim {

// One device action as performed.
struct Done {
  ActionKind kind = ActionKind::sync;
  std::string asset;
  bool acknowledged = false;  // the process ended and answered (not killed, not timed out)
  bool allowed = false;       // open/present: the gate's answer
  std::uint64_t version = 0;  // open/present: the version the device showed (allowed) or refused
  std::string reason;         // refused: the gate's reason
  bool in_grace = false, update_pending = false;
  std::string presentation;   // present: its id
  std::uint64_t pages = 0;
  std::uint64_t seq = 0;      // feedback, request, capture: the journal seq the device answered
  bool repeat = false;        // capture: the device called it a repeat visit
  std::uint64_t visitor = 0;  // capture: the visitor's number at this kiosk
  std::string token;          // feedback, request: the unique text the simulator sent
  std::int64_t done_ms = 0;   // unix ms when the device answered
};

// What the simulator saw a device hold (outpost catalog show, after syncs).
struct Holding {
  std::map<std::string, std::uint64_t> held;   // asset -> newest version the gate would show
  std::map<std::string, std::uint64_t> known;  // asset -> newest release the device knows
  std::set<std::pair<std::string, std::uint64_t>> revoked;  // revocations the device holds
  std::map<std::string, std::string> reason;  // asset -> why the gate would refuse it
};

struct DeviceTruth {
  std::string name;
  bool kiosk = false;
  std::vector<Done> done;
};

// A stored event at the hub, as the comparison needs it.
struct HubEvent {
  std::string device;
  std::uint64_t seq = 0;
  std::string type;
  std::int64_t received_ms = 0;
  std::string asset, presentation, text;  // text: feedback comment or request text
  std::uint64_t version = 0;
};

// Reads every event of hub.db (opened read-only; the hub is stopped).
// Throws std::runtime_error when the store cannot be read.
std::vector<HubEvent> read_hub_events(const std::string& hub_db);

// Fills r.usage, r.leads and r.feedback.
void compare_deliveries(const std::vector<DeviceTruth>& devices, const std::vector<HubEvent>& events, Results& r);
// Fills r.lead_book from the kiosks' truth and `outpost-hub leads list
// --json` (the leads of show).
void compare_lead_book(const std::vector<DeviceTruth>& devices, const std::string& leads_json, const std::string& show,
                       Results& r);

}  // namespace outpost::sim
