// Offline bundles: the hub's catalog and the content of its current
// releases in one file, for a kiosk with no network (`outpost-hub bundle
// export`, applied with `outpost catalog apply`).
//
//   "OPB1" u8(1)
//   be32 n, MessagePack {delta: bin (CatalogDelta::encode()),
//                        versions: [{asset, version, recipe: bin (36 bytes per chunk)}]}
//   chunks until the end: id (32) || be32 size || bytes
//
// Nothing in the file is trusted: the device applies the delta with every
// catalog check, each recipe must match its release's content digest, and
// each chunk must hash to its id. A bundle is not secret - the chunks are
// in clear (carry it like the documents it holds).
#pragma once

#include <chrono>
#include <filesystem>

#include "outpost/device/home.hpp"
#include "outpost/sync/hub_store.hpp"

namespace outpost::sync {

struct BundleSummary {
  std::uint64_t catalog_seq = 0;
  std::size_t versions = 0;
  std::size_t chunks = 0;
  std::uint64_t bytes = 0;  // chunk bytes
};

// Everything current: the delta from 0 with a timestamp valid for lifetime,
// and the newest version of every asset that is neither revoked nor
// expired. Refuses to overwrite out.
Result<BundleSummary> export_bundle(HubStore& store, const crypto::SigningKey& hub_key, TimePoint now,
                                    std::chrono::seconds lifetime, const std::filesystem::path& out);

bool is_bundle(const std::filesystem::path& file);

// Applies the catalog, then stores the content of every version in the
// bundle (chunks the device holds are skipped). A file cut short or altered
// is refused with what is wrong; what was verified before stays.
Result<BundleSummary> apply_bundle(device::DeviceHome& home, const std::filesystem::path& file,
                                   const std::function<void(std::uint64_t done, std::uint64_t total)>& progress = {});

}  // namespace outpost::sync
