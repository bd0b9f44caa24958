// Presentation: only an allowed version is presented, and what the rep shows
// is journaled page by page with the time each page was on screen.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "home_fixture.hpp"
#include "outpost/device/presentation.hpp"

using namespace outpost;
using namespace outpost::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Logged {
  std::string type;
  json payload;
};

// Every event journaled after seq, in order, with its payload decoded.
std::vector<Logged> events_after(device::DeviceHome& home, std::uint64_t seq) {
  REQUIRE(home.journal().flush().is_ok());
  auto events = home.journal().read_after(seq, 1000);
  REQUIRE(events.is_ok());
  std::vector<Logged> out;
  for (const auto& e : *events) {
    REQUIRE(e.payload.has_value());
    out.push_back({std::string(e.type->name), json::parse(journal::payload_json(*e.payload))});
  }
  return out;
}

}  // namespace

TEST_CASE("Presentation: journals start, each page with its time on screen, and the end", "[device]") {
  HomeFixture h;
  const Bytes deck = random_bytes(5000, 3);
  h.org.release("deck", 1, deck);
  h.apply();
  h.cache("deck", 1, deck);
  const std::uint64_t before = h.home->journal().stats().head_seq;

  auto started = device::Presentation::start(*h.home, h.clock, h.random, "deck");
  REQUIRE(started.is_ok());
  REQUIRE(started->decision.allowed);
  REQUIRE(started->presentation.has_value());
  device::Presentation& p = *started->presentation;
  CHECK(p.id().size() == 32);
  CHECK(p.version().version == 1);
  Bytes back(deck.size());
  CHECK(*p.reader().read_at(0, back) == deck.size());
  CHECK(back == deck);

  REQUIRE(p.show_page(1).is_ok());
  h.clock.advance(30s);
  REQUIRE(p.show_page(2).is_ok());
  REQUIRE(p.show_page(2).is_ok());  // the page already shown: nothing new
  h.clock.advance(45s);
  REQUIRE(p.show_page(1).is_ok());  // back to the first page
  h.clock.advance(5s);
  auto summary = p.end();
  REQUIRE(summary.is_ok());
  CHECK(summary->pages == 3);
  CHECK(summary->duration_ms == 80'000);
  CHECK(summary->asset == "deck");
  CHECK(p.ended());

  const auto logged = events_after(*h.home, before);
  std::vector<std::string> types;
  for (const auto& e : logged) types.push_back(e.type);
  CHECK(types == std::vector<std::string>{"asset.opened", "presentation.started", "page.viewed", "page.viewed",
                                          "page.viewed", "presentation.ended"});
  for (std::size_t i = 1; i < logged.size(); ++i) CHECK(logged[i].payload["presentation"] == p.id());
  CHECK(logged[1].payload["asset"] == "deck");
  CHECK(logged[1].payload["version"] == 1);
  CHECK(logged[2].payload["page"] == 1);
  CHECK(logged[2].payload["dwell_ms"] == 30'000);
  CHECK(logged[3].payload["page"] == 2);
  CHECK(logged[3].payload["dwell_ms"] == 45'000);
  CHECK(logged[4].payload["dwell_ms"] == 5'000);
  CHECK(logged[5].payload["duration_ms"] == 80'000);
  CHECK(logged[5].payload["pages"] == 3);

  SECTION("nothing more once it has ended") {
    CHECK(p.show_page(3).code() == Errc::invalid_argument);
    CHECK(p.end().status().code() == Errc::invalid_argument);
    CHECK(events_after(*h.home, before).size() == logged.size());
  }
}

TEST_CASE("Presentation: page 0 is refused and a clock set backwards counts as no time", "[device]") {
  HomeFixture h;
  const Bytes deck = random_bytes(100, 4);
  h.org.release("deck", 1, deck);
  h.apply();
  h.cache("deck", 1, deck);
  auto started = device::Presentation::start(*h.home, h.clock, h.random, "deck");
  REQUIRE(started.is_ok());
  device::Presentation& p = *started->presentation;
  CHECK(p.show_page(0).code() == Errc::invalid_argument);
  REQUIRE(p.show_page(1).is_ok());
  h.clock.advance(-1h);
  auto summary = p.end();
  REQUIRE(summary.is_ok());
  CHECK(summary->duration_ms == 0);
  const auto logged = events_after(*h.home, 0);
  CHECK(logged[logged.size() - 2].payload["dwell_ms"] == 0);
}

TEST_CASE("Presentation: a withdrawn or superseded version cannot be presented", "[device][gate]") {
  HomeFixture h;
  const Bytes v1 = random_bytes(100, 5);
  const Bytes v2 = random_bytes(100, 6);
  h.org.release("deck", 1, v1);
  h.apply();
  h.cache("deck", 1, v1);
  h.org.release("deck", 2, v2);
  h.apply();
  h.cache("deck", 2, v2);
  const std::uint64_t before = h.home->journal().stats().head_seq;

  auto old = device::Presentation::start(*h.home, h.clock, h.random, "deck", 1);
  REQUIRE(old.is_ok());
  CHECK_FALSE(old->decision.allowed);
  CHECK(old->decision.reason == gate::BlockReason::superseded);
  CHECK_FALSE(old->presentation.has_value());
  const auto logged = events_after(*h.home, before);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].type == "asset.blocked");  // no presentation.started

  auto current = device::Presentation::start(*h.home, h.clock, h.random, "deck");
  REQUIRE(current.is_ok());
  REQUIRE(current->presentation.has_value());
  CHECK(current->presentation->version().version == 2);
}
