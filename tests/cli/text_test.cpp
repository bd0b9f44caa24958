// What the command lines read and write: times, sizes.
#include <catch2/catch.hpp>

#include "outpost/cli/text.hpp"

using namespace outpost;
using namespace outpost::cli;

TEST_CASE("parse_time reads dates and UTC times, and a bare date as an upper bound ends with its day", "[cli][text]") {
  const std::int64_t march_1 = 1'772'323'200'000;  // 2026-03-01T00:00:00Z
  CHECK(parse_time("2026-03-01") == from_unix_ms(march_1));
  CHECK(parse_time("2026-03-01", true) == from_unix_ms(march_1 + 86'400'000));
  CHECK(parse_time("2026-03-01T09:30Z") == from_unix_ms(march_1 + 34'200'000));
  CHECK(parse_time("2026-03-01T09:30:00Z", true) == from_unix_ms(march_1 + 34'200'000));
  CHECK(parse_time("2026-03-01T09:30:00.250+00:00") == from_unix_ms(march_1 + 34'200'250));
  CHECK(iso_time(*parse_time("2026-12-01T10:00:00Z")) == "2026-12-01T10:00:00Z");
  for (const char* bad : {"2026-02-30", "yesterday", "2026-03-01T09:30:00", "2026-03-01T25:00Z", "2026-3-1", "",
                          "2026-03-01T09:30:00+01:00"}) {
    INFO(bad);
    CHECK_FALSE(parse_time(bad).has_value());
  }
}

TEST_CASE("sizes read with binary units and print back", "[cli][text]") {
  CHECK(parse_size("1048576") == 1048576u);
  CHECK(parse_size("64M") == 64u << 20);
  CHECK(parse_size("2G") == 2ull << 30);
  CHECK_FALSE(parse_size("lots").has_value());
  CHECK(format_size(512) == "512 B");
  CHECK(format_size(3u << 20) == "3.0 MiB");
}

TEST_CASE("parse_csv reads RFC 4180 quoting, CRLF and a byte-order mark, and names the line of a broken quote", "[cli][text]") {
  const auto rows = parse_csv("\xEF\xBB\xBF" "badge,email,name\r\n"
                              "RSA-1,ana@example.com,\"Lima, Ana\"\r\n"
                              "\r\n"
                              "RSA-2,,\"Say \"\"hi\"\"\nthere\"\n"
                              "RSA-3,x@example.com,last");
  REQUIRE(rows.is_ok());
  REQUIRE(rows->size() == 4);
  CHECK((*rows)[0] == std::vector<std::string>{"badge", "email", "name"});
  CHECK((*rows)[1] == std::vector<std::string>{"RSA-1", "ana@example.com", "Lima, Ana"});
  CHECK((*rows)[2] == std::vector<std::string>{"RSA-2", "", "Say \"hi\"\nthere"});
  CHECK((*rows)[3] == std::vector<std::string>{"RSA-3", "x@example.com", "last"});
  CHECK(parse_csv("").value().empty());
  CHECK(parse_csv("a,\"\"\n").value() == std::vector<std::vector<std::string>>{{"a", ""}});

  const auto open_quote = parse_csv("a,b\nc,\"never closed\nd,e\n");
  CHECK(open_quote.status().code() == Errc::invalid_argument);
  CHECK(open_quote.status().message() == "CSV line 2: a quoted field is never closed");
  const auto after = parse_csv("a,b\n\"x\"y,z\n");
  CHECK(after.status().message() == "CSV line 2: text after a closing quote");
}
