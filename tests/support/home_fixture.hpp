// A device home in a temp dir, with the test organisation's root pinned:
// for tests above the DeviceHome layer (device, kiosk).
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "org.hpp"
#include "outpost/device/home.hpp"
#include "outpost/storage/byte_source.hpp"

namespace outpost::test {

struct HomeFixture {
  // with_lead_key false: the organisation's trust list carries no lead key.
  explicit HomeFixture(std::uint64_t random_seed = 11, bool with_lead_key = true)
      : org(5, with_lead_key), random(random_seed) {
    home = create();
  }
  Org org;
  TempDir dir;
  SeededRandom random;
  ManualClock clock{SystemClock().now()};
  device::HomeOptions options = make_options();
  std::unique_ptr<device::DeviceHome> home;

  device::HomeOptions make_options() {
    device::HomeOptions o;
    o.root_key = org.root.public_key();
    return o;
  }

  std::unique_ptr<device::DeviceHome> open() {
    auto h = device::DeviceHome::open(dir / "home", clock, random, options);
    INFO(h.status().to_string());
    REQUIRE(h.is_ok());
    return std::move(h).value();
  }

  std::unique_ptr<device::DeviceHome> create() {
    REQUIRE(device::DeviceHome::init(dir / "home", random, options).is_ok());
    return open();
  }

  // Applies what the organisation published since the last call.
  void apply() {
    auto r = home->apply_catalog(org.delta());
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
  }

  void cache(const std::string& asset, std::uint64_t version, ByteView content) {
    storage::MemorySource source(content);
    auto r = home->cache().import({asset, version}, source);
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
  }
};

}  // namespace outpost::test
