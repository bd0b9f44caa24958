// The device web server: the kiosk lead form and the presenter's JSON API,
// served on 127.0.0.1 over HTTP/1.1 (Boost.Beast; see platform/device/web/README.md
// for the routes and the security measures).
//
// Threading: one io_context thread - the one that calls run() - owns the
// DeviceHome while the server runs: every request handler, and the
// optional background sync engine, touch the home on that thread only.
// stop() and call() may be used from any other thread. The server borrows
// home, clock and random, which must outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/device/home.hpp"
#include "outpost/sync/device_sync.hpp"

namespace outpost::web {

struct ServerOptions {
  std::uint16_t port = 0;  // 0: a free port the system picks (see Server::port())
  std::string form;        // the kiosk's form asset; empty: the newest form in the catalog
  std::string staff_pin;   // empty: no staff view
  std::size_t body_limit = 64u << 10;
  std::size_t header_limit = 8u << 10;
  std::chrono::milliseconds idle_timeout{30'000};
  // Set when the device is enrolled and should sync in the background.
  std::optional<sync::DeviceLink> sync_link;
  sync::SyncOptions sync;
};

class Server {
 public:
  // Binds 127.0.0.1:port (io when the port is taken). Nothing is served
  // until run().
  static Result<std::unique_ptr<Server>> create(device::DeviceHome& home, const Clock& clock, Random& random,
                                                ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const noexcept;

  // Serves (and syncs) on the calling thread until stop().
  void run();
  // Any thread: ends run() soon; connections in progress are closed.
  void stop();
  // Runs fn on the server's thread and waits for it (while run() is
  // running, from another thread): to look at the home safely.
  void call(const std::function<void()>& fn);

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::web
