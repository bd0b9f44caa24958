// The simulator's own ground truth: what each device was told to do, when,
// and what it answered; what each device was seen to hold after its syncs;
// and its comparison with the events the hub stored (read from hub.db
// directly, by device, type and id, not through the hub's reports) and the
// events still queued on each device (read through its CLI's --json).
// Pure, but for read_hub_events (hub_events.cpp).
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
  std::int64_t started_ms = 0;  // unix ms when its process started
  std::int64_t done_ms = 0;     // unix ms when the device answered
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

// A stored event at the hub (or one still queued on its device), as the
// comparison needs it.
struct HubEvent {
  std::string device;
  std::uint64_t seq = 0;
  std::string type;
  std::int64_t received_ms = 0;  // at the hub; 0 for a queued event
  std::string asset, presentation, text;  // text: feedback comment or request text
  std::uint64_t version = 0;
};

// Reads every event of the hub home's hub.db (opened read-only; the hub is
// stopped), opening the payloads with the home's hub.keys.
// Throws std::runtime_error when the store cannot be read.
std::vector<HubEvent> read_hub_events(const std::string& hub_home);

// The events a device still holds for delivery, from its `outpost --json
// journal stats` (acked_seq) and `journal show --after ACKED` output: every
// event past what the hub acknowledged. Throws std::runtime_error when
// either is not that command's output.
std::vector<HubEvent> read_device_queue(const std::string& device, const std::string& stats_json,
                                        const std::string& show_json);

// Fills r.usage, r.leads and r.feedback: every item a device acknowledged
// is received (at the hub), else undelivered (still queued on the device),
// else lost (neither).
void compare_deliveries(const std::vector<DeviceTruth>& devices, const std::vector<HubEvent>& at_hub,
                        const std::vector<HubEvent>& queued, Results& r);
// Fills r.lead_book from the kiosks' truth and `outpost-hub leads list
// --json` (the leads of show). A visitor whose every acknowledged capture
// is still queued on its kiosk is not expected in the book (undelivered).
void compare_lead_book(const std::vector<DeviceTruth>& devices, const std::vector<HubEvent>& queued,
                       const std::string& leads_json, const std::string& show, Results& r);

}  // namespace outpost::sim
