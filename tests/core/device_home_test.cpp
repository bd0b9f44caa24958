// DeviceHome ties the cache, the catalog, the gate and search together:
// what it records, and how it mends itself after a crash between them.
#include <catch2/catch.hpp>

#include "home_fixture.hpp"

using namespace outpost;
using namespace outpost::test;

namespace {

using Home = HomeFixture;

}  // namespace

TEST_CASE("DeviceHome: every open decision and every search reaches its sink", "[device]") {
  Home h;
  const Bytes deck = random_bytes(3000, 1);
  h.org.release("deck", 1, deck);
  REQUIRE(h.home->apply_catalog(h.org.delta()).is_ok());
  h.cache("deck", 1, deck);

  std::vector<gate::Decision> decisions;
  std::vector<device::DeviceHome::SearchEvent> searches;
  h.home->set_decision_sink([&](const gate::Decision& d) { decisions.push_back(d); });
  h.home->set_search_sink([&](const device::DeviceHome::SearchEvent& e) { searches.push_back(e); });

  auto opened = h.home->open_asset("deck");
  REQUIRE(opened.is_ok());
  CHECK(opened->decision.allowed);
  REQUIRE(opened->reader.has_value());
  Bytes back(deck.size());
  CHECK(*opened->reader->read_at(0, back) == deck.size());
  CHECK(back == deck);
  auto blocked = h.home->open_asset("deck", 7);
  REQUIRE(blocked.is_ok());
  CHECK_FALSE(blocked->reader.has_value());
  REQUIRE(decisions.size() == 2);
  CHECK(decisions[0].allowed);
  CHECK(decisions[1].reason == gate::BlockReason::not_in_catalog);

  auto found = h.home->search({"titl", {}, 20});
  REQUIRE(found.is_ok());
  REQUIRE(found->found.size() == 1);
  CHECK(found->found[0].decision.allowed);
  CHECK(decisions.size() == 2);  // showing a result's badge is not an open
  auto none = h.home->search({"nothing", {}, 20});
  REQUIRE(none.is_ok());
  const std::uint64_t head = h.home->journal().stats().head_seq;
  auto typing = h.home->search({"ti", {}, 20}, device::DeviceHome::SearchRecord::typing);
  REQUIRE(typing.is_ok());
  CHECK(typing->found.size() == 1);                     // the same answer...
  CHECK(h.home->journal().stats().head_seq == head);  // ...but a keystroke is not journaled
  h.home->record_search_choice({"titl", {}, 20}, 1, "deck");
  REQUIRE(searches.size() == 3);
  CHECK(searches[0].result_count == 1);
  CHECK(searches[1].result_count == 0);
  CHECK(searches[1].query.text == "nothing");
  CHECK(searches[2].chosen == std::optional<std::string>("deck"));
}

TEST_CASE("DeviceHome: a revoked version left in the cache by a crash is shredded at the next open", "[device]") {
  Home h;
  const Bytes deck = random_bytes(50'000, 2);
  h.org.release("deck", 1, deck);
  REQUIRE(h.home->apply_catalog(h.org.delta()).is_ok());
  h.cache("deck", 1, deck);
  h.org.revoke("deck", 1);
  // As if the process died right after the catalog commit, before shredding.
  REQUIRE(h.home->catalog().apply(h.org.delta()).is_ok());
  CHECK(h.home->cache().info({"deck", 1}).is_ok());
  h.home.reset();
  h.home = h.open();
  CHECK_FALSE(h.home->cache().info({"deck", 1}).is_ok());
  CHECK(h.home->cache().stats().chunks == 0);
}

TEST_CASE("DeviceHome: a lost or stale search index is rebuilt from the catalog", "[device][search]") {
  Home h;
  h.org.release("brochure", 1, random_bytes(100, 3));
  REQUIRE(h.home->apply_catalog(h.org.delta()).is_ok());
  h.home.reset();
  fs::remove(h.dir / "home" / "search.db");
  h.home = h.open();
  auto found = h.home->search({"brochure", {}, 20});
  REQUIRE(found.is_ok());
  REQUIRE(found->found.size() == 1);
  CHECK(found->found[0].hit.asset == "brochure");

  // The catalog moved on without the index (a crash between the two).
  h.org.release("leaflet", 1, random_bytes(100, 4));
  REQUIRE(h.home->catalog().apply(h.org.delta()).is_ok());
  h.home.reset();
  h.home = h.open();
  auto later = h.home->search({"leaflet", {}, 20});
  REQUIRE(later.is_ok());
  CHECK(later->found.size() == 1);
}

TEST_CASE("DeviceHome: home.json is checked - altered it is refused, missing it is made again from the databases",
          "[device]") {
  Home h;
  h.apply();
  const Bytes journal_id = h.home->journal().id();
  h.home.reset();
  const fs::path record = h.dir / "home" / "home.json";
  REQUIRE(fs::exists(record));
  const Bytes good = read_file(record);
  std::string text(good.begin(), good.end());
  REQUIRE(text.find(h.org.root.public_key().hex()) != std::string::npos);
  REQUIRE(text.find(to_hex(journal_id)) != std::string::npos);

  SECTION("another root key written in") {
    const crypto::PublicKey other = crypto::SigningKey::generate(h.random).public_key();
    text.replace(text.find(h.org.root.public_key().hex()), 64, other.hex());
    write_file(record, as_bytes(text));
    auto refused = device::DeviceHome::open(h.dir / "home", h.clock, h.random, h.options);
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().code() == Errc::corrupt);
    CHECK(refused.status().message().find("home.json") != std::string::npos);
  }
  SECTION("not JSON") {
    write_file(record, as_bytes("{ not json"));
    auto refused = device::DeviceHome::open(h.dir / "home", h.clock, h.random, h.options);
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().code() == Errc::corrupt);
  }
  SECTION("deleted (as in a home from before the record)") {
    fs::remove(record);
    h.home = h.open();
    CHECK(h.home->journal().id() == journal_id);
    h.home.reset();
    CHECK(read_file(record) == good);
  }
}
