// outpost-sim as CI runs it: the short scenario end to end against the real
// binaries (its must figures hold, its report is complete), and no process
// of the run left behind when the simulator is interrupted or killed -9.
// Also the device CLI's clock hook the simulator relies on.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "test_support.hpp"

using namespace outpost::test;
using nlohmann::json;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Processes (other than this one) whose command line mentions text.
std::vector<pid_t> processes_mentioning(const std::string& text) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == ::getpid()) continue;
    std::string cmdline = slurp(entry.path() / "cmdline");
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (cmdline.find(text) != std::string::npos) found.push_back(pid);
  }
  return found;
}

// Starts outpost-sim with stdout and stderr in files of dir.
pid_t start_sim(const TempDir& dir, const std::string& scenario, const std::string& stall_s = "") {
  const std::string out = (dir / "out").string();
  const std::string work = (dir / "work").string();
  const std::string log = (dir / "sim.log").string();
  return fork_child([=]() -> int {
    if (!std::freopen(log.c_str(), "w", stdout) || !std::freopen(log.c_str(), "a", stderr)) return 98;
    // Settings of the simulator's own environment must not reach its
    // devices: a clock 10 days ahead everywhere would stop every sync.
    ::setenv("OUTPOST_CLOCK_OFFSET_SECONDS", "864000", 1);
    ::setenv("OUTPOST_HOME", "/nonexistent/outpost-home", 1);
    if (!stall_s.empty()) {
      ::execl(OUTPOST_SIM_PATH, OUTPOST_SIM_PATH, "--scenario", scenario.c_str(), "--out", out.c_str(), "--work-dir",
              work.c_str(), "--stall", stall_s.c_str(), static_cast<char*>(nullptr));
    }
    ::execl(OUTPOST_SIM_PATH, OUTPOST_SIM_PATH, "--scenario", scenario.c_str(), "--out", out.c_str(), "--work-dir",
            work.c_str(), static_cast<char*>(nullptr));
    return 97;
  });
}

// True if one process of the run has a command line with all of texts.
bool running(const TempDir& dir, std::initializer_list<std::string_view> texts) {
  for (pid_t pid : processes_mentioning((dir / "work").string())) {
    std::string cmdline = slurp("/proc/" + std::to_string(pid) + "/cmdline");
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    const auto has = [&](std::string_view t) { return cmdline.find(t) != std::string::npos; };
    if (std::all_of(texts.begin(), texts.end(), has)) return true;
  }
  return false;
}

// The short scenario once its field runs: the hub serves and a device
// command (`outpost --home ...`) is under way.
pid_t start_field(const TempDir& dir) {
  const pid_t sim = start_sim(dir, OUTPOST_SIM_SCENARIOS "/short.json");
  const auto limit = std::chrono::seconds(60);
  const auto poll = std::chrono::milliseconds(100);
  REQUIRE(eventually([&] { return running(dir, {"outpost-hub", " serve"}); }, limit, poll));
  REQUIRE(eventually([&] { return running(dir, {"/outpost --home "}); }, limit, poll));
  return sim;
}

bool none_left(const TempDir& dir) {
  return eventually([&] { return processes_mentioning((dir / "work").string()).empty(); }, std::chrono::seconds(10),
                    std::chrono::milliseconds(100));
}

}  // namespace

TEST_CASE("short scenario", "[sim][slow]") {
  TempDir dir;
  const pid_t sim = start_sim(dir, OUTPOST_SIM_SCENARIOS "/short.json");
  // A busy machine slows the run (the final phase waits on progress), never fails it.
  const int code = wait_child(sim, 840'000);
  INFO(slurp(dir / "sim.log"));
  // The notes say why a must figure broke (a hub's last words, say).
  if (code != 0 && fs::exists(dir / "out" / "report.md")) UNSCOPED_INFO(slurp(dir / "out" / "report.md"));
  REQUIRE(code == 0);
  const json r = json::parse(slurp(dir / "out" / "report.json"));
  CHECK(r["pass"] == true);
  CHECK(r["outcome"] == "pass");
  CHECK(r["incomplete"].empty());
  CHECK(r["final_phase"]["stopped_waiting"] == "");
  CHECK(r["final_phase"]["final_sync_failed"].empty());
  CHECK(r["must_violations"].empty());
  // The scenario's faults happened.
  CHECK(r["faults"]["hub_restarts"] == 1);
  CHECK(r["faults"]["clock_back_devices"] == 1);
  CHECK(r["faults"]["kills"].get<int>() >= 1);
  CHECK(r["faults"]["crashes"] == 0);
  CHECK(r["faults"]["errors"] == 0);
  CHECK(r["faults"]["hub_crashed"] == false);
  // Things were sent, and every acknowledged one arrived exactly once.
  for (const char* what : {"usage_events", "leads", "feedback_and_requests"}) {
    INFO(what);
    CHECK(r[what]["sent"].get<int>() > 0);
    CHECK(r[what]["received"] == r[what]["sent"]);
    CHECK(r[what]["undelivered"] == 0);
    CHECK(r[what]["lost"] == 0);
    CHECK(r[what]["duplicates"] == 0);
  }
  // The hub's lead book: one lead per visitor, every second scan a repeat visit.
  const json& book = r["lead_book"];
  CHECK(book["checked"] == true);
  CHECK(book["leads"].get<int>() >= book["visitors"].get<int>());
  CHECK(book["leads"].get<int>() <= book["visitors_possible"].get<int>());
  CHECK(book["repeat_scans"].get<int>() > 0);
  CHECK(book["repeat_recognised"] == book["repeat_scans"]);
  CHECK(r["gate"]["after_newer"] == 0);
  CHECK(r["gate"]["after_revocation"] == 0);
  CHECK(r["gate"]["after_expiry"] == 0);
  CHECK(r["gate"]["blocked"].get<int>() > 0);  // old versions were tried and refused
  // Every change reached every device (all come back online at the end).
  REQUIRE(r["propagation"].size() == 4);
  for (const json& p : r["propagation"]) CHECK(p["not_reached"] == 0);
  const std::string svg = slurp(dir / "out" / "timeline.svg");
  CHECK(svg.rfind("</svg>") != std::string::npos);
  CHECK(slurp(dir / "out" / "report.md").find("**PASS**") != std::string::npos);
  // No personal data in the report: the visitors' e-mails never appear.
  CHECK(slurp(dir / "out" / "report.md").find("@sim.example") == std::string::npos);
  CHECK(slurp(dir / "out" / "report.json").find("@sim.example") == std::string::npos);
  // The homes are gone, and so is every process of the run.
  CHECK(fs::is_empty(dir / "work"));
  CHECK(none_left(dir));
}

TEST_CASE("clocks set forward still deliver", "[sim][slow]") {
  // A kiosk and a rep 8 days ahead: before the fix their syncs stopped at
  // the catalog step and the kiosk's leads never left it.
  TempDir dir;
  const pid_t sim = start_sim(dir, OUTPOST_SIM_SCENARIOS "/clock-forward.json");
  const int code = wait_child(sim, 840'000);
  INFO(slurp(dir / "sim.log"));
  // The notes say why a must figure broke (a hub's last words, say).
  if (code != 0 && fs::exists(dir / "out" / "report.md")) UNSCOPED_INFO(slurp(dir / "out" / "report.md"));
  REQUIRE(code == 0);
  const json r = json::parse(slurp(dir / "out" / "report.json"));
  CHECK(r["faults"]["clock_forward_devices"] == 2);
  CHECK(r["leads"]["sent"].get<int>() > 0);
  CHECK(r["leads"]["received"] == r["leads"]["sent"]);
  CHECK(r["usage_events"]["received"] == r["usage_events"]["sent"]);
  CHECK(r["lead_book"]["leads"] == r["lead_book"]["visitors"]);
  CHECK(none_left(dir));
}

TEST_CASE("a hub down at the end leaves items undelivered (not lost) and exits 3", "[sim][slow]") {
  // No scheduled sync after the setup, then the hub stops for good: what
  // the devices acknowledged and did not deliver is still on them at the end.
  TempDir dir;
  const pid_t sim = start_sim(dir, OUTPOST_SIM_SCENARIOS "/hub-down-at-end.json", "5");
  const int code = wait_child(sim, 600'000);
  const std::string log = slurp(dir / "sim.log");
  INFO(log);
  REQUIRE(code == 3);
  const json r = json::parse(slurp(dir / "out" / "report.json"));
  CHECK(r["outcome"] == "incomplete");
  CHECK(r["pass"] == false);
  CHECK(r["must_violations"].empty());
  std::uint64_t undelivered = 0;
  for (const char* what : {"usage_events", "leads", "feedback_and_requests"}) {
    INFO(what);
    CHECK(r[what]["lost"] == 0);
    CHECK(r[what]["received"].get<int>() + r[what]["undelivered"].get<int>() == r[what]["sent"].get<int>());
    undelivered += r[what]["undelivered"].get<std::uint64_t>();
  }
  CHECK(undelivered > 0);
  CHECK(r["leads"]["undelivered"].get<int>() > 0);
  CHECK(r["final_phase"]["stopped_waiting"].get<std::string>().find("no sync succeeded for 5 s") == 0);
  CHECK(r["final_phase"]["final_sync_failed"].size() == 2);
  CHECK(log.find("UNDELIVERED: kiosk-1: its final sync did not succeed") != std::string::npos);
  CHECK(log.find("INCOMPLETE: report in") != std::string::npos);
  CHECK(slurp(dir / "out" / "report.md").find("**INCOMPLETE**") != std::string::npos);
  CHECK(none_left(dir));
}

TEST_CASE("an interrupted run stops with 130 and leaves no process or home behind", "[sim][slow]") {
  TempDir dir;
  const pid_t sim = start_field(dir);
  ::kill(sim, SIGTERM);
  const int code = wait_child(sim, 120'000);
  INFO(slurp(dir / "sim.log"));
  CHECK(code == 130);
  CHECK(none_left(dir));
  CHECK(fs::is_empty(dir / "work"));
}

TEST_CASE("a simulator killed with -9 takes its hub and devices with it", "[sim][slow]") {
  TempDir dir;
  const pid_t sim = start_field(dir);
  ::kill(sim, SIGKILL);
  CHECK(wait_child(sim, 10'000) == -SIGKILL);
  CHECK(none_left(dir));  // the parent-death signal: nothing outlives the simulator
}

TEST_CASE("the device clock hook moves only the device's own clock", "[sim][cli]") {
  TempDir dir;
  const fs::path home = dir / "home";
  const std::string day_back = "OUTPOST_CLOCK_OFFSET_SECONDS=-86400 '" OUTPOST_CLI_PATH "'";
  const auto now = std::chrono::system_clock::now();
  REQUIRE(run_cli(day_back, home, "init").code == 0);
  const CliOutput status = run_cli(day_back, home, "--json status");
  REQUIRE(status.code == 0);
  const std::string trusted = json::parse(status.out)["catalog"]["trusted_now"].get<std::string>();
  // A day back: yesterday's date (UTC) in the device's trusted time.
  const std::time_t yesterday = std::chrono::system_clock::to_time_t(now - std::chrono::hours(24));
  std::tm tm{};
  ::gmtime_r(&yesterday, &tm);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
  CHECK(trusted.substr(0, 10) == day);

  // A value that is not a whole number is refused with a warning, not used.
  const CliOutput soon = run_cli("OUTPOST_CLOCK_OFFSET_SECONDS=soon '" OUTPOST_CLI_PATH "'", home, "--json status");
  REQUIRE(soon.code == 0);
  CHECK(soon.err.find("ignoring OUTPOST_CLOCK_OFFSET_SECONDS='soon'") != std::string::npos);
}
