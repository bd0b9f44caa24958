#include "outpost/cache/version_ref.hpp"

#include <charconv>

namespace outpost::cache {

Status validate_asset_id(std::string_view asset) {
  if (asset.empty() || asset.size() > 128) {
    return {Errc::invalid_argument, "asset id must be 1 to 128 characters long"};
  }
  if (asset.front() == '.') return {Errc::invalid_argument, "asset id must not start with a dot"};
  for (const char c : asset) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) {
      return {Errc::invalid_argument,
              "asset id '" + std::string(asset) + "' may only contain letters, digits, '.', '_' and '-'"};
    }
  }
  return Status::ok();
}

Status validate(const VersionRef& ref) {
  if (Status s = validate_asset_id(ref.asset); !s) return s;
  if (ref.version == 0) return {Errc::invalid_argument, "versions start at 1"};
  return Status::ok();
}

Result<AssetSelector> parse_selector(std::string_view text) {
  AssetSelector out;
  const auto at = text.rfind('@');
  out.asset = std::string(text.substr(0, at));
  if (Status s = validate_asset_id(out.asset); !s) return s;
  if (at != std::string_view::npos) {
    const std::string_view digits = text.substr(at + 1);
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || v == 0) {
      return Status(Errc::invalid_argument, "'" + std::string(text) + "': the version after '@' must be a number >= 1");
    }
    out.version = v;
  }
  return out;
}

Result<VersionRef> parse_version_ref(std::string_view text) {
  Result<AssetSelector> sel = parse_selector(text);
  if (!sel) return sel.status();
  if (!sel->version) {
    return Status(Errc::invalid_argument, "'" + std::string(text) + "': give the version too, as ID@N");
  }
  return VersionRef{sel->asset, *sel->version};
}

}  // namespace outpost::cache
