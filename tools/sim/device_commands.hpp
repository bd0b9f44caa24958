// How a planned device action becomes an `outpost` command line, and how
// the device's answer (exit status and --json output) becomes ground truth.
// Pure.
#pragma once

#include <string>
#include <vector>

#include "plan.hpp"
#include "process.hpp"
#include "truth.hpp"

namespace outpost::sim {

struct DeviceCommandContext {
  std::string outpost;  // the binary
  std::string home;
  std::string device;   // its name
  std::uint64_t seed = 0;
  double sync_timeout_s = 3;
};

// The lead form every kiosk captures with (an asset of kind form).
std::string booth_form_json();
inline constexpr const char* booth_form_asset = "booth-form";
inline constexpr const char* booth_form_show = "sim-show";

// The unique text a feedback or content request carries, so the hub's copy
// can be found again.
std::string action_token(const DeviceCommandContext& c, const Action& a, std::uint64_t serial);

std::vector<std::string> action_argv(const DeviceCommandContext& c, const Action& a, const std::string& token);
std::vector<std::string> observe_argv(const DeviceCommandContext& c);

// Fills done from the process's end and its standard output.
void read_answer(const Action& a, const Finished& f, const std::string& out, Done& done);
// Parses `outpost catalog show --json`; nullopt when it is not that.
std::optional<Holding> read_holding(const std::string& out);

}  // namespace outpost::sim
