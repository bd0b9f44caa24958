// Byte buffers and hex text, the vocabulary every layer uses for binary data.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace outpost {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
using MutableByteView = std::span<std::uint8_t>;

inline ByteView as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string to_hex(ByteView bytes);
// Accepts upper or lower case; nullopt on odd length or a non-hex character.
std::optional<Bytes> from_hex(std::string_view hex);

}  // namespace outpost
