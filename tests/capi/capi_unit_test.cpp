// The C API's inner pieces: error mapping, the catch-all boundary, the
// handle registry and the JSON conversions. (The API itself is tested from
// C and Python against a real hub: capi_test.c, capi_test.py.)
#include <catch2/catch.hpp>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "args.hpp"
#include "boundary.hpp"
#include "handles.hpp"
#include "outpost/shell/json.hpp"
#include "outpost.h"  // compiles as C++ too

using namespace outpost;
using namespace outpost::capi;
using namespace outpost::shell;

TEST_CASE("Errors: every core error code has its documented stable number", "[capi]") {
  CHECK(code_of(Errc::ok) == 0);
  CHECK(code_of(Errc::invalid_argument) == 1);
  CHECK(code_of(Errc::not_found) == 2);
  CHECK(code_of(Errc::already_exists) == 3);
  CHECK(code_of(Errc::integrity) == 4);
  CHECK(code_of(Errc::wrong_key) == 5);
  CHECK(code_of(Errc::permission) == 6);
  CHECK(code_of(Errc::io) == 7);
  CHECK(code_of(Errc::disk_full) == 8);
  CHECK(code_of(Errc::corrupt) == 9);
  CHECK(code_of(Errc::unsupported) == 10);
  CHECK(code_of(Errc::busy) == 11);
  CHECK(OUTPOST_ERR_BLOCKED == 100);
  CHECK(OUTPOST_ERR_INVALID_HANDLE == 101);
  CHECK(OUTPOST_ERR_WIPED == 102);
  CHECK(OUTPOST_ERR_INTERNAL == 199);
}

TEST_CASE("Errors: code names are identifiers, one per code", "[capi]") {
  const std::vector<std::pair<outpost_code, std::string>> names = {
      {OUTPOST_OK, "ok"},
      {OUTPOST_ERR_INVALID_ARGUMENT, "invalid_argument"},
      {OUTPOST_ERR_NOT_FOUND, "not_found"},
      {OUTPOST_ERR_ALREADY_EXISTS, "already_exists"},
      {OUTPOST_ERR_INTEGRITY, "integrity"},
      {OUTPOST_ERR_WRONG_KEY, "wrong_key"},
      {OUTPOST_ERR_PERMISSION, "permission"},
      {OUTPOST_ERR_IO, "io"},
      {OUTPOST_ERR_DISK_FULL, "disk_full"},
      {OUTPOST_ERR_CORRUPT, "corrupt"},
      {OUTPOST_ERR_UNSUPPORTED, "unsupported"},
      {OUTPOST_ERR_BUSY, "busy"},
      {OUTPOST_ERR_BLOCKED, "blocked"},
      {OUTPOST_ERR_INVALID_HANDLE, "invalid_handle"},
      {OUTPOST_ERR_WIPED, "wiped"},
      {OUTPOST_ERR_INTERNAL, "internal"},
  };
  for (const auto& [code, name] : names) CHECK(std::string(code_name(code)) == name);
  CHECK(std::string(code_name(-3)) == "unknown");
  CHECK(std::string(code_name(12)) == "unknown");
}

TEST_CASE("Boundary: every exception becomes a code and a message", "[capi]") {
  outpost_error err{};
  CHECK(entry(&err, [] {}) == OUTPOST_OK);
  CHECK(err.code == OUTPOST_OK);
  CHECK(err.message[0] == '\0');

  CHECK(entry(&err, [] { throw ApiError(OUTPOST_ERR_BUSY, "a sync is running", true); }) == OUTPOST_ERR_BUSY);
  CHECK(std::string(err.message) == "a sync is running");
  CHECK(err.transient == 1);

  CHECK(entry(&err, [] { throw Error(Errc::wrong_key, "wrong passphrase"); }) == OUTPOST_ERR_WRONG_KEY);
  CHECK(std::string(err.message) == "wrong passphrase");
  CHECK(err.transient == 0);

  CHECK(entry(&err, [] { throw std::logic_error("a bug"); }) == OUTPOST_ERR_INTERNAL);
  CHECK(std::string(err.message) == "a bug");
  CHECK(entry(&err, [] { throw 42; }) == OUTPOST_ERR_INTERNAL);
  CHECK(entry(nullptr, [] { throw std::bad_alloc(); }) == OUTPOST_ERR_INTERNAL);
}

TEST_CASE("Boundary: long messages are cut at a UTF-8 character boundary", "[capi]") {
  outpost_error err{};
  std::string message(sizeof err.message - 2, 'a');
  message += "\xC3\xA9\xC3\xA9";  // "éé": the first one straddles the end of the buffer
  fill_error(&err, OUTPOST_ERR_IO, message, false);
  const std::size_t n = std::strlen(err.message);
  CHECK(n == sizeof err.message - 2);
  CHECK(std::string(err.message) == std::string(sizeof err.message - 2, 'a'));
}

TEST_CASE("Boundary: strings are counted until freed", "[capi]") {
  const std::int64_t before = live_strings();
  char* s = json_string({{"asset", "deck"}, {"bad", std::string("\xFF")}});
  CHECK(live_strings() == before + 1);
  CHECK(std::string(s).find("\"asset\":\"deck\"") != std::string::npos);  // invalid UTF-8 replaced, not thrown
  free_string(s);
  free_string(nullptr);
  CHECK(live_strings() == before);
}

namespace {
struct Thing final : Handle {};
struct Other final : Handle {};
}  // namespace

TEST_CASE("Handles: looked up, never dereferenced, and typed", "[capi]") {
  const std::int64_t before = live_handles();
  auto thing = std::make_shared<Thing>();
  register_handle(thing);
  const void* key = thing->key();
  CHECK(live_handles() == before + 1);
  CHECK(handle_of<Thing>(key, "thing") == thing);
  CHECK_THROWS_AS(handle_of<Other>(key, "other"), ApiError);
  int made_up = 0;
  try {
    (void)handle_of<Thing>(&made_up, "device");
    FAIL("a made-up handle was accepted");
  } catch (const ApiError& e) {
    CHECK(e.code() == OUTPOST_ERR_INVALID_HANDLE);
    CHECK(e.message().find("device") != std::string::npos);
  }
  CHECK_FALSE(release_handle<Other>(key));  // another type: left alone
  CHECK(release_handle<Thing>(key) == thing);
  CHECK_FALSE(release_handle<Thing>(key));  // twice: ignored
  CHECK(live_handles() == before);
  CHECK_THROWS_AS(handle_of<Thing>(nullptr, "thing"), ApiError);
}

TEST_CASE("JSON: lead requests parse, and bad ones name the key, not the value", "[capi]") {
  const leads::CaptureRequest r = parse_capture_request(
      R"({"fields": {"email": "ana@example.com", "age": 42, "vip": true, "note": null},
          "answers": {"timeline": "now"}, "consent": true, "show": "rsa-2027"})");
  CHECK(r.fields.at("email") == "ana@example.com");
  CHECK(r.fields.at("age") == "42");
  CHECK(r.fields.at("vip") == "true");
  CHECK(r.fields.count("note") == 0);
  CHECK(r.answers.at("timeline") == "now");
  CHECK(r.consent);
  CHECK(r.show == "rsa-2027");
  CHECK_FALSE(parse_capture_request("{}").consent);
  CHECK(parse_capture_request(R"({"badge": "B-1001", "consent": true})").badge == "B-1001");

  auto problem = [](const char* text) {
    try {
      (void)parse_capture_request(text);
    } catch (const ApiError& e) {
      CHECK(e.code() == OUTPOST_ERR_INVALID_ARGUMENT);
      return e.message();
    }
    return std::string("accepted");
  };
  CHECK(problem("[]") == "request_json must be a JSON object");
  CHECK(problem("{\"fields\":") == "request_json is not valid JSON");
  CHECK(problem(R"({"fields": {"email": ["secret@example.com"]}})") ==
        "fields.email must be a string, number or boolean");
  CHECK(problem(R"({"consent": "yes"})") == "\"consent\" must be true or false");
  CHECK(problem(R"({"feilds": {}})").find("unknown key \"feilds\"") != std::string::npos);
  CHECK(problem(R"({"badge": 1001})") == "\"badge\" must be a string");
}

TEST_CASE("JSON: facets parse from a JSON object of strings", "[capi]") {
  CHECK(parse_facets(nullptr).empty());
  CHECK(parse_facets("").empty());
  const auto f = parse_facets(R"({"region": "EMEA", "kind": "deck"})");
  CHECK(f.at("region") == "EMEA");
  CHECK(f.at("kind") == "deck");
  CHECK_THROWS_AS(parse_facets(R"({"region": 1})"), ApiError);
  CHECK_THROWS_AS(parse_facets("[]"), ApiError);
}

TEST_CASE("JSON: decisions read as the CLI prints them", "[capi]") {
  // Designated initializers: GCC 12 at -O3 wrongly reports member-by-member
  // string assignment as a read of uninitialized memory.
  const gate::Decision allowed{.asset = "deck",
                               .version = 2,
                               .allowed = true,
                               .reason = std::nullopt,
                               .in_grace = false,
                               .grace_ends = std::nullopt,
                               .update_pending = 3,
                               .message = "ok",
                               .decided_at = {}};
  const json a = decision_json(allowed);
  CHECK(a["asset"] == "deck");
  CHECK(a["version"] == 2);
  CHECK(a["allowed"] == true);
  CHECK(a["reason"].is_null());
  CHECK(a["update_pending"] == 3);
  CHECK_FALSE(a.contains("grace_ends"));

  const gate::Decision blocked{.asset = "prices",
                               .version = std::nullopt,
                               .allowed = false,
                               .reason = gate::BlockReason::superseded,
                               .in_grace = false,
                               .grace_ends = std::nullopt,
                               .update_pending = std::nullopt,
                               .message = "replaced by version 2",
                               .decided_at = {}};
  const json b = decision_json(blocked);
  CHECK(b["allowed"] == false);
  CHECK(b["version"].is_null());
  CHECK(b["reason"] == "superseded");
}

TEST_CASE("JSON: field errors and the offline budget", "[capi]") {
  const json e = field_errors_json({{"email", "is not a valid email address"}, {"consent", "must be accepted"}});
  REQUIRE(e["errors"].size() == 2);
  CHECK(e["errors"][0]["field"] == "email");
  CHECK(e["errors"][1]["problem"] == "must be accepted");

  catalog::CatalogStatus s;
  s.seq = 7;
  s.trusted_now = from_unix_ms(1'800'000'000'000);
  s.verified_as_of = s.trusted_now - std::chrono::hours(1);
  const json j =
      catalog_status_json(s, {{"general", catalog::Seconds(86400)}, {"price-sheet", catalog::Seconds(1800)}});
  CHECK(j["seq"] == 7);
  CHECK(j["offline_budget"]["general"]["left_s"] == 86400 - 3600);
  CHECK(j["offline_budget"]["price-sheet"]["left_s"] == 0);  // spent: never negative
  s.verified_as_of.reset();
  CHECK(catalog_status_json(s, {{"general", catalog::Seconds(86400)}})["verified_as_of"].is_null());
}
