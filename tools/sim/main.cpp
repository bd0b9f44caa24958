// outpost-sim: the field simulator. Runs a seeded scenario of reps, kiosks
// and marketing against a real hub and real device processes on this
// machine, then reports whether the field numbers went to zero.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "field.hpp"
#include "plan.hpp"
#include "results.hpp"
#include "scenario.hpp"
#include "text.hpp"

namespace {

namespace fs = std::filesystem;
using namespace outpost::sim;

std::atomic<bool> interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
extern "C" void on_signal(int) { interrupted = true; }

constexpr int exit_violation = 1;
constexpr int exit_usage = 2;
constexpr int exit_incomplete = 3;

// A sibling binary: in dir itself, or where the build tree puts it below dir.
std::string find_binary(const fs::path& dir, const char* name, const char* build_place) {
  for (const fs::path& p : {dir / name, dir / build_place / name, dir / "../.." / build_place / name}) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return fs::canonical(p).string();
  }
  throw std::runtime_error(cat("cannot find ", name, " in ", dir.string(), " (use --bin-dir)"));
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error(cat("cannot write ", path.string()));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"outpost-sim: a field of real Outpost devices against a real hub, on this machine"};
  app.footer(
      "Runs the scenario (tools/sim/README.md), then compares what the simulator told each device to do,\n"
      "and what the device answered, with what the hub stored. Writes report.md, report.json and\n"
      "timeline.svg in --out. Exit 0 when every must figure holds and every acknowledged item reached the\n"
      "hub; 1 when a must figure is broken (an item lost: neither at the hub nor on its device, a duplicate,\n"
      "an outdated presentation, a crash); 3 when nothing is broken but final syncs did not finish, so items\n"
      "are still queued on their devices (undelivered, not lost; the devices and why are printed); 2 on a\n"
      "usage or scenario error; 130 when interrupted. Example:\n"
      "  outpost-sim --scenario tools/sim/scenarios/short.json --out /tmp/sim-report");
  std::string scenario_path, out_dir, work_root, bin_dir;
  bool keep = false, verbose = false, plan_only = false;
  std::optional<std::uint64_t> seed;
  std::int64_t stall_s = 0;
  app.add_option("--scenario", scenario_path, "Scenario file (JSON)")->required();
  app.add_option("--out", out_dir, "Directory for report.md, report.json, timeline.svg");
  app.add_option("--work-dir", work_root, "Where the temporary homes go (default $TMPDIR or /tmp)");
  app.add_flag("--keep", keep, "Keep the homes and logs of the run (their path is printed)");
  app.add_option("--bin-dir", bin_dir, "Where outpost, outpost-hub, outpost-publish are (default: next to outpost-sim)");
  app.add_option("--seed", seed, "Override the scenario's seed");
  app.add_option("--stall", stall_s,
                 "Seconds the setup and the final phase wait with no sync succeeding before they give up "
                 "(default: twice the scenario's process_timeout_s, at least 60)")
      ->check(CLI::Range(1, 86400));
  app.add_flag("--plan-only", plan_only, "Print the plan's digest and action counts, run nothing");
  app.add_flag("-v,--verbose", verbose, "One line per device action on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : exit_usage;
  }

  Scenario scenario;
  try {
    scenario = load_scenario(scenario_path);
  } catch (const ScenarioError& e) {
    std::cerr << "outpost-sim: " << e.what() << "\n";
    return exit_usage;
  }
  if (seed) scenario.seed = *seed;
  const Plan plan = make_plan(scenario);
  std::cout << "scenario " << scenario.name << ": seed " << scenario.seed << ", plan digest " << plan.digest_hex()
            << ", " << plan.devices.size() << " devices, " << plan.actions.size() << " planned actions\n";
  if (plan_only) {
    std::map<std::string, int> counts;
    for (const Action& a : plan.actions) ++counts[kind_name(a.kind)];
    for (const auto& [kind, n] : counts) std::cout << "  " << kind << ": " << n << "\n";
    return 0;
  }
  if (out_dir.empty()) {
    std::cerr << "outpost-sim: --out DIR is required to run\n";
    return exit_usage;
  }

  RunOptions options;
  options.verbose = verbose;
  options.stall_s = stall_s;
  fs::path work;
  try {
    const fs::path self = fs::canonical("/proc/self/exe").parent_path();
    const fs::path bins = bin_dir.empty() ? self : fs::path(bin_dir);
    options.bins = {find_binary(bins, "outpost", "platform/device/cli"), find_binary(bins, "outpost-hub", "platform/hub/cli"),
                    find_binary(bins, "outpost-publish", "platform/publish/cli")};
    const char* tmp = std::getenv("TMPDIR");
    const fs::path root = !work_root.empty() ? fs::path(work_root) : fs::path(tmp != nullptr ? tmp : "/tmp");
    fs::create_directories(root);
    std::string pattern = (root / "outpost-sim-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error(cat("cannot create a directory in ", root.string()));
    work = pattern;
    fs::create_directories(out_dir);
  } catch (const std::exception& e) {
    std::cerr << "outpost-sim: " << e.what() << "\n";
    return exit_usage;
  }
  options.work_dir = work.string();

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);

  int code = 0;
  try {
    const Results r = run_field(scenario, plan, options, interrupted);
    write_file(fs::path(out_dir) / "report.md", report_markdown(r));
    write_file(fs::path(out_dir) / "report.json", report_json(r).dump(2) + "\n");
    write_file(fs::path(out_dir) / "timeline.svg", timeline_svg(r));
    const std::vector<std::string> broken = must_violations(r);
    std::cout << "usage events " << r.usage.received << "/" << r.usage.sent << ", leads " << r.leads.received << "/"
              << r.leads.sent << ", feedback and requests " << r.feedback.received << "/" << r.feedback.sent
              << " at the hub; undelivered " << r.usage.undelivered + r.leads.undelivered + r.feedback.undelivered
              << ", lost " << r.usage.lost() + r.leads.lost() + r.feedback.lost()
              << "; outdated shown " << r.after_newer + r.after_revocation + r.after_expiry << "; " << r.kills
              << " kill -9, " << r.link_cuts << " link drops, " << r.hub_restarts << " hub restarts; "
              << fixed(r.wall_s, 1) << " s\n";
    for (const std::string& b : broken) std::cout << "MUST BROKEN: " << b << "\n";
    for (const std::string& line : incomplete_reasons(r)) std::cout << "UNDELIVERED: " << line << "\n";
    const Outcome result = outcome(r);
    std::cout << (result == Outcome::pass ? "PASS" : result == Outcome::fail ? "FAIL" : "INCOMPLETE")
              << ": report in " << out_dir << "/report.md\n";
    code = result == Outcome::pass ? 0 : result == Outcome::fail ? exit_violation : exit_incomplete;
    if (interrupted) code = 130;
  } catch (const std::exception& e) {
    std::cerr << "outpost-sim: " << e.what() << "\n";
    code = interrupted ? 130 : exit_usage;
  }
  if (keep) {
    std::cout << "kept the run's homes and logs in " << work.string() << "\n";
  } else {
    std::error_code ec;
    fs::remove_all(work, ec);
  }
  return code;
}
