// ByteSource: a pull stream of bytes (a file being imported, a buffer in a
// test). Lets the chunker and the importer stream a 2 GB file through a
// few MiB of memory. A source is used by one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "outpost/base/bytes.hpp"
#include "outpost/storage/file_io.hpp"

namespace outpost::storage {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Fills up to out.size() bytes; returns 0 only at the end of the stream.
  // Throws outpost::Error on a read failure.
  virtual std::size_t read(MutableByteView out) = 0;
  // Total length when known in advance (for progress), else nullopt.
  virtual std::optional<std::uint64_t> size_hint() const { return std::nullopt; }
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(ByteView data) : data_(data) {}
  std::size_t read(MutableByteView out) override;
  std::optional<std::uint64_t> size_hint() const override { return data_.size(); }

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

class FileSource final : public ByteSource {
 public:
  // Throws outpost::Error (not_found, permission, io) if it cannot be opened.
  explicit FileSource(const std::filesystem::path& path);
  std::size_t read(MutableByteView out) override;
  std::optional<std::uint64_t> size_hint() const override { return size_; }

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
  std::optional<std::uint64_t> size_;
};

}  // namespace outpost::storage
