#include "outpost/storage/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "outpost/base/guard.hpp"

namespace outpost::storage {

namespace {
[[noreturn]] void throw_errno(int err, const std::string& what, const fs::path& path) {
  throw Error(errno_status(err, what + " " + path.string()));
}
}  // namespace

UniqueFd::UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd open_file(const fs::path& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw_errno(errno, "cannot open", path);
  return UniqueFd(fd);
}

void write_all(int fd, ByteView data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "cannot write", path);
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

void read_exact(int fd, MutableByteView out, const fs::path& path) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "cannot read", path);
    }
    if (n == 0) throw Error(Errc::corrupt, "file is shorter than expected: " + path.string());
    done += static_cast<std::size_t>(n);
  }
}

off_t file_size(int fd, const fs::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno(errno, "cannot stat", path);
  return st.st_size;
}

Bytes read_file(const fs::path& path) {
  UniqueFd fd = open_file(path, O_RDONLY);
  Bytes data(static_cast<std::size_t>(file_size(fd.get(), path)));
  read_exact(fd.get(), data, path);
  return data;
}

void sync_fd(int fd, const fs::path& path) {
  if (::fsync(fd) != 0) throw_errno(errno, "cannot sync", path);
}

void sync_dir(const fs::path& dir) {
  UniqueFd fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  sync_fd(fd.get(), dir);
}

void rename_file(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) throw_errno(errno, "cannot rename to", to);
}

void create_file_durably(const fs::path& path, ByteView data, mode_t mode) {
  const fs::path temp = path.string() + ".tmp";
  ::unlink(temp.c_str());  // a leftover from an interrupted earlier attempt
  {
    UniqueFd fd = open_file(temp, O_WRONLY | O_CREAT | O_EXCL, mode);
    write_all(fd.get(), data, temp);
    sync_fd(fd.get(), temp);
  }
  const int rc = ::link(temp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(temp.c_str());
  if (rc != 0) {
    if (err == EEXIST) throw Error(Errc::already_exists, "file already exists: " + path.string());
    throw_errno(err, "cannot create", path);
  }
  sync_dir(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

void replace_file_durably(const fs::path& path, ByteView data, mode_t mode) {
  const fs::path temp = path.string() + ".tmp";
  ::unlink(temp.c_str());  // a leftover from an interrupted earlier attempt
  {
    UniqueFd fd = open_file(temp, O_WRONLY | O_CREAT | O_EXCL, mode);
    write_all(fd.get(), data, temp);
    sync_fd(fd.get(), temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    throw_errno(err, "cannot replace", path);
  }
  sync_dir(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

void shred_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 && errno == EACCES && ::chmod(path.c_str(), S_IRUSR | S_IWUSR) == 0) {
    fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);  // a read-only (0400) file we own
  }
  if (fd < 0) {
    if (errno == ENOENT) return;
    throw_errno(errno, "cannot open", path);
  }
  UniqueFd owned(fd);
  const Bytes zeros(static_cast<std::size_t>(file_size(fd, path)), 0);
  write_all(fd, zeros, path);
  sync_fd(fd, path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno(errno, "cannot remove", path);
  sync_dir(path.parent_path().empty() ? fs::path(".") : path.parent_path());
}

}  // namespace outpost::storage
