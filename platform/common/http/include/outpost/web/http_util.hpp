// Pure helpers of the local web UIs (device and hub): request parsing, HTML
// escaping, and the checks every app makes - the Host header against DNS
// rebinding, constant-time token comparison, random tokens. No state; any
// thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outpost/base/random.hpp"

namespace outpost::web {

// Percent-decoding ('+' as space when form is set); nullopt for a bad escape.
std::optional<std::string> url_decode(std::string_view text, bool form);
// name=value pairs of a query string or an urlencoded body, decoded.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_pairs(std::string_view text);
// Percent-encoding of a query value (unreserved characters kept).
std::string url_encode(std::string_view text);

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};
// One "bytes=" range against size: nullopt when there is no (usable) Range
// header (serve it all), an empty range (length 0) when unsatisfiable.
std::optional<ByteRange> parse_range(std::string_view header, std::uint64_t size);

// Text for HTML, with invalid UTF-8 sequences replaced by U+FFFD.
std::string html_escape(std::string_view text);

// DNS rebinding: a page of another site that resolves its name to 127.0.0.1
// still sends its own name as Host. True for "127.0.0.1:PORT" and
// "localhost:PORT" only.
bool loopback_host(std::string_view host, std::uint16_t port);

// sodium_memcmp over equal lengths; false for an empty secret. Comparing the
// lengths first reveals only the length, which is public for a token.
bool constant_time_equal(std::string_view a, std::string_view b);

// 32 random bytes as 64 hex digits: CSRF tokens, session ids, admin tokens.
std::string random_hex_token(Random& random);

// The value of one cookie in a Cookie header; empty when absent.
std::string cookie_value(std::string_view header, std::string_view name);

}  // namespace outpost::web
