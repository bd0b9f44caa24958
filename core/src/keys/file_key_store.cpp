// Key file format (all integers little-endian):
//   "OPK1" | kind (1 byte: 0 plain, 1 passphrase)
//   plain:      key (32)
//   passphrase: ops (8) | mem (8) | salt (16) | nonce (24) | sealed key (32) | tag (16)
// For a passphrase file the 37-byte header before the nonce is the AEAD's
// associated data, so the cost parameters cannot be altered unnoticed.
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "outpost/base/guard.hpp"
#include "outpost/base/random.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/kdf.hpp"
#include "outpost/keys/key_store.hpp"
#include "outpost/storage/file_io.hpp"

namespace outpost::keys {

namespace {

constexpr std::uint8_t magic[4] = {'O', 'P', 'K', '1'};
constexpr std::uint8_t kind_plain = 0;
constexpr std::uint8_t kind_passphrase = 1;
constexpr std::size_t key_size = crypto::master_key_size;
constexpr std::size_t salt_size = crypto_pwhash_SALTBYTES;
constexpr std::size_t header_size = sizeof magic + 1;
constexpr std::size_t plain_size = header_size + key_size;
constexpr std::size_t wrap_header_size = header_size + 8 + 8 + salt_size;
constexpr std::uint64_t max_ops = 4 * crypto_pwhash_OPSLIMIT_SENSITIVE;
constexpr std::uint64_t max_mem = crypto_pwhash_MEMLIMIT_SENSITIVE;  // 1 GiB
constexpr std::size_t wrapped_size = wrap_header_size + 24 + key_size + crypto::aead_tag_size;

void put_u64(std::uint8_t* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint64_t get_u64(const std::uint8_t* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{in[i]} << (8 * i);
  return v;
}

SecretKey wrapping_key(const SecretKey& passphrase, const std::uint8_t* salt, std::uint64_t ops, std::size_t mem) {
  SecretKey key(crypto::aead_key_size);
  if (crypto_pwhash(key.data(), key.size(), reinterpret_cast<const char*>(passphrase.data()), passphrase.size(), salt,
                    ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw Error(Errc::io, "not enough memory to derive the passphrase key");
  }
  return key;
}

Status check_permissions(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno_status(errno, "cannot read key file " + path.string());
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return {Errc::permission, "key file " + path.string() + " is accessible by other users (mode " + mode +
                                  "); refusing to use it. Run: chmod 600 " + path.string()};
  }
  if (st.st_uid != ::geteuid()) {
    return {Errc::permission, "key file " + path.string() + " is owned by another user; refusing to use it"};
  }
  return Status::ok();
}

}  // namespace

PassphraseCost PassphraseCost::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PassphraseCost PassphraseCost::minimum() { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }

FileKeyStore::FileKeyStore(std::filesystem::path path, Random& random, std::string passphrase, PassphraseCost cost)
    : path_(std::move(path)), random_(random), cost_(cost) {
  if (!passphrase.empty()) {
    passphrase_.emplace(SecretKey::from_bytes(as_bytes(passphrase)));
    crypto::wipe({reinterpret_cast<std::uint8_t*>(passphrase.data()), passphrase.size()});
  }
}

FileKeyStore::~FileKeyStore() = default;

bool FileKeyStore::has_master_key() const {
  std::error_code ec;
  return std::filesystem::exists(path_, ec);
}

Result<SecretKey> FileKeyStore::load_master_key() {
  return guarded([&]() -> Result<SecretKey> {
    if (!has_master_key()) return Status(Errc::not_found, "no key file at " + path_.string());
    if (Status s = check_permissions(path_); !s) return s;
    Bytes file = storage::read_file(path_);
    struct Wipe {
      Bytes& b;
      ~Wipe() { crypto::wipe(b); }
    } wipe_file{file};

    if (file.size() < header_size || !std::equal(std::begin(magic), std::end(magic), file.begin())) {
      return Status(Errc::corrupt, "not an Outpost key file: " + path_.string());
    }
    const std::uint8_t kind = file[4];
    if (kind == kind_plain) {
      if (file.size() != plain_size) return Status(Errc::corrupt, "truncated key file: " + path_.string());
      if (passphrase_) return Status(Errc::wrong_key, "key file " + path_.string() + " is not passphrase-protected");
      return SecretKey::from_bytes(ByteView(file).subspan(header_size, key_size));
    }
    if (kind != kind_passphrase || file.size() != wrapped_size) {
      return Status(Errc::corrupt, "unknown or truncated key file: " + path_.string());
    }
    if (!passphrase_) {
      return Status(Errc::wrong_key, "key file " + path_.string() + " is passphrase-protected; give the passphrase");
    }
    const std::uint8_t* p = file.data() + header_size;
    const std::uint64_t ops = get_u64(p);
    const std::uint64_t mem = get_u64(p + 8);
    // The cost is read before anything can be authenticated: bound it so a
    // tampered file cannot make unlocking take hours or exhaust memory.
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > max_ops || mem < crypto_pwhash_MEMLIMIT_MIN || mem > max_mem) {
      return Status(Errc::corrupt, "key file has implausible passphrase cost parameters: " + path_.string());
    }
    const SecretKey wrap = wrapping_key(*passphrase_, p + 16, ops, static_cast<std::size_t>(mem));
    const ByteView box = ByteView(file).subspan(wrap_header_size);
    Bytes plain;
    if (!crypto::aead_open(wrap, box, ByteView(file).first(wrap_header_size), plain)) {
      return Status(Errc::wrong_key, "wrong passphrase for key file " + path_.string());
    }
    SecretKey key = SecretKey::from_bytes(plain);
    crypto::wipe(plain);
    return key;
  });
}

Status FileKeyStore::store_master_key(const SecretKey& key) {
  return guarded([&]() -> Status {
    if (key.size() != key_size) return {Errc::invalid_argument, "master key must be 32 bytes"};
    Bytes file(magic, magic + sizeof magic);
    struct Wipe {
      Bytes& b;
      ~Wipe() { crypto::wipe(b); }
    } wipe_file{file};
    if (!passphrase_) {
      file.push_back(kind_plain);
      file.insert(file.end(), key.data(), key.data() + key.size());
    } else {
      file.push_back(kind_passphrase);
      file.resize(wrap_header_size);
      put_u64(file.data() + header_size, cost_.ops);
      put_u64(file.data() + header_size + 8, cost_.mem_bytes);
      random_.fill({file.data() + header_size + 16, salt_size});
      const SecretKey wrap = wrapping_key(*passphrase_, file.data() + header_size + 16, cost_.ops, cost_.mem_bytes);
      const Bytes box = crypto::aead_seal(wrap, random_, key.view(), ByteView(file));
      file.insert(file.end(), box.begin(), box.end());
    }
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path());
    storage::create_file_durably(path_, file, 0600);
    return Status::ok();
  });
}

Status FileKeyStore::destroy_master_key() {
  return guarded([&]() -> Status {
    storage::shred_file(path_);
    return Status::ok();
  });
}

}  // namespace outpost::keys
