// Sequence numbers (catalog seqs, journal seqs, lead delivery seqs) are
// unsigned on the wire and in files, but both ends keep them in SQLite's
// signed 64-bit integers. The valid range is therefore 0 to 2^63 - 1: a
// larger one is refused where it is decoded, never stored (it would read
// back negative). Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <limits>

namespace outpost {

inline constexpr std::uint64_t max_seq = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

}  // namespace outpost
