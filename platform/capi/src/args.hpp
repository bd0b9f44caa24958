// Arguments in and results out of the C entry points. Any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "boundary.hpp"
#include "json_convert.hpp"

namespace outpost::capi {

// A required UTF-8 string argument.
inline std::string text_arg(const char* p, const char* what) {
  require(p, what);
  return p;
}

// An optional string argument: NULL reads as "".
inline std::string optional_text(const char* p) { return p == nullptr ? std::string() : std::string(p); }

// Version 0 means "the newest that may be shown".
inline std::optional<std::uint64_t> version_arg(std::uint64_t version) {
  return version == 0 ? std::nullopt : std::optional<std::uint64_t>(version);
}

// Out-parameters start cleared, so a failure leaves no stale value behind.
template <class T>
void clear(T** out) noexcept {
  if (out != nullptr) *out = nullptr;
}
template <class T>
void clear(T* out) noexcept {
  if (out != nullptr) *out = T{};
}

// *out = the JSON text, if the caller asked for it.
inline void set_json(char** out, const json& doc) {
  if (out != nullptr) *out = json_string(doc);
}

}  // namespace outpost::capi
