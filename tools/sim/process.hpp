// Child processes of the simulator: started with fork+exec in their own
// process group, with SIGKILL as their parent-death signal (so none outlives
// the simulator, even when it is killed with -9), output to files. Every
// wait is bounded. Main thread only.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace outpost::sim {

struct Command {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // NAME=VALUE entries added to the simulator's environment (less its OUTPOST_*)
  std::string stdout_path;       // empty: /dev/null
  std::string stderr_path;
};

struct Finished {
  int code = -1;    // exit status, or -1 when killed by a signal
  int signal = 0;   // the signal that ended it, or 0
  rusage usage{};   // of that child alone (wait4)
  bool ok() const { return signal == 0 && code == 0; }
};

// Tracks every child it started; kill_all() (also run by the destructor)
// sends SIGKILL to each one's process group and reaps it.
class Children {
 public:
  Children() = default;
  ~Children();
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;

  // Throws std::runtime_error when fork fails.
  pid_t start(const Command& command);
  // Reaps the child if it has ended; nullopt while it runs.
  std::optional<Finished> poll(pid_t pid);
  // Waits up to timeout, then kills it with SIGKILL and reaps it.
  Finished wait(pid_t pid, std::chrono::milliseconds timeout);
  // SIGKILL to the child's process group (kill -9 in the field).
  void kill(pid_t pid);
  void kill_all();
  std::size_t running() const { return live_.size(); }

 private:
  std::set<pid_t> live_;
};

// Runs a command to its end (bounded); stdout captured as a string.
struct Captured {
  Finished finished;
  std::string out;
  std::string err;
};
Captured run_captured(Children& children, Command command, const std::string& scratch_dir,
                      std::chrono::milliseconds timeout);

std::string read_text(const std::string& path);

}  // namespace outpost::sim
