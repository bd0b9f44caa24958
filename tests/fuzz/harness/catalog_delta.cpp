// Catalog deltas (docs/protocol.md §6): what a device applies from a
// catalog.delta reply or an offline update file, and what the publisher's
// `catalog` command reads. Input: the delta's bytes (CatalogDelta::encode).
// Invariants: decode never throws and fails only with corrupt; a decoded
// delta re-encodes to bytes that decode to the same statements; every
// statement's body reads as its kind (corrupt otherwise) and round-trips.
// Then every statement signed by a key of the fuzz world is signed again
// and the delta is applied to a fresh device catalog that pins the world's
// root: apply fails only with invalid_argument, integrity or corrupt; when
// it succeeds, the catalog is at the timestamp's seq and applying the same
// delta again changes nothing or is refused, never crashes.
#include <filesystem>

#include "outpost/catalog/delta.hpp"
#include "outpost/catalog/device_catalog.hpp"
#include "support/catalog_check.hpp"

using namespace outpost;

namespace {

void apply(catalog::CatalogDelta delta) {
  for (catalog::SignedStatement& s : delta.statements) s = fuzz::resign(s);
  delta.timestamp = fuzz::resign(delta.timestamp);
  if (delta.trust_list) delta.trust_list = fuzz::resign(*delta.trust_list);

  static const ManualClock clock(fuzz::world().now);
  const std::filesystem::path db = fuzz::scratch() / "catalog.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
  auto opened = catalog::DeviceCatalog::open(db, clock, fuzz::world().device_master);
  OUTPOST_FUZZ_CHECK_MSG(opened.is_ok(), opened.status().to_string());
  catalog::DeviceCatalog& device = **opened;
  OUTPOST_FUZZ_CHECK(device.pin_root(fuzz::world().root.public_key()).is_ok());

  const Result<catalog::ApplyReport> applied = fuzz::no_throw("apply", [&] { return device.apply(delta); });
  fuzz::check_code(applied.status(), {Errc::invalid_argument, Errc::integrity, Errc::corrupt}, "apply");
  if (!applied) return;
  OUTPOST_FUZZ_CHECK(applied->to_seq == delta.from_seq + delta.statements.size());
  OUTPOST_FUZZ_CHECK(device.status().seq == applied->to_seq);
  for (const catalog::Release& r : applied->released) OUTPOST_FUZZ_CHECK(device.release({r.asset, r.version}).has_value());
  const Result<catalog::ApplyReport> twice = fuzz::no_throw("apply (again)", [&] { return device.apply(delta); });
  fuzz::check_code(twice.status(), {Errc::invalid_argument, Errc::integrity, Errc::corrupt}, "apply (again)");
  OUTPOST_FUZZ_CHECK(device.status().seq == applied->to_seq);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Result<catalog::CatalogDelta> delta =
      fuzz::no_throw("CatalogDelta::decode", [&] { return catalog::CatalogDelta::decode({data, size}); });
  fuzz::check_code(delta.status(), {Errc::corrupt}, "CatalogDelta::decode");
  if (!delta) return 0;

  const Bytes encoded = delta->encode();
  const Result<catalog::CatalogDelta> again = fuzz::no_throw("decode (again)", [&] { return catalog::CatalogDelta::decode(encoded); });
  OUTPOST_FUZZ_CHECK_MSG(again.is_ok(), again.status().to_string());
  OUTPOST_FUZZ_CHECK(again->from_seq == delta->from_seq && again->statements == delta->statements &&
                     again->timestamp == delta->timestamp && again->trust_list == delta->trust_list);
  OUTPOST_FUZZ_CHECK(again->encode() == encoded);

  for (const catalog::SignedStatement& s : delta->statements) fuzz::check_statement(s);
  fuzz::check_statement(delta->timestamp);
  if (delta->trust_list) fuzz::check_statement(*delta->trust_list);
  apply(*delta);
  return 0;
}
