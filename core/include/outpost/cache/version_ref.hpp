// Naming an asset version: "deck-q3@4" is version 4 of asset "deck-q3".
// Asset ids are 1-128 characters of [A-Za-z0-9._-], not starting with a
// dot; versions start at 1. Value types; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/base/status.hpp"

namespace outpost::cache {

struct VersionRef {
  std::string asset;
  std::uint64_t version = 0;
  std::string to_string() const { return asset + "@" + std::to_string(version); }
  friend bool operator==(const VersionRef&, const VersionRef&) = default;
};

// "ID" or "ID@N", as typed on a command line.
struct AssetSelector {
  std::string asset;
  std::optional<std::uint64_t> version;  // nullopt: the newest
};

Status validate_asset_id(std::string_view asset);
Status validate(const VersionRef& ref);
Result<AssetSelector> parse_selector(std::string_view text);
// Like parse_selector, but the version is required.
Result<VersionRef> parse_version_ref(std::string_view text);

}  // namespace outpost::cache
