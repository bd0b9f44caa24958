// Asset ids and "ID@N" version references as typed on a command line.
#include <catch2/catch.hpp>

#include <string>

#include "outpost/cache/version_ref.hpp"

using namespace outpost;
using namespace outpost::cache;

TEST_CASE("VersionRef: parse_selector accepts a bare id", "[core][ref]") {
  Result<AssetSelector> sel = parse_selector("deck");
  REQUIRE(sel.is_ok());
  CHECK(sel->asset == "deck");
  CHECK_FALSE(sel->version.has_value());
}

TEST_CASE("VersionRef: parse_selector accepts an id with a version", "[core][ref]") {
  Result<AssetSelector> sel = parse_selector("deck@3");
  REQUIRE(sel.is_ok());
  CHECK(sel->asset == "deck");
  REQUIRE(sel->version.has_value());
  CHECK(*sel->version == 3);

  Result<AssetSelector> big = parse_selector("deck-q3@18446744073709551615");
  REQUIRE(big.is_ok());
  CHECK(big->asset == "deck-q3");
  CHECK(*big->version == 18446744073709551615ULL);

  Result<AssetSelector> leading_zero = parse_selector("deck@007");
  REQUIRE(leading_zero.is_ok());
  CHECK(*leading_zero->version == 7);
}

TEST_CASE("VersionRef: parse_selector rejects malformed text", "[core][ref]") {
  const std::string too_long(129, 'a');
  for (const std::string& text : {std::string(""), std::string("@3"), std::string("deck@"), std::string("deck@0"),
                                 std::string("deck@x"), std::string("deck@3x"), std::string("deck@-1"),
                                 std::string("deck@+1"), std::string("deck@ 3"), std::string("deck@3 "),
                                 std::string("deck@1.5"), std::string("deck@18446744073709551616"),
                                 std::string("a b"), std::string(".hidden"), std::string(".hidden@2"),
                                 std::string("a/b"), std::string("../etc"), std::string("a@b@3"),
                                 std::string("deck@@3"), std::string("@"), std::string("tab\there"),
                                 std::string("caf\xc3\xa9"), std::string("nul\0byte", 8), too_long,
                                 too_long + "@1"}) {
    INFO("'" << text << "'");
    Result<AssetSelector> sel = parse_selector(text);
    REQUIRE_FALSE(sel.is_ok());
    CHECK(sel.status().code() == Errc::invalid_argument);
    CHECK_FALSE(sel.status().message().empty());
  }
}

TEST_CASE("VersionRef: ids of 128 characters and of every allowed character are accepted", "[core][ref]") {
  const std::string longest(128, 'a');
  Result<AssetSelector> sel = parse_selector(longest);
  REQUIRE(sel.is_ok());
  CHECK(sel->asset == longest);

  Result<AssetSelector> with_version = parse_selector(longest + "@12");
  REQUIRE(with_version.is_ok());
  CHECK(with_version->asset == longest);
  CHECK(*with_version->version == 12);

  for (const char* id : {"a.b_c-D9", "A", "9", "-", "_x", "a.", "deck.v2.final", "ABCxyz0123456789"}) {
    INFO(id);
    Result<AssetSelector> s = parse_selector(id);
    REQUIRE(s.is_ok());
    CHECK(s->asset == id);
    CHECK(validate_asset_id(id).is_ok());
  }
}

TEST_CASE("VersionRef: validate_asset_id and validate", "[core][ref]") {
  CHECK(validate_asset_id("deck").is_ok());
  CHECK(validate_asset_id("").code() == Errc::invalid_argument);
  CHECK(validate_asset_id(".x").code() == Errc::invalid_argument);
  CHECK(validate_asset_id("x@1").code() == Errc::invalid_argument);
  CHECK(validate_asset_id(std::string(129, 'z')).code() == Errc::invalid_argument);

  CHECK(validate(VersionRef{"deck", 1}).is_ok());
  CHECK(validate(VersionRef{"deck", 0}).code() == Errc::invalid_argument);
  CHECK(validate(VersionRef{"", 1}).code() == Errc::invalid_argument);
  CHECK(validate(VersionRef{"a b", 1}).code() == Errc::invalid_argument);
}

TEST_CASE("VersionRef: parse_version_ref requires the version", "[core][ref]") {
  Result<VersionRef> ref = parse_version_ref("deck-q3@4");
  REQUIRE(ref.is_ok());
  CHECK(ref->asset == "deck-q3");
  CHECK(ref->version == 4);
  CHECK(*ref == VersionRef{"deck-q3", 4});

  Result<VersionRef> bare = parse_version_ref("deck-q3");
  REQUIRE_FALSE(bare.is_ok());
  CHECK(bare.status().code() == Errc::invalid_argument);
  CHECK_THAT(bare.status().message(), Catch::Contains("@"));

  for (const char* text : {"", "@4", "deck@", "deck@0", "deck@x", ".hidden@1", "a b@1"}) {
    INFO("'" << text << "'");
    CHECK(parse_version_ref(text).status().code() == Errc::invalid_argument);
  }
}

TEST_CASE("VersionRef: to_string gives ID@N and parses back", "[core][ref]") {
  const VersionRef ref{"deck-q3", 4};
  CHECK(ref.to_string() == "deck-q3@4");
  Result<VersionRef> back = parse_version_ref(ref.to_string());
  REQUIRE(back.is_ok());
  CHECK(*back == ref);

  const VersionRef big{"a.b_c-D9", 18446744073709551615ULL};
  CHECK(big.to_string() == "a.b_c-D9@18446744073709551615");
  Result<VersionRef> big_back = parse_version_ref(big.to_string());
  REQUIRE(big_back.is_ok());
  CHECK(*big_back == big);

  CHECK(VersionRef{"x", 1} != VersionRef{"x", 2});
  CHECK(VersionRef{"x", 1} != VersionRef{"y", 1});
}
