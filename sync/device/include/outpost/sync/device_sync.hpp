// The device side of sync (docs/protocol.md §10): enrollment, and the sync
// engine that brings a DeviceHome up to date with its hub and delivers its
// journal.
//
// A session: hello (wipe if the hub asks) -> catalog delta (applied with
// every check of DeviceCatalog) -> journal push until acked (small and
// precious: leads go before bulk content) -> rep devices: the leads the hub
// assigned or withdrew since the last session -> recipes and chunks of the
// versions the device should hold, pinned and critical assets first, with a
// bounded number of bytes in flight. Everything already verified and stored
// stays, so a session cut at any point resumes where it stopped.
//
// The engine runs on a Boost.Asio io_context (one thread): its ZeroMQ
// sockets are watched through ZMQ_FD, which is edge-triggered, so every wake
// drains what is readable before waiting again. Every request has a timeout;
// the daemon reconnects with exponential backoff and jitter.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "outpost/device/home.hpp"
#include "outpost/sync/enroll_token.hpp"
#include "outpost/sync/transport.hpp"

namespace boost::asio {
class io_context;
}

namespace outpost::sync {

namespace fs = std::filesystem;

// What enrollment leaves in the home (<root>/link.json; no secrets: the
// transport key is derived from the master key).
struct DeviceLink {
  std::string device;
  std::string role;
  std::string sync_endpoint;
  std::string notice_endpoint;
  CurvePublicKey hub_key{};

  static fs::path path(const fs::path& root) { return root / "link.json"; }
  Status save(const fs::path& root) const;
  // not_found ("not enrolled: run outpost enroll TOKEN") when absent.
  static Result<DeviceLink> load(const fs::path& root);
};

CurveKeyPair transport_keys(const device::DeviceHome& home);

// Pins the token's root key, proves the token to the hub's enrollment
// endpoint with the device's transport key, and saves the link. io if the
// hub does not answer within timeout; permission if it refuses the token.
Result<DeviceLink> enroll(device::DeviceHome& home, const EnrollToken& token,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

struct SyncOptions {
  std::chrono::milliseconds request_timeout{10'000};
  std::size_t window_bytes = 16u << 20;  // chunk bytes requested and not yet received
  std::size_t request_bytes = 2u << 20;  // chunk bytes per chunk.get
  // Received chunks are stored (verified, encrypted, made durable) in
  // batches of about this many bytes: each store costs a few fsyncs, so
  // bigger batches sync less often, while ZeroMQ keeps receiving the rest
  // of the window meanwhile.
  std::size_t store_bytes = 8u << 20;
  std::size_t push_events = 512;         // events per journal.push
  std::size_t push_bytes = 256u << 10;   // payload bytes per journal.push
  // daemon
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30'000};
  std::chrono::milliseconds resync_interval{300'000};  // a session this often even without notices
};

struct SyncProgress {
  std::string phase;  // "hello", "catalog", "journal", "leads", "recipes", "chunks", "done"
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};
using SyncProgressFn = std::function<void(const SyncProgress&)>;

struct SyncReport {
  std::uint64_t catalog_from = 0;
  std::uint64_t catalog_to = 0;
  std::size_t releases = 0;     // new releases applied
  std::size_t revocations = 0;  // new revocations applied
  std::size_t versions_fetched = 0;
  std::size_t chunks_fetched = 0;
  std::uint64_t bytes_fetched = 0;  // chunk bytes received
  std::uint64_t events_pushed = 0;  // events the hub newly acknowledged
  std::uint64_t journal_acked = 0;
  // Set when the hub held this journal differently, or further, than the
  // device (restored from a copy, or cloned): the journal continues under a
  // new id after this seq, and these events were kept for it.
  std::optional<std::uint64_t> journal_forked_at;
  std::uint64_t journal_events_continued = 0;
  // Rep devices: lead deliveries applied (assignments stored, withdrawals
  // deleted) and assignments kept out because this device's key does not
  // open them (the hub sealed to another key: its lead book must resend).
  std::size_t leads_assigned = 0;
  std::size_t leads_withdrawn = 0;
  std::size_t leads_unreadable = 0;
  bool wiped = false;  // the hub asked; the home is destroyed
  std::uint64_t wire_bytes_sent = 0;      // every frame of the session, both ways
  std::uint64_t wire_bytes_received = 0;  // (ZeroMQ and CURVE framing not counted)
};

class SyncEngine {
 public:
  SyncEngine(boost::asio::io_context& io, device::DeviceHome& home, DeviceLink link, Random& random,
             SyncOptions options = {});
  ~SyncEngine();
  SyncEngine(const SyncEngine&) = delete;
  SyncEngine& operator=(const SyncEngine&) = delete;

  void set_progress(SyncProgressFn progress);

  // One session; done is called on the io_context's thread.
  void run_once(std::function<void(Result<SyncReport>)> done);

  // Stays connected: a session at start, on each catalog notice that is
  // ahead of the device, and every resync_interval; after a failure, again
  // after a backoff. on_session sees every outcome. Runs until stop().
  void run_daemon(std::function<void(const Result<SyncReport>&)> on_session);

  // Ends the daemon or the session in hand (it completes with io, "stopped").
  void stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// The daemon on a private io_context until stop becomes true (checked a few
// times a second; a signal handler may set it) or the device is wiped.
Status run_daemon(device::DeviceHome& home, const DeviceLink& link, Random& random, const SyncOptions& options,
                  const std::function<void(const Result<SyncReport>&)>& on_session, const std::atomic<bool>& stop);

// One session on a private io_context (the CLI's `outpost sync`).
Result<SyncReport> sync_once(device::DeviceHome& home, const DeviceLink& link, Random& random,
                             const SyncOptions& options = {}, SyncProgressFn progress = {});

}  // namespace outpost::sync
