// CatalogAuthority: the hub's side of the catalog, as pure logic (no I/O).
// It accepts releases and revocations that pass CatalogState's rules, orders
// them with a monotonically increasing seq, and answers with deltas and
// timestamps signed by the hub's online key. The hub persists the accepted
// statements and rebuilds an authority from them at start-up.
// Single-threaded: the hub serialises calls.
#pragma once

#include <chrono>
#include <vector>

#include "outpost/catalog/catalog_state.hpp"
#include "outpost/catalog/delta.hpp"

namespace outpost::catalog {

class CatalogAuthority {
 public:
  // trust_list must be signed by root (checked).
  static Result<CatalogAuthority> create(const SignedStatement& trust_list, const crypto::PublicKey& root);

  // Rebuilds from previously accepted statements, checking each again.
  Status restore(const std::vector<SignedStatement>& statements);
  // Replaces the trust list with a newer one signed by the root.
  Status update_trust(const SignedStatement& trust_list, const crypto::PublicKey& root);

  // Accepts a release or revocation; returns its seq.
  Result<std::uint64_t> submit(const SignedStatement& statement);

  std::uint64_t seq() const noexcept { return state_.seq(); }
  const crypto::Digest& digest() const noexcept { return state_.digest(); }
  const TrustList& trust() const noexcept { return trust_; }

  SignedStatement timestamp(const crypto::SigningKey& hub_key, TimePoint now, std::chrono::seconds lifetime) const;
  // Everything after from_seq, with a fresh timestamp. The trust list is
  // included when include_trust (a device that may not have the current one).
  Result<CatalogDelta> delta(std::uint64_t from_seq, const crypto::SigningKey& hub_key, TimePoint now,
                             std::chrono::seconds lifetime, bool include_trust = true) const;

 private:
  CatalogAuthority(SignedStatement trust_statement, TrustList trust)
      : trust_statement_(std::move(trust_statement)), trust_(std::move(trust)) {}

  SignedStatement trust_statement_;
  TrustList trust_;
  CatalogState state_;
  std::vector<SignedStatement> statements_;
};

}  // namespace outpost::catalog
