#include "outpost/crypto/kdf.hpp"

#include <sodium.h>

#include <stdexcept>

namespace outpost::crypto {

static_assert(crypto_kdf_KEYBYTES == master_key_size);
static_assert(crypto_kdf_CONTEXTBYTES == sizeof(KeyPurpose::context));

SecretKey derive_key(const SecretKey& master, const KeyPurpose& purpose) {
  if (master.size() != master_key_size) throw std::invalid_argument("master key must be 32 bytes");
  SecretKey sub(32);
  crypto_kdf_derive_from_key(sub.data(), sub.size(), purpose.id, purpose.context, master.data());
  return sub;
}

}  // namespace outpost::crypto
