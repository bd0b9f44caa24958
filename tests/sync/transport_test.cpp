// The ZeroMQ plumbing under every sync socket: CURVE keys as libzmq and
// libsodium derive them, Z85, the tuned CURVE sockets, and - over real
// sockets - the ZAP handler's admissions and refusals, the User-Id it
// attaches, and sends to gone or full peers that fail instead of blocking.
// Every wait is bounded.
#include <catch2/catch.hpp>

#include <sodium.h>
#include <zmq.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "outpost/sync/transport.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using namespace outpost::sync;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

CurveKeyPair keys(std::uint64_t seed) { return CurveKeyPair::from_secret(random_bytes(32, seed)); }

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string z85_of(ByteView bytes) {
  std::string out(bytes.size() * 5 / 4 + 1, '\0');
  REQUIRE(zmq_z85_encode(out.data(), bytes.data(), bytes.size()) != nullptr);
  out.pop_back();
  return out;
}

// One multipart message as zmq messages (so their properties can be read),
// or nullopt if none arrives within timeout.
std::optional<std::vector<zmq::message_t>> recv_within(zmq::socket_t& socket, std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
  std::vector<zmq::message_t> parts;
  do {
    zmq::message_t part;
    REQUIRE(socket.recv(part, zmq::recv_flags::dontwait));
    parts.push_back(std::move(part));
  } while (parts.back().more());
  return parts;
}

std::string text_of(const zmq::message_t& m) { return std::string(static_cast<const char*>(m.data()), m.size()); }

// The hub's side of admission: which keys are registered, under which user
// id, and (optionally) the one ZAP domain they may use. Remembers every
// question the ZAP handler asked (it asks from its own thread).
class Gatekeeper {
 public:
  void allow(const CurveKeyPair& client, std::string user) {
    std::lock_guard lock(mutex_);
    known_.emplace_back(client.public_key(), std::move(user));
  }
  void only_domain(std::string domain) {
    std::lock_guard lock(mutex_);
    domain_ = std::move(domain);
  }
  std::optional<std::string> admit(const std::string& domain, const CurvePublicKey& key) {
    std::lock_guard lock(mutex_);
    asked_.emplace_back(domain, key);
    if (domain_ && domain != *domain_) return std::nullopt;
    for (const auto& [k, user] : known_) {
      if (k == key) return user;
    }
    return std::nullopt;
  }
  bool asked(const std::string& domain, const CurvePublicKey& key) const {
    std::lock_guard lock(mutex_);
    for (const auto& [d, k] : asked_) {
      if (d == domain && k == key) return true;
    }
    return false;
  }
  std::set<std::string> domains() const {
    std::lock_guard lock(mutex_);
    std::set<std::string> out;
    for (const auto& [d, k] : asked_) out.insert(d);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<CurvePublicKey, std::string>> known_;
  std::optional<std::string> domain_;
  std::vector<std::pair<std::string, CurvePublicKey>> asked_;
};

// A context with its ZAP handler bound first (as the hub must), the hub's
// CURVE keys, and CURVE server/client sockets on ephemeral TCP ports.
// Declaration order is destruction order reversed: sockets (locals in the
// tests) close first, then the handler's thread stops, then the context.
struct CurveWorld {
  zmq::context_t context;
  Gatekeeper gate;
  CurveKeyPair hub = keys(1);
  ZapHandler zap{context, [this](const std::string& domain, const CurvePublicKey& key) {
                   return gate.admit(domain, key);
                 }};

  zmq::socket_t server(const std::string& domain, std::string& endpoint) {
    zmq::socket_t router(context, zmq::socket_type::router);
    make_curve_server(router, hub, domain);
    router.set(zmq::sockopt::router_mandatory, true);
    router.bind("tcp://127.0.0.1:*");
    endpoint = router.get(zmq::sockopt::last_endpoint);
    return router;
  }
  zmq::socket_t client(const CurveKeyPair& keys, const std::string& endpoint) {
    return client_for(keys, hub.public_key(), endpoint);
  }
  zmq::socket_t client_for(const CurveKeyPair& keys, const CurvePublicKey& server_key, const std::string& endpoint) {
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    make_curve_client(dealer, keys, server_key);
    dealer.connect(endpoint);
    return dealer;
  }
};

}  // namespace

// ---- keys and text

TEST_CASE("Transport: a CURVE key pair from a secret is deterministic and matches libsodium and libzmq",
          "[sync][transport]") {
  const Bytes secret = random_bytes(32, 77);
  const CurveKeyPair a = CurveKeyPair::from_secret(secret);
  const CurveKeyPair b = CurveKeyPair::from_secret(secret);
  CHECK(a.public_key() == b.public_key());
  CHECK(a.secret_key().size() == 32);
  CHECK(Bytes(a.secret_key().view().begin(), a.secret_key().view().end()) == secret);

  REQUIRE(sodium_init() >= 0);
  CurvePublicKey expected{};
  REQUIRE(crypto_scalarmult_base(expected.data(), secret.data()) == 0);
  CHECK(a.public_key() == expected);

  // libzmq derives the same public key from the same secret.
  char zmq_public[41] = {};
  REQUIRE(zmq_curve_public(zmq_public, z85_of(secret).c_str()) == 0);
  CHECK(z85(a.public_key()) == zmq_public);

  CHECK(CurveKeyPair::from_secret(random_bytes(32, 78)).public_key() != a.public_key());

  for (std::size_t size : {0u, 31u, 33u, 64u}) {
    INFO("size " << size);
    try {
      (void)CurveKeyPair::from_secret(random_bytes(size, 1));
      FAIL("a secret of the wrong size was accepted");
    } catch (const Error& e) {
      CHECK(e.status().code() == Errc::invalid_argument);
    }
  }
}

TEST_CASE("Transport: generated key pairs come from the given Random and work with libzmq's key pairs",
          "[sync][transport]") {
  SeededRandom r1(5), r2(5), r3(6);
  const CurveKeyPair a = CurveKeyPair::generate(r1);
  CHECK(CurveKeyPair::generate(r2).public_key() == a.public_key());
  CHECK(CurveKeyPair::generate(r3).public_key() != a.public_key());
  CHECK(CurveKeyPair::generate(r1).public_key() != a.public_key());  // the next draw, a new key

  // A key pair made by zmq_curve_keypair, taken in through its secret.
  char zmq_public[41] = {}, zmq_secret[41] = {};
  REQUIRE(zmq_curve_keypair(zmq_public, zmq_secret) == 0);
  const auto secret = from_z85(zmq_secret);
  REQUIRE(secret.has_value());
  CHECK(z85(CurveKeyPair::from_secret(*secret).public_key()) == zmq_public);
}

TEST_CASE("Transport: z85 round-trips 32-byte keys and refuses anything else", "[sync][transport]") {
  // The test vector of ZeroMQ RFC 32, four times over.
  const Bytes block{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
  CurvePublicKey key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = block[i % block.size()];
  CHECK(z85(key) == "HelloWorldHelloWorldHelloWorldHelloWorld");
  const auto back = from_z85("HelloWorldHelloWorldHelloWorldHelloWorld");
  REQUIRE(back.has_value());
  CHECK(*back == key);

  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const CurvePublicKey k = keys(seed + 100).public_key();
    const std::string t = z85(k);
    REQUIRE(t.size() == 40);
    CHECK(from_z85(t) == k);
  }

  const std::string good = z85(keys(3).public_key());
  CHECK_FALSE(from_z85("").has_value());
  CHECK_FALSE(from_z85(good.substr(0, 39)).has_value());
  CHECK_FALSE(from_z85(good + "0").has_value());
  CHECK_FALSE(from_z85(good.substr(0, 35)).has_value());  // a whole number of groups, but not 32 bytes
  CHECK_FALSE(from_z85(good + "00000").has_value());
  for (char bad : {'~', ' ', '"', '\'', ',', ';', '\\', '_', '`', '|', '\x7f', '\x01'}) {
    INFO("character " << static_cast<int>(bad));
    std::string t = good;
    t[17] = bad;
    CHECK_FALSE(from_z85(t).has_value());
  }
  // Five characters that encode more than 32 bits.
  CHECK_FALSE(from_z85("#####" + good.substr(5)).has_value());
  // A NUL inside: 40 characters, but C would read only the first five.
  std::string nul = good;
  nul[5] = '\0';
  CHECK_FALSE(from_z85(nul).has_value());
}

TEST_CASE("Transport: port_of reads the port of a tcp endpoint", "[sync][transport]") {
  CHECK(port_of("tcp://127.0.0.1:7400") == std::uint16_t{7400});
  CHECK(port_of("tcp://hub.example.org:1") == std::uint16_t{1});
  CHECK(port_of("tcp://[::1]:65535") == std::uint16_t{65535});
  CHECK(port_of("tcp://*:7403") == std::uint16_t{7403});
  for (const char* bad : {"tcp://127.0.0.1:0", "tcp://127.0.0.1:65536", "tcp://127.0.0.1:99999999999",
                          "tcp://127.0.0.1:*", "tcp://127.0.0.1:", "tcp://127.0.0.1", "tcp://host:74a0",
                          "tcp://host:-1", "tcp://host: 7400", "ipc:///tmp/outpost.sock", ""}) {
    INFO(bad);
    CHECK_FALSE(port_of(bad).has_value());
  }
}

// ---- sockets

TEST_CASE("Transport: CURVE server and client sockets get Outpost's tuning", "[sync][transport]") {
  zmq::context_t context;
  const CurveKeyPair hub = keys(1), device = keys(2);
  SocketTuning tuning;
  tuning.linger = 0ms;
  tuning.reconnect = 250ms;
  tuning.reconnect_max = 8000ms;
  tuning.send_hwm = 17;
  tuning.recv_hwm = 19;
  tuning.handshake = 3000ms;
  tuning.heartbeat = 2000ms;
  tuning.heartbeat_timeout = 7000ms;

  zmq::socket_t server(context, zmq::socket_type::router);
  make_curve_server(server, hub, "outpost-sync", tuning);
  CHECK(server.get(zmq::sockopt::curve_server) == true);
  CHECK(server.get(zmq::sockopt::zap_domain) == "outpost-sync");
  zmq::socket_t client(context, zmq::socket_type::dealer);
  make_curve_client(client, device, hub.public_key(), tuning);
  CHECK(client.get(zmq::sockopt::curve_server) == false);
  CurvePublicKey server_key{};
  std::size_t size = server_key.size();
  REQUIRE(zmq_getsockopt(client.handle(), ZMQ_CURVE_SERVERKEY, server_key.data(), &size) == 0);
  CHECK(server_key == hub.public_key());

  for (zmq::socket_t* s : {&server, &client}) {
    CHECK(s->get(zmq::sockopt::linger) == 0);
    CHECK(s->get(zmq::sockopt::reconnect_ivl) == 250);
    CHECK(s->get(zmq::sockopt::reconnect_ivl_max) == 8000);
    CHECK(s->get(zmq::sockopt::sndhwm) == 17);
    CHECK(s->get(zmq::sockopt::rcvhwm) == 19);
    CHECK(s->get(zmq::sockopt::handshake_ivl) == 3000);
    CHECK(s->get(zmq::sockopt::heartbeat_ivl) == 2000);
    CHECK(s->get(zmq::sockopt::heartbeat_timeout) == 7000);
  }
}

TEST_CASE("Transport: frames travel as byte vectors, empty ones included, and an empty read is nullopt",
          "[sync][transport]") {
  TempDir dir;
  zmq::context_t context;
  zmq::socket_t a(context, zmq::socket_type::dealer), b(context, zmq::socket_type::dealer);
  a.set(zmq::sockopt::linger, 0);
  b.set(zmq::sockopt::linger, 0);
  const std::string endpoint = "ipc://" + (dir / "frames.ipc").string();
  b.bind(endpoint);
  a.connect(endpoint);

  CHECK_FALSE(recv_frames(b, zmq::recv_flags::dontwait).has_value());
  const std::vector<Bytes> frames{text("header"), Bytes{}, random_bytes(256 * 1024, 3), Bytes{0}};
  REQUIRE(send_frames(a, frames));
  zmq::pollitem_t item{b.handle(), 0, ZMQ_POLLIN, 0};
  REQUIRE(zmq::poll(&item, 1, 5000ms) == 1);
  const auto got = recv_frames(b, zmq::recv_flags::dontwait);
  REQUIRE(got.has_value());
  CHECK(*got == frames);
  CHECK_FALSE(recv_frames(b, zmq::recv_flags::dontwait).has_value());
}

TEST_CASE("Transport: user_id_of is empty for a message that came through no ZAP handler", "[sync][transport]") {
  zmq::message_t local(text("made here").data(), 9);
  CHECK(user_id_of(local).empty());

  TempDir dir;
  zmq::context_t context;
  zmq::socket_t server(context, zmq::socket_type::router), client(context, zmq::socket_type::dealer);
  server.set(zmq::sockopt::linger, 0);
  client.set(zmq::sockopt::linger, 0);
  const std::string endpoint = "ipc://" + (dir / "plain.ipc").string();
  server.bind(endpoint);
  client.connect(endpoint);
  REQUIRE(send_frames(client, {text("hello")}));
  auto parts = recv_within(server, 5000ms);
  REQUIRE(parts.has_value());
  REQUIRE(parts->size() == 2);
  CHECK(user_id_of(parts->at(1)).empty());
}

TEST_CASE("Transport: ZAP admits a registered key and its messages carry the user id it was given",
          "[sync][transport][zap]") {
  CurveWorld world;
  const CurveKeyPair device = keys(2);
  world.gate.allow(device, "rep-7");
  std::string endpoint;
  zmq::socket_t router = world.server("outpost-sync", endpoint);
  REQUIRE(port_of(endpoint).has_value());
  zmq::socket_t dealer = world.client(device, endpoint);

  REQUIRE(send_frames(dealer, {text("hello"), Bytes{1, 2, 3}}));
  auto parts = recv_within(router, 5000ms);
  REQUIRE(parts.has_value());
  REQUIRE(parts->size() == 3);  // routing id, then the device's two frames
  CHECK(text_of(parts->at(1)) == "hello");
  CHECK(user_id_of(parts->at(1)) == "rep-7");
  CHECK(user_id_of(parts->at(2)) == "rep-7");
  CHECK(world.gate.asked("outpost-sync", device.public_key()));

  // And the hub can answer it.
  const Bytes route(static_cast<const std::uint8_t*>(parts->at(0).data()),
                    static_cast<const std::uint8_t*>(parts->at(0).data()) + parts->at(0).size());
  REQUIRE(send_frames(router, {route, text("hello.ok")}));
  auto reply = recv_within(dealer, 5000ms);
  REQUIRE(reply.has_value());
  REQUIRE(reply->size() == 1);
  CHECK(text_of(reply->at(0)) == "hello.ok");
}

TEST_CASE("Transport: ZAP refuses an unknown key and its request never arrives", "[sync][transport][zap]") {
  CurveWorld world;
  const CurveKeyPair device = keys(2), stranger = keys(3);
  world.gate.allow(device, "rep-7");
  std::string endpoint;
  zmq::socket_t router = world.server("outpost-sync", endpoint);

  zmq::socket_t intruder = world.client(stranger, endpoint);
  REQUIRE(send_frames(intruder, {text("from the stranger")}));
  // The handler was asked about this very key, and said no.
  REQUIRE(eventually([&] { return world.gate.asked("outpost-sync", stranger.public_key()); }));
  CHECK_FALSE(recv_within(router, 500ms).has_value());

  // The same server still lets the registered device in, and only it.
  zmq::socket_t dealer = world.client(device, endpoint);
  REQUIRE(send_frames(dealer, {text("from the device")}));
  auto parts = recv_within(router, 5000ms);
  REQUIRE(parts.has_value());
  REQUIRE(parts->size() == 2);
  CHECK(text_of(parts->at(1)) == "from the device");
  CHECK(user_id_of(parts->at(1)) == "rep-7");
  CHECK_FALSE(recv_within(router, 500ms).has_value());
}

TEST_CASE("Transport: a client expecting another server key never gets through", "[sync][transport][zap]") {
  CurveWorld world;
  const CurveKeyPair device = keys(2);
  world.gate.allow(device, "rep-7");
  std::string endpoint;
  zmq::socket_t router = world.server("outpost-sync", endpoint);
  zmq::socket_t misled = world.client_for(device, keys(9).public_key(), endpoint);
  REQUIRE(send_frames(misled, {text("hello")}));
  CHECK_FALSE(recv_within(router, 500ms).has_value());
  // The handshake fails before the server would ask ZAP.
  CHECK_FALSE(world.gate.asked("outpost-sync", device.public_key()));
}

TEST_CASE("Transport: each server socket's ZAP domain reaches the handler, which may decide by it",
          "[sync][transport][zap]") {
  CurveWorld world;
  const CurveKeyPair device = keys(2);
  world.gate.allow(device, "rep-7");
  world.gate.only_domain("outpost-sync");
  std::string sync_endpoint, publish_endpoint;
  zmq::socket_t sync_router = world.server("outpost-sync", sync_endpoint);
  zmq::socket_t publish_router = world.server("outpost-publish", publish_endpoint);
  REQUIRE(sync_endpoint != publish_endpoint);

  zmq::socket_t to_publish = world.client(device, publish_endpoint);
  zmq::socket_t to_sync = world.client(device, sync_endpoint);
  REQUIRE(send_frames(to_publish, {text("publish.have")}));
  REQUIRE(send_frames(to_sync, {text("hello")}));

  auto parts = recv_within(sync_router, 5000ms);
  REQUIRE(parts.has_value());
  CHECK(text_of(parts->at(1)) == "hello");
  REQUIRE(eventually([&] { return world.gate.asked("outpost-publish", device.public_key()); }));
  CHECK_FALSE(recv_within(publish_router, 500ms).has_value());
  CHECK(world.gate.domains() == std::set<std::string>{"outpost-sync", "outpost-publish"});
}

TEST_CASE("Transport: send_frames to a vanished peer on a ROUTER_MANDATORY socket returns false at once",
          "[sync][transport]") {
  TempDir dir;
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::router_mandatory, true);
  const std::string endpoint = "ipc://" + (dir / "router.ipc").string();
  router.bind(endpoint);

  // A peer that was never there: refused, whether or not the caller would
  // wait (a send that blocked would hang here until CTest's timeout).
  CHECK_FALSE(send_frames(router, {text("nobody"), text("x")}, zmq::send_flags::dontwait));
  CHECK_FALSE(send_frames(router, {text("nobody"), text("x")}, zmq::send_flags::none));

  // A peer that was there and left.
  {
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::routing_id, "device-1");
    dealer.connect(endpoint);
    REQUIRE(send_frames(dealer, {text("hello")}));
    auto parts = recv_within(router, 5000ms);
    REQUIRE(parts.has_value());
    CHECK(text_of(parts->at(0)) == "device-1");
    CHECK(send_frames(router, {text("device-1"), text("hello.ok")}, zmq::send_flags::dontwait));
    auto reply = recv_within(dealer, 5000ms);
    REQUIRE(reply.has_value());
    CHECK(text_of(reply->at(0)) == "hello.ok");
  }
  CHECK(eventually([&] { return !send_frames(router, {text("device-1"), text("ping")}, zmq::send_flags::dontwait); }));
}

TEST_CASE("Transport: send_frames to a ROUTER peer at its high-water mark returns false instead of blocking",
          "[sync][transport]") {
  TempDir dir;
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router), dealer(context, zmq::socket_type::dealer);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::router_mandatory, true);
  router.set(zmq::sockopt::sndhwm, 4);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::rcvhwm, 4);
  dealer.set(zmq::sockopt::routing_id, "slow-device");
  const std::string endpoint = "ipc://" + (dir / "hwm.ipc").string();
  router.bind(endpoint);
  dealer.connect(endpoint);
  REQUIRE(send_frames(dealer, {text("hello")}));
  REQUIRE(recv_within(router, 5000ms).has_value());

  // The device never reads: the queue and the socket buffers fill up.
  const std::vector<Bytes> chunk{text("slow-device"), text("chunk.data"), random_bytes(64 * 1024, 4)};
  const auto deadline = Clock::now() + 10s;
  std::size_t sent = 0;
  bool refused = false;
  while (!refused && Clock::now() < deadline && sent < 100000) {
    if (send_frames(router, chunk)) {
      ++sent;
    } else {
      refused = true;
    }
  }
  CHECK(refused);
  CHECK(sent >= 1);
  // The peer is still there: once it reads, the router may send again.
  std::size_t drained = 0;
  while (recv_within(dealer, 200ms)) ++drained;
  CHECK(drained == sent);
  CHECK(send_frames(router, chunk));
}
