// The web shells' request helpers (platform/common/http/include/outpost/web/
// http_util.hpp): percent-decoding, query and form pairs, Range headers,
// cookies, the Host check, HTML escaping. Input: [text, other], cut at the
// separator; text is fed to each helper, other names the cookie.
// Invariants: nothing throws; a decoded text encodes and decodes back to
// itself, and so do decoded pairs; a range lies inside the size it was
// parsed against (or is empty: unsatisfiable); escaped HTML is valid UTF-8
// with no markup character left; a cookie value is a part of its header.
#include <cstdint>
#include <limits>

#include "outpost/base/utf8.hpp"
#include "outpost/web/http_util.hpp"
#include "support/fuzz.hpp"

using namespace outpost;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<Bytes> parts = fuzz::split({data, size});
  const std::string text = fuzz::text(parts[0]);
  const std::string other = parts.size() > 1 ? fuzz::text(parts[1]) : "outpost_dashboard";

  for (bool form : {false, true}) {
    const auto decoded = fuzz::no_throw("url_decode", [&] { return web::url_decode(text, form); });
    if (!decoded) continue;
    const std::string encoded = web::url_encode(*decoded);
    OUTPOST_FUZZ_CHECK(web::url_decode(encoded, false) == decoded && web::url_decode(encoded, true) == decoded);
  }

  if (const auto pairs = fuzz::no_throw("parse_pairs", [&] { return web::parse_pairs(text); })) {
    std::string query;
    for (const auto& [name, value] : *pairs) query += (query.empty() ? "" : "&") + web::url_encode(name) + "=" + web::url_encode(value);
    OUTPOST_FUZZ_CHECK(web::parse_pairs(query) == pairs);
  }

  for (const std::uint64_t total : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{1000},
                                    std::numeric_limits<std::uint64_t>::max()}) {
    const auto range = fuzz::no_throw("parse_range", [&] { return web::parse_range(text, total); });
    if (!range || range->length == 0) continue;
    OUTPOST_FUZZ_CHECK(range->first < total && range->length <= total - range->first);
  }

  const std::string escaped = fuzz::no_throw("html_escape", [&] { return web::html_escape(text); });
  OUTPOST_FUZZ_CHECK(valid_utf8(escaped) && escaped.find_first_of("<>\"'") == std::string::npos);

  const std::string cookie = fuzz::no_throw("cookie_value", [&] { return web::cookie_value(text, other); });
  OUTPOST_FUZZ_CHECK(text.find(cookie) != std::string::npos);
  fuzz::no_throw("loopback_host", [&] { return web::loopback_host(text, 8080); });
  fuzz::no_throw("constant_time_equal", [&] { return web::constant_time_equal(text, other); });
  return 0;
}
