#include <catch2/catch.hpp>

#include "catalog_world.hpp"

using namespace outpost;
using namespace outpost::test;
using gate::BlockReason;

TEST_CASE("Gate: a current, cached, released version is allowed", "[gate]") {
  CatalogWorld w;
  const Bytes v1 = random_bytes(5000, 1);
  w.publish_cached("deck", 1, v1);
  w.sync();
  gate::Gate g(*w.device, *w.cache);
  const auto d = g.decide("deck");
  INFO(d.message);
  CHECK(d.allowed);
  CHECK(d.version == std::optional<std::uint64_t>(1));
}
