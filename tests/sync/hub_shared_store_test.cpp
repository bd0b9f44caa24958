// Two hub processes on one store are the same case as one hub restarted:
// nothing a device relies on lives only in a hub's memory (issue 17 item 3).
// Here two Hub instances serve the same home on their own ports.
#include <catch2/catch.hpp>

#include "hub_fixture.hpp"

using namespace outpost;
using namespace outpost::test;

namespace {

sync::HubAddress second_address() { return {"127.0.0.1", pick_ports()}; }

// The device's link, pointed at another hub on the same store.
sync::DeviceLink via(const sync::DeviceLink& link, const sync::HubAddress& address) {
  sync::DeviceLink other = link;
  other.sync_endpoint = address.sync();
  other.notice_endpoint = address.notices();
  return other;
}

}  // namespace

TEST_CASE("two hubs on one store: publishes on both get consecutive seqs and each serves the other's",
          "[sync][hub][store]") {
  HubFixture f;  // hub A on the saved address
  hub::HubOptions b_options;
  b_options.bind = second_address();
  auto hub_b = must(hub::Hub::start(f.hub_home, f.clock, f.random, b_options));

  const Bytes v1 = random_bytes(200 * 1024, 1);
  const Bytes v2 = random_bytes(150 * 1024, 2);
  const Bytes sheet = random_bytes(90 * 1024, 3);
  CHECK(f.publish("deck", 1, v1).seq == 1);  // through A
  {
    sync::PublisherClient publisher_b({*b_options.bind, f.admin()->keys().curve.public_key()}, f.publisher_key);
    CHECK(must(publisher_b.publish(v2, f.release("deck", 2), f.publisher_key)).seq == 2);  // B saw seq 1
  }
  CHECK(f.publish("sheet", 1, sheet).seq == 3);  // A saw B's seq 2: no gap, no reuse

  auto rep = f.device("rep-1");
  // Synced through B: everything, including what A accepted after B started.
  const sync::DeviceLink b_link = via(rep.link, *b_options.bind);
  const sync::SyncReport through_b = must(sync::sync_once(*rep.home, b_link, f.random, {}));
  CHECK(through_b.catalog_to == 3);
  auto deck = must(rep.home->open_asset("deck"));
  REQUIRE(deck.reader);
  CHECK(read_all(*deck.reader) == v2);

  // A revocation through B reaches a device syncing through A.
  {
    sync::PublisherClient publisher_b({*b_options.bind, f.admin()->keys().curve.public_key()}, f.publisher_key);
    catalog::Revocation r{"deck", 2, "withdrawn by test", f.clock.now()};
    CHECK(must(publisher_b.revoke(r, f.publisher_key)) == 4);
  }
  auto kiosk = f.device("kiosk-1", "kiosk");
  const sync::SyncReport through_a = must(f.sync(kiosk));
  CHECK(through_a.catalog_to == 4);
  CHECK(must(f.sync(rep)).catalog_to == 4);  // rep, now through A
  CHECK_FALSE(must(rep.home->open_asset("deck")).reader);  // revoked: the gate blocks it
  CHECK(f.admin()->store().catalog_seq() == 4);
}

TEST_CASE("a hub restarted on its store serves the same catalog and journal positions", "[sync][hub][store]") {
  HubFixture f;
  CHECK(f.publish("deck", 1, random_bytes(64 * 1024, 7)).seq == 1);
  auto rep = f.device("rep-1");
  const sync::SyncReport first = must(f.sync(rep));
  CHECK(first.catalog_to == 1);
  f.stop();
  f.start();
  CHECK(f.publish("deck", 2, random_bytes(64 * 1024, 8)).seq == 2);
  const sync::SyncReport second = must(f.sync(rep));
  CHECK(second.catalog_from == 1);
  CHECK(second.catalog_to == 2);
  CHECK(second.journal_acked >= first.journal_acked);
}
