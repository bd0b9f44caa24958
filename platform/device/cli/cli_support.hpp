// Shared plumbing of the device CLI: the global options and opening the home.
// Reporting (text or --json), sizes and progress bars come from Output and
// outpost/cli/text.hpp. Used from the main thread only.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "outpost/cache/asset_reader.hpp"
#include "outpost/catalog/records.hpp"
#include "outpost/cli/output.hpp"
#include "outpost/cli/text.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/device/home.hpp"
#include "outpost/shell/json.hpp"

namespace outpost::cli {

// The system clock, moved by $OUTPOST_CLOCK_OFFSET_SECONDS (a signed whole
// number) when it is set: a test hook, so the field simulator can set one
// device's clock back a day without touching the machine's clock. It moves
// only this process's own clock, which the gate already distrusts (trusted
// time never goes back; docs/security.md).
class DeviceClock final : public Clock {
 public:
  DeviceClock();
  TimePoint now() const override { return system_.now() + offset_; }

 private:
  SystemClock system_;
  std::chrono::seconds offset_{0};
};

struct Context : Output {
  Context();
  Context(const Context&) = delete;  // explain points back at this one
  Context& operator=(const Context&) = delete;

  std::string home;  // the device home directory
  std::string passphrase_file;
  DeviceClock clock;
  SystemRandom random;

  // The passphrase from --passphrase-file or $OUTPOST_PASSPHRASE, or empty.
  std::string passphrase() const;
  device::HomeOptions home_options() const;
  // Opens the home or exits with the error.
  std::unique_ptr<device::DeviceHome> open_home();
  // A damaged page SQLite found without naming its file: the home's
  // database it is in, and how to recover (Output::explain).
  Status explain_failure(const Status& status) const;
};

// The exit code of a command the version gate refused (open, present).
inline constexpr int exit_blocked = 3;

// The JSON documents every shell shows (decisions, releases, status, ...).
using namespace shell;

// When the gate refused: prints the decision (--json) and the reason on
// stderr, and exits with exit_blocked. When allowed with a notice (grace,
// update pending), prints the notice on stderr.
void report_decision(const Context& ctx, const gate::Decision& decision);

// Writes everything the reader holds to the file out, or to standard output
// when out is empty.
void write_content(const Context& ctx, cache::AssetReader& reader, const std::string& out);

}  // namespace outpost::cli
