// Enrollment tokens (sync/protocol/include/outpost/sync/enroll_token.hpp), as
// `outpost enroll TOKEN` reads what a person pasted, and hub addresses
// ("outpost://HOST:PORT#KEY", outpost-publish --hub). Input: byte 0 picks
// the form of the rest - even: the text, read as a token and as a hub
// address; odd: the MessagePack contents of a token, which the harness
// wraps (check digits, base64url, prefix), so mutations get past the check
// digits to the field checks.
// Invariants: neither parser throws; both fail only with invalid_argument;
// a token that parses has valid fields and re-encodes to a token that
// parses equal; a hub address re-formats to one that parses equal.
#include <sodium.h>

#include <cstring>

#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/sodium.hpp"
#include "outpost/sync/enroll_token.hpp"
#include "outpost/sync/hub_address.hpp"
#include "support/fuzz.hpp"

using namespace outpost;

namespace {

std::string wrap(ByteView body) {
  Bytes raw(body.begin(), body.end());
  const crypto::Digest check = crypto::blake2b(body);
  raw.insert(raw.end(), check.bytes.begin(), check.bytes.begin() + 4);
  crypto::ensure_sodium();
  constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(raw.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), variant);
  out.resize(std::strlen(out.c_str()));
  return "OPT1-" + out;
}

void token(const std::string& text) {
  const Result<sync::EnrollToken> t = fuzz::no_throw("EnrollToken::parse", [&] { return sync::EnrollToken::parse(text); });
  fuzz::check_code(t.status(), {Errc::invalid_argument}, "EnrollToken::parse");
  if (!t) return;
  OUTPOST_FUZZ_CHECK(!t->device.empty() && t->device.size() <= 64);
  OUTPOST_FUZZ_CHECK(t->role == "rep" || t->role == "kiosk");
  OUTPOST_FUZZ_CHECK(t->endpoint.starts_with("tcp://"));
  const Result<sync::EnrollToken> again = fuzz::no_throw("EnrollToken::parse (again)", [&] { return sync::EnrollToken::parse(t->encode()); });
  OUTPOST_FUZZ_CHECK_MSG(again.is_ok(), again.status().to_string());
  OUTPOST_FUZZ_CHECK(*again == *t);
}

void hub_address(const std::string& text) {
  const Result<sync::ParsedHubAddress> a = fuzz::no_throw("parse_hub_address", [&] { return sync::parse_hub_address(text); });
  fuzz::check_code(a.status(), {Errc::invalid_argument}, "parse_hub_address");
  if (!a) return;
  const std::string formatted = sync::format_hub_address(a->address, a->key);
  const Result<sync::ParsedHubAddress> again = fuzz::no_throw("parse_hub_address (again)", [&] { return sync::parse_hub_address(formatted); });
  OUTPOST_FUZZ_CHECK_MSG(again.is_ok(), formatted + ": " + again.status().to_string());
  OUTPOST_FUZZ_CHECK(again->address.host == a->address.host && again->address.port == a->address.port &&
                     again->key == a->key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView rest(data + 1, size - 1);
  if (data[0] % 2 == 1) {
    token(wrap(rest));
    return 0;
  }
  token(fuzz::text(rest));
  hub_address(fuzz::text(rest));
  return 0;
}
