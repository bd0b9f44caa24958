// Runs a plan against real processes: a hub, marketing's publisher and one
// device home per planned device, each device driven through the `outpost`
// command line (one process at a time per home, a bounded number at once),
// its network through the FaultProxy. Records the ground truth as it goes,
// then stops everything and compares with the hub's store. Main thread.
#pragma once

#include <atomic>
#include <string>

#include "hub_process.hpp"
#include "plan.hpp"
#include "results.hpp"
#include "scenario.hpp"

namespace outpost::sim {

struct RunOptions {
  Binaries bins;
  std::string work_dir;  // must exist and be empty
  bool verbose = false;  // one line per action on stderr
  // The setup and the final phase give up after this long without a sync
  // succeeding (each success starts it again); 0: from the scenario,
  // stall_limit_s() below.
  std::int64_t stall_s = 0;
};

// The default stall limit: two of the scenario's process timeouts (at
// least 60 s), so the slowest device gets at least two tries.
std::int64_t stall_limit_s(const Scenario& s);

// Throws std::runtime_error when the field cannot be set up (the hub does
// not start, ...). Stops early, with a note, when interrupted becomes true.
Results run_field(const Scenario& scenario, const Plan& plan, const RunOptions& options,
                  const std::atomic<bool>& interrupted);

}  // namespace outpost::sim
