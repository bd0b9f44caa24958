// Content-defined chunking (FastCDC-style gear hash with normalized
// chunking). Cut points depend only on nearby content, so inserting a byte
// near the start of a file changes one or two chunks, not all of them.
// Every device and the hub must cut identically: the gear table and the
// masks below are part of the format (docs/cache-format.md).
// Stateless functions are thread-safe; a ChunkStream is single-threaded.
#pragma once

#include <cstddef>

#include "outpost/base/bytes.hpp"
#include "outpost/storage/byte_source.hpp"

namespace outpost::cache {

struct ChunkerParams {
  std::size_t min_size = 16 * 1024;
  std::size_t avg_size = 64 * 1024;  // must be a power of two
  std::size_t max_size = 256 * 1024;

  // Throws std::invalid_argument unless 64 <= min < avg < max and avg is a
  // power of two.
  void validate() const;
};

// Length of the first chunk of data. data must hold at least max_size bytes
// unless it is the end of the stream.
std::size_t find_cut(ByteView data, const ChunkerParams& params);

// Splits a ByteSource into chunks with bounded memory (a buffer of a few
// MiB, whatever the stream's length).
class ChunkStream {
 public:
  explicit ChunkStream(storage::ByteSource& source, ChunkerParams params = {});
  // The next chunk, or false at the end. The view stays valid until the next
  // call. Throws outpost::Error if the source fails.
  bool next(ByteView& chunk);

 private:
  void refill();

  storage::ByteSource& source_;
  ChunkerParams params_;
  Bytes buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
};

}  // namespace outpost::cache
