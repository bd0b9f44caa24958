// ChunkStore: one encrypted file per chunk. Chunk id = BLAKE2b-256 of the
// plaintext; the file is named by a keyed hash of the id (so a stolen cache
// does not reveal which documents it holds) and holds
//   "OPC1" | nonce (24) | XChaCha20-Poly1305 ciphertext | tag (16)
// with "OPC1" || chunk id as associated data: a file moved under another
// chunk's name, or altered by one bit, fails authentication.
// The store knows nothing of assets or the index (AssetCache does).
// Not thread-safe: one AssetCache (one thread) owns a ChunkStore.
#pragma once

#include <filesystem>
#include <set>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/storage/file_io.hpp"

namespace outpost {
class Random;
}

namespace outpost::cache {

using ChunkId = crypto::Digest;
namespace fs = std::filesystem;

// Bytes a chunk file adds to the plaintext: magic, nonce, tag.
inline constexpr std::size_t chunk_file_overhead = 4 + 24 + 16;

class ChunkStore {
 public:
  // dir holds the chunk files; master is the device master key.
  ChunkStore(fs::path dir, const crypto::SecretKey& master, Random& random);

  // Creates the directory layout if missing and removes leftover temp files.
  void prepare();

  fs::path path_for(const ChunkId& id) const;

  // A chunk written to a temp file but not yet visible.
  struct Staged {
    ChunkId id;
    fs::path temp;
  };
  // Encrypts plaintext into a temp file. Throws outpost::Error (disk_full ...).
  // A batch must not stage the same id twice (the temp files would collide).
  Staged stage(const ChunkId& id, ByteView plaintext);
  // Renames staged chunks into place, so readers see whole files only. They
  // are durable after the next sync(). On failure the caller discards what
  // is left.
  void publish(std::vector<Staged>& staged);
  // Makes every chunk published since the last sync durable, files and
  // directory entries: the barrier before an index commit.
  void sync();
  // Removes the temp files of chunks that were never published.
  void discard(std::vector<Staged>& staged) noexcept;

  // Decrypts the chunk into out, which must be exactly its plaintext size.
  // integrity if the file is missing, of the wrong size, or fails
  // authentication; out is zeroed on any failure.
  Status read(const ChunkId& id, MutableByteView out) const;

  // Removes a chunk file; a missing file is not an error.
  void remove(const ChunkId& id);

  // Every chunk file present, for crash recovery (finding orphans).
  std::vector<fs::path> list_files() const;

 private:
  fs::path dir_;
  fs::path temp_dir_;
  crypto::SecretKey enc_key_;
  crypto::SecretKey name_key_;
  Random& random_;
  Bytes scratch_;
  std::vector<fs::path> unsynced_files_;
  std::set<fs::path> unsynced_dirs_;
};

}  // namespace outpost::cache
