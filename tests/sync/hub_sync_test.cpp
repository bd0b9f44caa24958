// The hub, the publisher and the device engine end to end over real CURVE
// sockets on 127.0.0.1.
#include <catch2/catch.hpp>

#include "hub_fixture.hpp"

using namespace outpost;
using namespace outpost::test;

TEST_CASE("publish, enroll, sync, open: the device shows exactly the published bytes", "[sync][hub]") {
  HubFixture f;
  const Bytes content = random_bytes(700 * 1024, 1);
  const sync::PublishReport published = f.publish("deck", 1, content);
  CHECK(published.seq == 1);
  CHECK(published.chunks_sent == published.chunks);

  auto rep = f.device("rep-1");
  const sync::SyncReport report = must(f.sync(rep));
  CHECK(report.catalog_to == 1);
  CHECK(report.releases == 1);
  CHECK(report.versions_fetched == 1);
  CHECK(report.bytes_fetched == content.size());

  auto opened = must(rep.home->open_asset("deck"));
  REQUIRE(opened.reader);
  CHECK(read_all(*opened.reader) == content);

  // A second sync has nothing to fetch.
  const sync::SyncReport again = must(f.sync(rep));
  CHECK(again.chunks_fetched == 0);
  CHECK(again.releases == 0);
}
