// Shared plumbing of the device CLI: the global options and opening the home.
// Reporting (text or --json), sizes and progress bars come from Output and
// outpost/cli/text.hpp. Used from the main thread only.
#pragma once

#include <memory>
#include <string>

#include "outpost/cli/output.hpp"
#include "outpost/cli/text.hpp"
#include "outpost/core/clock.hpp"
#include "outpost/core/random.hpp"
#include "outpost/device/home.hpp"

namespace outpost::cli {

struct Context : Output {
  Context() : Output("outpost") {}

  std::string home;  // the device home directory
  std::string passphrase_file;
  SystemClock clock;
  SystemRandom random;

  // The passphrase from --passphrase-file or $OUTPOST_PASSPHRASE, or empty.
  std::string passphrase() const;
  device::HomeOptions home_options() const;
  // Opens the home or exits with the error.
  std::unique_ptr<device::DeviceHome> open_home();
};

}  // namespace outpost::cli
