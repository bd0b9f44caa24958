// Making many new files durable at once. Writing a chunk file and renaming
// it into place needs no fsync of its own as long as everything is durable
// before the index row that vouches for it is committed; this is that one
// barrier. On Linux a single syncfs() covers every file and directory (it
// also flushes other writers' data on the same file system); elsewhere each
// file and directory is fsynced. The implementation is chosen by the build
// (durability_linux.cpp / durability_posix.cpp). Stateless; thread-safe.
#pragma once

#include <filesystem>
#include <set>
#include <vector>

namespace outpost::storage {

// Throws outpost::Error if anything cannot be flushed. any_path: a file or
// directory on the file system holding all of them.
void make_durable(const std::filesystem::path& any_path, const std::vector<std::filesystem::path>& files,
                  const std::set<std::filesystem::path>& dirs);

}  // namespace outpost::storage
