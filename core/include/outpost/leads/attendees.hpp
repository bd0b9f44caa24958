// An event's attendee list, published as an asset of kind "attendees", so a
// kiosk resolves a scanned badge to a pre-filled lead form with no network.
//
// Each attendee's details are encrypted under a key derived from their own
// badge code: the list names nobody to whoever holds it (a kiosk, a stolen
// kiosk, the hub's chunk store) until a badge is scanned. Format (JSON):
//   {"format": "outpost-attendees/1", "show": SHOW, "salt": HEX32,
//    "attendees": {ID: BOX, ...}}
//   code = the badge code trimmed and upper-cased (ASCII)
//   ID   = hex of the first 16 bytes of keyed BLAKE2b(salt, "id" 0x00 code)
//   key  = keyed BLAKE2b(salt, "key" 0x00 code)
//   BOX  = hex of XChaCha20-Poly1305(key; associated data ID) of the
//          MessagePack map {field name: value} (nonce || ciphertext || tag)
// What it does not protect: badge codes that can be guessed (sequential
// numbers) can be tried one by one by anyone holding the list, at BLAKE2b
// speed. Use random badge codes where the list must stay private.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/status.hpp"

namespace outpost {
class Random;
}

namespace outpost::leads {

struct Attendee {
  std::string badge;
  std::map<std::string, std::string> fields;  // form field name -> value (email, name, company, ...)
};

// The asset's content for these attendees (invalid_argument for an empty or
// duplicate badge code, or an empty show).
Result<Bytes> make_attendee_list(const std::string& show, const std::vector<Attendee>& attendees, Random& random);

class AttendeeList {
 public:
  // invalid_argument naming what is wrong (format, salt, an entry).
  static Result<AttendeeList> parse(ByteView content);

  const std::string& show() const noexcept { return show_; }
  std::size_t size() const noexcept { return boxes_.size(); }
  // The attendee's fields; nullopt when the badge is not on the list.
  // integrity when the entry exists but does not decrypt (a damaged list).
  Result<std::optional<std::map<std::string, std::string>>> find(std::string_view badge) const;

 private:
  std::string show_;
  Bytes salt_;
  std::map<std::string, Bytes> boxes_;  // ID (hex) -> box
};

// The badge code as it is keyed: trimmed, ASCII upper case.
std::string normal_badge(std::string_view badge);

}  // namespace outpost::leads
