#include "outpost/catalog/statement.hpp"

#include <nlohmann/json.hpp>

#include <cstring>

namespace outpost::catalog {

namespace {

using nlohmann::json;
constexpr std::string_view signing_prefix{"OutpostStatement/1\0", 19};

Bytes signed_message(ByteView body) {
  Bytes message(signing_prefix.size() + body.size());
  std::memcpy(message.data(), signing_prefix.data(), signing_prefix.size());
  if (!body.empty()) std::memcpy(message.data() + signing_prefix.size(), body.data(), body.size());
  return message;
}

}  // namespace

std::string_view type_name(StatementType type) {
  switch (type) {
    case StatementType::release: return "release";
    case StatementType::revocation: return "revocation";
    case StatementType::timestamp: return "timestamp";
    case StatementType::trust_list: return "trust-list";
  }
  return "?";
}

std::optional<StatementType> type_from_name(std::string_view name) {
  for (auto t : {StatementType::release, StatementType::revocation, StatementType::timestamp,
                 StatementType::trust_list}) {
    if (type_name(t) == name) return t;
  }
  return std::nullopt;
}

Bytes SignedStatement::encode() const {
  json envelope = json::array({json::binary(body), json::binary(Bytes(signer.bytes.begin(), signer.bytes.end())),
                               json::binary(Bytes(signature.bytes.begin(), signature.bytes.end()))});
  return json::to_msgpack(envelope);
}

Result<SignedStatement> SignedStatement::decode(ByteView envelope) {
  json parsed = json::from_msgpack(envelope.begin(), envelope.end(), true, false);
  if (parsed.is_discarded() || !parsed.is_array() || parsed.size() != 3 || !parsed[0].is_binary() ||
      !parsed[1].is_binary() || !parsed[2].is_binary()) {
    return Status(Errc::corrupt, "malformed statement envelope");
  }
  SignedStatement s;
  s.body = parsed[0].get_binary();
  const auto& signer = parsed[1].get_binary();
  const auto& sig = parsed[2].get_binary();
  auto signature = crypto::Signature::from_bytes(sig);
  if (signer.size() != 32 || !signature) return Status(Errc::corrupt, "malformed statement signer or signature");
  std::copy(signer.begin(), signer.end(), s.signer.bytes.begin());
  s.signature = *signature;
  return s;
}

crypto::Digest SignedStatement::digest() const { return crypto::blake2b(encode()); }

Result<StatementType> SignedStatement::peek_type() const {
  json parsed = json::from_msgpack(body.begin(), body.end(), true, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("type") || !parsed["type"].is_string()) {
    return Status(Errc::corrupt, "statement body has no type");
  }
  auto type = type_from_name(parsed["type"].get<std::string>());
  if (!type) return Status(Errc::corrupt, "unknown statement type '" + parsed["type"].get<std::string>() + "'");
  return *type;
}

bool SignedStatement::signature_valid() const { return crypto::verify(signer, signed_message(body), signature); }

SignedStatement sign_statement(Bytes body, const crypto::SigningKey& key) {
  SignedStatement s;
  s.signature = key.sign(signed_message(body));
  s.signer = key.public_key();
  s.body = std::move(body);
  return s;
}

}  // namespace outpost::catalog
