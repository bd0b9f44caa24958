// Subkey derivation (crypto_kdf, BLAKE2b based) from a device master key.
// Every purpose has its own (context, id) so keys never serve two roles;
// the list below is the only place purposes are defined.
#pragma once

#include <cstdint>

#include "outpost/crypto/secret_key.hpp"

namespace outpost::crypto {

struct KeyPurpose {
  char context[8];  // exactly 8 characters, no terminator
  std::uint64_t id;
};

namespace purpose {
inline constexpr KeyPurpose chunk_encryption{{'O', 'P', 'c', 'a', 'c', 'h', 'e', '1'}, 1};
inline constexpr KeyPurpose chunk_names{{'O', 'P', 'c', 'a', 'c', 'h', 'e', '1'}, 2};
inline constexpr KeyPurpose key_check{{'O', 'P', 'c', 'a', 'c', 'h', 'e', '1'}, 3};
// Seals what the device catalog's gate trusts (keyed BLAKE2b).
inline constexpr KeyPurpose catalog_seal{{'O', 'P', 'c', 'a', 't', 'l', 'g', '1'}, 1};
// Encrypt the signed statements the device catalog stores (XChaCha20-Poly1305
// with a synthetic nonce under the second key): titles, descriptions and
// search text never sit in clear in catalog.db.
inline constexpr KeyPurpose catalog_envelopes{{'O', 'P', 'c', 'a', 't', 'l', 'g', '1'}, 2};
inline constexpr KeyPurpose catalog_envelope_nonces{{'O', 'P', 'c', 'a', 't', 'l', 'g', '1'}, 3};
// The device's search index: keyed hashes of the words and prefixes it
// indexes, and the encryption of each entry's title and facets.
inline constexpr KeyPurpose search_tokens{{'O', 'P', 's', 'e', 'a', 'r', 'c', 'h'}, 1};
inline constexpr KeyPurpose search_entries{{'O', 'P', 's', 'e', 'a', 'r', 'c', 'h'}, 2};
inline constexpr KeyPurpose search_entry_nonces{{'O', 'P', 's', 'e', 'a', 'r', 'c', 'h'}, 3};
inline constexpr KeyPurpose journal_payloads{{'O', 'P', 'j', 'r', 'n', 'l', '_', '1'}, 1};
inline constexpr KeyPurpose lead_dedupe{{'O', 'P', 'l', 'e', 'a', 'd', 's', '1'}, 1};
// A rep device's X25519 secret key: the hub seals the leads assigned to the
// device to its public half (the device's "lead box").
inline constexpr KeyPurpose lead_inbox{{'O', 'P', 'l', 'e', 'a', 'd', 's', '1'}, 2};
// The device's CURVE secret key for the hub link (a Curve25519 scalar).
inline constexpr KeyPurpose device_transport{{'O', 'P', 's', 'y', 'n', 'c', '_', '1'}, 1};
// The keyed hash of the device home's record (home.json): the root key it
// pinned and the journal it created.
inline constexpr KeyPurpose home_record{{'O', 'P', 'h', 'o', 'm', 'e', '_', '1'}, 1};
// The hub's store at rest (sync/hub/src/store/at_rest.hpp), from the hub's
// lead secret: the encryption of statements and event payloads, its
// synthetic nonces, and the key-check value the store records.
inline constexpr KeyPurpose hub_at_rest{{'O', 'P', 'h', 'u', 'b', 's', 't', '1'}, 1};
inline constexpr KeyPurpose hub_at_rest_nonces{{'O', 'P', 'h', 'u', 'b', 's', 't', '1'}, 2};
inline constexpr KeyPurpose hub_at_rest_check{{'O', 'P', 'h', 'u', 'b', 's', 't', '1'}, 3};
}  // namespace purpose

inline constexpr std::size_t master_key_size = 32;

// master must be 32 bytes; returns a 32-byte subkey.
SecretKey derive_key(const SecretKey& master, const KeyPurpose& purpose);

}  // namespace outpost::crypto
