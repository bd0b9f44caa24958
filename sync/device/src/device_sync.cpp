// The device sync engine: C++20 coroutines on Boost.Asio, ZeroMQ sockets
// watched through ZMQ_FD. (Asio is heavy to compile: it stays in this file.)
//
// GCC 12 destroys some temporaries of a co_await full-expression twice
// (GCC bug 107288 and kin): every request is built into a named local
// before it is awaited, and no co_await takes a temporary object.
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "outpost/catalog/delta.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/sync/device_sync.hpp"
#include "outpost/sync/messages.hpp"

namespace outpost::sync {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// A ZeroMQ socket whose readiness Asio watches. ZMQ_FD signals that the
// socket's state may have changed, edge-triggered: so recv() always tries a
// non-blocking read first and waits on the descriptor only when nothing is
// there, and every wake is followed by another read attempt.
class AsyncSocket {
 public:
  AsyncSocket(asio::io_context& io, zmq::context_t& context, zmq::socket_type type)
      : socket(context, type), fd_(io, socket.get(zmq::sockopt::fd)) {}
  ~AsyncSocket() { (void)fd_.release(); }  // the descriptor is ZeroMQ's
  AsyncSocket(const AsyncSocket&) = delete;
  AsyncSocket& operator=(const AsyncSocket&) = delete;

  // A message, or nullopt at the deadline or when stopped.
  awaitable<std::optional<std::vector<Bytes>>> recv(Steady::time_point deadline, const bool& stopped) {
    while (!stopped) {
      if (auto frames = recv_frames(socket, zmq::recv_flags::dontwait)) co_return frames;
      if (Steady::now() >= deadline) break;
      asio::steady_timer timer(fd_.get_executor(), deadline);
      timer.async_wait([fd = &fd_](boost::system::error_code ec) {
        if (!ec) fd->cancel();
      });
      boost::system::error_code ec;
      co_await fd_.async_wait(asio::posix::stream_descriptor::wait_read, asio::redirect_error(use_awaitable, ec));
      timer.cancel();
    }
    co_return std::nullopt;
  }

  void cancel() {
    boost::system::error_code ignored;
    fd_.cancel(ignored);
  }

  zmq::socket_t socket;

 private:
  asio::posix::stream_descriptor fd_;
};

Status stopped_status() { return {Errc::io, "sync stopped"}; }

}  // namespace

struct SyncEngine::Impl : std::enable_shared_from_this<SyncEngine::Impl> {
  Impl(asio::io_context& i, device::DeviceHome& h, DeviceLink l, Random& r, SyncOptions o)
      : io(i), home(h), link(std::move(l)), random(r), options(o), keys(transport_keys(h)), wake(i) {}

  asio::io_context& io;
  device::DeviceHome& home;
  DeviceLink link;
  Random& random;
  SyncOptions options;
  CurveKeyPair keys;
  zmq::context_t context;
  SyncProgressFn progress;
  bool stopped = false;
  bool notice_pending = false;
  asio::steady_timer wake;
  std::set<AsyncSocket*> live;  // sockets to cancel on stop()
  std::uint64_t next_id = 1;

  void report_progress(const std::string& phase, std::uint64_t done, std::uint64_t total) {
    if (progress) progress({phase, done, total});
  }

  // ---- request/reply over one DEALER

  struct Session {
    Impl& engine;
    AsyncSocket socket;
    HandshakeMonitor monitor;  // tells a refused key from a hub that is not there
    SyncReport report;
    explicit Session(Impl& e)
        : engine(e), socket(e.io, e.context, zmq::socket_type::dealer), monitor(e.context, socket.socket) {
      engine.live.insert(&socket);
    }
    ~Session() { engine.live.erase(&socket); }

    Status send(const Envelope& e) {
      const std::vector<Bytes> frames = encode(e);
      if (!send_frames(socket.socket, frames)) {
        return {Errc::io, "cannot queue a request to the hub (its queue is full)"};
      }
      for (const Bytes& f : frames) report.wire_bytes_sent += f.size();
      return {};
    }

    // The next well-formed reply; io at the deadline.
    awaitable<Result<Envelope>> next_reply() {
      const auto deadline = Steady::now() + engine.options.request_timeout;
      while (true) {
        auto frames = co_await socket.recv(deadline, engine.stopped);
        if (engine.stopped) co_return stopped_status();
        if (!frames && monitor.refused()) {
          co_return Status(Errc::permission, "the hub refused this device's key (revoked, or not enrolled with "
                                             "this hub): ask the hub admin");
        }
        if (!frames) {
          co_return Status(Errc::io, "the hub at " + engine.link.sync_endpoint + " did not answer within " +
                                         std::to_string(engine.options.request_timeout.count() / 1000) +
                                         " s (offline, or the hub is down)");
        }
        for (const Bytes& f : *frames) report.wire_bytes_received += f.size();
        auto envelope = decode(std::move(*frames));
        if (envelope) co_return std::move(*envelope);
        // Not a message we can read: skip it and keep waiting.
      }
    }

    template <typename M>
    awaitable<Result<M>> call(const Envelope& request) {
      if (Status s = send(request); !s) co_return s;
      while (true) {
        Result<Envelope> reply = co_await next_reply();
        if (!reply) co_return reply.status();
        if (reply->id != request.id) continue;  // a late reply to an earlier, abandoned request
        co_return msg::expect<M>(*reply);
      }
    }
  };

  // ---- one session

  awaitable<Result<SyncReport>> session() {
    Session s(*this);
    make_curve_client(s.socket.socket, keys, link.hub_key);
    s.socket.socket.connect(link.sync_endpoint);

    report_progress("hello", 0, 0);
    journal::Journal& journal = home.journal();
    const std::uint64_t local_seq = home.catalog().status().seq;
    msg::Hello hello{journal.id(), local_seq, journal.head().seq, std::nullopt};
    const bool rep = link.role == "rep";
    if (rep) hello.lead_box = home.assigned_leads().lead_box().bytes;
    const Envelope hello_request = hello.to_envelope(next_id++);
    auto ok = co_await s.call<msg::HelloOk>(hello_request);
    if (!ok) co_return ok.status();
    journal.observe(journal::HlcTime::from(ok->hub_time_ms, 0));
    // The live session's hub time: trusted time follows it (a device clock
    // set forward would otherwise make every fresh timestamp look expired).
    if (ok->hub_time_ms > 0) {
      if (Status st = home.catalog().observe_hub_time(from_unix_ms(ok->hub_time_ms)); !st) co_return st;
    }

    if (ok->wipe) co_return co_await wipe(s);

    report_progress("catalog", 0, 0);
    const Envelope catalog_request = msg::CatalogGet{local_seq}.to_envelope(next_id++);
    auto delta_msg = co_await s.call<msg::CatalogDeltaMsg>(catalog_request);
    if (!delta_msg) co_return delta_msg.status();
    // A catalog the device refuses (a check failed) stops the content, not
    // the journal: leads and usage still reach the hub, and the session then
    // fails with the catalog's reason.
    Status catalog_refused;
    auto delta = catalog::CatalogDelta::decode(delta_msg->delta);
    auto applied = delta ? home.apply_catalog(*delta) : Result<catalog::ApplyReport>(delta.status());
    if (!applied && applied.status().code() == Errc::integrity && local_seq > 0) {
      // What the device holds does not chain onto the hub's catalog (its
      // history differs): the whole catalog, checked from the root again,
      // rebuilds it, provided it keeps every release and revocation held.
      const Envelope whole_request = msg::CatalogGet{0}.to_envelope(next_id++);
      auto whole_msg = co_await s.call<msg::CatalogDeltaMsg>(whole_request);
      if (!whole_msg) co_return whole_msg.status();
      auto whole = catalog::CatalogDelta::decode(whole_msg->delta);
      if (whole) {
        auto rebuilt = home.apply_catalog(*whole, catalog::DeviceCatalog::ApplyMode::rebuild);
        if (rebuilt) applied = std::move(rebuilt);
      }
    }
    if (!applied) {
      catalog_refused = applied.status();
    } else {
      s.report.catalog_from = applied->from_seq;
      s.report.catalog_to = applied->to_seq;
      s.report.releases = applied->releases;
      s.report.revocations = applied->revocations;
    }

    if (Status st = co_await push_journal(s, *ok); !st) co_return st;
    if (rep) {
      if (Status st = co_await fetch_leads(s); !st) co_return st;
    }
    if (!catalog_refused) co_return catalog_refused;
    if (Status st = co_await fetch_content(s); !st) co_return st;
    // Tells the hub what the device now holds (its adoption records).
    const Envelope done =
        msg::SessionDone{home.catalog().status().seq, msg::complete_holdings(home.cache().list())}.to_envelope(next_id++);
    if (s.send(done)) (void)co_await s.next_reply();
    report_progress("done", 1, 1);
    co_return s.report;
  }

  Status fork_journal(Session& s, std::uint64_t seq) {
    const std::uint64_t kept = home.journal().stats().stored_seq - seq;
    if (Status st = home.journal().fork(seq); !st) return st;
    s.report.journal_forked_at = seq;
    s.report.journal_events_continued = kept;
    return Status::ok();
  }

  // A session whose failures, thrown or returned, all come back as a Status.
  awaitable<Result<SyncReport>> guarded_session() {
    try {
      co_return co_await session();
    } catch (...) {
      co_return status_from_current_exception();
    }
  }

  awaitable<Result<SyncReport>> wipe(Session& s) {
    if (Status st = home.destroy(); !st) co_return st;
    s.report.wiped = true;
    // Best effort: the hub learns of it now, or sees the device never return.
    Envelope done;
    done.type = "wipe.done";
    done.id = next_id++;
    if (s.send(done)) (void)co_await s.next_reply();
    co_return s.report;
  }

  // Delivers the journal, exactly once. The device takes the hub's word
  // that it holds more than the device knows it delivered (a lost ack) only
  // when the hub's hash of that event is the device's own. Otherwise it
  // resends from what it knows was delivered; the hub compares every resent
  // event with the one it holds, and where they differ, or where the hub
  // holds more than the device has at all, the device was restored from a
  // copy or cloned: its later events continue in a new journal chained to
  // the old one at the last event they share (Journal::fork), so nothing is
  // dropped as a "duplicate" and nothing is delivered twice.
  awaitable<Status> push_journal(Session& s, const msg::HelloOk& hello) {
    journal::Journal& journal = home.journal();
    if (Status st = journal.flush(); !st) co_return st;
    const journal::JournalStats stats = journal.stats();
    std::uint64_t hub_head = hello.journal_acked;
    if (hub_head > stats.acked_seq && hub_head <= stats.stored_seq && hello.journal_acked_hash) {
      auto mine = journal.link_at(hub_head);
      if (mine && mine->hash == *hello.journal_acked_hash) {
        if (Status st = journal.mark_acked(hub_head); !st) co_return st;
      }
    }
    const auto parent = journal.parent();
    // Resend from what the hub is known to hold identically (less, if the
    // hub lost events: it was restored from a backup).
    std::uint64_t acked = std::min(hub_head, journal.stats().acked_seq);
    if (parent && acked < parent->seq) acked = parent->seq;  // a new journal id the hub may not know yet
    const std::uint64_t start = acked;
    const std::uint64_t total = stats.stored_seq > acked ? stats.stored_seq - acked : 0;
    while (true) {
      report_progress("journal", acked - start, total);
      auto events = journal.read_after(acked, options.push_events, options.push_bytes);
      if (!events) co_return events.status();
      if (events->empty()) break;
      const std::uint64_t last = events->back().seq;
      msg::JournalPush push{journal.id(), std::move(*events), journal.parent()};
      const Envelope push_request = push.to_envelope(next_id++);
      auto ack = co_await s.call<msg::JournalAck>(push_request);
      if (!ack) co_return ack.status();
      if (ack->diverged_at) {
        if (*ack->diverged_at == 0 || *ack->diverged_at <= acked) {
          co_return Status(Errc::integrity, "the hub reports the journal diverged at event " +
                                                std::to_string(*ack->diverged_at) + ", which it had acknowledged");
        }
        if (Status st = fork_journal(s, *ack->diverged_at - 1); !st) co_return st;
        acked = *ack->diverged_at - 1;
        hub_head = acked;
        continue;
      }
      if (ack->acked_seq < last) {
        co_return Status(Errc::integrity, "the hub acknowledged the journal only up to event " +
                                              std::to_string(ack->acked_seq) + " of " + std::to_string(last));
      }
      if (Status st = journal.mark_acked(last); !st) co_return st;
      s.report.events_pushed += last > hub_head ? last - std::max(acked, hub_head) : 0;
      hub_head = std::max(hub_head, ack->acked_seq);
      acked = last;
    }
    if (hub_head > acked) {
      // The hub holds more of this journal than the device has: new events
      // would reuse seqs it holds. Continue in a new journal from here.
      if (Status st = fork_journal(s, acked); !st) co_return st;
    }
    s.report.journal_acked = acked;
    co_return Status::ok();
  }

  // The lead deliveries after the stored cursor, batch by batch until the
  // hub has no more; each batch is applied, cursor included, in one
  // transaction, so a session cut anywhere loses and repeats nothing.
  awaitable<Status> fetch_leads(Session& s) {
    leads::AssignedLeads& store = home.assigned_leads();
    report_progress("leads", 0, 0);
    for (std::size_t round = 0;; ++round) {
      const std::uint64_t after = store.cursor();
      const Envelope get = msg::LeadsGet{after}.to_envelope(next_id++);
      auto batch = co_await s.call<msg::LeadsBatch>(get);
      // A hub from before the lead loop: no deliveries, the rest of the session goes on.
      if (!batch && batch.status().code() == Errc::unsupported) break;
      if (!batch) co_return batch.status();
      if (!batch->items.empty() && batch->items.front().seq != after + 1) {
        co_return Status(Errc::integrity, "the hub sent lead deliveries from seq " +
                                              std::to_string(batch->items.front().seq) + " when asked for those after " +
                                              std::to_string(after));
      }
      auto applied = store.apply(batch->items);
      if (!applied) co_return applied.status();
      s.report.leads_assigned += applied->assigned;
      s.report.leads_withdrawn += applied->withdrawn;
      s.report.leads_unreadable += applied->unreadable;
      report_progress("leads", round + 1, 0);
      if (!batch->more) break;
    }
    co_return Status::ok();
  }

  // The newest release of every asset the device should hold, pinned
  // assets first, then critical ones.
  std::vector<catalog::Release> wanted() {
    std::unordered_set<std::string> pinned;
    for (const cache::VersionInfo& v : home.cache().list()) {
      if (v.pinned) pinned.insert(v.ref.asset);
    }
    for (std::string& asset : home.cache().pinned_assets()) pinned.insert(std::move(asset));
    const TimePoint now = home.catalog().trusted_now();
    std::vector<catalog::Release> out;
    for (catalog::Release& r : home.catalog().latest_releases()) {
      const cache::VersionRef ref{r.asset, r.version};
      if (r.download != catalog::DownloadPolicy::automatic && !pinned.contains(r.asset)) continue;
      if (home.catalog().is_revoked(ref) || (r.expires_at && *r.expires_at <= now)) continue;
      if (auto p = home.cache().presence(ref); p && p->complete) continue;
      out.push_back(std::move(r));
    }
    auto rank = [&](const catalog::Release& r) { return pinned.contains(r.asset) ? 0 : r.criticality != "general" ? 1 : 2; };
    std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    return out;
  }

  awaitable<Status> fetch_content(Session& s) {
    cache::AssetCache& cache = home.cache();
    const std::vector<catalog::Release> versions = wanted();
    std::deque<cache::ChunkSpec> queue;
    std::unordered_set<cache::ChunkId> queued;
    std::uint64_t total = 0;
    // The newest cached version of each asset: the base of its recipe delta.
    std::unordered_map<std::string, std::uint64_t> newest_cached;
    for (const cache::VersionInfo& v : cache.list()) {
      std::uint64_t& newest = newest_cached[v.ref.asset];
      newest = std::max(newest, v.ref.version);
    }
    for (std::size_t i = 0; i < versions.size(); ++i) {
      const catalog::Release& r = versions[i];
      const cache::VersionRef ref{r.asset, r.version};
      report_progress("recipes", i, versions.size());
      if (!cache.presence(ref)) {
        std::optional<std::uint64_t> base;
        std::vector<cache::RecipeEntry> base_recipe;
        if (const auto held = newest_cached.find(r.asset); held != newest_cached.end() && held->second < r.version) {
          base = held->second;
        }
        if (base) {
          auto held = cache.recipe({r.asset, *base});
          if (held) {
            base_recipe = std::move(*held);
          } else {
            base.reset();
          }
        }
        const Envelope recipe_request = msg::RecipeGet{ref, base}.to_envelope(next_id++);
        auto reply = co_await s.call<msg::RecipeMsg>(recipe_request);
        if (!reply) co_return reply.status();
        auto recipe = reply->resolve(base_recipe);
        if (!recipe) co_return recipe.status();
        // add_recipe checks the recipe against the release's signed digest.
        if (auto added = cache.add_recipe(ref, *recipe, r.digest, r.size); !added) co_return added.status();
      }
      auto missing = cache.missing_chunks(ref);
      if (!missing) co_return missing.status();
      for (const cache::ChunkSpec& c : *missing) {
        if (queued.insert(c.id).second) {
          queue.push_back(c);
          total += c.size;
        }
      }
    }

    std::unordered_map<std::uint64_t, std::size_t> in_flight;  // request id -> bytes asked
    std::size_t in_flight_bytes = 0;
    std::uint64_t done = 0;
    // Received and checked against the request, not yet stored.
    std::vector<Bytes> held;
    std::vector<cache::ChunkData> batch;
    std::size_t batch_bytes = 0;
    auto store = [&]() -> Status {
      if (batch.empty()) return Status::ok();
      auto stored = cache.store_chunks(batch);
      if (!stored) return stored.status();
      done += batch_bytes;
      s.report.chunks_fetched += batch.size();
      batch.clear();
      held.clear();
      batch_bytes = 0;
      report_progress("chunks", done, total);
      return Status::ok();
    };
    report_progress("chunks", 0, total);
    while (!queue.empty() || !in_flight.empty()) {
      while (!queue.empty() && in_flight_bytes < options.window_bytes) {
        msg::ChunkGet get;
        std::size_t bytes = 0;
        while (!queue.empty() && get.chunks.size() < msg::max_chunk_ids &&
               (bytes == 0 || bytes + queue.front().size <= options.request_bytes)) {
          get.chunks.push_back(queue.front().id);
          bytes += queue.front().size;
          queue.pop_front();
        }
        const std::uint64_t id = next_id++;
        if (Status st = s.send(get.to_envelope(id)); !st) co_return st;
        in_flight[id] = bytes;
        in_flight_bytes += bytes;
      }
      Result<Envelope> reply = co_await s.next_reply();
      if (!reply) co_return reply.status();
      const auto it = in_flight.find(reply->id);
      if (it == in_flight.end()) continue;  // stale
      in_flight_bytes -= it->second;
      in_flight.erase(it);
      if (reply->type != msg::ChunkData::type) co_return msg::expect<msg::ChunkData>(*reply).status();
      auto data = msg::ChunkData::parse(std::move(*reply));
      if (!data) co_return data.status();
      if (!data->refused.empty()) {
        co_return Status(Errc::permission, "the hub refused " + std::to_string(data->refused.size()) +
                                               " chunk(s) (no release this device may hold uses them)");
      }
      // The views below point into the Bytes' heap buffers, which stay put
      // when `held` grows.
      for (std::size_t i = 0; i < data->chunks.size(); ++i) {
        held.push_back(std::move(data->data[i]));
        batch.push_back({data->chunks[i], held.back()});
        batch_bytes += held.back().size();
      }
      if (batch_bytes >= options.store_bytes || in_flight.empty()) {
        if (Status st = store(); !st) co_return st;
      }
    }
    if (Status st = store(); !st) co_return st;
    s.report.bytes_fetched = done;
    for (const catalog::Release& r : versions) {
      if (auto p = cache.presence({r.asset, r.version}); p && p->complete) ++s.report.versions_fetched;
    }
    co_return Status::ok();
  }

  // ---- daemon

  awaitable<void> listen_notices() {
    auto self = shared_from_this();
    AsyncSocket sub(io, context, zmq::socket_type::sub);
    live.insert(&sub);
    make_curve_client(sub.socket, keys, link.hub_key);
    sub.socket.set(zmq::sockopt::subscribe, std::string(msg::notice_topic));
    // A rep also hears of new lead deliveries, on a topic only it knows.
    const std::string leads_topic =
        link.role == "rep" ? msg::lead_notice_topic(home.assigned_leads().lead_box()) : std::string();
    if (!leads_topic.empty()) sub.socket.set(zmq::sockopt::subscribe, leads_topic);
    sub.socket.connect(link.notice_endpoint);
    while (!stopped) {
      const auto deadline = Steady::now() + 1h;
      auto frames = co_await sub.recv(deadline, stopped);
      if (!frames) continue;
      const auto catalog_seq = msg::parse_catalog_notice(*frames);
      const auto lead_seq = leads_topic.empty() ? Result<std::uint64_t>(Status(Errc::not_found, "not a rep"))
                                                : msg::parse_lead_notice(*frames, leads_topic);
      if ((catalog_seq && *catalog_seq > home.catalog().status().seq) ||
          (lead_seq && *lead_seq > home.assigned_leads().cursor())) {
        notice_pending = true;
        wake.cancel();
      }
    }
    live.erase(&sub);
  }

  std::chrono::milliseconds jittered(std::chrono::milliseconds base) {
    std::uint32_t r = 0;
    random.fill({reinterpret_cast<std::uint8_t*>(&r), sizeof r});
    const double factor = 0.8 + 0.4 * (static_cast<double>(r) / 4294967295.0);  // +-20%
    return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(base.count()) * factor));
  }

  awaitable<void> daemon(std::function<void(const Result<SyncReport>&)> on_session) {
    auto self = shared_from_this();
    auto backoff = options.backoff_initial;
    while (!stopped) {
      notice_pending = false;
      Result<SyncReport> result = co_await guarded_session();
      if (stopped) break;
      on_session(result);
      if (result && result->wiped) break;
      std::chrono::milliseconds pause = options.resync_interval;
      if (result) {
        backoff = options.backoff_initial;
      } else {
        pause = jittered(backoff);
        backoff = std::min(backoff * 2, options.backoff_max);
      }
      if (notice_pending && result) continue;
      wake.expires_after(pause);
      boost::system::error_code ec;
      co_await wake.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    stop();
  }

  void stop() {
    stopped = true;
    wake.cancel();
    for (AsyncSocket* s : live) s->cancel();
  }
};

SyncEngine::SyncEngine(asio::io_context& io, device::DeviceHome& home, DeviceLink link, Random& random,
                       SyncOptions options)
    : impl_(std::make_shared<Impl>(io, home, std::move(link), random, options)) {}

SyncEngine::~SyncEngine() { impl_->stop(); }

void SyncEngine::set_progress(SyncProgressFn progress) { impl_->progress = std::move(progress); }

void SyncEngine::run_once(std::function<void(Result<SyncReport>)> done) {
  auto impl = impl_;
  asio::co_spawn(
      impl->io,
      [impl, done = std::move(done)]() -> awaitable<void> {
        Result<SyncReport> result = co_await impl->guarded_session();
        done(std::move(result));
      },
      asio::detached);
}

void SyncEngine::run_daemon(std::function<void(const Result<SyncReport>&)> on_session) {
  auto impl = impl_;
  asio::co_spawn(impl->io, [impl]() -> awaitable<void> { co_await impl->listen_notices(); }, asio::detached);
  asio::co_spawn(
      impl->io, [impl, f = std::move(on_session)]() -> awaitable<void> { co_await impl->daemon(f); }, asio::detached);
}

void SyncEngine::stop() {
  auto impl = impl_;
  asio::post(impl->io, [impl] { impl->stop(); });
}

Status run_daemon(device::DeviceHome& home, const DeviceLink& link, Random& random, const SyncOptions& options,
                  const std::function<void(const Result<SyncReport>&)>& on_session, const std::atomic<bool>& stop) {
  return guarded([&]() -> Status {
    asio::io_context io;
    SyncEngine engine(io, home, link, random, options);
    bool wiped = false;
    engine.run_daemon([&](const Result<SyncReport>& r) {
      if (r && r->wiped) wiped = true;
      on_session(r);
    });
    asio::steady_timer poll(io);
    std::function<void()> watch = [&] {
      poll.expires_after(200ms);
      poll.async_wait([&](boost::system::error_code ec) {
        if (ec) return;
        if (stop || wiped) {
          engine.stop();
          return;
        }
        watch();
      });
    };
    watch();
    io.run();
    return Status::ok();
  });
}

Result<SyncReport> sync_once(device::DeviceHome& home, const DeviceLink& link, Random& random,
                             const SyncOptions& options, SyncProgressFn progress) {
  return guarded([&]() -> Result<SyncReport> {
    asio::io_context io;
    Result<SyncReport> out = Status(Errc::io, "sync did not run");
    {
      SyncEngine engine(io, home, link, random, options);
      engine.set_progress(std::move(progress));
      engine.run_once([&](Result<SyncReport> r) { out = std::move(r); });
      io.run();
    }
    return out;
  });
}

}  // namespace outpost::sync
