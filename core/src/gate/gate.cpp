#include "outpost/gate/gate.hpp"

namespace outpost::gate {

namespace {

Decision blocked(Decision d, BlockReason reason, std::string message) {
  d.allowed = false;
  d.reason = reason;
  d.message = std::move(message);
  return d;
}

bool is_valid_at(const catalog::ReleaseTerms& r, TimePoint now) { return r.valid_from <= now; }

}  // namespace

std::string_view reason_name(BlockReason reason) {
  switch (reason) {
    case BlockReason::not_in_catalog: return "not-in-catalog";
    case BlockReason::revoked: return "revoked";
    case BlockReason::expired: return "expired";
    case BlockReason::not_yet_valid: return "not-yet-valid";
    case BlockReason::superseded: return "superseded";
    case BlockReason::stale_catalog: return "stale-catalog";
    case BlockReason::not_downloaded: return "not-downloaded";
    case BlockReason::integrity: return "integrity";
  }
  return "?";
}

Decision Gate::judge(const catalog::ReleaseTerms& rel, const std::vector<catalog::ReleaseTerms>& all, TimePoint now) {
  Decision d;
  d.asset = rel.asset;
  d.version = rel.version;
  d.decided_at = now;
  const cache::VersionRef ref{rel.asset, rel.version};
  const std::string name = ref.to_string();

  if (catalog_.is_revoked(ref)) {
    const auto rev = catalog_.revocation(ref);
    return blocked(std::move(d), BlockReason::revoked,
                   name + " was withdrawn by marketing" + (rev && !rev->reason.empty() ? ": " + rev->reason : ""));
  }
  if (rel.expires_at && now >= *rel.expires_at) return blocked(std::move(d), BlockReason::expired, name + " has expired");
  if (!is_valid_at(rel, now)) return blocked(std::move(d), BlockReason::not_yet_valid, name + " is not valid yet");

  // Every later release in force (valid, not revoked) supersedes this one
  // once its own grace is over; any one of them is enough. An expired later
  // release still supersedes (the old one must not come back), but is not
  // offered as the update.
  for (const catalog::ReleaseTerms& newer : all) {
    if (newer.version <= rel.version) break;  // all is newest first
    if (!is_valid_at(newer, now) || catalog_.is_revoked({newer.asset, newer.version})) continue;
    const bool usable = !newer.expires_at || now < *newer.expires_at;
    if (usable && !d.update_pending) d.update_pending = newer.version;
    const TimePoint grace_end = newer.valid_from + newer.grace;
    if (now >= grace_end) {
      return blocked(std::move(d), BlockReason::superseded,
                     name + " was replaced by version " + std::to_string(newer.version));
    }
    d.in_grace = true;
    d.grace_ends = d.grace_ends ? std::min(*d.grace_ends, grace_end) : grace_end;
  }

  const auto& trust = catalog_.trust();
  const auto verified = catalog_.verified_as_of();
  const auto budget = trust ? trust->budget_for(rel.criticality) : catalog::default_offline_budget().at("general");
  if (!verified || now - *verified > budget) {
    return blocked(std::move(d), BlockReason::stale_catalog,
                   "the catalog has not been verified recently enough to show " + rel.criticality + " content; sync");
  }

  const auto cached = cache_.presence(ref);
  if (!cached) return blocked(std::move(d), BlockReason::not_downloaded, name + " is not downloaded yet");
  if (!cached->complete || cached->digest != rel.digest || cached->size != rel.size) {
    return blocked(std::move(d), BlockReason::integrity, name + " in the cache is damaged or not the released content");
  }
  d.allowed = true;
  d.message = d.in_grace ? name + " may be shown until its replacement's grace ends" : name + " is current";
  return d;
}

Decision Gate::decide(const std::string& asset, std::optional<std::uint64_t> version) {
  Decision d = evaluate(asset, version);
  if (sink_) sink_(d);
  return d;
}

Decision Gate::peek(const std::string& asset, std::optional<std::uint64_t> version) { return evaluate(asset, version); }

Decision Gate::evaluate(const std::string& asset, std::optional<std::uint64_t> version) {
  const TimePoint now = catalog_.trusted_now();
  if (const auto& damage = catalog_.damage()) {
    Decision d;
    d.asset = asset;
    d.version = version;
    d.decided_at = now;
    return blocked(std::move(d), BlockReason::stale_catalog,
                   "the catalog on this device failed its integrity check (" + *damage + "); sync to repair it");
  }
  const std::vector<catalog::ReleaseTerms>& all = catalog_.terms(asset);

  if (version) {
    for (const catalog::ReleaseTerms& rel : all) {
      if (rel.version == *version) return judge(rel, all, now);
    }
    Decision d;
    d.asset = asset;
    d.version = version;
    d.decided_at = now;
    return blocked(std::move(d), BlockReason::not_in_catalog,
                   asset + "@" + std::to_string(*version) + " was never released");
  }

  std::optional<Decision> current;  // the decision on the newest version in force
  for (const catalog::ReleaseTerms& rel : all) {
    Decision d = judge(rel, all, now);
    if (d.allowed) {
      if (current && current->version != d.version) d.update_pending = current->version;
      return d;
    }
    if (!current && d.reason != BlockReason::not_yet_valid && d.reason != BlockReason::revoked) current = d;
  }
  if (current) return *current;
  // Every version is revoked or not yet valid: report the newest.
  if (!all.empty()) return judge(all.front(), all, now);
  Decision d;
  d.asset = asset;
  d.decided_at = now;
  return blocked(std::move(d), BlockReason::not_in_catalog, asset + " is not in the catalog");
}

}  // namespace outpost::gate
