// The field simulation's state, shared by field.cpp (setup, the tick loop,
// the process scheduler) and field_truth.cpp (answers, the gate's
// judgement, propagation, the final comparison). Internal to outpost-sim.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "device_commands.hpp"
#include "field.hpp"
#include "library.hpp"
#include "proxy.hpp"
#include "truth.hpp"

namespace outpost::sim::detail {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

enum class Step { action, enroll, observe };

struct Queued {
  Step step = Step::action;
  Action action;
};

struct Device {
  DeviceSpec spec;
  int index = 0;
  DeviceCommandContext ctx;
  bool online = true;
  std::int64_t clock_offset_s = 0;  // OUTPOST_CLOCK_OFFSET_SECONDS for its processes
  bool final_synced = false;
  std::string final_error;  // why its last final sync failed
  Clock::time_point not_before{};  // its next process starts no sooner (a retry's pause)
  std::deque<Queued> queue;
  // The process running for this device, if any.
  pid_t pid = 0;
  Queued current;
  Clock::time_point deadline;
  std::int64_t started_ms = 0;  // unix ms
  bool killed = false;
  std::int64_t kill_next_capture_ms = -1;  // armed: kill its next capture this many ms after it starts
  Clock::time_point kill_at{};             // when the running process is to be killed (if set)
  std::string token;
  Holding holding;
  std::int64_t reconnected_ms = 0;    // last time it came back online
  std::vector<std::int64_t> reached;  // per change: unix ms it was first seen holding it (0: not yet)
  std::vector<std::int64_t> reach_delay;  // per change: ms from the change (or the reconnect after it)
  std::vector<bool> offline_since;    // per change: it was offline at some point after the change
  std::int64_t last_sync_ok_ms = 0;
  DeviceTruth truth;
  std::uint64_t serial = 0;
};

// A marketing change whose propagation is measured.
struct Change {
  std::string label, asset;
  std::uint64_t version = 0;
  bool revoke = false;
  std::int64_t at_ms = 0;
};

class Field {
 public:
  Field(const Scenario& s, const Plan& plan, const RunOptions& o, const std::atomic<bool>& interrupted)
      : s_(s), plan_(plan), o_(o), interrupted_(interrupted), hub_(children_, o.bins, o.work_dir),
        library_(o.work_dir + "/library", s.seed, s.asset_kib) {}

  Results run();

 private:
  void setup();
  void run_ticks();
  void finish();
  void dispatch(const Action& a);
  void marketing(const Action& a);
  void kill_one(std::uint64_t pick);
  // Reaps ended processes, starts queued ones, enforces deadlines.
  void service();
  // Services the field until nothing is queued or running; gives up when
  // no sync (or enrollment) has succeeded for `stall`. Returns why it gave
  // up, or an empty string when the field went idle.
  std::string wait_idle(std::chrono::seconds stall);
  // The events each device still holds past what the hub acknowledged
  // (`outpost journal stats/show --json`); every device process has ended.
  std::vector<HubEvent> read_queues();
  void start(Device& d);
  void finished(Device& d, const Finished& f);
  void judge(Device& d, const Done& done);
  void observed(Device& d, const Holding& h);
  void log(const Device& d, const std::string& what) const;
  bool busy() const;
  std::size_t pending_devices() const;

  const Scenario& s_;
  const Plan& plan_;
  const RunOptions& o_;
  const std::atomic<bool>& interrupted_;
  Children children_;  // first: destroyed last, after everything that owns a child
  HubProcess hub_;
  Library library_;
  std::unique_ptr<FaultProxy> proxy_;
  std::vector<Device> devices_;
  std::vector<Change> changes_;
  std::map<std::string, std::uint64_t> versions_;     // asset -> newest version published
  std::map<std::string, std::int64_t> expires_ms_;    // promo -> when it expires
  std::vector<std::uint64_t> pending_kills_;
  std::int64_t start_ms_ = 0;
  std::size_t rotate_ = 0;
  std::uint64_t syncs_ok_ = 0;  // syncs and enrollments that succeeded (progress)
  Results r_;
};

}  // namespace outpost::sim::detail
