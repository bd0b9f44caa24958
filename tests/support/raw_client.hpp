// A raw DEALER on a device's own transport key, for speaking the sync
// protocol by hand (or badly) to a hub in a test.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "outpost/device/home.hpp"
#include "outpost/sync/envelope.hpp"
#include "outpost/sync/messages.hpp"
#include "outpost/sync/transport.hpp"

namespace outpost::test {

struct RawClient {
  zmq::context_t context;
  zmq::socket_t socket{context, zmq::socket_type::dealer};
  RawClient(const sync::CurveKeyPair& keys, const sync::CurvePublicKey& hub, const std::string& endpoint) {
    sync::make_curve_client(socket, keys, hub);
    socket.connect(endpoint);
  }
  void send(const std::vector<Bytes>& frames) { REQUIRE(sync::send_frames(socket, frames, zmq::send_flags::none)); }
  void send(const sync::Envelope& e) { send(sync::encode(e)); }
  // The next reply within the wait, or nullopt (for a test that expects
  // none, or counts what comes).
  std::optional<sync::Envelope> reply(std::chrono::milliseconds wait = std::chrono::seconds(3)) {
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, wait) == 0) return std::nullopt;
    auto frames = sync::recv_frames(socket);
    REQUIRE(frames);
    auto e = sync::decode(*frames);
    REQUIRE(e.is_ok());
    return std::move(e).value();
  }
  // Sends e and returns the reply, failing the test when none comes within
  // the wait (a bound against hanging: the hub answers every request).
  sync::Envelope ask(const sync::Envelope& e, std::chrono::milliseconds wait = std::chrono::seconds(5)) {
    send(e);
    auto r = reply(wait);
    REQUIRE(r);
    return std::move(*r);
  }
};

inline sync::Envelope hello_for(device::DeviceHome& home, std::uint64_t id) {
  return sync::msg::Hello{home.journal().id(), home.catalog().status().seq, 0}.to_envelope(id);
}

// The error code of a reply, or nullopt when it is not an error.
inline std::optional<Errc> error_code(const sync::Envelope& reply) {
  if (reply.type != sync::msg::ErrorMsg::type) return std::nullopt;
  auto error = sync::msg::ErrorMsg::parse(reply);
  if (!error) return std::nullopt;
  return error->code;
}

}  // namespace outpost::test
