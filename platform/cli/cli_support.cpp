#include "cli_support.hpp"

#include <cstdlib>
#include <fstream>

namespace outpost::cli {

std::string Context::passphrase() const {
  if (!passphrase_file.empty()) {
    std::ifstream in(passphrase_file);
    if (!in) fail({Errc::not_found, "cannot read passphrase file " + passphrase_file});
    std::string line;
    std::getline(in, line);
    return line;
  }
  if (const char* env = std::getenv("OUTPOST_PASSPHRASE")) return env;
  return {};
}

device::HomeOptions Context::home_options() const {
  device::HomeOptions options;
  options.passphrase = passphrase();
  return options;
}

std::unique_ptr<device::DeviceHome> Context::open_home() {
  return take(device::DeviceHome::open(home, clock, random, home_options()));
}

}  // namespace outpost::cli
