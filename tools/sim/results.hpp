// What a simulation measured, the "must" figures checked against it, and
// the report written from it: report.md, report.json and timeline.svg.
// Pure functions (the caller writes the files). Any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace outpost::sim {

// Nearest-rank percentile (p in [0, 100]) of values; 0 when empty.
double percentile(std::vector<double> values, double p);

struct Distribution {
  std::size_t count = 0;
  double p50 = 0, p95 = 0, max = 0, mean = 0;
};
Distribution summarize(const std::vector<double>& values);

// How a new version (or a revocation) reached the field.
struct Propagation {
  std::string label;           // "lib-3@2", "revoke lib-2@1"
  double at_s = 0;             // when marketing published it, seconds into the run
  std::vector<double> online;  // seconds to reach each device online from then on
  std::vector<double> offline;  // seconds after its reconnect, for each device offline then
  std::size_t not_reached = 0;  // devices that never held it
  std::vector<double> reached_at_s;  // seconds into the run, every device that got it (for the chart)
};

// Things sent from the field and what the hub holds of them.
struct Delivery {
  std::uint64_t sent = 0;        // acknowledged to the simulator by the device
  std::uint64_t unacknowledged = 0;  // the process was killed before it answered: may or may not exist
  std::uint64_t received = 0;    // of the acknowledged ones, found at the hub
  std::uint64_t undelivered = 0;  // of the rest, still queued on their device after the run
  std::uint64_t duplicates = 0;  // found more than once
  std::uint64_t extra = 0;       // at the hub with no acknowledged send (from killed processes)
  std::vector<double> delay_s;   // from the device's answer to the hub's receipt, per item found
  // Neither at the hub nor on its device.
  std::uint64_t lost() const { return sent > received + undelivered ? sent - received - undelivered : 0; }
};

// The hub's lead book against the visitors the kiosks captured: one lead
// per person, whatever the retries, kills and repeat scans.
struct LeadBookCheck {
  bool checked = false;
  std::string problem;                 // why it could not be checked
  std::uint64_t leads = 0;             // leads of the simulator's show in the book
  std::uint64_t visits = 0;            // captures the book added to them
  std::uint64_t visitors = 0;          // distinct visitors with an acknowledged capture not still queued on the kiosk
  std::uint64_t visitors_possible = 0;  // ... or a capture whose process was killed
  std::uint64_t repeat_scans = 0;       // acknowledged second scans of a visitor whose first was acknowledged
  std::uint64_t repeat_recognised = 0;  // of those, the kiosk answered "repeat visit"
};

struct Results {
  std::string scenario;
  std::uint64_t seed = 0;
  std::string plan_digest;
  std::int64_t ticks = 0;
  double tick_s = 0;
  double field_minutes_per_tick = 0;
  double wall_s = 0;
  std::int64_t reps = 0, kiosks = 0;

  // The version gate, judged against what the simulator saw each device hold.
  std::uint64_t presentations = 0;       // allowed presentations
  std::uint64_t opens = 0;               // allowed opens
  std::uint64_t blocked = 0;             // opens and presentations the gate refused
  std::uint64_t after_newer = 0;         // MUST be 0: an older version shown after the newer one was received
  std::uint64_t after_revocation = 0;    // MUST be 0
  std::uint64_t after_expiry = 0;        // MUST be 0 (devices whose clock is right, or that synced since)
  // Shown after expiry by a device whose clock was set back and that had
  // not heard from the hub since the expiry: it cannot know (counted).
  std::uint64_t after_expiry_clock_back = 0;
  std::uint64_t in_grace = 0;            // shown within a supersede grace
  std::uint64_t update_pending = 0;      // shown while the device knew of a newer version not yet fetched
  std::uint64_t stale_catalog = 0;       // warnings or refusals for a stale catalog

  Delivery usage;      // usage events (opens, blocks, searches, presentations, pages)
  Delivery leads;      // lead captures and repeat visits
  Delivery feedback;   // feedback and content requests
  LeadBookCheck lead_book;
  // Every delay of the three deliveries together.
  std::vector<double> delivery_delays() const;

  std::vector<Propagation> propagation;

  std::uint64_t syncs = 0, syncs_failed = 0, link_cuts = 0, kills = 0, hub_restarts = 0, clock_back_devices = 0,
                clock_forward_devices = 0;
  std::uint64_t crashes = 0;  // MUST be 0: device processes dead of a signal the simulator did not send
  std::uint64_t errors = 0;   // device commands that failed unexpectedly (each in notes)
  std::vector<double> bytes_per_device;  // through the proxy, both directions
  bool hub_crashed = false;  // MUST be false: a hub process ended other than by the simulator's SIGTERM
  double hub_cpu_s = 0;
  std::uint64_t hub_peak_rss_kib = 0;
  std::vector<std::string> notes;  // anything the run could not do as planned

  // The final phase: every device back online, syncing until it succeeds.
  double final_phase_s = 0;
  std::string final_phase_stop;  // why it stopped waiting before every final sync succeeded (empty: all did)
  std::map<std::string, std::string> final_sync_failed;  // device -> why its last final sync failed
  std::map<std::string, std::uint64_t> undelivered_by_device;  // acknowledged items still queued on it
};

// pass: every must figure holds and every item reached the hub; fail: a must
// figure is broken (whatever else); incomplete: nothing broken, but final
// syncs did not finish, so items are still queued on their devices.
enum class Outcome { pass, fail, incomplete };
Outcome outcome(const Results& r);
const char* outcome_name(Outcome o);
// Why a run is incomplete, one plain line each (devices and why); empty when it is not.
std::vector<std::string> incomplete_reasons(const Results& r);

// The broken "must" figures, one line each; empty when the run passes.
std::vector<std::string> must_violations(const Results& r);

nlohmann::json report_json(const Results& r);
std::string report_markdown(const Results& r);
// Propagation timeline and delivery delays, one SVG document.
std::string timeline_svg(const Results& r);
// XML text escaping for the SVG.
std::string xml_escape(const std::string& text);

}  // namespace outpost::sim
