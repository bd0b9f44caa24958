#include "outpost/leads/attendees.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "outpost/base/guard.hpp"
#include "outpost/base/random.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"

namespace outpost::leads {

namespace {

using json = nlohmann::json;

constexpr std::string_view format_name = "outpost-attendees/1";
constexpr std::size_t salt_size = 32;
constexpr std::size_t id_size = 16;

ByteView text_bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// keyed BLAKE2b(salt, label 0x00 code)
crypto::Digest derive(const crypto::SecretKey& salt, std::string_view label, const std::string& code) {
  Bytes input(text_bytes(label).begin(), text_bytes(label).end());
  input.push_back(0);
  input.insert(input.end(), code.begin(), code.end());
  const crypto::Digest d = crypto::keyed_blake2b(salt, input);
  crypto::wipe(input);
  return d;
}

std::string entry_id(const crypto::SecretKey& salt, const std::string& code) {
  const crypto::Digest d = derive(salt, "id", code);
  return to_hex(ByteView(d.bytes.data(), id_size));
}

crypto::SecretKey entry_key(const crypto::SecretKey& salt, const std::string& code) {
  crypto::Digest d = derive(salt, "key", code);
  crypto::SecretKey key = crypto::SecretKey::from_bytes(ByteView(d.bytes.data(), d.bytes.size()));
  crypto::wipe(MutableByteView(d.bytes.data(), d.bytes.size()));
  return key;
}

}  // namespace

std::string normal_badge(std::string_view badge) {
  const auto space = [](unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  std::size_t b = 0, e = badge.size();
  while (b < e && space(static_cast<unsigned char>(badge[b]))) ++b;
  while (e > b && space(static_cast<unsigned char>(badge[e - 1]))) --e;
  std::string out(badge.substr(b, e - b));
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Result<Bytes> make_attendee_list(const std::string& show, const std::vector<Attendee>& attendees, Random& random) {
  return guarded([&]() -> Result<Bytes> {
    if (show.empty()) return Status(Errc::invalid_argument, "attendee list: no show named");
    crypto::SecretKey salt = crypto::SecretKey::random(random, salt_size);
    json entries = json::object();
    std::set<std::string> seen;
    for (std::size_t i = 0; i < attendees.size(); ++i) {
      const std::string code = normal_badge(attendees[i].badge);
      if (code.empty()) {
        return Status(Errc::invalid_argument, "attendee list: entry " + std::to_string(i + 1) + " has no badge code");
      }
      if (!seen.insert(code).second) {
        return Status(Errc::invalid_argument, "attendee list: badge code '" + code + "' appears twice");
      }
      const std::string id = entry_id(salt, code);
      Bytes plain = json::to_msgpack(json(attendees[i].fields));
      const crypto::SecretKey key = entry_key(salt, code);
      const Bytes box = crypto::aead_seal(key, random, plain, text_bytes(id));
      crypto::wipe(plain);
      entries[id] = to_hex(box);
    }
    const json doc = {{"format", format_name}, {"show", show}, {"salt", to_hex(salt.view())}, {"attendees", entries}};
    const std::string text = doc.dump();
    return Bytes(text.begin(), text.end());
  });
}

Result<AttendeeList> AttendeeList::parse(ByteView content) {
  return guarded([&]() -> Result<AttendeeList> {
    const json doc = json::parse(content.begin(), content.end(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return Status(Errc::invalid_argument, "attendee list: not a JSON object");
    if (doc.value("format", "") != format_name) {
      return Status(Errc::unsupported, "attendee list: format is not " + std::string(format_name));
    }
    AttendeeList list;
    const auto show = doc.find("show");
    if (show == doc.end() || !show->is_string() || show->get<std::string>().empty()) {
      return Status(Errc::invalid_argument, "attendee list: no show named");
    }
    list.show_ = show->get<std::string>();
    const auto salt_hex = doc.find("salt");
    std::optional<Bytes> salt = salt_hex != doc.end() && salt_hex->is_string() ? from_hex(salt_hex->get<std::string>())
                                                                               : std::nullopt;
    if (!salt || salt->size() != salt_size) return Status(Errc::invalid_argument, "attendee list: salt is not 32 bytes of hex");
    list.salt_ = std::move(*salt);
    const auto entries = doc.find("attendees");
    if (entries == doc.end() || !entries->is_object()) {
      return Status(Errc::invalid_argument, "attendee list: \"attendees\" is not an object");
    }
    for (const auto& [id, box_hex] : entries->items()) {
      std::optional<Bytes> box = box_hex.is_string() ? from_hex(box_hex.get<std::string>()) : std::nullopt;
      if (id.size() != 2 * id_size || !from_hex(id) || !box) {
        return Status(Errc::invalid_argument, "attendee list: entry '" + id.substr(0, 40) + "' is malformed");
      }
      list.boxes_.emplace(id, std::move(*box));
    }
    return list;
  });
}

Result<std::optional<std::map<std::string, std::string>>> AttendeeList::find(std::string_view badge) const {
  using Found = std::optional<std::map<std::string, std::string>>;
  return guarded([&]() -> Result<Found> {
    const std::string code = normal_badge(badge);
    if (code.empty()) return Status(Errc::invalid_argument, "no badge code given");
    const crypto::SecretKey salt = crypto::SecretKey::from_bytes(salt_);
    const std::string id = entry_id(salt, code);
    const auto it = boxes_.find(id);
    if (it == boxes_.end()) return Found();
    const crypto::SecretKey key = entry_key(salt, code);
    Bytes plain;
    if (!crypto::aead_open(key, it->second, text_bytes(id), plain)) {
      return Status(Errc::integrity, "attendee list: the entry of badge '" + code + "' does not decrypt");
    }
    const json fields = json::from_msgpack(plain, true, false);
    crypto::wipe(plain);
    if (fields.is_discarded() || !fields.is_object()) {
      return Status(Errc::integrity, "attendee list: the entry of badge '" + code + "' is malformed");
    }
    std::map<std::string, std::string> out;
    for (const auto& [name, value] : fields.items()) {
      if (value.is_string()) out[name] = value.get<std::string>();
    }
    return Found(std::move(out));
  });
}

}  // namespace outpost::leads
