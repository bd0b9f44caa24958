// KeyStore: where a device keeps its 32-byte master key, from which every
// other device key is derived (crypto/kdf.hpp). On phones this is the
// Keychain / Android Keystore; on Linux a 0600 file (FileKeyStore),
// optionally wrapped with a passphrase. Destroying the master key
// crypto-shreds everything encrypted under it.
// A KeyStore instance is not thread-safe; use one per thread or lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "outpost/base/status.hpp"
#include "outpost/crypto/secret_key.hpp"

namespace outpost {
class Random;
}

namespace outpost::keys {

using crypto::SecretKey;

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  virtual bool has_master_key() const = 0;
  // not_found if none is stored; wrong_key for a wrong passphrase;
  // permission if the storage is exposed to other users.
  virtual Result<SecretKey> load_master_key() = 0;
  // already_exists if a key is stored: keys are never silently replaced.
  virtual Status store_master_key(const SecretKey& key) = 0;
  // Irreversibly removes the key. Not an error if none is stored.
  virtual Status destroy_master_key() = 0;
};

// Generates and stores a new master key.
Result<SecretKey> create_master_key(KeyStore& store, Random& random);

// Holds the key in guarded memory only; for tests and ephemeral devices.
class MemoryKeyStore final : public KeyStore {
 public:
  bool has_master_key() const override { return key_.has_value(); }
  Result<SecretKey> load_master_key() override;
  Status store_master_key(const SecretKey& key) override;
  Status destroy_master_key() override;

 private:
  std::optional<SecretKey> key_;
};

// Argon2id cost of turning a passphrase into a wrapping key.
struct PassphraseCost {
  std::uint64_t ops;
  std::size_t mem_bytes;
  static PassphraseCost interactive();  // libsodium's INTERACTIVE limits
  static PassphraseCost minimum();      // for tests only: fast, weak
};

// A key file readable only by its owner (refuses group/other permissions),
// stored plain or wrapped with a passphrase through Argon2id and
// XChaCha20-Poly1305. The format is in docs/security.md.
class FileKeyStore final : public KeyStore {
 public:
  // passphrase empty: the key is stored unwrapped (the OS protects it).
  FileKeyStore(std::filesystem::path path, Random& random, std::string passphrase = {},
               PassphraseCost cost = PassphraseCost::interactive());
  ~FileKeyStore() override;
  FileKeyStore(const FileKeyStore&) = delete;
  FileKeyStore& operator=(const FileKeyStore&) = delete;

  bool has_master_key() const override;
  Result<SecretKey> load_master_key() override;
  Status store_master_key(const SecretKey& key) override;
  Status destroy_master_key() override;

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
  Random& random_;
  std::optional<SecretKey> passphrase_;
  PassphraseCost cost_;
};

}  // namespace outpost::keys
