// A real hub on 127.0.0.1 (ports the test picks) in a temp home, with a
// registered publisher, and device homes enrolled against it: for tests of
// the sync layer end to end over real CURVE sockets.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "outpost/cache/content_digest.hpp"
#include "outpost/device/home.hpp"
#include "outpost/sync/device_sync.hpp"
#include "outpost/hub/hub.hpp"
#include "outpost/hub/hub_admin.hpp"
#include "outpost/sync/publisher.hpp"
#include "test_support.hpp"

namespace outpost::test {

using namespace std::chrono_literals;

struct HubFixture {
  TempDir dir;
  SeededRandom random{77};
  SystemClock clock;
  fs::path hub_home = dir / "hub";
  sync::HubAddress address{"127.0.0.1", pick_ports()};
  crypto::SigningKey publisher_key = crypto::SigningKey::generate(random);
  std::unique_ptr<hub::Hub> hub;

  explicit HubFixture(bool start_hub = true) {
    must(hub::HubAdmin::init(hub_home, random, clock, address));
    must(admin()->add_publisher("marketing", publisher_key.public_key()));
    if (start_hub) start();
  }

  std::unique_ptr<hub::HubAdmin> admin() { return must(hub::HubAdmin::open(hub_home, random, clock)); }

  void start(hub::HubOptions options = {}) { hub = must(hub::Hub::start(hub_home, clock, random, options)); }
  void stop() { hub.reset(); }

  sync::ParsedHubAddress hub_address() {
    auto a = admin();
    return {address, a->keys().curve.public_key()};
  }

  catalog::Release release(const std::string& asset, std::uint64_t version, const std::string& kind = "pdf") {
    catalog::Release r;
    r.asset = asset;
    r.version = version;
    r.title = "Title of " + asset;
    r.kind = kind;
    r.valid_from = clock.now() - 1h;
    r.published_at = clock.now();
    return r;
  }

  sync::PublishReport publish(const std::string& asset, std::uint64_t version, ByteView content) {
    sync::PublisherClient client(hub_address(), publisher_key);
    return must(client.publish(content, release(asset, version), publisher_key));
  }

  std::uint64_t revoke(const std::string& asset, std::uint64_t version) {
    sync::PublisherClient client(hub_address(), publisher_key);
    catalog::Revocation r{asset, version, "withdrawn by test", clock.now()};
    return must(client.revoke(r, publisher_key));
  }

  // For a device daemon past its first session, whose resync timer is far
  // off: publishes small "probe" releases until one brings a session
  // (counted in sessions). A SUB's subscription reaches the hub only some
  // time after it connects, and a notice sent before is lost; from here on
  // the daemon hears every notice.
  bool daemon_hears_notices(const std::atomic<int>& sessions) {
    return eventually([&] {
      const int seen = sessions;
      ++probes;
      publish("probe", probes, random_bytes(1000, probes));
      return eventually([&] { return sessions > seen; }, 2s);
    });
  }
  std::uint64_t probes = 0;

  // An enrolled device in its own home.
  struct Device {
    fs::path root;
    std::unique_ptr<device::DeviceHome> home;
    sync::DeviceLink link;
  };

  std::unique_ptr<device::DeviceHome> open_home(const fs::path& root) {
    return must(device::DeviceHome::open(root, clock, random, {}));
  }

  Device device(const std::string& name, const std::string& role = "rep") {
    Device d;
    d.root = dir / ("device-" + name);
    must(device::DeviceHome::init(d.root, random, {}));
    d.home = open_home(d.root);
    const sync::EnrollToken token = must(admin()->enroll_token(name, role));
    d.link = must(sync::enroll(*d.home, must(sync::EnrollToken::parse(token.encode()))));
    return d;
  }

  Result<sync::SyncReport> sync(Device& d, sync::SyncOptions options = {}) {
    return sync::sync_once(*d.home, d.link, random, options);
  }
};

inline Bytes read_all(cache::AssetReader& reader) {
  Bytes out(reader.size());
  std::size_t at = 0;
  while (at < out.size()) {
    auto n = reader.read_at(at, MutableByteView(out).subspan(at));
    REQUIRE(n.is_ok());
    REQUIRE(*n > 0);
    at += *n;
  }
  return out;
}

// The chunks of content stored in the hub's blob store as the writer stores
// an upload; the recipe that names them.
inline cache::Recipe store_content(hub::HubStore& store, ByteView content) {
  const cache::Recipe recipe = cache::make_recipe(content);
  std::vector<cache::ChunkId> ids;
  std::vector<Bytes> chunks;
  for (const auto& e : recipe.entries) {
    ids.push_back(e.id);
    chunks.emplace_back(content.begin() + static_cast<std::ptrdiff_t>(e.offset),
                        content.begin() + static_cast<std::ptrdiff_t>(e.offset + e.size));
  }
  (void)must(store.store_chunks(ids, chunks));
  return recipe;
}

}  // namespace outpost::test
