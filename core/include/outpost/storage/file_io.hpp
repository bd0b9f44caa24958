// Small POSIX file helpers with the error handling done once: every failure
// throws outpost::Error carrying the errno mapping of errno_status() and the
// path. Used by the key store and the chunk store. Stateless; thread-safe.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "outpost/base/bytes.hpp"

namespace outpost::storage {

namespace fs = std::filesystem;

// Owns a file descriptor; move-only; closes on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept;
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

UniqueFd open_file(const fs::path& path, int flags, mode_t mode = 0600);
void write_all(int fd, ByteView data, const fs::path& path);
// Reads exactly out.size() bytes; throws corrupt if the file is shorter.
void read_exact(int fd, MutableByteView out, const fs::path& path);
off_t file_size(int fd, const fs::path& path);
Bytes read_file(const fs::path& path);
void sync_fd(int fd, const fs::path& path);
// Makes a rename or unlink inside dir durable.
void sync_dir(const fs::path& dir);
void rename_file(const fs::path& from, const fs::path& to);
// Creates path with exactly data, durably: temp file, fsync, link into place,
// fsync the directory. Fails with already_exists rather than replace a file.
void create_file_durably(const fs::path& path, ByteView data, mode_t mode);
// Writes path with exactly data, durably, replacing what was there: temp
// file, fsync, rename over it, fsync the directory. A crash leaves the old
// file or the new, never a mix.
void replace_file_durably(const fs::path& path, ByteView data, mode_t mode);
// Overwrites a file with zeros, syncs, and unlinks it. Missing is not an error.
void shred_file(const fs::path& path);

}  // namespace outpost::storage
