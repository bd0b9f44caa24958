// The core's small shared helpers: big-endian coding, ISO-8601 time text,
// the email normal form kiosk and hub both key on, UTF-8 checks, log lines.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/log.hpp"
#include "outpost/base/time_text.hpp"
#include "outpost/base/utf8.hpp"
#include "outpost/leads/email.hpp"

using namespace outpost;

TEST_CASE("Base: big-endian integers round-trip and lay out most significant byte first", "[base]") {
  std::uint8_t b[8];
  store_be32(b, 0x01020304u);
  CHECK((b[0] == 1 && b[1] == 2 && b[2] == 3 && b[3] == 4));
  CHECK(load_be32(b) == 0x01020304u);
  store_be64(b, 0x0102030405060708ull);
  CHECK((b[0] == 1 && b[7] == 8));
  CHECK(load_be64(b) == 0x0102030405060708ull);
  Bytes out{9};
  append_be32(out, 0xfffffffeu);
  CHECK(out == Bytes{9, 0xff, 0xff, 0xff, 0xfe});
}

TEST_CASE("Base: ISO-8601 time text reads what it writes and refuses what it cannot read", "[base]") {
  const TimePoint t = *parse_time("2026-03-01T09:30:15Z");
  CHECK(iso_time(t) == "2026-03-01T09:30:15Z");
  CHECK(parse_time("2026-03-01T09:30:15+00:00") == t);
  CHECK(iso_time(*parse_time("2026-03-31", true)) == "2026-04-01T00:00:00Z");  // the end of that day
  for (const char* bad : {"", "2026-02-30", "2026-03-01T24:00Z", "yesterday", "2026-03-01T09:30:15+01:00"}) {
    INFO(bad);
    CHECK_FALSE(parse_time(bad).has_value());
  }
}

// Found by the assigned_lead fuzzer: a time from outside far past the year
// 2262 overflowed (undefined behaviour) on its way to the system clock.
TEST_CASE("Base: ISO-8601 time text of any time, however far off, is defined", "[base]") {
  using std::chrono::milliseconds;
  CHECK(iso_time(TimePoint(milliseconds(137558001600000))) == "6329-01-15T12:00:00Z");
  CHECK(iso_time(TimePoint(milliseconds(-1))) == "1969-12-31T23:59:59Z");
  CHECK(iso_time(TimePoint(milliseconds(0))) == "1970-01-01T00:00:00Z");
  // The extremes: some 292 million years either way, still a date (the
  // maximum as Java prints Long.MAX_VALUE milliseconds, to the second).
  CHECK(iso_time(TimePoint(milliseconds(std::numeric_limits<std::int64_t>::max()))) == "292278994-08-17T07:12:55Z");
  CHECK(iso_time(TimePoint(milliseconds(std::numeric_limits<std::int64_t>::min()))).back() == 'Z');
}

TEST_CASE("Leads: one email normal form for kiosk and hub", "[base][leads]") {
  CHECK(leads::normal_email("  Maria.Garcia@Example.COM\t\n") == "maria.garcia@example.com");
  CHECK(leads::normal_email("MARÍA@example.com") == "marÍa@example.com");  // non-ASCII bytes kept as they are
  CHECK(leads::normal_email(" \t ").empty());
}

TEST_CASE("Base: log lines split back into their fields, in text and in JSON", "[base][log]") {
  const std::string text =
      format_log_line(LogLevel::warn, "hub.refused",
                      {{"device", "tab-17"}, {"reason", "send hello first"}, {"n", 3}, {"ok", false}}, false);
  CHECK(text == R"(warn hub.refused device=tab-17 reason="send hello first" n=3 ok=false)");
  const std::string json =
      format_log_line(LogLevel::error, "zap.error", {{"what", "quote \" and\nnewline"}, {"n", 7}}, true);
  CHECK(json == R"({"level":"error","event":"zap.error","what":"quote \" and\nnewline","n":7})");
  CHECK(format_log_line(LogLevel::info, "e", {{"empty", ""}}, false) == R"(info e empty="")");

  MemoryLogger log;
  log.info("hub.start", {{"workers", 2}});
  log.debug("hub.detail");
  CHECK(log.lines() == std::vector<std::string>{"info hub.start workers=2", "debug hub.detail"});
  CHECK(log.count("hub.start") == 1);
  null_logger().error("ignored");  // discards, never throws
  CHECK_FALSE(null_logger().enabled(LogLevel::error));
}

TEST_CASE("Base: UTF-8 is checked strictly and bad sequences are shown as U+FFFD", "[base]") {
  for (const char* good : {"", "plain", "\xc3\xa4", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf"}) {
    INFO(good);
    CHECK(valid_utf8(good));
  }
  const std::vector<std::string> bad = {
      "\xff",                  // never a UTF-8 byte
      "\x80",                  // a continuation byte alone
      "\xc3",                  // cut short
      "\xc0\xaf",              // overlong '/'
      "\xe0\x80\xaf",          // overlong, three bytes
      "\xed\xa0\x80",          // a surrogate
      "\xf4\x90\x80\x80",      // above U+10FFFF
      "\xf5\x80\x80\x80",      // a lead byte past F4
      "ok\xe2\x82",            // cut in the middle of a three-byte character
  };
  for (const std::string& b : bad) {
    INFO(b.size());
    CHECK_FALSE(valid_utf8(b));
    CHECK(valid_utf8(sanitize_utf8(b)));
  }
  CHECK(sanitize_utf8("Bad\xff\xfeName") == "Bad\xef\xbf\xbd\xef\xbf\xbdName");
  CHECK(sanitize_utf8("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(valid_utf8(std::string("nul\0inside", 11)));  // NUL is valid UTF-8 (control characters are the form's concern)
}
