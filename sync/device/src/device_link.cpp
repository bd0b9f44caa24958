// Enrollment and the device's link file: plain ZeroMQ, no Asio.
#include <nlohmann/json.hpp>

#include "outpost/base/guard.hpp"
#include "outpost/storage/file_io.hpp"
#include "outpost/sync/device_sync.hpp"
#include "outpost/sync/messages.hpp"

namespace outpost::sync {

namespace {
using json = nlohmann::json;
}

Status DeviceLink::save(const fs::path& root) const {
  return guarded([&]() -> Status {
    const json doc{{"format", "outpost-link/1"}, {"device", device},
                   {"role", role},               {"sync_endpoint", sync_endpoint},
                   {"notice_endpoint", notice_endpoint}, {"hub_key", z85(hub_key)}};
    const std::string text = doc.dump(2) + "\n";
    storage::create_file_durably(path(root), as_bytes(text), 0600);
    return {};
  });
}

Result<DeviceLink> DeviceLink::load(const fs::path& root) {
  return guarded([&]() -> Result<DeviceLink> {
    if (!fs::exists(path(root))) {
      return Status(Errc::not_found, "this device is not enrolled (run: outpost --home " + root.string() +
                                         " enroll TOKEN, with a token from outpost-hub enroll-token)");
    }
    const Bytes bytes = storage::read_file(path(root));
    const json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
    const Status bad(Errc::corrupt, path(root).string() + " is damaged (enroll the device again)");
    if (!doc.is_object() || doc.value("format", "") != "outpost-link/1") return bad;
    DeviceLink link;
    link.device = doc.value("device", "");
    link.role = doc.value("role", "");
    link.sync_endpoint = doc.value("sync_endpoint", "");
    link.notice_endpoint = doc.value("notice_endpoint", "");
    const auto key = from_z85(doc.value("hub_key", ""));
    if (!key || link.device.empty() || link.sync_endpoint.empty()) return bad;
    link.hub_key = *key;
    return link;
  });
}

CurveKeyPair transport_keys(const device::DeviceHome& home) {
  return CurveKeyPair::from_secret(home.transport_secret().view());
}

Result<DeviceLink> enroll(device::DeviceHome& home, const EnrollToken& token, std::chrono::milliseconds timeout) {
  return guarded([&]() -> Result<DeviceLink> {
    if (fs::exists(DeviceLink::path(home.root()))) {
      return Status(Errc::already_exists, "this device is enrolled already (as in " +
                                              DeviceLink::path(home.root()).string() + ")");
    }
    if (Status s = home.pin_root(token.root_key); !s) {
      if (s.code() == Errc::already_exists) {
        return Status(Errc::permission, "the token is for another organisation (its root key differs from the "
                                        "one this device trusts)");
      }
      return s;
    }
    const CurveKeyPair keys = transport_keys(home);
    zmq::context_t context;
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    // The token's key gets this connection in; the body names the device's own key.
    make_curve_client(socket, enrollment_keys(token.secret), token.hub_curve_key);
    socket.connect(token.endpoint);
    msg::Enroll request;
    request.secret = token.secret;
    request.device_key = keys.public_key();
    Envelope envelope = request.to_envelope(1);
    send_frames(socket, encode(envelope), zmq::send_flags::none);
    crypto::wipe(envelope.body["secret"].get_binary());
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) == 0) {
      return Status(Errc::io, "the hub at " + token.endpoint + " did not answer within " +
                                  std::to_string(timeout.count() / 1000) +
                                  " s (is it running and reachable? A token that hub never issued gets no "
                                  "answer at all)");
    }
    auto frames = recv_frames(socket);
    auto reply = decode(*frames);
    if (!reply) return reply.status();
    auto ok = msg::expect<msg::EnrollOk>(*reply);
    if (!ok) return ok.status();
    DeviceLink link{ok->device, ok->role, ok->sync_endpoint, ok->notice_endpoint, token.hub_curve_key};
    if (Status s = link.save(home.root()); !s) return s;
    return link;
  });
}

}  // namespace outpost::sync
