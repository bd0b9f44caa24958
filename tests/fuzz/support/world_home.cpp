#include "world_home.hpp"

#include "outpost/storage/byte_source.hpp"
#include "support/world_catalog.hpp"

namespace outpost::fuzz {

namespace fs = std::filesystem;

const Clock& world_clock() {
  static const ManualClock clock(world().now);
  return clock;
}

device::HomeOptions world_home_options() {
  device::HomeOptions options;
  options.root_key = world().root.public_key();
  options.journal.background_flush = false;  // no flusher thread per home: flushes happen on durable appends
  return options;
}

namespace {

std::unique_ptr<device::DeviceHome> open(const fs::path& dir, Random& random) {
  auto home = device::DeviceHome::open(dir, world_clock(), random, world_home_options());
  OUTPOST_FUZZ_CHECK_MSG(home.is_ok(), home.status().to_string());
  return std::move(home).value();
}

}  // namespace

std::unique_ptr<device::DeviceHome> fresh_home(const fs::path& dir, Random& random) {
  static const fs::path made = [] {
    const fs::path t = scratch() / "template-home";
    FixedRandom r(3);
    const Status s = device::DeviceHome::init(t, r, world_home_options());
    OUTPOST_FUZZ_CHECK_MSG(s.is_ok(), s.to_string());
    return t;
  }();
  fs::copy(made, dir, fs::copy_options::recursive);
  return open(dir, random);
}

std::unique_ptr<device::DeviceHome> stocked_home(const fs::path& dir, Random& random) {
  std::unique_ptr<device::DeviceHome> home = fresh_home(dir, random);
  const Result<catalog::ApplyReport> applied = home->apply_catalog(world_delta());
  OUTPOST_FUZZ_CHECK_MSG(applied.is_ok(), applied.status().to_string());
  for (const Content& c : world_contents()) {
    storage::MemorySource source(c.bytes);
    const auto imported = home->cache().import({c.asset, c.version}, source);
    OUTPOST_FUZZ_CHECK_MSG(imported.is_ok(), imported.status().to_string());
  }
  return home;
}

}  // namespace outpost::fuzz
