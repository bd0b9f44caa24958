// The envelope of every sync message (docs/protocol.md §8): a ZeroMQ
// multipart message whose first frame is a MessagePack map
//   {"t": type, "v": protocol version, "id": request id, "b": {body fields}}
// and whose further frames are raw bytes (chunk contents), so bulk data is
// never re-encoded. A reply carries the id of its request.
//
// decode() is the one gate for bytes from the network: it never throws and
// refuses, with a reason, anything empty, oversized, malformed or of another
// protocol version, before any handler sees it. Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/status.hpp"

namespace outpost::sync {

inline constexpr std::uint64_t protocol_version = 1;

struct Limits {
  std::size_t max_header = 64 * 1024;          // the MessagePack frame
  std::size_t max_frames = 65;                 // header + 64 data frames
  // One data frame: a chunk is at most 256 KiB, but a first catalog delta
  // or the recipe of a large asset is bigger (16 MiB: ~466k chunks).
  std::size_t max_frame = 16 * 1024 * 1024;
  std::size_t max_total = 32 * 1024 * 1024;    // all frames together
};

struct Envelope {
  std::string type;                              // "hello", "error", ...
  std::uint64_t id = 0;                          // request id
  nlohmann::json body = nlohmann::json::object();  // the type's fields (a map)
  std::vector<Bytes> data;                       // raw frames after the header
};

std::vector<Bytes> encode(const Envelope& envelope);
// The same, moving the data frames out of envelope (no copy of bulk bytes).
std::vector<Bytes> encode(Envelope&& envelope);

// invalid_argument naming what is wrong; unsupported for another protocol
// version (with both versions in the message).
Result<Envelope> decode(const std::vector<Bytes>& frames, const Limits& limits = {});
// The same, moving the data frames out of frames when it succeeds.
Result<Envelope> decode(std::vector<Bytes>&& frames, const Limits& limits = {});

// The token for an error code on the wire: "not_found", "integrity", ...
std::string_view wire_code(Errc code);

// The reply to a request that cannot be served: type "error",
// body {code: wire_code, message}.
Envelope error_reply(std::uint64_t id, const Status& status);

}  // namespace outpost::sync
