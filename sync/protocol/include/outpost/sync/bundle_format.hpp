// Offline bundles: the hub's catalog and the content of its current
// releases in one file, for a kiosk with no network (written by the hub's
// `outpost-hub bundle export`, applied by the device's `outpost catalog apply`).
//
//   "OPB1" u8(1)
//   be32 n, MessagePack {delta: bin (CatalogDelta::encode()),
//                        versions: [{asset, version, recipe: bin (36 bytes per chunk)}]}
//   chunks until the end: id (32) || be32 size || bytes
//
// Nothing in the file is trusted: the device applies the delta with every
// catalog check, each recipe must match its release's content digest, and
// each chunk must hash to its id - all of it checked before anything is
// applied, so a file damaged anywhere changes nothing. A bundle is not secret - the chunks are
// in clear (carry it like the documents it holds).
#pragma once

#include <cstddef>
#include <cstdint>

namespace outpost::sync {

inline constexpr std::uint8_t bundle_magic[] = {'O', 'P', 'B', '1', 1};
inline constexpr std::size_t bundle_max_header = 256u << 20;

struct BundleSummary {
  std::uint64_t catalog_seq = 0;
  std::size_t versions = 0;
  std::size_t chunks = 0;
  std::uint64_t bytes = 0;  // chunk bytes
};

}  // namespace outpost::sync
