#include "outpost/cache/chunk_store.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "outpost/base/guard.hpp"
#include "outpost/base/random.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/kdf.hpp"
#include "outpost/storage/durability.hpp"

namespace outpost::cache {

namespace {

constexpr std::uint8_t magic[4] = {'O', 'P', 'C', '1'};
constexpr std::size_t nonce_offset = sizeof magic;
constexpr std::size_t header_size = sizeof magic + std::tuple_size_v<crypto::AeadNonce>;
static_assert(header_size + crypto::aead_tag_size == chunk_file_overhead);

std::array<std::uint8_t, sizeof magic + ChunkId::size> associated_data(const ChunkId& id) {
  std::array<std::uint8_t, sizeof magic + ChunkId::size> ad{};
  std::copy(std::begin(magic), std::end(magic), ad.begin());
  std::copy(id.bytes.begin(), id.bytes.end(), ad.begin() + sizeof magic);
  return ad;
}

}  // namespace

ChunkStore::ChunkStore(fs::path dir, const crypto::SecretKey& master, Random& random)
    : dir_(std::move(dir)),
      temp_dir_(dir_ / "tmp"),
      enc_key_(crypto::derive_key(master, crypto::purpose::chunk_encryption)),
      name_key_(crypto::derive_key(master, crypto::purpose::chunk_names)),
      random_(random) {}

void ChunkStore::prepare() {
  fs::create_directories(dir_);
  for (int i = 0; i < 256; ++i) {
    const std::string prefix = to_hex(std::array<std::uint8_t, 1>{static_cast<std::uint8_t>(i)});
    fs::create_directory(dir_ / prefix);
  }
  fs::remove_all(temp_dir_);
  fs::create_directory(temp_dir_);
}

fs::path ChunkStore::path_for(const ChunkId& id) const {
  const std::string name = crypto::keyed_blake2b(name_key_, id.view()).hex();
  return dir_ / name.substr(0, 2) / name;
}

ChunkStore::Staged ChunkStore::stage(const ChunkId& id, ByteView plaintext) {
  scratch_.resize(chunk_file_overhead + plaintext.size());
  const crypto::AeadNonce nonce = crypto::random_nonce(random_);
  std::copy(std::begin(magic), std::end(magic), scratch_.begin());
  std::copy(nonce.begin(), nonce.end(), scratch_.begin() + nonce_offset);
  const auto ad = associated_data(id);
  const crypto::AeadTag tag = crypto::aead_encrypt(enc_key_, nonce, plaintext, ad,
                                                   MutableByteView(scratch_).subspan(header_size, plaintext.size()));
  std::copy(tag.begin(), tag.end(), scratch_.end() - crypto::aead_tag_size);

  // The temp name is the keyed name too: a crash must not leave plain chunk
  // ids (which reveal known documents) on disk.
  Staged staged{id, temp_dir_ / path_for(id).filename()};
  storage::UniqueFd fd = storage::open_file(staged.temp, O_WRONLY | O_CREAT | O_TRUNC);
  storage::write_all(fd.get(), scratch_, staged.temp);
  return staged;
}

void ChunkStore::publish(std::vector<Staged>& staged) {
  for (Staged& s : staged) {
    const fs::path target = path_for(s.id);
    storage::rename_file(s.temp, target);
    s.temp.clear();
    unsynced_dirs_.insert(target.parent_path());
    unsynced_files_.push_back(target);
  }
}

void ChunkStore::sync() {
  // One barrier for the whole import instead of an fsync per file and per
  // directory (which cost 1,600 fsyncs for 64 MiB): see storage/durability.hpp.
  storage::make_durable(dir_, unsynced_files_, unsynced_dirs_);
  unsynced_files_.clear();
  unsynced_dirs_.clear();
}

void ChunkStore::discard(std::vector<Staged>& staged) noexcept {
  for (Staged& s : staged) {
    if (!s.temp.empty()) ::unlink(s.temp.c_str());
  }
  staged.clear();
}

Status ChunkStore::read(const ChunkId& id, MutableByteView out) const {
  const fs::path path = path_for(id);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    crypto::wipe(out);
    if (errno == ENOENT) return {Errc::integrity, "chunk " + id.hex() + " is missing from the cache"};
    return errno_status(errno, "cannot open chunk file " + path.string());
  }
  storage::UniqueFd owned(fd);

  // One readv: header and tag into small buffers, the ciphertext straight
  // into the caller's buffer, where it is decrypted in place.
  std::uint8_t header[header_size];
  crypto::AeadTag tag;
  std::uint8_t extra = 0;  // detects a file longer than expected
  iovec parts[4] = {{header, header_size}, {out.data(), out.size()}, {tag.data(), tag.size()}, {&extra, 1}};
  const std::size_t expected = header_size + out.size() + tag.size();
  std::size_t got = 0;
  int index = 0;
  while (index < 4) {
    const ssize_t n = ::readv(fd, parts + index, 4 - index);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "cannot read chunk file " + path.string());
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
    auto left = static_cast<std::size_t>(n);
    while (index < 4 && left >= parts[index].iov_len) left -= parts[index++].iov_len;
    if (index < 4) {
      parts[index].iov_base = static_cast<std::uint8_t*>(parts[index].iov_base) + left;
      parts[index].iov_len -= left;
    }
  }
  if (got != expected || std::memcmp(header, magic, sizeof magic) != 0) {
    crypto::wipe(out);
    return {Errc::integrity, "chunk " + id.hex() + " has the wrong size or format"};
  }
  crypto::AeadNonce nonce;
  std::copy_n(header + nonce_offset, nonce.size(), nonce.begin());
  if (!crypto::aead_decrypt(enc_key_, nonce, out, tag, associated_data(id), out)) {
    return {Errc::integrity, "chunk " + id.hex() + " failed authentication (tampered or corrupt)"};
  }
  return Status::ok();
}

void ChunkStore::remove(const ChunkId& id) {
  const fs::path path = path_for(id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw Error(errno_status(errno, "cannot remove chunk file " + path.string()));
  }
}

std::vector<fs::path> ChunkStore::list_files() const {
  std::vector<fs::path> files;
  for (const auto& prefix : fs::directory_iterator(dir_)) {
    if (!prefix.is_directory() || prefix.path() == temp_dir_) continue;
    for (const auto& entry : fs::directory_iterator(prefix.path())) files.push_back(entry.path());
  }
  return files;
}

}  // namespace outpost::cache
