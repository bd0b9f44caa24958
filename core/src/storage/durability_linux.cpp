#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "outpost/base/guard.hpp"
#include "outpost/storage/durability.hpp"
#include "outpost/storage/file_io.hpp"

namespace outpost::storage {

void make_durable(const std::filesystem::path& any_path, const std::vector<std::filesystem::path>& files,
                  const std::set<std::filesystem::path>& dirs) {
  if (files.empty() && dirs.empty()) return;
  UniqueFd fd = open_file(any_path, O_RDONLY);
  if (::syncfs(fd.get()) != 0) throw Error(errno_status(errno, "cannot flush the file system of " + any_path.string()));
}

}  // namespace outpost::storage
