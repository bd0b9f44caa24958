// CatalogState: the rules every catalog statement must pass, in one place,
// shared by the hub (CatalogAuthority) and the device (DeviceCatalog):
// signed by a publisher on the trust list; a release's version higher than
// any earlier release of its asset; a revocation naming a known, not yet
// revoked release. Also keeps the running catalog digest.
// Single-threaded.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "outpost/catalog/records.hpp"
#include "outpost/catalog/statement.hpp"

namespace outpost::catalog {

using Record = std::variant<Release, Revocation>;

class CatalogState {
 public:
  std::uint64_t seq() const noexcept { return seq_; }
  const crypto::Digest& digest() const noexcept { return digest_; }

  // Checks s against the trust list and the state so far; on success adds
  // it (seq + 1, digest extended) and returns its parsed record. On failure
  // nothing changes and the error names the rule that failed.
  Result<Record> add(const SignedStatement& s, const TrustList& trust);

  // Restores the counters of statements already accepted (no checks), for
  // a device that loads only what the rules need.
  void restore(std::uint64_t seq, const crypto::Digest& digest) {
    seq_ = seq;
    digest_ = digest;
  }
  void note_release(const std::string& asset, std::uint64_t version) { versions_[asset].insert(version); }
  void note_revocation(const std::string& asset, std::uint64_t version) { revoked_.insert({asset, version}); }

  // The first release or revocation held here that other lacks ("deck@2",
  // "the revocation of deck@1"); nullopt if other holds them all.
  std::optional<std::string> missing_from(const CatalogState& other) const;

 private:
  std::uint64_t seq_ = 0;
  crypto::Digest digest_{};
  std::map<std::string, std::set<std::uint64_t>> versions_;
  std::set<std::pair<std::string, std::uint64_t>> revoked_;
};

// Verifies a root-signed trust list and checks it may replace current (a
// higher version). nullopt current: the first one after enrollment.
Result<TrustList> check_trust_list(const SignedStatement& s, const crypto::PublicKey& root,
                                   const TrustList* current);

// Verifies a hub-signed timestamp against the trust list's hub key.
Result<CatalogTimestamp> check_timestamp(const SignedStatement& s, const TrustList& trust);

}  // namespace outpost::catalog
