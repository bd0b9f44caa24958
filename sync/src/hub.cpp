#include "outpost/sync/hub.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "outpost/cache/content_digest.hpp"
#include "outpost/catalog/catalog_authority.hpp"
#include "outpost/catalog/records.hpp"
#include "outpost/core/guard.hpp"
#include "outpost/sync/lead_book.hpp"
#include "outpost/sync/messages.hpp"

namespace outpost::sync {

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
  if (ep != sync_ep) return ep == enroll_ep || type == msg::PublishChunks::type || type == msg::PublishStatement::type;
  return type == msg::Hello::type || type == msg::JournalPush::type || type == "wipe.done" ||
         type == msg::SessionDone::type;
}

bool known_type(Endpoint ep, const std::string& type) {
  switch (ep) {
    case enroll_ep: return type == msg::Enroll::type;
    case publish_ep:
      return type == msg::PublishHave::type || type == msg::PublishChunks::type ||
             type == msg::PublishStatement::type || type == msg::CatalogGet::type || type == "ping";
    case sync_ep:
      return type == msg::Hello::type || type == msg::CatalogGet::type || type == msg::RecipeGet::type ||
             type == msg::ChunkGet::type || type == msg::JournalPush::type || type == "wipe.done" ||
             type == msg::SessionDone::type || type == msg::LeadsGet::type || type == "ping";
  }
  return false;
}

Envelope simple(const char* type, std::uint64_t id, nlohmann::json body = nlohmann::json::object()) {
  Envelope e;
  e.type = type;
  e.id = id;
  e.body = std::move(body);
  return e;
}

// A request as the workers and the writer see it.
struct Request {
  Endpoint endpoint;
  Bytes routing_id;
  std::string user;  // from ZAP: the device name (sync), the client key in hex (enroll, publish)
  Envelope envelope;
};

std::vector<Bytes> internal_reply(const Request& r, Envelope&& reply) {
  std::vector<Bytes> frames{Bytes{static_cast<std::uint8_t>(r.endpoint)}, r.routing_id};
  for (Bytes& f : encode(std::move(reply))) frames.push_back(std::move(f));
  return frames;
}

std::optional<Request> parse_internal(std::vector<Bytes> frames) {
  if (frames.size() < 4 || frames[0].size() != 1) return std::nullopt;
  auto envelope = decode(std::vector<Bytes>(std::make_move_iterator(frames.begin() + 3),
                                            std::make_move_iterator(frames.end())));
  if (!envelope) return std::nullopt;  // the front checked it already
  return Request{static_cast<Endpoint>(frames[0][0]), std::move(frames[1]), bytes_text(frames[2]),
                 std::move(*envelope)};
}

}  // namespace

struct Hub::Impl {
  Impl(const fs::path& h, const Clock& c, Random& r, HubOptions o, HubKeys k)
      : home(h), clock(c), random(r), options(std::move(o)), keys(std::move(k)) {}

  fs::path home;
  const Clock& clock;
  Random& random;
  HubOptions options;
  HubKeys keys;
  HubAddress address;
  crypto::PublicKey root;
  HubCounters counters;

  // Lead boxes reported by the hellos of the write batch in hand; the writer
  // thread's only.
  std::vector<std::pair<std::string, crypto::BoxPublicKey>> lead_boxes;

  std::shared_mutex catalog_mutex;
  std::optional<catalog::CatalogAuthority> authority;

  zmq::context_t context{2};  // two I/O threads: CURVE work for many devices spreads over both cores
  std::unique_ptr<ZapHandler> zap;
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
    // Routing ids that said hello, oldest first (bounded).
    std::unordered_map<std::string, bool> sessions;
    std::deque<std::string> session_order;
    auto remember = [&](const Bytes& id) {
      std::string key(id.begin(), id.end());
      if (sessions.emplace(key, true).second) {
        session_order.push_back(std::move(key));
        if (session_order.size() > options.max_sessions) {
          sessions.erase(session_order.front());
          session_order.pop_front();
        }
      }
    };
    zmq::socket_t* routers[] = {&sync, &enroll, &publish};
    const Endpoint tags[] = {sync_ep, enroll_ep, publish_ep};

    auto reply_now = [&](zmq::socket_t& socket, const Bytes& routing_id, const Envelope& reply) {
      std::vector<Bytes> frames{routing_id};
      for (Bytes& f : encode(reply)) frames.push_back(std::move(f));
      if (!send_frames(socket, frames)) ++counters.dropped_replies;
    };

    auto take = [&](zmq::socket_t& socket, Endpoint ep) {
      // Drain: a socket's readiness says nothing about how many messages wait.
      for (int budget = 0; budget < 256; ++budget) {
        std::vector<zmq::message_t> parts;
        zmq::message_t part;
        if (!socket.recv(part, zmq::recv_flags::dontwait)) return;
        bool more = part.more();
        parts.push_back(std::move(part));
        while (more) {
          zmq::message_t next;
          (void)socket.recv(next, zmq::recv_flags::none);
          more = next.more();
          parts.push_back(std::move(next));
        }
        ++counters.requests;
        if (parts.size() < 2) continue;
        const std::string user = user_id_of(parts[1]);
        std::vector<Bytes> frames;
        for (std::size_t i = 1; i < parts.size(); ++i) {
          const auto* p = static_cast<const std::uint8_t*>(parts[i].data());
          frames.emplace_back(p, p + parts[i].size());
        }
        const Bytes routing_id(static_cast<const std::uint8_t*>(parts[0].data()),
                               static_cast<const std::uint8_t*>(parts[0].data()) + parts[0].size());
        auto envelope = decode(frames);
        if (!envelope) {
          ++counters.refused;
          reply_now(socket, routing_id, error_reply(0, envelope.status()));
          continue;
        }
        if (!known_type(ep, envelope->type)) {
          ++counters.refused;
          reply_now(socket, routing_id,
                    error_reply(envelope->id, {Errc::unsupported, "unknown message type '" + envelope->type + "'"}));
          continue;
        }
        if (ep == sync_ep) {
          if (envelope->type == msg::Hello::type) {
            remember(routing_id);
          } else if (envelope->type != "ping" &&
                     !sessions.contains(std::string(routing_id.begin(), routing_id.end()))) {
            ++counters.refused;
            reply_now(socket, routing_id,
                      error_reply(envelope->id, {Errc::invalid_argument, "send hello first"}));
            continue;
          }
        }
        std::vector<Bytes> internal{Bytes{static_cast<std::uint8_t>(ep)}, routing_id, text_bytes(user)};
        internal.insert(internal.end(), std::make_move_iterator(frames.begin()), std::make_move_iterator(frames.end()));
        send_frames(is_write(ep, envelope->type) ? to_writer : to_workers, internal, zmq::send_flags::none);
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
            auto reply = recv_frames(replies, zmq::recv_flags::dontwait);
            if (!reply) break;
            if (reply->size() < 3 || (*reply)[0].size() != 1) continue;
            zmq::socket_t& out = (*reply)[0][0] == sync_ep ? sync : (*reply)[0][0] == enroll_ep ? enroll : publish;
            reply->erase(reply->begin());  // moves the frames down; no bytes are copied
            if (!send_frames(out, *reply)) ++counters.dropped_replies;
          }
        }
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
      }
    }
  }

  // ---- workers

  void worker(zmq::socket_t in, zmq::socket_t out) {
    auto store = HubStore::open(home);
    if (!store) return;
    // Lead deliveries are read through the lead book (its own connection).
    auto lead_book = LeadBook::open(home, keys.lead, random);
    LeadBook* book = lead_book ? lead_book->get() : nullptr;
    serve_loop(
        in, [&](Request& r) { send_frames(out, internal_reply(r, read_request(**store, book, r)), zmq::send_flags::none); },
        [] {});
  }

  // Serves requests from `in`; tick() runs after every poll, busy or idle.
  template <typename Handle, typename Tick>
  void serve_loop(zmq::socket_t& in, Handle&& handle, Tick&& tick) {
    while (!stopping) {
      zmq::pollitem_t item{in.handle(), 0, ZMQ_POLLIN, 0};
      try {
        const bool ready = zmq::poll(&item, 1, poll_interval) > 0;
        if (ready) {
          if (auto frames = recv_frames(in, zmq::recv_flags::dontwait)) {
            if (auto request = parse_internal(std::move(*frames))) handle(*request);
          }
        }
        tick();
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
      }
    }
  }

  Envelope read_request(HubStore& store, LeadBook* book, const Request& r) {
    const Envelope& e = r.envelope;
    Result<Envelope> reply = guarded([&]() -> Result<Envelope> {
      if (e.type == "ping") return simple("pong", e.id, {{"hub_time", to_unix_ms(clock.now())}});
      if (e.type == msg::LeadsGet::type) return leads_get(store, book, r);
      if (e.type == msg::CatalogGet::type) {
        auto get = msg::CatalogGet::parse(e);
        if (!get) return get.status();
        std::shared_lock lock(catalog_mutex);
        if (get->since_seq > authority->seq()) {
          return Status(Errc::invalid_argument, "catalog seq " + std::to_string(get->since_seq) +
                                                    " is ahead of the hub's " + std::to_string(authority->seq()));
        }
        auto delta = authority->delta(get->since_seq, keys.signing, clock.now(), options.timestamp_lifetime);
        if (!delta) return delta.status();
        return msg::CatalogDeltaMsg{delta->encode()}.to_envelope(e.id);
      }
      if (e.type == msg::RecipeGet::type) {
        auto get = msg::RecipeGet::parse(e);
        if (!get) return get.status();
        auto recipe = store.recipe(get->ref);
        if (!recipe) return recipe.status();
        msg::RecipeMsg answer{get->ref, std::move(*recipe), std::nullopt, {}};
        if (get->base && *get->base != get->ref.version) {
          // Changes against the version the device holds, when the hub knows it
          // (revoked or not) and the changes are smaller.
          auto base = store.recipe({get->ref.asset, *get->base}, true);
          if (base) {
            Bytes delta = msg::diff_recipe(*base, answer.recipe);
            if (delta.size() < answer.recipe.size() * 36) {
              answer.base = get->base;
              answer.delta = std::move(delta);
            }
          }
        }
        return answer.to_envelope(e.id);
      }
      if (e.type == msg::ChunkGet::type) {
        auto get = msg::ChunkGet::parse(e);
        if (!get) return get.status();
        msg::ChunkData data;
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
      if (e.type == msg::PublishHave::type) {
        auto have = msg::PublishHave::parse(e);
        if (!have) return have.status();
        msg::PublishMissing missing;
        for (const auto& id : have->chunks) {
          if (!store.has_chunk(id)) missing.chunks.push_back(id);
        }
        return missing.to_envelope(e.id);
      }
      return Status(Errc::unsupported, "unknown message type '" + e.type + "'");
    });
    return reply ? std::move(*reply) : error_reply(e.id, reply.status());
  }

  // The lead deliveries of the asking device after `after`: the device is
  // the one the CURVE connection authenticated (ZAP), never a field of the
  // message. Bounded by count and by sealed bytes (at least one delivery).
  Result<Envelope> leads_get(HubStore& store, LeadBook* book, const Request& r) {
    auto get = msg::LeadsGet::parse(r.envelope);
    if (!get) return get.status();
    auto device = store.device(r.user);
    if (!device || device->revoked_at) return Status(Errc::permission, "this device is not enrolled");
    if (device->role != "rep") {
      return Status(Errc::permission, "leads are delivered to rep devices only (this device is a " + device->role + ")");
    }
    if (book == nullptr) return Status(Errc::io, "the hub's lead book is not available");
    auto rows = book->deliveries(r.user, get->after, msg::max_lead_items + 1);
    if (!rows) return rows.status();
    msg::LeadsBatch batch;
    std::size_t bytes = 0;
    for (Delivery& d : *rows) {
      const std::size_t size = d.sealed ? d.sealed->size() : 0;
      if (batch.items.size() == msg::max_lead_items || (!batch.items.empty() && bytes + size > msg::lead_batch_bytes)) {
        batch.more = true;
        break;
      }
      bytes += size;
      batch.items.push_back({d.seq, std::move(d.lead), std::move(d.kind), std::move(d.sealed)});
    }
    return batch.to_envelope(r.envelope.id);
  }

  // ---- writer

  void writer(zmq::socket_t in, zmq::socket_t out, zmq::socket_t notices) {
    auto store = HubStore::open(home);
    if (!store) return;
    // Leads are taken into the lead book right after their journal events
    // commit (its own connection: never inside the batch's transaction).
    auto lead_book = LeadBook::open(home, keys.lead, random);
    // Lead notices: once a second, a rep device whose deliveries grew (by
    // this process or by `outpost-hub leads` in another) is told on its own
    // topic, so an online rep gets a new lead in seconds, not at its timer.
    std::map<std::string, std::uint64_t> announced_leads;
    auto next_lead_check = std::chrono::steady_clock::now();
    auto announce_leads = [&] {
      if (!lead_book || std::chrono::steady_clock::now() < next_lead_check) return;
      next_lead_check = std::chrono::steady_clock::now() + lead_notice_interval;
      auto heads = (*lead_book)->delivery_heads();
      if (!heads) return;
      for (const LeadBook::DeliveryHead& h : *heads) {
        std::uint64_t& told = announced_leads[h.device];
        if (h.seq <= told) continue;
        told = h.seq;
        send_frames(notices, msg::lead_notice(msg::lead_notice_topic(h.lead_box), h.seq));
      }
    };
    std::vector<Request> batch;
    serve_loop(in, [&](Request& first) {
      batch.clear();
      batch.push_back(std::move(first));
      while (batch.size() < options.write_batch) {
        auto frames = recv_frames(in, zmq::recv_flags::dontwait);
        if (!frames) break;
        if (auto request = parse_internal(std::move(*frames))) batch.push_back(std::move(*request));
      }
      std::vector<Envelope> replies(batch.size());
      std::optional<std::uint64_t> announce;
      const Status committed = (*store)->in_transaction([&]() -> Status {
        for (std::size_t i = 0; i < batch.size(); ++i) replies[i] = write_request(**store, batch[i], announce);
        return {};
      });
      ++counters.commits;
      // Lead boxes the batch's hellos reported, stored (and what waited for
      // them sealed) before the replies go out, so the device's next
      // leads.get already finds its deliveries.
      if (committed && lead_book) {
        for (const auto& [device, box] : lead_boxes) (void)(*lead_book)->set_lead_box(device, box, clock.now());
      }
      lead_boxes.clear();
      for (std::size_t i = 0; i < batch.size(); ++i) {
        Envelope reply = committed ? std::move(replies[i]) : error_reply(batch[i].envelope.id, committed);
        send_frames(out, internal_reply(batch[i], std::move(reply)), zmq::send_flags::none);
      }
      if (committed && announce) send_frames(notices, msg::catalog_notice(*announce));
      if (committed && lead_book && std::any_of(batch.begin(), batch.end(), [](const Request& r) {
            return r.envelope.type == msg::JournalPush::type;
          })) {
        // A failure stays in the book's cursor: the next push or `outpost-hub leads` retries it.
        (void)(*lead_book)->absorb(clock.now());
      }
      // Badge-only leads are looked up again after new leads and after a
      // statement (a new or revoked attendee list); cheap when none waits.
      if (committed && lead_book && (announce || std::any_of(batch.begin(), batch.end(), [](const Request& r) {
                                       return r.envelope.type == msg::JournalPush::type;
                                     }))) {
        (void)(*lead_book)->complete_badges(**store, clock.now());
      }
      if (!committed && announce) {
        // The statement was accepted in memory but not stored: start again from the store.
        std::unique_lock lock(catalog_mutex);
        (void)load_catalog(**store);
      }
    }, announce_leads);
  }

  Envelope write_request(HubStore& store, const Request& r, std::optional<std::uint64_t>& announce) {
    const Envelope& e = r.envelope;
    Result<Envelope> reply = guarded([&]() -> Result<Envelope> {
      if (e.type == msg::Enroll::type) return enroll(store, r);
      if (e.type == msg::Hello::type) return hello(store, r);
      if (e.type == msg::JournalPush::type) return journal_push(store, r);
      if (e.type == msg::SessionDone::type) {
        auto done = msg::SessionDone::parse(e);
        if (!done) return done.status();
        if (done->holdings) {
          if (Status s = store.set_holdings(r.user, *done->holdings, clock.now()); !s) return s;
        }
        if (Status s = store.touch_device(r.user, clock.now(), done->catalog_seq); !s) return s;
        return simple("session.ok", e.id);
      }
      if (e.type == "wipe.done") {
        if (Status s = store.mark_wiped(r.user, clock.now()); !s) return s;
        return simple("wipe.ok", e.id);
      }
      if (e.type == msg::PublishChunks::type) {
        auto chunks = msg::PublishChunks::parse(e);
        if (!chunks) return chunks.status();
        auto stored = store.store_chunks(chunks->chunks, chunks->data);
        if (!stored) return stored.status();
        return msg::PublishStored{*stored}.to_envelope(e.id);
      }
      if (e.type == msg::PublishStatement::type) return publish_statement(store, r, announce);
      return Status(Errc::unsupported, "unknown message type '" + e.type + "'");
    });
    return reply ? std::move(*reply) : error_reply(e.id, reply.status());
  }

  Result<Envelope> enroll(HubStore& store, const Request& r) {
    auto request = msg::Enroll::parse(r.envelope);
    if (!request) return request.status();
    // The key in the request must be the one the connection proved (ZAP's user id).
    if (to_hex(request->device_key) != r.user) {
      return Status(Errc::permission, "enrollment refused: the device key is not the connection's key");
    }
    auto device = store.redeem_token(request->secret, request->device_key, clock.now());
    if (!device) return device.status();
    return msg::EnrollOk{device->name, device->role, address.sync(), address.notices()}.to_envelope(r.envelope.id);
  }

  Result<Envelope> hello(HubStore& store, const Request& r) {
    auto request = msg::Hello::parse(r.envelope);
    if (!request) return request.status();
    auto device = store.device(r.user);
    if (!device || device->revoked_at) return Status(Errc::permission, "this device is not enrolled");
    if (Status s = store.touch_device(r.user, clock.now(), request->catalog_seq); !s) return s;
    msg::HelloOk ok;
    ok.hub_time_ms = to_unix_ms(clock.now());
    {
      std::shared_lock lock(catalog_mutex);
      ok.catalog_seq = authority->seq();
    }
    if (auto held = store.journal(request->journal_id)) {
      if (held->device != r.user) return Status(Errc::permission, "this journal belongs to another device");
      ok.journal_acked = held->acked_seq;
    }
    ok.wipe = device->wipe_requested_at.has_value() && !device->wiped_at.has_value();
    // A kiosk's lead box is ignored: nothing is ever assigned to a kiosk.
    if (request->lead_box && device->role == "rep") {
      crypto::BoxPublicKey box;
      box.bytes = *request->lead_box;
      lead_boxes.emplace_back(r.user, box);
    }
    return ok.to_envelope(r.envelope.id);
  }

  Result<Envelope> journal_push(HubStore& store, const Request& r) {
    auto push = msg::JournalPush::parse(r.envelope);
    if (!push) return push.status();
    auto result = store.ingest(r.user, push->journal_id, push->events, clock.now());
    if (!result) return result.status();
    counters.events_ingested += result->stored;
    if (result->broken_at) {
      return msg::ErrorMsg{Errc::integrity, result->problem, result->broken_at}.to_envelope(r.envelope.id);
    }
    return msg::JournalAck{result->acked_seq}.to_envelope(r.envelope.id);
  }

  Result<Envelope> publish_statement(HubStore& store, const Request& r, std::optional<std::uint64_t>& announce) {
    auto request = msg::PublishStatement::parse(r.envelope);
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
    if (!authority->trust().find_publisher(statement->signer)) {
      return Status(Errc::permission, "the statement's signer is not a registered publisher "
                                      "(register it with `outpost-hub publishers add NAME KEY`)");
    }
    auto seq = authority->submit(*statement);
    if (!seq) return seq.status();
    if (Status s = store.add_statement(*seq, *statement, released, recipe, revoked); !s) {
      (void)load_catalog(store);  // undo the in-memory accept
      return s;
    }
    announce = *seq;
    return msg::PublishOk{*seq}.to_envelope(r.envelope.id);
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
  }
};

Hub::Hub(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Hub::~Hub() { stop(); }
void Hub::stop() { impl_->stop(); }
const HubAddress& Hub::address() const noexcept { return impl_->address; }
const CurvePublicKey& Hub::curve_key() const noexcept { return impl_->keys.curve.public_key(); }
const HubCounters& Hub::counters() const noexcept { return impl_->counters; }

Result<std::unique_ptr<Hub>> Hub::start(const fs::path& home, const Clock& clock, Random& random, HubOptions options) {
  return guarded([&]() -> Result<std::unique_ptr<Hub>> {
    auto store = HubStore::open(home);
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
    // ZAP first: a CURVE server socket bound without a handler admits anyone.
    hub.zap = std::make_unique<ZapHandler>(
        hub.context, [&hub, zap_store = std::shared_ptr<HubStore>(std::move(*store))](
                         const std::string& domain, const CurvePublicKey& key) -> std::optional<std::string> {
          if (domain == "enroll") return to_hex(key);
          if (domain == "publish") {
            // Only registered publishers, by the Curve25519 form of their signing key.
            auto trust = zap_store->trust_list();
            if (!trust) return std::nullopt;
            auto list = catalog::TrustList::from_body(trust->body);
            if (!list) return std::nullopt;
            for (const catalog::Publisher& p : list->publishers) {
              if (curve_key_of(p.key) == key) return p.name;
            }
            return std::nullopt;
          }
          if (domain != "sync" && domain != "notices") return std::nullopt;
          auto device = zap_store->device_by_key(key);
          if (!device || device->revoked_at) return std::nullopt;
          return device->name;
        });

    auto server = [&](zmq::socket_type type, const std::string& domain, const std::string& endpoint) {
      zmq::socket_t s(hub.context, type);
      make_curve_server(s, hub.keys.curve, domain);
      if (type == zmq::socket_type::router) s.set(zmq::sockopt::router_mandatory, true);
      try {
        s.bind(endpoint);
      } catch (const zmq::error_t& e) {
        throw Error(e.num() == EADDRINUSE ? Errc::busy : Errc::io,
                    "cannot listen on " + endpoint + ": " + e.what());
      }
      return s;
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

    for (std::size_t i = 0; i < std::max<std::size_t>(1, options.workers); ++i) {
      hub.threads.emplace_back([&hub, in = inproc(zmq::socket_type::pull, workers_inproc, false),
                                out = inproc(zmq::socket_type::push, replies_inproc, false)]() mutable {
        hub.worker(std::move(in), std::move(out));
      });
    }
    hub.threads.emplace_back([&hub, in = inproc(zmq::socket_type::pull, writer_inproc, false),
                              out = inproc(zmq::socket_type::push, replies_inproc, false),
                              pub = std::move(notices)]() mutable {
      hub.writer(std::move(in), std::move(out), std::move(pub));
    });
    hub.threads.emplace_back([&hub, a = std::move(sync), b = std::move(enroll), c = std::move(publish),
                              d = std::move(to_workers), e = std::move(to_writer),
                              f = std::move(replies)]() mutable {
      hub.front(std::move(a), std::move(b), std::move(c), std::move(d), std::move(e), std::move(f));
    });
    return std::unique_ptr<Hub>(new Hub(std::move(impl)));
  });
}

}  // namespace outpost::sync
