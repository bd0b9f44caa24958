#include <fcntl.h>

#include <cerrno>

#include "outpost/base/guard.hpp"

#include "outpost/storage/durability.hpp"
#include "outpost/storage/file_io.hpp"

namespace outpost::storage {

void make_durable(const std::filesystem::path&, const std::vector<std::filesystem::path>& files,
                  const std::set<std::filesystem::path>& dirs) {
  for (const auto& file : files) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) continue;  // removed again since (a failed import): nothing to keep
    if (fd < 0) throw Error(errno_status(errno, "cannot open " + file.string()));
    UniqueFd owned(fd);
    sync_fd(fd, file);
  }
  for (const auto& dir : dirs) sync_dir(dir);
}

}  // namespace outpost::storage
