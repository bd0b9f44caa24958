#include "outpost/hub/hub.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "outpost/base/guard.hpp"
#include "outpost/cache/content_digest.hpp"
#include "outpost/catalog/catalog_authority.hpp"
#include "outpost/catalog/records.hpp"
#include "outpost/hub/lead_book.hpp"
#include "outpost/hub/store/backend.hpp"
#include "outpost/sync/messages.hpp"

namespace outpost::hub {

namespace {

using namespace std::chrono_literals;

// Which ROUTER a message came in on (the first internal frame).
enum Endpoint : std::uint8_t { sync_ep = 's', enroll_ep = 'e', publish_ep = 'p' };

constexpr auto poll_interval = 100ms;
constexpr auto lead_notice_interval = 1s;
const std::string workers_inproc = "inproc://hub-workers";
const std::string writer_inproc = "inproc://hub-writer";
const std::string replies_inproc = "inproc://hub-replies";

Bytes text_bytes(std::string_view s) { return {s.begin(), s.end()}; }
std::string bytes_text(const Bytes& b) { return {b.begin(), b.end()}; }

bool is_write(Endpoint ep, const std::string& type) {
  if (ep != sync_ep)
    return ep == enroll_ep || type == sync::msg::PublishChunks::type || type == sync::msg::PublishStatement::type;
  return type == sync::msg::Hello::type || type == sync::msg::JournalPush::type || type == "wipe.done" ||
         type == sync::msg::SessionDone::type;
}

bool known_type(Endpoint ep, const std::string& type) {
  switch (ep) {
    case enroll_ep:
      return type == sync::msg::Enroll::type;
    case publish_ep:
      return type == sync::msg::PublishHave::type || type == sync::msg::PublishChunks::type ||
             type == sync::msg::PublishStatement::type || type == sync::msg::CatalogGet::type || type == "ping";
    case sync_ep:
      return type == sync::msg::Hello::type || type == sync::msg::CatalogGet::type ||
             type == sync::msg::RecipeGet::type || type == sync::msg::ChunkGet::type ||
             type == sync::msg::JournalPush::type || type == "wipe.done" || type == sync::msg::SessionDone::type ||
             type == sync::msg::LeadsGet::type || type == "ping";
  }
  return false;
}

sync::Envelope simple(const char* type, std::uint64_t id, nlohmann::json body = nlohmann::json::object()) {
  sync::Envelope e;
  e.type = type;
  e.id = id;
  e.body = std::move(body);
  return e;
}

// A request as the workers and the writer see it.
struct Request {
  Endpoint endpoint;
  Bytes routing_id;
  std::string user;  // from ZAP: the device name (sync), the publisher's name (publish), the client key in hex (enroll)
  std::uint64_t bytes_sent = 0;  // to this peer in its session so far (for the session's log line)
  sync::Envelope envelope;
};

std::vector<Bytes> internal_reply(const Request& r, sync::Envelope&& reply) {
  std::vector<Bytes> frames{Bytes{static_cast<std::uint8_t>(r.endpoint)}, r.routing_id};
  for (Bytes& f : sync::encode(std::move(reply))) frames.push_back(std::move(f));
  return frames;
}

// Internal frames: endpoint tag, routing id, ZAP user, be64 bytes sent, the envelope's frames.
std::optional<Request> parse_internal(std::vector<Bytes> frames) {
  if (frames.size() < 5 || frames[0].size() != 1 || frames[3].size() != 8) return std::nullopt;
  auto envelope = sync::decode(
      std::vector<Bytes>(std::make_move_iterator(frames.begin() + 4), std::make_move_iterator(frames.end())));
  if (!envelope) return std::nullopt;  // the front checked it already
  return Request{static_cast<Endpoint>(frames[0][0]), std::move(frames[1]), bytes_text(frames[2]),
                 load_be64(frames[3].data()), std::move(*envelope)};
}

}  // namespace

struct Hub::Impl {
  Impl(const fs::path& h, const Clock& c, Random& r, HubOptions o, HubKeys k)
      : home(h),
        clock(c),
        random(r),
        options(std::move(o)),
        log(options.logger ? *options.logger : null_logger()),
        keys(std::move(k)) {}

  fs::path home;
  const Clock& clock;
  Random& random;
  HubOptions options;
  Logger& log;
  HubKeys keys;
  sync::HubAddress address;
  crypto::PublicKey root;
  HubCounters counters;

  // Lead boxes reported by the hellos of the write batch in hand; the writer
  // thread's only.
  std::vector<std::pair<std::string, crypto::BoxPublicKey>> lead_boxes;
  // Events each device's pushes stored since its last session.done (the
  // session's log line); the writer thread's only.
  std::unordered_map<std::string, std::uint64_t> events_taken;

  std::shared_mutex catalog_mutex;
  std::optional<catalog::CatalogAuthority> authority;

  zmq::context_t context{2};  // two I/O threads: CURVE work for many devices spreads over both cores
  std::unique_ptr<sync::ZapHandler> zap;
  std::atomic<bool> stopping{false};
  std::vector<std::thread> threads;
  bool stopped = false;

  // ---- start-up

  Status load_catalog(HubStore& store) {
    auto loaded = load_authority(store);
    if (!loaded) return loaded.status();
    authority.emplace(std::move(*loaded));
    return {};
  }

  // Brings the in-memory catalog up to the store: statements another hub
  // process (or an admin command) stored since, checked again. The store
  // is the catalog; the authority only caches it for deltas.
  Status follow_store(HubStore& store) {
    const std::uint64_t stored = store.catalog_seq();
    {
      std::shared_lock lock(catalog_mutex);
      if (stored <= authority->seq()) return {};
    }
    std::unique_lock lock(catalog_mutex);
    if (Status s = refresh_trust(store); !s) return s;  // a newer publisher may have signed them
    return catch_up_authority(*authority, store);
  }

  // Picks up a trust list the admin CLI saved while the hub ran.
  Status refresh_trust(HubStore& store) {
    auto trust = store.trust_list();
    if (!trust) return {};
    auto body = catalog::TrustList::from_body(trust->body);
    if (!body) return body.status();
    if (body->version <= authority->trust().version) return {};
    return authority->update_trust(*trust, root);
  }

  // ---- front

  void front(zmq::socket_t sync, zmq::socket_t enroll, zmq::socket_t publish, zmq::socket_t to_workers,
             zmq::socket_t to_writer, zmq::socket_t replies) {
    // Routing ids that said hello, oldest first (bounded), with the bytes
    // sent to each since its hello.
    std::unordered_map<std::string, std::uint64_t> sessions;
    std::deque<std::string> session_order;
    auto remember = [&](const Bytes& id) {
      std::string key(id.begin(), id.end());
      if (auto [it, fresh] = sessions.emplace(key, 0); !fresh) {
        it->second = 0;  // a new session on the same connection
      } else {
        session_order.push_back(std::move(key));
        if (session_order.size() > options.max_sessions) {
          sessions.erase(session_order.front());
          session_order.pop_front();
        }
      }
    };
    zmq::socket_t* routers[] = {&sync, &enroll, &publish};
    const Endpoint tags[] = {sync_ep, enroll_ep, publish_ep};

    auto refuse = [&](Endpoint ep, const std::string& user, const Status& why) {
      ++counters.refused;
      log.info("hub.refused", {{"endpoint", std::string(1, static_cast<char>(ep))},
                               {"peer", ep == enroll_ep ? user.substr(0, 8) : user},
                               {"code", sync::wire_code(why.code())},
                               {"reason", why.message()}});
    };
    auto reply_now = [&](zmq::socket_t& socket, const Bytes& routing_id, const sync::Envelope& reply) {
      std::vector<Bytes> frames{routing_id};
      for (Bytes& f : sync::encode(reply)) frames.push_back(std::move(f));
      if (!sync::send_frames(socket, frames)) ++counters.dropped_replies;
    };

    auto take = [&](zmq::socket_t& socket, Endpoint ep) {
      // Drain: a socket's readiness says nothing about how many messages wait.
      for (int budget = 0; budget < 256; ++budget) {
        std::vector<zmq::message_t> parts;
        zmq::message_t part;
        if (!socket.recv(part, zmq::recv_flags::dontwait)) return;
        bool more = part.more();
        parts.push_back(std::move(part));
        // Frames past the envelope limits (section 8) are released as they
        // are read, never kept or copied: the message is refused whole.
        const sync::Limits limits;
        std::size_t frames_seen = 0, bytes_seen = 0;
        bool over = false;
        while (more) {
          zmq::message_t next;
          (void)socket.recv(next, zmq::recv_flags::none);
          more = next.more();
          ++frames_seen;
          bytes_seen += next.size();
          over = over || frames_seen > limits.max_frames || bytes_seen > limits.max_total + limits.max_header;
          if (!over) parts.push_back(std::move(next));
        }
        ++counters.requests;
        if (parts.size() < 2) continue;
        const std::string user = sync::user_id_of(parts[1]);
        const Bytes routing_id(static_cast<const std::uint8_t*>(parts[0].data()),
                               static_cast<const std::uint8_t*>(parts[0].data()) + parts[0].size());
        if (over) {
          const Status big(Errc::invalid_argument, "message over the limits (" + std::to_string(frames_seen) +
                                                       " frames, " + std::to_string(bytes_seen) + " bytes)");
          refuse(ep, user, big);
          reply_now(socket, routing_id, sync::error_reply(0, big));
          continue;
        }
        std::vector<Bytes> frames;
        for (std::size_t i = 1; i < parts.size(); ++i) {
          const auto* p = static_cast<const std::uint8_t*>(parts[i].data());
          frames.emplace_back(p, p + parts[i].size());
        }
        auto envelope = sync::decode(frames);
        if (!envelope) {
          refuse(ep, user, envelope.status());
          reply_now(socket, routing_id, sync::error_reply(0, envelope.status()));
          continue;
        }
        if (!known_type(ep, envelope->type)) {
          const Status unknown(Errc::unsupported, "unknown message type '" + envelope->type.substr(0, 64) + "'");
          refuse(ep, user, unknown);
          reply_now(socket, routing_id, sync::error_reply(envelope->id, unknown));
          continue;
        }
        Bytes sent(8, 0);
        if (ep == sync_ep) {
          if (envelope->type == sync::msg::Hello::type) {
            remember(routing_id);
          } else if (const auto session = sessions.find(std::string(routing_id.begin(), routing_id.end()));
                     session != sessions.end()) {
            store_be64(sent.data(), session->second);
          } else if (envelope->type != "ping") {
            const Status no_hello(Errc::invalid_argument, "send hello first");
            refuse(ep, user, no_hello);
            reply_now(socket, routing_id, sync::error_reply(envelope->id, no_hello));
            continue;
          }
        }
        std::vector<Bytes> internal{Bytes{static_cast<std::uint8_t>(ep)}, routing_id, text_bytes(user),
                                    std::move(sent)};
        internal.insert(internal.end(), std::make_move_iterator(frames.begin()), std::make_move_iterator(frames.end()));
        sync::send_frames(is_write(ep, envelope->type) ? to_writer : to_workers, internal, zmq::send_flags::none);
      }
    };

    while (!stopping) {
      zmq::pollitem_t items[] = {{sync.handle(), 0, ZMQ_POLLIN, 0},
                                 {enroll.handle(), 0, ZMQ_POLLIN, 0},
                                 {publish.handle(), 0, ZMQ_POLLIN, 0},
                                 {replies.handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 4, poll_interval);
        for (int i = 0; i < 3; ++i) {
          if ((items[i].revents & ZMQ_POLLIN) != 0) take(*routers[i], tags[i]);
        }
        if ((items[3].revents & ZMQ_POLLIN) != 0) {
          for (int budget = 0; budget < 1024; ++budget) {
            auto reply = sync::recv_frames(replies, zmq::recv_flags::dontwait);
            if (!reply) break;
            if (reply->size() < 3 || (*reply)[0].size() != 1) continue;
            zmq::socket_t& out = (*reply)[0][0] == sync_ep ? sync : (*reply)[0][0] == enroll_ep ? enroll : publish;
            if ((*reply)[0][0] == sync_ep) {
              if (auto session = sessions.find(std::string((*reply)[1].begin(), (*reply)[1].end()));
                  session != sessions.end()) {
                for (std::size_t i = 2; i < reply->size(); ++i) session->second += (*reply)[i].size();
              }
            }
            reply->erase(reply->begin());  // moves the frames down; no bytes are copied
            if (!sync::send_frames(out, *reply)) ++counters.dropped_replies;
          }
        }
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
        log.error("hub.error", {{"thread", "front"}, {"what", e.what()}});
      } catch (const std::exception& e) {  // one bad message must not stop the hub
        log.error("hub.error", {{"thread", "front"}, {"what", e.what()}});
      }
    }
  }

  // ---- workers

  void worker(HubStore& store, LeadBook* book, zmq::socket_t in, zmq::socket_t out) {
    serve_loop(
        "worker", in, out,
        [&](Request& r) {
          sync::send_frames(out, internal_reply(r, read_request(store, book, r)), zmq::send_flags::none);
        },
        [] {});
  }

  // A CURVE server socket of the hub, bound (ZAP must already run).
  zmq::socket_t bind_server(zmq::socket_type type, const std::string& domain, const std::string& endpoint) {
    zmq::socket_t s(context, type);
    sync::make_curve_server(s, keys.curve, domain);
    // Enrollment carries one small header and no data: a bigger frame
    // cuts the peer off before libzmq buffers it.
    if (domain == "enroll") s.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(sync::Limits{}.max_header));
    if (type == zmq::socket_type::router) s.set(zmq::sockopt::router_mandatory, true);
    try {
      s.bind(endpoint);
    } catch (const zmq::error_t& e) {
      throw Error(e.num() == EADDRINUSE ? Errc::busy : Errc::io, "cannot listen on " + endpoint + ": " + e.what());
    }
    return s;
  }

  // Serves requests from `in`; tick() runs after every poll, busy or idle.
  // Whatever a request throws is logged and answered with an error: one bad
  // request never stops a thread.
  template <typename Handle, typename Tick>
  void serve_loop(const char* thread, zmq::socket_t& in, zmq::socket_t& out, Handle&& handle, Tick&& tick) {
    while (!stopping) {
      zmq::pollitem_t item{in.handle(), 0, ZMQ_POLLIN, 0};
      std::optional<Request> request;
      try {
        const bool ready = zmq::poll(&item, 1, poll_interval) > 0;
        if (ready) {
          if (auto frames = sync::recv_frames(in, zmq::recv_flags::dontwait)) {
            request = parse_internal(std::move(*frames));
            if (request) handle(*request);
          }
        }
        tick();
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
        log.error("hub.error", {{"thread", thread}, {"what", e.what()}});
      } catch (const std::exception& e) {
        log.error("hub.error", {{"thread", thread}, {"what", e.what()}});
        if (request) {
          const Status failed(Errc::io, "the hub could not complete this request", true);
          try {
            sync::send_frames(out, internal_reply(*request, sync::error_reply(request->envelope.id, failed)),
                              zmq::send_flags::none);
          } catch (const std::exception&) {  // the reply is lost; the client's timeout covers it
          }
        }
      }
    }
  }

  // Every request on the sync endpoint is judged on the device's record as
  // the store holds it now, not as it was when the connection was admitted:
  // a device revoked or wiped since gets nothing more on its open
  // connection, and a device with a wipe pending gets only the wipe (hello
  // tells it, wipe.done reports it). ping needs no device.
  Status admit(HubStore& store, const Request& r) {
    const std::string& type = r.envelope.type;
    if (r.endpoint != sync_ep || type == "ping") return {};
    const std::optional<DeviceRecord> device = store.device(r.user);
    if (!device || device->revoked_at) return Status(Errc::permission, "this device is not enrolled");
    if (device->wiped_at) return Status(Errc::permission, "this device was wiped");
    const bool wipe_pending = device->wipe_requested_at.has_value();
    if (type == "wipe.done" && !wipe_pending) {
      return Status(Errc::permission, "no wipe was requested for this device");
    }
    if (wipe_pending && type != sync::msg::Hello::type && type != "wipe.done") {
      return Status(Errc::permission, "a wipe is pending for this device: it gets nothing but the wipe");
    }
    return {};
  }

  // A request admit() refused: answered with the reason, counted and logged.
  sync::Envelope refused(const Request& r, const Status& why) {
    ++counters.refused;
    log.info("hub.refused", {{"endpoint", "s"},
                             {"peer", r.user},
                             {"type", r.envelope.type},
                             {"code", sync::wire_code(why.code())},
                             {"reason", why.message()}});
    return sync::error_reply(r.envelope.id, why);
  }

  sync::Envelope read_request(HubStore& store, LeadBook* book, const Request& r) {
    const sync::Envelope& e = r.envelope;
    if (Status admitted = guarded([&] { return admit(store, r); }); !admitted) return refused(r, admitted);
    Result<sync::Envelope> reply = guarded([&]() -> Result<sync::Envelope> {
      if (e.type == "ping") return simple("pong", e.id, {{"hub_time", to_unix_ms(clock.now())}});
      if (e.type == sync::msg::LeadsGet::type) return leads_get(store, book, r);
      if (e.type == sync::msg::CatalogGet::type) {
        auto get = sync::msg::CatalogGet::parse(e);
        if (!get) return get.status();
        if (Status s = follow_store(store); !s) return s;
        std::shared_lock lock(catalog_mutex);
        if (get->since_seq > authority->seq()) {
          return Status(Errc::invalid_argument, "catalog seq " + std::to_string(get->since_seq) +
                                                    " is ahead of the hub's " + std::to_string(authority->seq()));
        }
        auto delta = authority->delta(get->since_seq, keys.signing, clock.now(), options.timestamp_lifetime);
        if (!delta) return delta.status();
        return sync::msg::CatalogDeltaMsg{delta->encode()}.to_envelope(e.id);
      }
      if (e.type == sync::msg::RecipeGet::type) {
        auto get = sync::msg::RecipeGet::parse(e);
        if (!get) return get.status();
        auto recipe = store.recipe(get->ref);
        if (!recipe) return recipe.status();
        sync::msg::RecipeMsg answer{get->ref, std::move(*recipe), std::nullopt, {}};
        if (get->base && *get->base != get->ref.version) {
          // Changes against the version the device holds, when the hub knows it
          // (revoked or not) and the changes are smaller.
          auto base = store.recipe({get->ref.asset, *get->base}, true);
          if (base) {
            Bytes delta = sync::msg::diff_recipe(*base, answer.recipe);
            if (delta.size() < answer.recipe.size() * 36) {
              answer.base = get->base;
              answer.delta = std::move(delta);
            }
          }
        }
        return answer.to_envelope(e.id);
      }
      if (e.type == sync::msg::ChunkGet::type) {
        auto get = sync::msg::ChunkGet::parse(e);
        if (!get) return get.status();
        sync::msg::ChunkData data;
        for (const auto& id : get->chunks) {
          Result<Bytes> bytes = store.chunk_entitled(id) ? store.read_chunk(id, false) : Status(Errc::permission, "");
          if (!bytes) {
            data.refused.push_back(id);
            continue;
          }
          data.chunks.push_back(id);
          data.data.push_back(std::move(*bytes));
        }
        counters.chunks_sent += data.chunks.size();
        return std::move(data).into_envelope(e.id);
      }
      if (e.type == sync::msg::PublishHave::type) {
        auto have = sync::msg::PublishHave::parse(e);
        if (!have) return have.status();
        sync::msg::PublishMissing missing;
        for (const auto& id : have->chunks) {
          if (!store.has_chunk(id)) missing.chunks.push_back(id);
        }
        return missing.to_envelope(e.id);
      }
      return Status(Errc::unsupported, "unknown message type '" + e.type + "'");
    });
    return reply ? std::move(*reply) : sync::error_reply(e.id, reply.status());
  }

  // The lead deliveries of the asking device after `after`: the device is
  // the one the CURVE connection authenticated (ZAP), never a field of the
  // message. Bounded by count and by sealed bytes (at least one delivery).
  Result<sync::Envelope> leads_get(HubStore& store, LeadBook* book, const Request& r) {
    auto get = sync::msg::LeadsGet::parse(r.envelope);
    if (!get) return get.status();
    auto device = store.device(r.user);
    if (!device || device->revoked_at) return Status(Errc::permission, "this device is not enrolled");
    if (device->role != "rep") {
      return Status(Errc::permission,
                    "leads are delivered to rep devices only (this device is a " + device->role + ")");
    }
    if (book == nullptr) return Status(Errc::io, "the hub's lead book is not available");
    auto rows = book->deliveries(r.user, get->after, sync::msg::max_lead_items + 1);
    if (!rows) return rows.status();
    sync::msg::LeadsBatch batch;
    std::size_t bytes = 0;
    for (Delivery& d : *rows) {
      const std::size_t size = d.sealed ? d.sealed->size() : 0;
      if (batch.items.size() == sync::msg::max_lead_items ||
          (!batch.items.empty() && bytes + size > sync::msg::lead_batch_bytes)) {
        batch.more = true;
        break;
      }
      bytes += size;
      batch.items.push_back({d.seq, std::move(d.lead), std::move(d.kind), std::move(d.sealed)});
    }
    return batch.to_envelope(r.envelope.id);
  }

  // ---- writer

  // A lead-book step that failed: logged, never dropped silently (its
  // cursor keeps the work for the next push or `outpost-hub leads`).
  void lead_book_failed(const char* step, const Status& s) {
    if (!s) log.warn("hub.lead_book", {{"step", step}, {"code", errc_name(s.code())}, {"what", s.message()}});
  }

  // Leads are taken into the lead book (null if it could not open) right
  // after their journal events commit (its own connection: never inside
  // the batch's transaction).
  // The notice socket is recreated (same endpoint) when a device is revoked
  // or asked to wipe: every subscriber reconnects and passes ZAP again, so
  // a revoked device's subscription ends within a second or two.
  void writer(HubStore& writer_store, LeadBook* lead_book, zmq::socket_t in, zmq::socket_t out, zmq::socket_t notices,
              const std::function<zmq::socket_t()>& open_notices) {
    HubStore* const store = &writer_store;
    auto notify = [&](std::vector<Bytes> frames) {
      if (notices.handle() != nullptr) sync::send_frames(notices, std::move(frames));
    };
    std::optional<TimePoint> cut_seen = store->last_cut_off();
    bool cut_pending = false;
    auto cut_subscriptions = [&] {
      const auto latest = store->last_cut_off();
      if (latest == cut_seen && !cut_pending) return;
      cut_seen = latest;
      notices.close();
      // The port is released by libzmq's I/O thread: a bounded retry.
      const auto deadline = std::chrono::steady_clock::now() + 2s;
      while (true) {
        try {
          notices = open_notices();
          cut_pending = false;
          log.info("hub.notices_cut", {{"why", "a device was revoked or asked to wipe"}});
          return;
        } catch (const Error& e) {
          if (e.status().code() != Errc::busy || std::chrono::steady_clock::now() > deadline) {
            cut_pending = true;  // notices are off until a later tick binds again
            log.error("hub.notices", {{"what", e.what()}});
            return;
          }
          std::this_thread::sleep_for(20ms);  // the I/O thread releases the port
        }
      }
    };
    // Lead notices: once a second, a rep device whose deliveries grew (by
    // this process or by `outpost-hub leads` in another) is told on its own
    // topic, so an online rep gets a new lead in seconds, not at its timer.
    std::map<std::string, std::uint64_t> announced_leads;
    auto next_lead_check = std::chrono::steady_clock::now();
    auto announce_leads = [&] {
      if (std::chrono::steady_clock::now() < next_lead_check) return;
      next_lead_check = std::chrono::steady_clock::now() + lead_notice_interval;
      cut_subscriptions();
      if (!lead_book) return;
      auto heads = lead_book->delivery_heads();
      if (!heads) return lead_book_failed("delivery_heads", heads.status());
      for (const LeadBook::DeliveryHead& h : *heads) {
        std::uint64_t& told = announced_leads[h.device];
        if (h.seq <= told) continue;
        told = h.seq;
        notify(sync::msg::lead_notice(sync::msg::lead_notice_topic(h.lead_box), h.seq));
      }
    };
    std::vector<Request> batch;
    serve_loop(
        "writer", in, out,
        [&](Request& first) {
          batch.clear();
          batch.push_back(std::move(first));
          while (batch.size() < options.write_batch) {
            auto frames = sync::recv_frames(in, zmq::recv_flags::dontwait);
            if (!frames) break;
            if (auto request = parse_internal(std::move(*frames))) batch.push_back(std::move(*request));
          }
          std::vector<sync::Envelope> replies(batch.size());
          std::optional<std::uint64_t> announce;
          const Status committed = store->in_transaction([&]() -> Status {
            for (std::size_t i = 0; i < batch.size(); ++i) replies[i] = write_request(*store, batch[i], announce);
            return {};
          });
          ++counters.commits;
          if (!committed) {
            log.error(
                "hub.commit_failed",
                {{"requests", batch.size()}, {"code", errc_name(committed.code())}, {"what", committed.message()}});
          }
          // Lead boxes the batch's hellos reported, stored (and what waited for
          // them sealed) before the replies go out, so the device's next
          // leads.get already finds its deliveries.
          if (committed && lead_book) {
            for (const auto& [device, box] : lead_boxes) {
              lead_book_failed("set_lead_box", lead_book->set_lead_box(device, box, clock.now()));
            }
          }
          lead_boxes.clear();
          for (std::size_t i = 0; i < batch.size(); ++i) {
            sync::Envelope reply =
                committed ? std::move(replies[i]) : sync::error_reply(batch[i].envelope.id, committed);
            sync::send_frames(out, internal_reply(batch[i], std::move(reply)), zmq::send_flags::none);
          }
          if (committed && announce) notify(sync::msg::catalog_notice(*announce));
          if (committed && lead_book && std::any_of(batch.begin(), batch.end(), [](const Request& r) {
                return r.envelope.type == sync::msg::JournalPush::type;
              })) {
            // A failure stays in the book's cursor: the next push or `outpost-hub leads` retries it.
            if (auto absorbed = lead_book->absorb(clock.now()); !absorbed)
              lead_book_failed("absorb", absorbed.status());
          }
          // Badge-only leads are looked up again after new leads and after a
          // statement (a new or revoked attendee list); cheap when none waits.
          if (committed && lead_book && (announce || std::any_of(batch.begin(), batch.end(), [](const Request& r) {
                                           return r.envelope.type == sync::msg::JournalPush::type;
                                         }))) {
            if (auto badges = lead_book->complete_badges(*store, clock.now()); !badges) {
              lead_book_failed("complete_badges", badges.status());
            }
          }
          if (!committed && announce) {
            // The statement was accepted in memory but not stored: start again from the store.
            std::unique_lock lock(catalog_mutex);
            if (Status s = load_catalog(*store); !s) log.error("hub.catalog_reload", {{"what", s.message()}});
          }
        },
        announce_leads);
  }

  sync::Envelope write_request(HubStore& store, const Request& r, std::optional<std::uint64_t>& announce) {
    const sync::Envelope& e = r.envelope;
    if (Status admitted = guarded([&] { return admit(store, r); }); !admitted) return refused(r, admitted);
    Result<sync::Envelope> reply = guarded([&]() -> Result<sync::Envelope> {
      if (e.type == sync::msg::Enroll::type) return enroll(store, r);
      if (e.type == sync::msg::Hello::type) return hello(store, r);
      if (e.type == sync::msg::JournalPush::type) return journal_push(store, r);
      if (e.type == sync::msg::SessionDone::type) {
        auto done = sync::msg::SessionDone::parse(e);
        if (!done) return done.status();
        if (done->holdings) {
          if (Status s = store.set_holdings(r.user, *done->holdings, clock.now()); !s) return s;
        }
        if (Status s = store.touch_device(r.user, clock.now(), done->catalog_seq); !s) return s;
        const auto taken = events_taken.find(r.user);
        log.info("hub.session", {{"device", r.user},
                                 {"catalog_seq", done->catalog_seq},
                                 {"events_taken", taken == events_taken.end() ? 0 : taken->second},
                                 {"bytes_sent", r.bytes_sent}});
        if (taken != events_taken.end()) events_taken.erase(taken);
        return simple("session.ok", e.id);
      }
      if (e.type == "wipe.done") {
        if (Status s = store.mark_wiped(r.user, clock.now()); !s) return s;
        return simple("wipe.ok", e.id);
      }
      if (e.type == sync::msg::PublishChunks::type) {
        auto chunks = sync::msg::PublishChunks::parse(e);
        if (!chunks) return chunks.status();
        auto stored = store.store_chunks(chunks->chunks, chunks->data);
        if (!stored) return stored.status();
        return sync::msg::PublishStored{*stored}.to_envelope(e.id);
      }
      if (e.type == sync::msg::PublishStatement::type) return publish_statement(store, r, announce);
      return Status(Errc::unsupported, "unknown message type '" + e.type + "'");
    });
    return reply ? std::move(*reply) : sync::error_reply(e.id, reply.status());
  }

  Result<sync::Envelope> enroll(HubStore& store, const Request& r) {
    auto request = sync::msg::Enroll::parse(r.envelope);
    if (!request) return request.status();
    // The connection must have proved the key of the secret it presents.
    if (to_hex(sync::enrollment_keys(request->secret).public_key()) != r.user) {
      return Status(Errc::permission, "enrollment refused: the secret is not the one this connection's key is for");
    }
    auto device = store.redeem_token(request->secret, request->device_key, clock.now());
    if (!device) return device.status();
    return sync::msg::EnrollOk{device->name, device->role, address.sync(), address.notices()}.to_envelope(
        r.envelope.id);
  }

  Result<sync::Envelope> hello(HubStore& store, const Request& r) {
    auto request = sync::msg::Hello::parse(r.envelope);
    if (!request) return request.status();
    auto device = store.device(r.user);
    if (!device || device->revoked_at) return Status(Errc::permission, "this device is not enrolled");
    if (Status s = store.touch_device(r.user, clock.now(), request->catalog_seq); !s) return s;
    sync::msg::HelloOk ok;
    ok.hub_time_ms = to_unix_ms(clock.now());
    if (Status s = follow_store(store); !s) return s;
    {
      std::shared_lock lock(catalog_mutex);
      ok.catalog_seq = authority->seq();
    }
    if (auto held = store.journal(request->journal_id)) {
      if (held->device != r.user) return Status(Errc::permission, "this journal belongs to another device");
      ok.journal_acked = held->acked_seq;
      if (held->acked_seq > 0) ok.journal_acked_hash = held->head.hash;
    }
    ok.wipe = device->wipe_requested_at.has_value() && !device->wiped_at.has_value();
    log.info("hub.hello", {{"device", r.user},
                           {"role", device->role},
                           {"catalog_seq", request->catalog_seq},
                           {"hub_catalog_seq", ok.catalog_seq},
                           {"wipe", ok.wipe}});
    // A kiosk's lead box is ignored: nothing is ever assigned to a kiosk.
    if (request->lead_box && device->role == "rep") {
      crypto::BoxPublicKey box;
      box.bytes = *request->lead_box;
      lead_boxes.emplace_back(r.user, box);
    }
    return ok.to_envelope(r.envelope.id);
  }

  Result<sync::Envelope> journal_push(HubStore& store, const Request& r) {
    auto push = sync::msg::JournalPush::parse(r.envelope);
    if (!push) return push.status();
    auto result = store.ingest(r.user, push->journal_id, push->events, clock.now(), push->continues);
    if (!result) return result.status();
    counters.events_ingested += result->stored;
    events_taken[r.user] += result->stored;
    if (result->broken_at) {
      log.warn("hub.journal_broken", {{"device", r.user}, {"at_seq", *result->broken_at}, {"what", result->problem}});
      return sync::msg::ErrorMsg{Errc::integrity, result->problem, result->broken_at}.to_envelope(r.envelope.id);
    }
    if (result->diverged_at) {
      log.warn("hub.journal_diverged", {{"device", r.user}, {"at_seq", *result->diverged_at}});
    }
    return sync::msg::JournalAck{result->acked_seq, result->diverged_at}.to_envelope(r.envelope.id);
  }

  Result<sync::Envelope> publish_statement(HubStore& store, const Request& r, std::optional<std::uint64_t>& announce) {
    auto request = sync::msg::PublishStatement::parse(r.envelope);
    if (!request) return request.status();
    auto statement = catalog::SignedStatement::decode(request->statement);
    if (!statement) return statement.status();
    auto type = statement->peek_type();
    if (!type) return type.status();
    std::optional<cache::VersionRef> released, revoked;
    std::vector<cache::RecipeEntry> recipe;
    if (*type == catalog::StatementType::release) {
      auto release = catalog::Release::from_body(statement->body);
      if (!release) return release.status();
      if (!request->recipe) return Status(Errc::invalid_argument, "a release must come with its recipe");
      if (Status s = cache::check_recipe(*request->recipe, release->size, release->digest); !s) return s;
      for (const auto& entry : *request->recipe) {
        if (!store.has_chunk(entry.id)) {
          return Status(Errc::integrity, "the hub lacks chunk " + entry.id.hex().substr(0, 16) + " of " +
                                             release->asset + "@" + std::to_string(release->version) +
                                             " (upload it first)");
        }
      }
      released = cache::VersionRef{release->asset, release->version};
      recipe = std::move(*request->recipe);
    } else if (*type == catalog::StatementType::revocation) {
      auto revocation = catalog::Revocation::from_body(statement->body);
      if (!revocation) return revocation.status();
      revoked = cache::VersionRef{revocation->asset, revocation->version};
    } else {
      return Status(Errc::invalid_argument, "only releases and revocations can be published");
    }
    std::unique_lock lock(catalog_mutex);
    if (Status s = refresh_trust(store); !s) return s;
    // The writer's write unit holds the store's write lock: no other process
    // can store a statement between this catch-up and the insert below.
    if (Status s = catch_up_authority(*authority, store); !s) return s;
    if (!authority->trust().find_publisher(statement->signer)) {
      return Status(Errc::permission,
                    "the statement's signer is not a registered publisher "
                    "(register it with `outpost-hub publishers add NAME KEY`)");
    }
    auto seq = authority->submit(*statement);  // checks it against the whole catalog
    if (!seq) return seq.status();
    // The store allocates the seq inside the batch's write; the authority's
    // must agree, or the in-memory accept is undone.
    auto stored = store.add_statement(*statement, released, recipe, revoked);
    if (!stored || *stored != *seq) {
      // Undo the in-memory accept; if even that fails, say so (the next publish reloads again).
      if (Status reload = load_catalog(store); !reload) log.error("hub.catalog_reload", {{"what", reload.message()}});
      if (!stored) return stored.status();
      return Status(Errc::busy, "the catalog moved while publishing; try again", true);
    }
    log.info("hub.published", {{"publisher", r.user}, {"seq", *seq}});
    announce = *seq;
    return sync::msg::PublishOk{*seq}.to_envelope(r.envelope.id);
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    stopping = true;
    for (auto& t : threads) t.join();
    threads.clear();
    zap.reset();
    context.shutdown();
    context.close();
    log.info("hub.stop", {{"requests", counters.requests.load()},
                          {"refused", counters.refused.load()},
                          {"commits", counters.commits.load()},
                          {"events_ingested", counters.events_ingested.load()},
                          {"chunks_sent", counters.chunks_sent.load()},
                          {"dropped_replies", counters.dropped_replies.load()}});
  }

  // Runs a thread's body; whatever escapes it is logged (the body already
  // answers each request, so only a bug gets here), never std::terminate.
  template <typename Body>
  void spawn(const char* name, Body&& body) {
    threads.emplace_back([this, name, body = std::forward<Body>(body)]() mutable {
      try {
        body();
      } catch (const std::exception& e) {
        log.error("hub.thread_ended", {{"thread", name}, {"what", e.what()}});
      } catch (...) {
        log.error("hub.thread_ended", {{"thread", name}, {"what", "unknown exception"}});
      }
    });
  }
};

Hub::Hub(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Hub::~Hub() { stop(); }
void Hub::stop() { impl_->stop(); }
const sync::HubAddress& Hub::address() const noexcept { return impl_->address; }
const sync::CurvePublicKey& Hub::curve_key() const noexcept { return impl_->keys.curve.public_key(); }
const HubCounters& Hub::counters() const noexcept { return impl_->counters; }

Result<std::unique_ptr<Hub>> Hub::start(const fs::path& home, const Clock& clock, Random& random, HubOptions options) {
  return guarded([&]() -> Result<std::unique_ptr<Hub>> {
    auto backend = open_backend(home);
    if (!backend) return backend.status();
    auto store = (*backend)->store();
    if (!store) return store.status();
    auto keys = load_hub_keys(HubStore::keys_path(home));
    if (!keys) return keys.status();
    auto root = (*store)->root_key();
    if (!root) return root.status();
    auto impl = std::make_unique<Impl>(home, clock, random, options, std::move(*keys));
    impl->root = *root;
    if (options.bind) {
      impl->address = *options.bind;
    } else {
      auto saved = (*store)->address();
      if (!saved) return saved.status();
      impl->address = *saved;
    }
    if (Status s = impl->load_catalog(**store); !s) return s;
    Impl& hub = *impl;

    // Every thread's own store connection, opened here so that a store the
    // hub cannot open fails start() with the reason instead of a thread
    // that quietly returns.
    std::vector<std::unique_ptr<HubStore>> worker_stores;
    for (std::size_t i = 0; i < std::max<std::size_t>(1, options.workers); ++i) {
      auto opened = (*backend)->store();
      if (!opened) return Status(opened.status().code(), "worker store: " + opened.status().message());
      worker_stores.push_back(std::move(*opened));
    }
    auto writer_store = (*backend)->store();
    if (!writer_store) return Status(writer_store.status().code(), "writer store: " + writer_store.status().message());
    // Lead deliveries are read through the lead book (its own connections);
    // a book that cannot open leaves lead delivery off, loudly.
    std::vector<std::unique_ptr<LeadBook>> books;
    for (std::size_t i = 0; i <= worker_stores.size(); ++i) {
      auto book = LeadBook::open(**backend, hub.keys.lead, random);
      if (!book) {
        hub.log.error("hub.lead_book", {{"step", "open"}, {"what", book.status().message()}});
        books.push_back(nullptr);
      } else {
        books.push_back(std::move(*book));
      }
    }
    // ZAP first: a CURVE server socket bound without a handler admits anyone.
    hub.zap = std::make_unique<sync::ZapHandler>(
        hub.context, hub.log,
        [zap_store = std::shared_ptr<HubStore>(std::move(*store))](
            const std::string& domain, const sync::CurvePublicKey& key) -> std::optional<std::string> {
          // Only holders of a token this hub issued: a stranger's handshake
          // fails, so it cannot make the hub buffer a single message.
          if (domain == "enroll") return zap_store->token_issued_for(key) ? std::optional(to_hex(key)) : std::nullopt;
          if (domain == "publish") {
            // Only registered publishers, by the Curve25519 form of their signing key.
            auto trust = zap_store->trust_list();
            if (!trust) return std::nullopt;
            auto list = catalog::TrustList::from_body(trust->body);
            if (!list) return std::nullopt;
            for (const catalog::Publisher& p : list->publishers) {
              if (sync::curve_key_of(p.key) == key) return p.name;
            }
            return std::nullopt;
          }
          if (domain != "sync" && domain != "notices") return std::nullopt;
          auto device = zap_store->device_by_key(key);
          if (!device || device->revoked_at) return std::nullopt;
          // A device with a wipe pending still connects to sync (to be told
          // to wipe), but hears no more notices.
          if (domain == "notices" && (device->wipe_requested_at || device->wiped_at)) return std::nullopt;
          return device->name;
        });

    auto server = [&hub](zmq::socket_type type, const std::string& domain, const std::string& endpoint) {
      return hub.bind_server(type, domain, endpoint);
    };
    auto inproc = [&](zmq::socket_type type, const std::string& endpoint, bool bind) {
      zmq::socket_t s(hub.context, type);
      s.set(zmq::sockopt::linger, 0);
      s.set(zmq::sockopt::sndhwm, 10000);
      s.set(zmq::sockopt::rcvhwm, 10000);
      if (bind) {
        s.bind(endpoint);
      } else {
        s.connect(endpoint);
      }
      return s;
    };

    zmq::socket_t sync = server(zmq::socket_type::router, "sync", hub.address.sync());
    zmq::socket_t enroll = server(zmq::socket_type::router, "enroll", hub.address.enroll());
    zmq::socket_t notices = server(zmq::socket_type::pub, "notices", hub.address.notices());
    zmq::socket_t publish = server(zmq::socket_type::router, "publish", hub.address.publish());
    zmq::socket_t to_workers = inproc(zmq::socket_type::push, workers_inproc, true);
    zmq::socket_t to_writer = inproc(zmq::socket_type::push, writer_inproc, true);
    zmq::socket_t replies = inproc(zmq::socket_type::pull, replies_inproc, true);

    for (std::size_t i = 0; i < worker_stores.size(); ++i) {
      hub.spawn("worker", [&hub, store = std::move(worker_stores[i]), book = std::move(books[i]),
                           in = inproc(zmq::socket_type::pull, workers_inproc, false),
                           out = inproc(zmq::socket_type::push, replies_inproc, false)]() mutable {
        hub.worker(*store, book.get(), std::move(in), std::move(out));
      });
    }
    hub.spawn("writer",
              [&hub, store = std::move(*writer_store), book = std::move(books.back()),
               in = inproc(zmq::socket_type::pull, writer_inproc, false),
               out = inproc(zmq::socket_type::push, replies_inproc, false), pub = std::move(notices),
               open_notices = std::function<zmq::socket_t()>([&hub] {
                 return hub.bind_server(zmq::socket_type::pub, "notices", hub.address.notices());
               })]() mutable {
                hub.writer(*store, book.get(), std::move(in), std::move(out), std::move(pub), open_notices);
              });
    hub.spawn("front", [&hub, a = std::move(sync), b = std::move(enroll), c = std::move(publish),
                        d = std::move(to_workers), e = std::move(to_writer), f = std::move(replies)]() mutable {
      hub.front(std::move(a), std::move(b), std::move(c), std::move(d), std::move(e), std::move(f));
    });
    hub.log.info(
        "hub.start",
        {{"sync", hub.address.sync()}, {"workers", worker_stores.size()}, {"catalog_seq", hub.authority->seq()}});
    return std::unique_ptr<Hub>(new Hub(std::move(impl)));
  });
}

}  // namespace outpost::hub
