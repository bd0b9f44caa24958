// Signed statements: the unit of trust in the catalog. A statement is the
// exact bytes of a MessagePack body plus the signer's Ed25519 public key and
// signature; it is stored and sent as those bytes and never re-encoded
// before verification. The signature covers a domain-separation prefix and
// the body, and the body names its own type, so a signature made for one
// kind of statement cannot be replayed as another.
// Value types; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "outpost/base/bytes.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/sign.hpp"

namespace outpost::catalog {

enum class StatementType { release, revocation, timestamp, trust_list };

std::string_view type_name(StatementType type);
std::optional<StatementType> type_from_name(std::string_view name);

struct SignedStatement {
  Bytes body;  // MessagePack map with a "type" key
  crypto::PublicKey signer;
  crypto::Signature signature;

  // MessagePack array [body (bin), signer (bin 32), signature (bin 64)].
  Bytes encode() const;
  static Result<SignedStatement> decode(ByteView envelope);

  // BLAKE2b-256 of encode(): what the catalog digest chains over.
  crypto::Digest digest() const;
  // The "type" of the body, without verifying anything (for routing).
  Result<StatementType> peek_type() const;
  // True if the signature is valid for signer over this body.
  bool signature_valid() const;

  friend bool operator==(const SignedStatement&, const SignedStatement&) = default;
};

// Signs a MessagePack body (which must carry its "type").
SignedStatement sign_statement(Bytes body, const crypto::SigningKey& key);

}  // namespace outpost::catalog
