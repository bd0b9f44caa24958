// Text from outside (a visitor's typing, a search query, a feedback note)
// must be valid UTF-8 before it is stored: JSON output, CSV exports and
// the hub's lead book all assume it.
#pragma once

#include <string>
#include <string_view>

namespace outpost {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates (U+D800 to
// U+DFFF), nothing above U+10FFFF, no truncated sequence.
bool valid_utf8(std::string_view text) noexcept;

// The text with each invalid sequence replaced by U+FFFD (for showing
// untrusted text that was stored before it was checked).
std::string sanitize_utf8(std::string_view text);

}  // namespace outpost
