#include "outpost/sync/transport.hpp"

#include <sodium.h>

#include <charconv>
#include <cstring>

#include "outpost/base/random.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/sodium.hpp"
#include "outpost/sync/envelope.hpp"

namespace outpost::sync {

CurveKeyPair CurveKeyPair::generate(Random& random) {
  crypto::SecretKey secret = crypto::SecretKey::random(random, 32);
  return from_secret(secret.view());
}

CurveKeyPair CurveKeyPair::from_secret(ByteView secret) {
  if (secret.size() != 32) throw Error(Errc::invalid_argument, "a CURVE secret key is 32 bytes");
  crypto::ensure_sodium();
  CurvePublicKey pub{};
  if (crypto_scalarmult_base(pub.data(), secret.data()) != 0) {
    throw Error(Errc::invalid_argument, "unusable CURVE secret key");
  }
  return {crypto::SecretKey::from_bytes(secret), pub};
}

CurveKeyPair curve_keys_of(const crypto::SigningKey& key) {
  crypto::ensure_sodium();
  const crypto::SecretKey seed = key.seed();
  crypto::SecretKey ed_secret(crypto_sign_SECRETKEYBYTES);
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> ed_public{};
  crypto_sign_seed_keypair(ed_public.data(), ed_secret.data(), seed.data());
  crypto::SecretKey curve_secret(32);
  crypto_sign_ed25519_sk_to_curve25519(curve_secret.data(), ed_secret.data());
  return CurveKeyPair::from_secret(curve_secret.view());
}

CurveKeyPair enrollment_keys(ByteView token_secret) {
  constexpr std::string_view label = "outpost-enroll-v1";
  crypto::SecretKey input(label.size() + token_secret.size());
  std::memcpy(input.data(), label.data(), label.size());
  std::memcpy(input.data() + label.size(), token_secret.data(), token_secret.size());
  crypto::Digest secret = crypto::blake2b(input.view());
  CurveKeyPair keys = CurveKeyPair::from_secret(secret.view());
  crypto::wipe(secret.bytes);
  return keys;
}

std::optional<CurvePublicKey> curve_key_of(const crypto::PublicKey& key) {
  crypto::ensure_sodium();
  CurvePublicKey out{};
  if (crypto_sign_ed25519_pk_to_curve25519(out.data(), key.bytes.data()) != 0) return std::nullopt;
  return out;
}

std::string z85(const CurvePublicKey& key) {
  char text[41] = {};
  zmq_z85_encode(text, key.data(), key.size());
  return text;
}

std::optional<CurvePublicKey> from_z85(std::string_view text) {
  // zmq_z85_decode reads a C string: a NUL inside would end it early and
  // leave the rest of the key zero.
  if (text.size() != 40 || text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string copy(text);
  CurvePublicKey key{};
  if (zmq_z85_decode(key.data(), copy.c_str()) == nullptr) return std::nullopt;
  return key;
}

namespace {

void tune(zmq::socket_t& socket, const SocketTuning& tuning) {
  socket.set(zmq::sockopt::linger, static_cast<int>(tuning.linger.count()));
  socket.set(zmq::sockopt::reconnect_ivl, static_cast<int>(tuning.reconnect.count()));
  socket.set(zmq::sockopt::reconnect_ivl_max, static_cast<int>(tuning.reconnect_max.count()));
  socket.set(zmq::sockopt::sndhwm, tuning.send_hwm);
  socket.set(zmq::sockopt::rcvhwm, tuning.recv_hwm);
  socket.set(zmq::sockopt::handshake_ivl, static_cast<int>(tuning.handshake.count()));
  socket.set(zmq::sockopt::heartbeat_ivl, static_cast<int>(tuning.heartbeat.count()));
  socket.set(zmq::sockopt::heartbeat_timeout, static_cast<int>(tuning.heartbeat_timeout.count()));
}

}  // namespace

void make_curve_server(zmq::socket_t& socket, const CurveKeyPair& keys, const std::string& zap_domain,
                       const SocketTuning& tuning) {
  tune(socket, tuning);
  socket.set(zmq::sockopt::zap_domain, zap_domain);
  // A peer sending a frame over the envelope's limit is cut off by libzmq
  // before the frame is buffered whole.
  socket.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(Limits{}.max_frame + Limits{}.max_header));
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(keys.secret_key().data(), 32));
}

void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& keys, const CurvePublicKey& server,
                       const SocketTuning& tuning) {
  tune(socket, tuning);
  socket.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server.data(), server.size()));
  socket.set(zmq::sockopt::curve_publickey, zmq::const_buffer(keys.public_key().data(), 32));
  socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(keys.secret_key().data(), 32));
}

std::optional<std::vector<Bytes>> recv_frames(zmq::socket_t& socket, zmq::recv_flags flags) {
  std::vector<Bytes> frames;
  zmq::message_t frame;
  do {
    if (!socket.recv(frame, frames.empty() ? flags : zmq::recv_flags::none)) return std::nullopt;
    const auto* p = static_cast<const std::uint8_t*>(frame.data());
    frames.emplace_back(p, p + frame.size());
  } while (frame.more());
  return frames;
}

bool send_frames(zmq::socket_t& socket, const std::vector<Bytes>& frames, zmq::send_flags flags) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const bool last = i + 1 == frames.size();
    try {
      const auto sent = socket.send(zmq::const_buffer(frames[i].data(), frames[i].size()),
                                    last ? flags : (flags | zmq::send_flags::sndmore));
      // A multipart message is atomic: only its first frame can fail to queue.
      if (!sent) return false;
    } catch (const zmq::error_t& e) {
      if (e.num() == EHOSTUNREACH) return false;  // ROUTER_MANDATORY: the peer is gone
      throw;
    }
  }
  return true;
}

std::string user_id_of(zmq::message_t& frame) {
  // Not cppzmq's gets(), which throws when the property is absent.
  const char* value = zmq_msg_gets(frame.handle(), "User-Id");
  return value == nullptr ? std::string() : std::string(value);
}

std::optional<std::uint16_t> port_of(std::string_view endpoint) {
  const auto colon = endpoint.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  unsigned port = 0;
  const char* first = endpoint.data() + colon + 1;
  const char* last = endpoint.data() + endpoint.size();
  const auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || end != last || port == 0 || port > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(port);
}

// ---- handshake monitor

HandshakeMonitor::HandshakeMonitor(zmq::context_t& context, zmq::socket_t& watched)
    : watched_(watched), pair_(context, zmq::socket_type::pair) {
  const std::string endpoint = "inproc://outpost-monitor-" + std::to_string(reinterpret_cast<std::uintptr_t>(&watched));
  if (zmq_socket_monitor(watched.handle(), endpoint.c_str(),
                         ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0) {
    throw zmq::error_t();
  }
  pair_.set(zmq::sockopt::linger, 0);
  pair_.connect(endpoint);
}

HandshakeMonitor::~HandshakeMonitor() { (void)zmq_socket_monitor(watched_.handle(), nullptr, 0); }

bool HandshakeMonitor::refused() {
  bool refused = false;
  while (auto event = recv_frames(pair_, zmq::recv_flags::dontwait)) {
    if (event->empty() || event->front().size() < 2) continue;
    const std::uint16_t id = static_cast<std::uint16_t>(event->front()[0] | (event->front()[1] << 8));
    if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) refused = true;
  }
  return refused;
}

// ---- ZAP (RFC 27)

ZapHandler::ZapHandler(zmq::context_t& context, Logger& log, Admit admit)
    : context_(context), log_(log), admit_(std::move(admit)) {
  zmq::socket_t socket(context_, zmq::socket_type::rep);
  socket.set(zmq::sockopt::linger, 0);
  socket.bind("inproc://zeromq.zap.01");  // before any server socket binds
  thread_ = std::thread([this, s = std::move(socket)]() mutable { run(std::move(s)); });
}

ZapHandler::~ZapHandler() {
  stop_ = true;
  thread_.join();
}

void ZapHandler::run(zmq::socket_t socket) {
  auto text = [](const Bytes& b) { return std::string(b.begin(), b.end()); };
  while (!stop_) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    try {
      if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
      auto request = recv_frames(socket, zmq::recv_flags::dontwait);
      if (!request) continue;
      // version, request id, domain, address, routing id, mechanism, credentials...
      std::string status = "400", reason = "refused", user;
      if (request->size() >= 6 && text((*request)[0]) == "1.0") {
        const std::string mechanism = text((*request)[5]);
        if (mechanism == "CURVE" && request->size() == 7 && (*request)[6].size() == 32) {
          CurvePublicKey key{};
          std::memcpy(key.data(), (*request)[6].data(), key.size());
          const std::string domain = text((*request)[2]);
          try {
            if (auto admitted = admit_(domain, key)) {
              status = "200";
              reason = "OK";
              user = std::move(*admitted);
            }
          } catch (const std::exception& e) {
            status = "500";
            reason = "internal error";
            log_.error("zap.error", {{"domain", domain}, {"key", to_hex(key).substr(0, 8)}, {"what", e.what()}});
          }
          if (status == "400") log_.info("zap.refused", {{"domain", domain}, {"key", to_hex(key).substr(0, 8)}});
        } else {
          reason = "CURVE required";
          log_.info("zap.refused", {{"mechanism", mechanism}, {"reason", reason}});
        }
      }
      const Bytes request_id = request->size() > 1 ? (*request)[1] : Bytes();
      send_frames(socket,
                  {Bytes{'1', '.', '0'}, request_id, Bytes(status.begin(), status.end()),
                   Bytes(reason.begin(), reason.end()), Bytes(user.begin(), user.end()), Bytes()},
                  zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;  // the context is shutting down
      log_.error("zap.error", {{"what", e.what()}});
    }
  }
}

}  // namespace outpost::sync
