// Offline bundles (sync/protocol/include/outpost/sync/bundle_format.hpp), as
// `outpost catalog apply FILE` reads one on a kiosk with no network: magic,
// header (the catalog delta and each version's recipe), then chunks.
// Input: the file. It is applied to a fresh home that pins the world's root.
// Invariants: apply_bundle never throws and fails only with
// invalid_argument, integrity or corrupt; after it, the catalog is at the
// seq it reports, and every version the cache holds complete reads back
// whole and matches its signed release's digest and size (a bundle can
// never make the cache serve bytes the publisher did not sign).
#include <filesystem>

#include "outpost/cache/content_digest.hpp"
#include "outpost/sync/bundle.hpp"
#include "support/world_home.hpp"

using namespace outpost;
namespace fs = std::filesystem;

namespace {

void check_cache(device::DeviceHome& home) {
  for (const cache::VersionInfo& v : home.cache().list()) {
    if (v.missing_chunks != 0) continue;
    const auto release = home.catalog().release(v.ref);
    OUTPOST_FUZZ_CHECK_MSG(release.has_value(), v.ref.to_string() + " is cached but not in the catalog");
    auto reader = home.cache().open_reader(v.ref.asset, v.ref.version);
    OUTPOST_FUZZ_CHECK_MSG(reader.is_ok(), reader.status().to_string());
    Bytes content(reader->size());
    const auto got = reader->read_at(0, content);
    OUTPOST_FUZZ_CHECK_MSG(got.is_ok() && *got == content.size(), v.ref.to_string() + " does not read back whole");
    OUTPOST_FUZZ_CHECK(content.size() == release->size && cache::content_digest(content) == release->digest);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path dir = fuzz::scratch() / "home";
  const fs::path file = fuzz::scratch() / "bundle.opb";
  fs::remove_all(dir);
  fs::remove(file);
  fuzz::FixedRandom random;
  std::unique_ptr<device::DeviceHome> home = fuzz::fresh_home(dir, random);
  fuzz::write_file(file, {data, size});

  const Result<sync::BundleSummary> applied = fuzz::no_throw("apply_bundle", [&] { return sync::apply_bundle(*home, file); });
  fuzz::check_code(applied.status(), {Errc::invalid_argument, Errc::integrity, Errc::corrupt}, "apply_bundle");
  if (applied) OUTPOST_FUZZ_CHECK(home->catalog().status().seq == applied->catalog_seq);
  check_cache(*home);
  return 0;
}
