// MemoryKeyStore and FileKeyStore: storing, loading and destroying the
// device master key; file permissions; passphrase wrapping; damaged files.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "outpost/base/random.hpp"
#include "outpost/keys/key_store.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::keys;
using outpost::test::read_file;
using outpost::test::SeededRandom;
using outpost::test::TempDir;
using outpost::test::write_file;
namespace fs = std::filesystem;

namespace {

// Layout of a key file (see file_key_store.cpp / docs/security.md):
//   "OPK1" | kind | plain: key (32)
//                 | wrapped: ops (8) | mem (8) | salt (16) | nonce (24) | sealed key (32) | tag (16)
constexpr std::size_t plain_file_size = 5 + 32;
constexpr std::size_t wrapped_file_size = 5 + 8 + 8 + 16 + 24 + 32 + 16;
constexpr std::size_t ops_offset = 5;
constexpr std::size_t mem_offset = 13;
constexpr std::size_t salt_offset = 21;

unsigned file_mode(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void set_mode(const fs::path& path, unsigned mode) { REQUIRE(::chmod(path.c_str(), mode) == 0); }

// Writes bytes as a key file with safe permissions (write_file honours the
// umask, which would leave it world-readable).
void write_key_file(const fs::path& path, ByteView bytes) {
  write_file(path, bytes);
  set_mode(path, 0600);
}

std::vector<std::string> dir_entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  return names;
}

// Stores a key and returns a copy of it.
SecretKey store_new_key(KeyStore& store, Random& random) {
  Result<SecretKey> created = create_master_key(store, random);
  REQUIRE(created.is_ok());
  return std::move(created).value();
}

// Restores the working directory on destruction.
class CwdGuard {
 public:
  explicit CwdGuard(const fs::path& dir) : old_(fs::current_path()) { fs::current_path(dir); }
  ~CwdGuard() {
    std::error_code ec;
    fs::current_path(old_, ec);
  }
  CwdGuard(const CwdGuard&) = delete;
  CwdGuard& operator=(const CwdGuard&) = delete;

 private:
  fs::path old_;
};

}  // namespace

// ------------------------------------------------------------ MemoryKeyStore

TEST_CASE("MemoryKeyStore: create then load returns the same key", "[core][keys]") {
  SeededRandom random(1);
  MemoryKeyStore store;
  CHECK_FALSE(store.has_master_key());
  const SecretKey key = store_new_key(store, random);
  CHECK(key.size() == 32);
  CHECK(store.has_master_key());
  Result<SecretKey> loaded = store.load_master_key();
  REQUIRE(loaded.is_ok());
  CHECK(loaded->equals(key));
}

TEST_CASE("MemoryKeyStore: a second store is refused with already_exists", "[core][keys]") {
  SeededRandom random(2);
  MemoryKeyStore store;
  const SecretKey key = store_new_key(store, random);
  const SecretKey other = SecretKey::random(random, 32);
  const Status s = store.store_master_key(other);
  CHECK(s.code() == Errc::already_exists);
  Result<SecretKey> again = create_master_key(store, random);
  REQUIRE_FALSE(again.is_ok());
  CHECK(again.status().code() == Errc::already_exists);
  Result<SecretKey> loaded = store.load_master_key();
  REQUIRE(loaded.is_ok());
  CHECK(loaded->equals(key));  // not replaced
}

TEST_CASE("MemoryKeyStore: load with no key is not_found, destroy removes it", "[core][keys]") {
  SeededRandom random(3);
  MemoryKeyStore store;
  CHECK(store.load_master_key().status().code() == Errc::not_found);
  CHECK(store.destroy_master_key().is_ok());  // nothing stored: not an error
  (void)store_new_key(store, random);
  CHECK(store.destroy_master_key().is_ok());
  CHECK_FALSE(store.has_master_key());
  CHECK(store.load_master_key().status().code() == Errc::not_found);
  // A new key may be stored after destroying the old one.
  const SecretKey fresh = store_new_key(store, random);
  Result<SecretKey> loaded = store.load_master_key();
  REQUIRE(loaded.is_ok());
  CHECK(loaded->equals(fresh));
}

TEST_CASE("MemoryKeyStore: the stored key is a copy of the caller's", "[core][keys]") {
  SeededRandom random(4);
  MemoryKeyStore store;
  SecretKey key = SecretKey::random(random, 32);
  const SecretKey expected = SecretKey::from_bytes(key.view());
  REQUIRE(store.store_master_key(key).is_ok());
  key.data()[0] ^= 0xff;
  Result<SecretKey> loaded = store.load_master_key();
  REQUIRE(loaded.is_ok());
  CHECK(loaded->equals(expected));
}

// -------------------------------------------------------- FileKeyStore plain

TEST_CASE("FileKeyStore: create then load returns the same key", "[core][keys]") {
  TempDir dir;
  SeededRandom random(10);
  FileKeyStore store(dir / "master.key", random);
  CHECK_FALSE(store.has_master_key());
  const SecretKey key = store_new_key(store, random);
  CHECK(store.has_master_key());
  CHECK(fs::file_size(dir / "master.key") == plain_file_size);

  Result<SecretKey> loaded = store.load_master_key();
  REQUIRE(loaded.is_ok());
  CHECK(loaded->equals(key));

  // A second store object on the same file sees the same key.
  FileKeyStore reopened(dir / "master.key", random);
  Result<SecretKey> loaded2 = reopened.load_master_key();
  REQUIRE(loaded2.is_ok());
  CHECK(loaded2->equals(key));
}

TEST_CASE("FileKeyStore: the key file has mode 0600 and no temp file is left", "[core][keys]") {
  TempDir dir;
  SeededRandom random(11);
  FileKeyStore store(dir / "master.key", random);
  (void)store_new_key(store, random);
  CHECK(file_mode(dir / "master.key") == 0600);
  CHECK(dir_entries(dir.path()) == std::vector<std::string>{"master.key"});
}

TEST_CASE("FileKeyStore: the parent directory is created if missing", "[core][keys]") {
  TempDir dir;
  SeededRandom random(12);
  FileKeyStore store(dir / "a" / "b" / "master.key", random);
  const SecretKey key = store_new_key(store, random);
  Result<SecretKey> loaded = store.load_master_key();
  REQUIRE(loaded.is_ok());
  CHECK(loaded->equals(key));
  CHECK(dir_entries(dir / "a" / "b") == std::vector<std::string>{"master.key"});
}

TEST_CASE("FileKeyStore: a key file given as a bare relative file name works", "[core][keys]") {
  TempDir dir;
  SeededRandom random(13);
  CwdGuard cwd(dir.path());
  FileKeyStore store("master.key", random);
  Result<SecretKey> created = create_master_key(store, random);
  INFO(created.status().to_string());
  REQUIRE(created.is_ok());
  Result<SecretKey> loaded = store.load_master_key();
  REQUIRE(loaded.is_ok());
  CHECK(loaded->equals(created.value()));
  CHECK(fs::exists(dir / "master.key"));
}

TEST_CASE("FileKeyStore: a second store is refused and leaves the file alone", "[core][keys]") {
  TempDir dir;
  SeededRandom random(14);
  FileKeyStore store(dir / "master.key", random);
  const SecretKey key = store_new_key(store, random);
  const Bytes before = read_file(dir / "master.key");

  const SecretKey other = SecretKey::random(random, 32);
  CHECK(store.store_master_key(other).code() == Errc::already_exists);
  FileKeyStore second(dir / "master.key", random);
  CHECK(second.store_master_key(other).code() == Errc::already_exists);

  CHECK(read_file(dir / "master.key") == before);
  Result<SecretKey> loaded = store.load_master_key();
  REQUIRE(loaded.is_ok());
  CHECK(loaded->equals(key));
  CHECK(dir_entries(dir.path()) == std::vector<std::string>{"master.key"});
}

TEST_CASE("FileKeyStore: load with no key file is not_found", "[core][keys]") {
  TempDir dir;
  SeededRandom random(15);
  FileKeyStore store(dir / "master.key", random);
  Result<SecretKey> loaded = store.load_master_key();
  REQUIRE_FALSE(loaded.is_ok());
  CHECK(loaded.status().code() == Errc::not_found);
  FileKeyStore wrapped(dir / "other.key", random, "secret", PassphraseCost::minimum());
  CHECK(wrapped.load_master_key().status().code() == Errc::not_found);
}

TEST_CASE("FileKeyStore: a key of the wrong size is refused", "[core][keys]") {
  TempDir dir;
  SeededRandom random(16);
  FileKeyStore store(dir / "master.key", random);
  const SecretKey small = SecretKey::random(random, 16);
  CHECK(store.store_master_key(small).code() == Errc::invalid_argument);
  CHECK_FALSE(fs::exists(dir / "master.key"));
}

TEST_CASE("FileKeyStore: a key file readable by others is refused with a chmod hint", "[core][keys]") {
  TempDir dir;
  SeededRandom random(17);
  const fs::path path = dir / "master.key";
  FileKeyStore store(path, random);
  const SecretKey key = store_new_key(store, random);

  for (const unsigned mode : {0644u, 0640u, 0604u, 0660u, 0601u, 0610u, 0700u | 0020u}) {
    INFO("mode " << std::oct << mode);
    set_mode(path, mode);
    Result<SecretKey> loaded = store.load_master_key();
    REQUIRE_FALSE(loaded.is_ok());
    CHECK(loaded.status().code() == Errc::permission);
    CHECK_THAT(loaded.status().message(), Catch::Contains("chmod 600"));
    CHECK_THAT(loaded.status().message(), Catch::Contains(path.string()));
  }

  // Fixing the mode as the message says makes the key usable again.
  set_mode(path, 0600);
  Result<SecretKey> loaded = store.load_master_key();
  REQUIRE(loaded.is_ok());
  CHECK(loaded->equals(key));
  set_mode(path, 0400);
  Result<SecretKey> read_only = store.load_master_key();
  REQUIRE(read_only.is_ok());
  CHECK(read_only->equals(key));
}

TEST_CASE("FileKeyStore: destroy removes the file and a later load is not_found", "[core][keys]") {
  TempDir dir;
  SeededRandom random(18);
  const fs::path path = dir / "master.key";
  FileKeyStore store(path, random);
  (void)store_new_key(store, random);
  REQUIRE(fs::exists(path));

  CHECK(store.destroy_master_key().is_ok());
  CHECK_FALSE(fs::exists(path));
  CHECK_FALSE(store.has_master_key());
  CHECK(store.load_master_key().status().code() == Errc::not_found);
  CHECK(dir_entries(dir.path()).empty());

  // Destroying again (nothing stored) is not an error.
  CHECK(store.destroy_master_key().is_ok());
  // And a new key can be created afterwards.
  const SecretKey fresh = store_new_key(store, random);
  Result<SecretKey> loaded = store.load_master_key();
  REQUIRE(loaded.is_ok());
  CHECK(loaded->equals(fresh));
}

TEST_CASE("FileKeyStore: destroy removes a read-only (0400) key file", "[core][keys]") {
  // load_master_key accepts a 0400 file (readable only by its owner), so
  // destroying it must work too: removing a file needs no write access to
  // the file itself.
  TempDir dir;
  const fs::path home = dir / "home";
  fs::create_directory(home);
  const fs::path path = home / "master.key";
  const auto body = [&]() -> int {
    SeededRandom random(40);
    FileKeyStore store(path, random);
    if (!create_master_key(store, random).is_ok()) return 10;
    if (::chmod(path.c_str(), 0400) != 0) return 11;
    if (!store.load_master_key().is_ok()) return 12;
    const Status s = store.destroy_master_key();
    if (!s.is_ok()) return s.code() == Errc::permission ? 20 : 21;
    if (fs::exists(path)) return 22;
    if (store.load_master_key().status().code() != Errc::not_found) return 23;
    return 0;
  };
  int result = -1;
  if (::geteuid() == 0) {
    // Root may write to any file; run as an ordinary user to see what the
    // owner of the key file sees.
    REQUIRE(::chown(home.c_str(), 65534, 65534) == 0);
    const pid_t pid = outpost::test::fork_child([&]() -> int {
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) return 30;
      return body();
    });
    result = outpost::test::wait_child(pid);
  } else {
    result = body();
  }
  INFO("exit code 20: destroy_master_key failed with Errc::permission; 22: the file is still there");
  CHECK(result == 0);
}

TEST_CASE("FileKeyStore: destroy with no key file is ok", "[core][keys]") {
  TempDir dir;
  SeededRandom random(19);
  FileKeyStore store(dir / "master.key", random);
  CHECK(store.destroy_master_key().is_ok());
  FileKeyStore missing_dir(dir / "nowhere" / "master.key", random);
  CHECK(missing_dir.destroy_master_key().is_ok());
}

TEST_CASE("FileKeyStore: corrupt or truncated files are refused and left unchanged", "[core][keys]") {
  TempDir dir;
  SeededRandom random(20);
  const fs::path path = dir / "master.key";

  // A genuine plain file and a genuine wrapped one, to damage.
  Bytes plain;
  {
    FileKeyStore store(dir / "plain.key", random);
    (void)store_new_key(store, random);
    plain = read_file(dir / "plain.key");
    REQUIRE(plain.size() == plain_file_size);
  }
  Bytes wrapped;
  {
    FileKeyStore store(dir / "wrapped.key", random, "pass", PassphraseCost::minimum());
    (void)store_new_key(store, random);
    wrapped = read_file(dir / "wrapped.key");
    REQUIRE(wrapped.size() == wrapped_file_size);
  }

  struct Case {
    const char* name;
    Bytes bytes;
  };
  std::vector<Case> cases;
  cases.push_back({"empty", {}});
  cases.push_back({"garbage", outpost::test::random_bytes(plain_file_size, 7)});
  cases.push_back({"garbage, wrapped size", outpost::test::random_bytes(wrapped_file_size, 8)});
  cases.push_back({"magic only", Bytes{'O', 'P', 'K', '1'}});
  {
    Bytes b = plain;
    b[0] = 'X';
    cases.push_back({"wrong magic (plain)", b});
  }
  {
    Bytes b = wrapped;
    b[3] = '2';
    cases.push_back({"wrong magic (wrapped)", b});
  }
  {
    Bytes b = plain;
    b[4] = 7;
    cases.push_back({"unknown kind", b});
  }
  cases.push_back({"truncated plain", Bytes(plain.begin(), plain.end() - 1)});
  cases.push_back({"plain header only", Bytes(plain.begin(), plain.begin() + 5)});
  {
    Bytes b = plain;
    b.push_back(0);
    cases.push_back({"extended plain", b});
  }
  cases.push_back({"truncated wrapped", Bytes(wrapped.begin(), wrapped.end() - 1)});
  cases.push_back({"wrapped cut to plain size", Bytes(wrapped.begin(), wrapped.begin() + plain_file_size)});
  {
    Bytes b = wrapped;
    b.push_back(0);
    cases.push_back({"extended wrapped", b});
  }
  {
    Bytes b = plain;
    b[4] = 1;  // claims to be wrapped but has the plain size
    cases.push_back({"plain claiming to be wrapped", b});
  }

  for (const Case& c : cases) {
    for (const bool with_passphrase : {false, true}) {
      INFO(c.name << (with_passphrase ? " (opened with a passphrase)" : " (opened without a passphrase)"));
      fs::remove(path);
      write_key_file(path, c.bytes);
      std::optional<FileKeyStore> opened;
      if (with_passphrase) {
        opened.emplace(path, random, "pass", PassphraseCost::minimum());
      } else {
        opened.emplace(path, random);
      }
      FileKeyStore& store = *opened;
      Result<SecretKey> loaded = store.load_master_key();
      REQUIRE_FALSE(loaded.is_ok());
      CHECK(loaded.status().code() == Errc::corrupt);
      CHECK(read_file(path) == c.bytes);
      CHECK(file_mode(path) == 0600);
      // A corrupt file is never replaced by a new key either.
      CHECK(store.store_master_key(SecretKey::random(random, 32)).code() == Errc::already_exists);
      CHECK(read_file(path) == c.bytes);
    }
  }
}

// ------------------------------------------------- FileKeyStore, passphrase

TEST_CASE("FileKeyStore: a passphrase-wrapped key loads with the right passphrase", "[core][keys]") {
  TempDir dir;
  SeededRandom random(30);
  const fs::path path = dir / "master.key";
  FileKeyStore store(path, random, "correct horse battery staple", PassphraseCost::minimum());
  const SecretKey key = store_new_key(store, random);
  CHECK(fs::file_size(path) == wrapped_file_size);
  CHECK(file_mode(path) == 0600);
  CHECK(dir_entries(dir.path()) == std::vector<std::string>{"master.key"});

  // The key itself does not appear in the file.
  const Bytes file = read_file(path);
  const Bytes key_bytes(key.view().begin(), key.view().end());
  CHECK(std::search(file.begin(), file.end(), key_bytes.begin(), key_bytes.end()) == file.end());

  FileKeyStore reopened(path, random, "correct horse battery staple", PassphraseCost::minimum());
  Result<SecretKey> loaded = reopened.load_master_key();
  REQUIRE(loaded.is_ok());
  CHECK(loaded->equals(key));

  // The cost is read from the file, not from the store's own setting.
  FileKeyStore other_cost(path, random, "correct horse battery staple",
                          PassphraseCost{PassphraseCost::minimum().ops + 1, PassphraseCost::minimum().mem_bytes * 2});
  Result<SecretKey> loaded2 = other_cost.load_master_key();
  REQUIRE(loaded2.is_ok());
  CHECK(loaded2->equals(key));
}

TEST_CASE("FileKeyStore: a wrong or missing passphrase is wrong_key", "[core][keys]") {
  TempDir dir;
  SeededRandom random(31);
  const fs::path path = dir / "master.key";
  FileKeyStore store(path, random, "right", PassphraseCost::minimum());
  (void)store_new_key(store, random);
  const Bytes before = read_file(path);

  for (const char* wrong : {"wrong", "Right", "right ", "righ"}) {
    INFO("passphrase '" << wrong << "'");
    FileKeyStore bad(path, random, wrong, PassphraseCost::minimum());
    Result<SecretKey> loaded = bad.load_master_key();
    REQUIRE_FALSE(loaded.is_ok());
    CHECK(loaded.status().code() == Errc::wrong_key);
  }
  FileKeyStore none(path, random);
  Result<SecretKey> loaded = none.load_master_key();
  REQUIRE_FALSE(loaded.is_ok());
  CHECK(loaded.status().code() == Errc::wrong_key);
  CHECK(read_file(path) == before);
}

TEST_CASE("FileKeyStore: a plain key file opened with a passphrase is wrong_key", "[core][keys]") {
  TempDir dir;
  SeededRandom random(32);
  const fs::path path = dir / "master.key";
  FileKeyStore plain(path, random);
  (void)store_new_key(plain, random);
  FileKeyStore with_passphrase(path, random, "secret", PassphraseCost::minimum());
  Result<SecretKey> loaded = with_passphrase.load_master_key();
  REQUIRE_FALSE(loaded.is_ok());
  CHECK(loaded.status().code() == Errc::wrong_key);
}

TEST_CASE("FileKeyStore: two wrapped files of the same key differ (fresh salt and nonce)", "[core][keys]") {
  TempDir dir;
  SeededRandom random(33);
  const SecretKey key = SecretKey::random(random, 32);
  FileKeyStore a(dir / "a.key", random, "pw", PassphraseCost::minimum());
  FileKeyStore b(dir / "b.key", random, "pw", PassphraseCost::minimum());
  REQUIRE(a.store_master_key(key).is_ok());
  REQUIRE(b.store_master_key(key).is_ok());
  const Bytes fa = read_file(dir / "a.key");
  const Bytes fb = read_file(dir / "b.key");
  CHECK(fa != fb);
  CHECK_FALSE(std::equal(fa.begin() + salt_offset, fa.begin() + salt_offset + 16, fb.begin() + salt_offset));
}

TEST_CASE("FileKeyStore: altered cost parameters or salt never load", "[core][keys]") {
  TempDir dir;
  SeededRandom random(34);
  const fs::path path = dir / "master.key";
  {
    FileKeyStore store(path, random, "pw", PassphraseCost::minimum());
    (void)store_new_key(store, random);
  }
  const Bytes original = read_file(path);
  REQUIRE(original.size() == wrapped_file_size);

  // Each change either makes the parameters implausible (corrupt) or must
  // fail authentication, because the header is the AEAD's associated data
  // (wrong_key). Flips that would ask Argon2 for billions of passes or
  // gigabytes of memory are left out to keep the test fast.
  struct Flip {
    std::size_t offset;
    std::uint8_t mask;
  };
  const Flip flips[] = {
      {ops_offset + 0, 0x01},  // ops 1 -> 0: below the minimum
      {ops_offset + 0, 0x02},  // ops 1 -> 3
      {ops_offset + 0, 0x80},  // ops 1 -> 129
      {ops_offset + 1, 0x01},  // ops 1 -> 257
      {ops_offset + 4, 0x01},  // ops above the maximum
      {ops_offset + 5, 0x10},
      {ops_offset + 6, 0x01},
      {ops_offset + 7, 0x80},
      {mem_offset + 0, 0x01},  // 8192 -> 8193: the same Argon2 memory, other header
      {mem_offset + 0, 0xff},
      {mem_offset + 1, 0x01},  // 8192 -> 8448
      {mem_offset + 1, 0x20},  // 8192 -> 0: below the minimum
      {mem_offset + 2, 0x01},  // 8192 -> 73728
      {mem_offset + 4, 0x04},  // above 16 GiB
      {mem_offset + 5, 0x01},
      {mem_offset + 6, 0x01},
      {mem_offset + 7, 0x80},
      {salt_offset + 0, 0x01},
      {salt_offset + 15, 0x80},
      {4, 0x03},  // kind 1 -> 2
  };
  for (const Flip& flip : flips) {
    INFO("offset " << flip.offset << " xor " << int{flip.mask});
    Bytes damaged = original;
    damaged[flip.offset] ^= flip.mask;
    fs::remove(path);
    write_key_file(path, damaged);
    FileKeyStore store(path, random, "pw", PassphraseCost::minimum());
    Result<SecretKey> loaded = store.load_master_key();
    REQUIRE_FALSE(loaded.is_ok());
    const Errc code = loaded.status().code();
    CHECK((code == Errc::wrong_key || code == Errc::corrupt));
    CHECK(read_file(path) == damaged);
  }

  // The undamaged file still loads.
  fs::remove(path);
  write_key_file(path, original);
  FileKeyStore store(path, random, "pw", PassphraseCost::minimum());
  CHECK(store.load_master_key().is_ok());
}

TEST_CASE("FileKeyStore: altered nonce, sealed key or tag is wrong_key", "[core][keys]") {
  TempDir dir;
  SeededRandom random(35);
  const fs::path path = dir / "master.key";
  {
    FileKeyStore store(path, random, "pw", PassphraseCost::minimum());
    (void)store_new_key(store, random);
  }
  const Bytes original = read_file(path);
  for (const std::size_t offset : {std::size_t{37}, std::size_t{60}, std::size_t{61}, std::size_t{92},
                                   std::size_t{93}, wrapped_file_size - 1}) {
    INFO("offset " << offset);
    Bytes damaged = original;
    damaged[offset] ^= 0x01;
    fs::remove(path);
    write_key_file(path, damaged);
    FileKeyStore store(path, random, "pw", PassphraseCost::minimum());
    CHECK(store.load_master_key().status().code() == Errc::wrong_key);
  }
}

TEST_CASE("FileKeyStore: destroy removes a wrapped key file", "[core][keys]") {
  TempDir dir;
  SeededRandom random(36);
  const fs::path path = dir / "master.key";
  FileKeyStore store(path, random, "pw", PassphraseCost::minimum());
  (void)store_new_key(store, random);
  CHECK(store.destroy_master_key().is_ok());
  CHECK_FALSE(fs::exists(path));
  CHECK(store.load_master_key().status().code() == Errc::not_found);
  CHECK(dir_entries(dir.path()).empty());
}
