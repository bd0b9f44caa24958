// The local web UIs' shared helpers (http_util.hpp).
#include "outpost/web/http_util.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "outpost/base/utf8.hpp"

namespace outpost::web {

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

}  // namespace

std::optional<std::string> url_decode(std::string_view text, bool form) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && form) {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      unsigned value = 0;
      const auto [p, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (ec != std::errc() || p != text.data() + i + 3) return std::nullopt;
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<Pairs> parse_pairs(std::string_view text) {
  Pairs out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('&', start), text.size());
    const std::string_view item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    auto name = url_decode(item.substr(0, eq), true);
    auto value = url_decode(eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::optional<ByteRange> parse_range(std::string_view header, std::uint64_t size) {
  constexpr std::string_view unit = "bytes=";
  if (!header.starts_with(unit)) return std::nullopt;
  const std::string_view spec = header.substr(unit.size());
  if (spec.find(',') != std::string_view::npos) return std::nullopt;  // several ranges: the whole asset
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view s) -> std::optional<std::uint64_t> {
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
  };
  const std::string_view a = spec.substr(0, dash);
  const std::string_view b = spec.substr(dash + 1);
  if (a.empty()) {  // suffix: the last N bytes
    const auto n = number(b);
    if (!n) return std::nullopt;
    if (*n == 0 || size == 0) return ByteRange{};
    const std::uint64_t len = std::min(*n, size);
    return ByteRange{size - len, len};
  }
  const auto from = number(a);
  if (!from) return std::nullopt;
  std::optional<std::uint64_t> to;
  if (!b.empty()) {
    to = number(b);
    if (!to || *to < *from) return std::nullopt;
  }
  if (*from >= size) return ByteRange{};
  const std::uint64_t last = std::min(to.value_or(size - 1), size - 1);
  return ByteRange{*from, last - *from + 1};
}

std::string html_escape(std::string_view raw) {
  // A page is UTF-8: text typed in error (or stored before it was checked)
  // shows its bad bytes as U+FFFD.
  const std::string text = sanitize_utf8(raw);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 15]);
    }
  }
  return out;
}

bool loopback_host(std::string_view host, std::uint16_t port) {
  const std::string number = std::to_string(port);
  auto is = [&](std::string_view name) {
    return host.size() == name.size() + 1 + number.size() && host.starts_with(name) && host[name.size()] == ':' &&
           host.substr(name.size() + 1) == number;
  };
  return is("127.0.0.1") || is("localhost");
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_hex_token(Random& random) {
  std::array<std::uint8_t, 32> bytes{};
  random.fill(bytes);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::string cookie_value(std::string_view header, std::string_view name) {
  std::size_t start = 0;
  while (start < header.size()) {
    const std::size_t end = std::min(header.find(';', start), header.size());
    std::string_view item = header.substr(start, end - start);
    start = end + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const std::size_t eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) return std::string(item.substr(eq + 1));
  }
  return {};
}

}  // namespace outpost::web
