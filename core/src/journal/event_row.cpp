#include "outpost/journal/event_row.hpp"

#include <cstring>

#include "outpost/base/seq.hpp"

namespace outpost::journal {

namespace {

using json = nlohmann::json;

json bin(ByteView b) { return json::binary(std::vector<std::uint8_t>(b.begin(), b.end())); }

std::optional<crypto::Digest> digest_of(const json& v) {
  if (!v.is_binary()) return std::nullopt;
  return crypto::Digest::from_bytes(v.get_binary());
}

}  // namespace

json to_row(const StoredEvent& e) {
  return json::array({e.seq, e.time.value, e.type->name, e.payload ? bin(*e.payload) : json(nullptr),
                      bin(e.payload_hash.bytes), bin(e.hash.bytes)});
}

Result<StoredEvent> from_row(const json& row) {
  auto bad = [](const std::string& why) { return Status(Errc::invalid_argument, "journal event row: " + why); };
  if (!row.is_array() || row.size() != 6) return bad("not an array of 6 fields");
  if (!row[0].is_number_unsigned() || !row[1].is_number_unsigned()) return bad("seq and time must be numbers");
  if (!row[2].is_string()) return bad("the type is not a string");
  StoredEvent e;
  e.seq = row[0].get<std::uint64_t>();
  if (e.seq == 0) return bad("seq 0");
  if (e.seq > max_seq) return bad("seq " + std::to_string(e.seq) + " is above 2^63-1, the largest seq");
  e.time = HlcTime{row[1].get<std::uint64_t>()};
  e.type = find_type(row[2].get_ref<const std::string&>());
  if (e.type == nullptr) return bad("unknown event type '" + row[2].get<std::string>() + "'");
  const auto payload_hash = digest_of(row[4]);
  const auto hash = digest_of(row[5]);
  if (!payload_hash || !hash) return bad("event " + std::to_string(e.seq) + ": a hash is not 32 bytes");
  e.payload_hash = *payload_hash;
  e.hash = *hash;
  if (!row[3].is_null()) {
    if (!row[3].is_binary()) return bad("event " + std::to_string(e.seq) + ": the payload is not bytes");
    Bytes payload = row[3].get_binary();
    if (crypto::blake2b(payload) != e.payload_hash) {
      return bad("event " + std::to_string(e.seq) + ": the payload does not match its hash");
    }
    if (Result<Event> parsed = Event::parse(e.type->name, payload); !parsed) {
      return bad("event " + std::to_string(e.seq) + ": " + parsed.status().message());
    }
    e.payload = std::move(payload);
  }
  return e;
}

bool links_to(const ChainLink& previous, const StoredEvent& e) {
  return e.seq == previous.seq + 1 && chain_hash(previous.hash, e.seq, e.time, e.type->name, e.payload_hash) == e.hash;
}

}  // namespace outpost::journal
