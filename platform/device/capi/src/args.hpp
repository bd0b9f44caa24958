// Arguments in and results out of the C entry points: string and version
// arguments, JSON arguments (parsers throw ApiError, invalid argument, naming
// the problem and never echoing a value: lead fields are personal data),
// and JSON results as heap strings. Any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "boundary.hpp"
#include "outpost/shell/json.hpp"

namespace outpost::capi {

using nlohmann::json;
using namespace shell;  // the JSON documents every shell shares

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

// {"region": "EMEA", ...}; NULL or "": no facets.
std::map<std::string, std::string> parse_facets(const char* text);
// {"fields": {...}, "answers": {...}, "consent": true, "show": "..."}.
leads::CaptureRequest parse_capture_request(std::string_view text);

// Out-parameters start cleared, so a failure leaves no stale value behind.
template <class T>
void clear(T** out) noexcept {
  if (out != nullptr) *out = nullptr;
}
template <class T>
void clear(T* out) noexcept {
  if (out != nullptr) *out = T{};
}

// The compact text of doc on the heap, for the caller to free with
// outpost_string_free (invalid UTF-8 is replaced, never thrown over).
char* json_string(const json& doc);

// *out = the JSON text, if the caller asked for it.
inline void set_json(char** out, const json& doc) {
  if (out != nullptr) *out = json_string(doc);
}

}  // namespace outpost::capi
