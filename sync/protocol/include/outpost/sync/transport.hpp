// ZeroMQ plumbing shared by the hub, the device engine and the publisher:
// CURVE key pairs, CURVE server/client set-up with the socket options every
// Outpost socket gets (LINGER, reconnect backoff, high-water marks), frame
// I/O as byte vectors, and the ZAP handler that decides who may connect.
//
// Every function here is for one socket on one thread (ZeroMQ sockets are
// not thread-safe); a ZapHandler runs its own thread.
#pragma once

#include <zmq.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/log.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/crypto/sign.hpp"

namespace outpost {
class Random;
}

namespace outpost::sync {

using CurvePublicKey = std::array<std::uint8_t, 32>;

// A Curve25519 key pair for ZeroMQ CURVE; the secret lives in guarded memory.
class CurveKeyPair {
 public:
  static CurveKeyPair generate(Random& random);
  static CurveKeyPair from_secret(ByteView secret);  // 32 bytes

  const CurvePublicKey& public_key() const noexcept { return public_; }
  const crypto::SecretKey& secret_key() const noexcept { return secret_; }

 private:
  CurveKeyPair(crypto::SecretKey secret, CurvePublicKey pub) : secret_(std::move(secret)), public_(pub) {}
  crypto::SecretKey secret_;
  CurvePublicKey public_;
};

// A publisher connects with the Curve25519 form of its Ed25519 signing key,
// so the hub's ZAP handler can admit exactly the registered publishers
// (crypto_sign_ed25519_{sk,pk}_to_curve25519).
CurveKeyPair curve_keys_of(const crypto::SigningKey& key);
std::optional<CurvePublicKey> curve_key_of(const crypto::PublicKey& key);

// The key pair a device enrolls with: its secret is BLAKE2b-256 of
// "outpost-enroll-v1" followed by the token's secret. The hub derives the
// public half when it issues the token, so its ZAP handler admits to the
// enrollment port only holders of a token still open - a stranger's
// handshake fails before the hub receives a byte of any message.
CurveKeyPair enrollment_keys(ByteView token_secret);

// Z85, the text form ZeroMQ tools use for CURVE keys (40 characters).
std::string z85(const CurvePublicKey& key);
std::optional<CurvePublicKey> from_z85(std::string_view text);

struct SocketTuning {
  std::chrono::milliseconds linger{0};           // unsent messages are dropped on close
  std::chrono::milliseconds reconnect{100};      // first reconnect delay ...
  std::chrono::milliseconds reconnect_max{5000};  // ... doubling up to this
  int send_hwm = 1000;                           // messages queued per peer before sends fail
  int recv_hwm = 1000;
  std::chrono::milliseconds handshake{5000};
  // ZMTP heartbeats: a peer silent for heartbeat_timeout is disconnected,
  // so a dead link (a NAT that forgot us, a pulled cable) is noticed and
  // reconnected instead of waiting on TCP for minutes.
  std::chrono::milliseconds heartbeat{5000};
  std::chrono::milliseconds heartbeat_timeout{15000};
};

// A CURVE server socket: ZAP decides per domain who gets in (the ZAP
// handler must already be bound, or libzmq admits every key).
void make_curve_server(zmq::socket_t& socket, const CurveKeyPair& keys, const std::string& zap_domain,
                       const SocketTuning& tuning = {});
// A CURVE client socket that expects the server's public key.
void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& keys, const CurvePublicKey& server,
                       const SocketTuning& tuning = {});

// One multipart message as byte vectors; nullopt when a non-blocking read
// finds nothing (EAGAIN). Throws zmq::error_t on other errors.
std::optional<std::vector<Bytes>> recv_frames(zmq::socket_t& socket, zmq::recv_flags flags = zmq::recv_flags::none);
// Sends a multipart message: false when a non-blocking send would block or
// the peer is gone (ROUTER_MANDATORY's EHOSTUNREACH); the message is dropped.
bool send_frames(zmq::socket_t& socket, const std::vector<Bytes>& frames,
                 zmq::send_flags flags = zmq::send_flags::dontwait);

// The value of a message property set by ZAP ("User-Id"), read from a
// received frame.
std::string user_id_of(zmq::message_t& frame);

// "tcp://host:port" -> port, or nullopt.
std::optional<std::uint16_t> port_of(std::string_view endpoint);

// Watches a client socket's handshakes (zmq_socket_monitor), to tell "the
// server refused our key" apart from "no server answers". One thread.
class HandshakeMonitor {
 public:
  HandshakeMonitor(zmq::context_t& context, zmq::socket_t& watched);
  ~HandshakeMonitor();
  HandshakeMonitor(const HandshakeMonitor&) = delete;
  HandshakeMonitor& operator=(const HandshakeMonitor&) = delete;
  // True if a handshake failed on authentication since the last call.
  bool refused();
  zmq::socket_t& socket() noexcept { return pair_; }

 private:
  zmq::socket_t& watched_;
  zmq::socket_t pair_;
};

// Answers ZeroMQ's authentication requests (RFC 27) on
// inproc://zeromq.zap.01 for one context, on its own thread. For each CURVE
// handshake it calls admit(domain, client key): a user id (e.g. the device
// name) admits the client and is attached to its messages as "User-Id";
// nullopt refuses it (status 400). If admit throws (a store it reads
// failed), the client is refused (status 500), the error is logged and the
// handler goes on: one failed lookup never ends the process. Refusals are
// logged too (the domain and the key's first 8 hex digits: public keys
// only). Construct before binding any server socket.
class ZapHandler {
 public:
  using Admit = std::function<std::optional<std::string>(const std::string& domain, const CurvePublicKey& key)>;
  // log must outlive the handler.
  ZapHandler(zmq::context_t& context, Logger& log, Admit admit);
  ZapHandler(zmq::context_t& context, Admit admit) : ZapHandler(context, null_logger(), std::move(admit)) {}
  ~ZapHandler();  // stops the thread
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

 private:
  void run(zmq::socket_t socket);
  zmq::context_t& context_;
  Logger& log_;
  Admit admit_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace outpost::sync
