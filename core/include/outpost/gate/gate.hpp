// The version gate: the one function every open goes through. It returns a
// Decision (allowed, with the version to show, or blocked with a reason),
// never an exception, judged against the signed catalog, trusted time and
// what the cache holds. Every decision, allowed or blocked, is handed to the
// DecisionSink (the journal records them).
// A Gate is used by one thread at a time, like the catalog and cache it reads.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "outpost/cache/asset_cache.hpp"
#include "outpost/catalog/device_catalog.hpp"

namespace outpost::gate {

enum class BlockReason {
  not_in_catalog,  // no such asset or version was ever released
  revoked,         // marketing withdrew this version
  expired,         // past its expires-at
  not_yet_valid,   // before its valid-from
  superseded,      // a newer version is valid and this one's grace is over
  stale_catalog,   // offline longer than the asset's criticality class allows
  not_downloaded,  // allowed, but not in the cache
  integrity,       // in the cache, but damaged or not the released content
};

std::string_view reason_name(BlockReason reason);

struct Decision {
  std::string asset;
  std::optional<std::uint64_t> version;  // the version judged (and shown, if allowed)
  bool allowed = false;
  std::optional<BlockReason> reason;     // set when blocked
  bool in_grace = false;                 // allowed, but superseded once grace_ends passes
  std::optional<TimePoint> grace_ends;
  std::optional<std::uint64_t> update_pending;  // a newer valid version that cannot be shown yet
  std::string message;                   // one line for people
  TimePoint decided_at;
};

using DecisionSink = std::function<void(const Decision&)>;

class Gate {
 public:
  Gate(catalog::DeviceCatalog& catalog, cache::AssetCache& cache, DecisionSink sink = {})
      : catalog_(catalog), cache_(cache), sink_(std::move(sink)) {}

  // With a version: judges exactly that version. Without: the newest
  // version that may be shown and is cached; if none, the reason the
  // current version cannot be shown.
  Decision decide(const std::string& asset, std::optional<std::uint64_t> version = std::nullopt);
  // The same judgement without recording it: for showing a badge in a list,
  // which is not an attempt to open.
  Decision peek(const std::string& asset, std::optional<std::uint64_t> version = std::nullopt);

 private:
  Decision evaluate(const std::string& asset, std::optional<std::uint64_t> version);
  Decision judge(const catalog::ReleaseTerms& release, const std::vector<catalog::ReleaseTerms>& all, TimePoint now);

  catalog::DeviceCatalog& catalog_;
  cache::AssetCache& cache_;
  DecisionSink sink_;
};

}  // namespace outpost::gate
