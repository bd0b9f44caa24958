// Enrollment tokens: what the hub prints is what the device reads, and a
// mistyped, cut or forged-looking token is refused with a reason.
#include <catch2/catch.hpp>

#include "outpost/sync/enroll_token.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;

namespace {

sync::EnrollToken sample() {
  sync::EnrollToken t;
  t.device = "kiosk-7";
  t.role = "kiosk";
  t.endpoint = "tcp://127.0.0.1:7401";
  const Bytes a = random_bytes(96, 11);
  std::copy(a.begin(), a.begin() + 32, t.hub_curve_key.begin());
  std::copy(a.begin() + 32, a.begin() + 64, t.root_key.bytes.begin());
  std::copy(a.begin() + 64, a.end(), t.secret.begin());
  t.expires_at = from_unix_ms(1'800'000'000'000);
  return t;
}

void check_refused(std::string_view text, const std::string& words) {
  auto r = sync::EnrollToken::parse(text);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Errc::invalid_argument);
  INFO(r.status().message());
  CHECK(r.status().message().find(words) != std::string::npos);
}

}  // namespace

TEST_CASE("Enroll token: encode and parse round-trip, surrounding whitespace ignored", "[sync][enroll]") {
  const sync::EnrollToken t = sample();
  const std::string text = t.encode();
  CHECK(text.starts_with("OPT1-"));
  CHECK(text.find_first_of(" +/=\n") == std::string::npos);  // safe to paste into a shell or a URL
  auto back = sync::EnrollToken::parse("  " + text + "\n");
  INFO(back.status().to_string());
  REQUIRE(back.is_ok());
  CHECK(*back == t);
}

TEST_CASE("Enroll token: a changed, cut or foreign token is refused with a reason", "[sync][enroll]") {
  const std::string text = sample().encode();
  check_refused("", "not an Outpost enrollment token");
  check_refused("OPT2-" + text.substr(5), "not an Outpost enrollment token");
  check_refused(text.substr(0, text.size() - 5), "mistyped or cut short");
  check_refused("OPT1-", "mistyped or cut short");
  check_refused("OPT1-***", "mistyped or cut short");
  // Every single-character change is caught (check digits or base64).
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::size_t caught = 0, tried = 0;
  for (std::size_t i = 5; i < text.size(); i += 3) {
    std::string typo = text;
    typo[i] = alphabet[(alphabet.find(text[i]) + 7) % alphabet.size()];
    ++tried;
    caught += sync::EnrollToken::parse(typo).is_ok() ? 0 : 1;
  }
  CHECK(caught == tried);
}

TEST_CASE("Enroll token: fields are checked after the check digits", "[sync][enroll]") {
  auto with = [](auto change) {
    sync::EnrollToken t = sample();
    change(t);
    return t.encode();
  };
  check_refused(with([](auto& t) { t.role = "admin"; }), "'role'");
  check_refused(with([](auto& t) { t.device = ""; }), "'device'");
  check_refused(with([](auto& t) { t.device = "a b"; }), "'device'");
  check_refused(with([](auto& t) { t.endpoint = "http://hub"; }), "'endpoint'");
}
