// What a hub store holds at rest that names a document or a person - the
// catalog's signed statements (titles, descriptions, search text) and the
// journal events' payloads (usage, search queries, feedback comments) - is
// sealed with XChaCha20-Poly1305 under keys derived from the hub's lead
// secret (hub.keys), with a synthetic nonce and associated data that binds
// each box to its row. Every backend seals the same way. Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>

#include "outpost/base/bytes.hpp"
#include "outpost/crypto/secret_key.hpp"

namespace outpost::hub {

class AtRest {
 public:
  explicit AtRest(const crypto::SecretKey& lead_secret);

  Bytes seal_payload(ByteView journal_id, std::uint64_t seq, ByteView payload) const;
  // nullopt: the box was not sealed for this row with this hub's keys.
  std::optional<Bytes> open_payload(ByteView journal_id, std::uint64_t seq, ByteView box) const;
  Bytes seal_statement(std::uint64_t seq, ByteView statement) const;
  std::optional<Bytes> open_statement(std::uint64_t seq, ByteView box) const;

  // Recorded in the store when it is first sealed, so a store opened with
  // another hub's keys is refused at once instead of row by row.
  Bytes key_check() const;

 private:
  crypto::SecretKey key_;
  crypto::SecretKey nonce_key_;
  crypto::SecretKey check_key_;
};

}  // namespace outpost::hub
