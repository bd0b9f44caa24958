// The hub server (docs/protocol.md §10). Threads, all on one ZeroMQ context:
//   ZAP       admits CURVE clients per endpoint (registered, non-revoked
//             device keys on sync and notices; on enroll only the enrollment
//             keys of tokens this hub issued; on publish
//             only registered publishers, by the Curve25519 form of their
//             signing key on the current trust list)
//   front     owns the three ROUTER sockets; checks every message with
//             decode() (garbage is answered or dropped here, never passed on),
//             refuses requests before hello, and routes: reads to the
//             workers, writes to the writer, over inproc PUSH sockets; sends
//             the replies with ROUTER_MANDATORY and DONTWAIT, so a vanished
//             or stalled device costs a dropped reply, never a blocked hub
//   workers   catalog deltas, recipes, chunk reads (each its own store)
//   writer    enrollment, hello, journal ingest, wipe, publisher uploads:
//             drains what is queued and commits it in one transaction (group
//             commit), then replies; announces new catalog seqs on the PUB
//             socket
// The hub's catalog lives in memory (a CatalogAuthority rebuilt from the
// store at start), shared by the writer (exclusive) and workers (shared).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>

#include "outpost/base/clock.hpp"
#include "outpost/base/log.hpp"
#include "outpost/base/random.hpp"
#include "outpost/hub/hub_store.hpp"

namespace outpost::hub {

struct HubOptions {
  std::optional<sync::HubAddress> bind;  // default: the address saved at init
  std::size_t workers = 2;
  std::size_t write_batch = 64;                    // most requests one commit carries
  std::chrono::seconds timestamp_lifetime{3600};   // of catalog timestamps sent to devices
  std::size_t max_sessions = 100'000;              // routing ids remembered as having said hello
  // Where the hub logs start and stop, each device session, refusals with
  // their reason and errors. Not owned; must outlive the hub. Null: nothing.
  Logger* logger = nullptr;
};

struct HubCounters {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> refused{0};       // malformed, out of order, unknown type
  std::atomic<std::uint64_t> dropped_replies{0};  // the peer was gone or not reading
  std::atomic<std::uint64_t> chunks_sent{0};
  std::atomic<std::uint64_t> events_ingested{0};
  std::atomic<std::uint64_t> commits{0};
};

class Hub {
 public:
  // Opens the hub home, binds every endpoint and starts the threads.
  // not_found if the home holds no hub; busy if a port is taken.
  static Result<std::unique_ptr<Hub>> start(const std::filesystem::path& home, const Clock& clock, Random& random,
                                            HubOptions options = {});
  ~Hub();  // stop()
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Stops accepting, finishes what is in hand, joins the threads. Idempotent.
  void stop();

  const sync::HubAddress& address() const noexcept;
  const sync::CurvePublicKey& curve_key() const noexcept;
  const HubCounters& counters() const noexcept;

  struct Impl;

 private:
  explicit Hub(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::hub
