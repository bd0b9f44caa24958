#include "outpost/sync/enroll_token.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/sodium.hpp"

namespace outpost::sync {

namespace {

using json = nlohmann::json;

constexpr std::string_view prefix = "OPT1-";
constexpr std::size_t check_size = 4;
constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

Status bad(const std::string& why) { return {Errc::invalid_argument, "enrollment token: " + why}; }

json bin(ByteView b) { return json::binary(std::vector<std::uint8_t>(b.begin(), b.end())); }

bool valid_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
  });
}

template <std::size_t N>
bool take_bytes(const json& doc, const char* key, std::array<std::uint8_t, N>& out) {
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_binary() || it->get_binary().size() != N) return false;
  std::copy(it->get_binary().begin(), it->get_binary().end(), out.begin());
  return true;
}

}  // namespace

std::string EnrollToken::encode() const {
  Bytes body = json::to_msgpack(json{{"device", device},
                                     {"role", role},
                                     {"endpoint", endpoint},
                                     {"hub_curve_key", bin(hub_curve_key)},
                                     {"root_key", bin(root_key.bytes)},
                                     {"secret", bin(secret)},
                                     {"expires_at", to_unix_ms(expires_at)}});
  const crypto::Digest check = crypto::blake2b(body);
  body.insert(body.end(), check.bytes.begin(), check.bytes.begin() + check_size);
  crypto::ensure_sodium();
  std::string out(sodium_base64_encoded_len(body.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), body.data(), body.size(), variant);
  out.resize(std::strlen(out.c_str()));
  sodium_memzero(body.data(), body.size());  // it holds the secret
  return std::string(prefix) + out;
}

Result<EnrollToken> EnrollToken::parse(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
  if (!text.starts_with(prefix)) return bad("not an Outpost enrollment token (it starts with " + std::string(prefix) + ")");
  text.remove_prefix(prefix.size());
  if (text.empty()) return bad("mistyped or cut short (nothing after the prefix)");
  if (text.size() > 4096) return bad("too long");
  crypto::ensure_sodium();
  Bytes raw(text.size());
  std::size_t len = 0;
  if (sodium_base642bin(raw.data(), raw.size(), text.data(), text.size(), nullptr, &len, nullptr, variant) != 0 ||
      len <= check_size) {
    return bad("mistyped or cut short (not base64url)");
  }
  raw.resize(len);
  const ByteView body(raw.data(), len - check_size);
  const crypto::Digest check = crypto::blake2b(body);
  if (std::memcmp(check.bytes.data(), raw.data() + body.size(), check_size) != 0) {
    sodium_memzero(raw.data(), raw.size());
    return bad("mistyped or cut short (its check digits do not match)");
  }
  json doc;
  try {
    doc = json::from_msgpack(body.begin(), body.end());
  } catch (const json::exception&) {
    doc = nullptr;
  }
  sodium_memzero(raw.data(), raw.size());
  if (!doc.is_object()) return bad("malformed contents");
  EnrollToken t;
  auto text_field = [&](const char* key, std::string& out) {
    const auto it = doc.find(key);
    if (it == doc.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  if (!text_field("device", t.device) || !valid_name(t.device)) return bad("field 'device' is missing or malformed");
  if (!text_field("role", t.role) || (t.role != "rep" && t.role != "kiosk")) {
    return bad("field 'role' must be rep or kiosk");
  }
  if (!text_field("endpoint", t.endpoint) || !t.endpoint.starts_with("tcp://") || t.endpoint.size() > 256) {
    return bad("field 'endpoint' must be tcp://host:port");
  }
  if (!take_bytes(doc, "hub_curve_key", t.hub_curve_key)) return bad("field 'hub_curve_key' must be 32 bytes");
  if (!take_bytes(doc, "root_key", t.root_key.bytes)) return bad("field 'root_key' must be 32 bytes");
  if (!take_bytes(doc, "secret", t.secret)) return bad("field 'secret' must be 32 bytes");
  const auto exp = doc.find("expires_at");
  if (exp == doc.end() || !exp->is_number_integer()) return bad("field 'expires_at' is missing");
  t.expires_at = from_unix_ms(exp->get<std::int64_t>());
  auto& secret_bytes = doc["secret"].get_binary();
  sodium_memzero(secret_bytes.data(), secret_bytes.size());
  return t;
}

}  // namespace outpost::sync
