#include "outpost/storage/byte_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "outpost/base/guard.hpp"

namespace outpost::storage {

std::size_t MemorySource::read(MutableByteView out) {
  const std::size_t n = std::min(out.size(), data_.size() - pos_);
  if (n > 0) std::memcpy(out.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

FileSource::FileSource(const std::filesystem::path& path) : path_(path), fd_(open_file(path, O_RDONLY)) {
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) throw Error(errno_status(errno, "cannot stat " + path.string()));
  if (S_ISDIR(st.st_mode)) throw Error(Errc::invalid_argument, path.string() + " is a directory, not a file");
  if (S_ISREG(st.st_mode)) size_ = static_cast<std::uint64_t>(st.st_size);
}

std::size_t FileSource::read(MutableByteView out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd_.get(), out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(errno_status(errno, "cannot read " + path_.string()));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

}  // namespace outpost::storage
