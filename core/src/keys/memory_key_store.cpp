#include "outpost/base/random.hpp"
#include "outpost/crypto/kdf.hpp"
#include "outpost/keys/key_store.hpp"

namespace outpost::keys {

Result<SecretKey> create_master_key(KeyStore& store, Random& random) {
  SecretKey key = SecretKey::random(random, crypto::master_key_size);
  if (Status s = store.store_master_key(key); !s) return s;
  return key;
}

Result<SecretKey> MemoryKeyStore::load_master_key() {
  if (!key_) return Status(Errc::not_found, "no master key in the in-memory key store");
  return SecretKey::from_bytes(key_->view());
}

Status MemoryKeyStore::store_master_key(const SecretKey& key) {
  if (key_) return {Errc::already_exists, "the in-memory key store already holds a master key"};
  key_.emplace(SecretKey::from_bytes(key.view()));
  return Status::ok();
}

Status MemoryKeyStore::destroy_master_key() {
  key_.reset();
  return Status::ok();
}

}  // namespace outpost::keys
