#include "outpost/hub/store/at_rest.hpp"

#include <algorithm>
#include <string_view>

#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/kdf.hpp"

namespace outpost::hub {

namespace {

void append_be64(Bytes& out, std::uint64_t v) {
  out.resize(out.size() + 8);
  store_be64(out.data() + out.size() - 8, v);
}

// "ev" | journal id length (1 byte) | journal id | seq (8 bytes, big-endian)
Bytes payload_ad(ByteView journal_id, std::uint64_t seq) {
  Bytes ad(3 + journal_id.size());
  ad[0] = 'e';
  ad[1] = 'v';
  ad[2] = static_cast<std::uint8_t>(journal_id.size());
  std::copy(journal_id.begin(), journal_id.end(), ad.begin() + 3);
  append_be64(ad, seq);
  return ad;
}

// "st" | seq (8 bytes, big-endian)
Bytes statement_ad(std::uint64_t seq) {
  Bytes ad{'s', 't'};
  append_be64(ad, seq);
  return ad;
}

}  // namespace

AtRest::AtRest(const crypto::SecretKey& lead_secret)
    : key_(crypto::derive_key(lead_secret, crypto::purpose::hub_at_rest)),
      nonce_key_(crypto::derive_key(lead_secret, crypto::purpose::hub_at_rest_nonces)),
      check_key_(crypto::derive_key(lead_secret, crypto::purpose::hub_at_rest_check)) {}

Bytes AtRest::seal_payload(ByteView journal_id, std::uint64_t seq, ByteView payload) const {
  return crypto::aead_seal_synthetic(key_, nonce_key_, payload, payload_ad(journal_id, seq));
}

std::optional<Bytes> AtRest::open_payload(ByteView journal_id, std::uint64_t seq, ByteView box) const {
  Bytes plain;
  if (!crypto::aead_open(key_, box, payload_ad(journal_id, seq), plain)) return std::nullopt;
  return plain;
}

Bytes AtRest::seal_statement(std::uint64_t seq, ByteView statement) const {
  return crypto::aead_seal_synthetic(key_, nonce_key_, statement, statement_ad(seq));
}

std::optional<Bytes> AtRest::open_statement(std::uint64_t seq, ByteView box) const {
  Bytes plain;
  if (!crypto::aead_open(key_, box, statement_ad(seq), plain)) return std::nullopt;
  return plain;
}

Bytes AtRest::key_check() const {
  constexpr std::string_view text = "outpost hub store at rest, v1";
  const crypto::Digest d = crypto::keyed_blake2b(check_key_, as_bytes(text));
  return Bytes(d.bytes.begin(), d.bytes.end());
}

}  // namespace outpost::hub
