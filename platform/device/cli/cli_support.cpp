#include "cli_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "outpost/base/guard.hpp"
#include "outpost/storage/file_io.hpp"

namespace outpost::cli {

DeviceClock::DeviceClock() {
  const char* env = std::getenv("OUTPOST_CLOCK_OFFSET_SECONDS");
  if (env == nullptr || *env == '\0') return;
  std::int64_t seconds = 0;
  const char* end = env + std::strlen(env);
  const auto [stop, ec] = std::from_chars(env, end, seconds);
  if (ec != std::errc() || stop != end) {
    std::cerr << "outpost: ignoring OUTPOST_CLOCK_OFFSET_SECONDS='" << env << "' (not a whole number of seconds)\n";
    return;
  }
  offset_ = std::chrono::seconds(seconds);
}

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

Context::Context() : Output("outpost") {
  explain = [this](const Status& status) { return explain_failure(status); };
}

Status Context::explain_failure(const Status& status) const {
  if (status.code() != Errc::corrupt || status.message().find(home) != std::string::npos) return status;
  Status damaged = device::DeviceHome::check_databases(home);
  if (damaged) return status;
  return Status(damaged.code(), damaged.message() + " [" + status.message() + "]");
}

using nlohmann::json;

void report_decision(const Context& ctx, const gate::Decision& d) {
  if (!d.allowed) {
    if (ctx.json) std::cout << decision_json(d).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    std::cerr << ctx.program << ": blocked (" << gate::reason_name(*d.reason) << "): " << d.message << "\n";
    throw Exit{exit_blocked};
  }
  if (d.in_grace || d.update_pending) std::cerr << ctx.program << ": note: " << d.message << "\n";
}

void write_content(const Context& ctx, cache::AssetReader& reader, const std::string& out) {
  storage::UniqueFd fd;
  if (!out.empty()) {
    fd = ctx.take(guarded([&]() -> Result<storage::UniqueFd> {
      return storage::open_file(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }));
  }
  const int target = out.empty() ? STDOUT_FILENO : fd.get();
  Bytes buffer(1024 * 1024);
  reader.seek(0);
  while (true) {
    const std::size_t n = ctx.take(reader.read(buffer));
    if (n == 0) break;
    ctx.check(guarded([&]() -> Status {
      storage::write_all(target, ByteView(buffer).first(n), out.empty() ? "standard output" : out);
      return Status::ok();
    }));
  }
}

}  // namespace outpost::cli
