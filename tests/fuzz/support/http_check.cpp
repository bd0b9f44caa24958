#include "http_check.hpp"

#include <nlohmann/json.hpp>

#include "outpost/base/utf8.hpp"
#include "support/fuzz.hpp"

namespace outpost::fuzz {

void put_secret(std::string& text, char letter, const std::string& secret) {
  const std::string placeholder(64, letter);
  for (std::size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + secret.size())) {
    text.replace(at, placeholder.size(), secret);
  }
}

namespace {

bool header_safe(const std::string& s) { return s.find_first_of(std::string("\r\n\0", 3)) == std::string::npos; }

}  // namespace

void check_response(web::Response& r) {
  OUTPOST_FUZZ_CHECK_MSG(r.status >= 100 && r.status <= 599, std::to_string(r.status));
  OUTPOST_FUZZ_CHECK(!r.content_type.empty() && header_safe(r.content_type));
  for (const auto& [name, value] : r.headers) {
    OUTPOST_FUZZ_CHECK_MSG(!name.empty() && header_safe(name) && header_safe(value), "header " + name + ": " + value);
  }
  if (r.content_type.starts_with("application/json") && !r.reader) {
    OUTPOST_FUZZ_CHECK_MSG(nlohmann::json::accept(r.body), "not JSON: " + r.body.substr(0, 200));
  }
  if (r.content_type.starts_with("text/")) OUTPOST_FUZZ_CHECK_MSG(valid_utf8(r.body), "not UTF-8: " + r.content_type);
  if (!r.reader) return;
  OUTPOST_FUZZ_CHECK(r.offset <= r.reader->size() && r.length <= r.reader->size() - r.offset);
  Bytes piece(4096);
  for (std::uint64_t at = r.offset, left = r.length; left > 0;) {
    piece.resize(static_cast<std::size_t>(std::min<std::uint64_t>(left, 4096)));
    const auto got = r.reader->read_at(at, piece);
    OUTPOST_FUZZ_CHECK_MSG(got.is_ok() && *got > 0, "content stops short");
    at += *got;
    left -= *got;
  }
}

}  // namespace outpost::fuzz
