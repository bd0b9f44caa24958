#include "outpost/sync/envelope.hpp"

namespace outpost::sync {

namespace {

using json = nlohmann::json;

constexpr std::size_t max_type = 64;

Status refuse(const std::string& why) { return {Errc::invalid_argument, "sync message refused: " + why}; }

}  // namespace

std::vector<Bytes> encode(const Envelope& e) {
  std::vector<Bytes> frames;
  frames.reserve(1 + e.data.size());
  frames.push_back(json::to_msgpack(json{{"t", e.type}, {"v", protocol_version}, {"id", e.id}, {"b", e.body}}));
  frames.insert(frames.end(), e.data.begin(), e.data.end());
  return frames;
}

std::vector<Bytes> encode(Envelope&& e) {
  std::vector<Bytes> frames;
  frames.reserve(1 + e.data.size());
  frames.push_back(json::to_msgpack(json{{"t", e.type}, {"v", protocol_version}, {"id", e.id}, {"b", e.body}}));
  for (Bytes& d : e.data) frames.push_back(std::move(d));
  e.data.clear();
  return frames;
}

Result<Envelope> decode(const std::vector<Bytes>& frames, const Limits& limits) {
  return decode(std::vector<Bytes>(frames), limits);
}

Result<Envelope> decode(std::vector<Bytes>&& frames, const Limits& limits) {
  if (frames.empty()) return refuse("no frames");
  if (frames.size() > limits.max_frames) {
    return refuse(std::to_string(frames.size()) + " frames (at most " + std::to_string(limits.max_frames) + ")");
  }
  const Bytes& head = frames.front();
  if (head.size() > limits.max_header) {
    return refuse("header of " + std::to_string(head.size()) + " bytes (at most " +
                  std::to_string(limits.max_header) + ")");
  }
  std::size_t total = head.size();
  for (std::size_t i = 1; i < frames.size(); ++i) {
    if (frames[i].size() > limits.max_frame) {
      return refuse("data frame " + std::to_string(i) + " of " + std::to_string(frames[i].size()) +
                    " bytes (at most " + std::to_string(limits.max_frame) + ")");
    }
    total += frames[i].size();
  }
  if (total > limits.max_total) return refuse("message of " + std::to_string(total) + " bytes in all");

  json doc;
  try {
    doc = json::from_msgpack(head.begin(), head.end());
  } catch (const json::exception&) {
    return refuse("the header frame is not MessagePack");
  }
  if (!doc.is_object()) return refuse("the header is not a map");
  for (const auto& [key, value] : doc.items()) {
    if (key != "t" && key != "v" && key != "id" && key != "b") return refuse("unknown header field '" + key + "'");
  }
  const auto v = doc.find("v");
  if (v == doc.end() || !v->is_number_unsigned()) return refuse("no protocol version 'v'");
  if (v->get<std::uint64_t>() != protocol_version) {
    return Status(Errc::unsupported, "sync message refused: protocol version " + std::to_string(v->get<std::uint64_t>()) +
                                         " (this side speaks " + std::to_string(protocol_version) + ")");
  }
  const auto t = doc.find("t");
  if (t == doc.end() || !t->is_string() || t->get_ref<const std::string&>().empty() ||
      t->get_ref<const std::string&>().size() > max_type) {
    return refuse("no message type 't' (a string of 1 to 64 bytes)");
  }
  const auto id = doc.find("id");
  if (id == doc.end() || !id->is_number_unsigned()) return refuse("no request id 'id'");
  Envelope e;
  e.type = t->get<std::string>();
  e.id = id->get<std::uint64_t>();
  if (const auto b = doc.find("b"); b != doc.end()) {
    if (!b->is_object()) return refuse("the body 'b' is not a map");
    e.body = std::move(*b);
  }
  e.data.assign(std::make_move_iterator(frames.begin() + 1), std::make_move_iterator(frames.end()));
  return e;
}

std::string_view wire_code(Errc code) {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::not_found: return "not_found";
    case Errc::already_exists: return "already_exists";
    case Errc::integrity: return "integrity";
    case Errc::wrong_key: return "wrong_key";
    case Errc::permission: return "permission";
    case Errc::io: return "io";
    case Errc::disk_full: return "disk_full";
    case Errc::corrupt: return "corrupt";
    case Errc::unsupported: return "unsupported";
    case Errc::busy: return "busy";
  }
  return "io";
}

Envelope error_reply(std::uint64_t id, const Status& status) {
  Envelope e;
  e.type = "error";
  e.id = id;
  e.body = {{"code", std::string(wire_code(status.code()))}, {"message", status.message()}};
  return e;
}

}  // namespace outpost::sync
