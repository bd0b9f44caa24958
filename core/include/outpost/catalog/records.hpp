// The content of signed statements: releases and revocations (signed by a
// publisher), catalog timestamps (signed by the hub's online key) and trust
// lists (signed by the organisation's root key). Each converts to and from
// its MessagePack body; from_body() checks every field and says which one
// is wrong. Field names are the wire format (docs/protocol.md).
// Value types; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/sealed_box.hpp"
#include "outpost/crypto/sign.hpp"

namespace outpost::catalog {

using Seconds = std::chrono::seconds;

enum class DownloadPolicy { automatic, on_demand };

struct Facets {
  std::string product, persona, stage, region, language;
  friend bool operator==(const Facets&, const Facets&) = default;
};

struct Release {
  std::string asset;
  std::uint64_t version = 0;  // strictly increasing per asset
  std::string title;
  std::string description;
  std::string kind;  // pdf, deck, video, form, price-sheet ...
  std::vector<std::string> tags;
  Facets facets;
  std::string criticality = "general";  // names an offline budget in the trust list's policy
  DownloadPolicy download = DownloadPolicy::automatic;
  crypto::Digest digest;  // content digest (cache/content_digest.hpp)
  std::uint64_t size = 0;
  TimePoint valid_from;
  std::optional<TimePoint> expires_at;
  Seconds grace{0};  // how long older versions stay usable after this one becomes valid
  std::string change_note;
  TimePoint published_at;
  std::string search_text;  // optional text extracted from the content, for search

  Bytes to_body() const;
  static Result<Release> from_body(ByteView body);
  friend bool operator==(const Release&, const Release&) = default;
};

struct Revocation {
  std::string asset;
  std::uint64_t version = 0;
  std::string reason;
  TimePoint revoked_at;

  Bytes to_body() const;
  static Result<Revocation> from_body(ByteView body);
  friend bool operator==(const Revocation&, const Revocation&) = default;
};

struct CatalogTimestamp {
  std::uint64_t seq = 0;       // number of statements in the catalog
  crypto::Digest digest;       // catalog digest after statement seq
  TimePoint issued_at;
  TimePoint expires_at;        // a device refuses it after this time

  Bytes to_body() const;
  static Result<CatalogTimestamp> from_body(ByteView body);
  friend bool operator==(const CatalogTimestamp&, const CatalogTimestamp&) = default;
};

struct Publisher {
  std::string name;
  crypto::PublicKey key;
  friend bool operator==(const Publisher&, const Publisher&) = default;
};

// A publisher taken off the list. Statements it signed up to and including
// catalog seq valid_through_seq stay valid (they are history every device
// must be able to verify); anything later from it is refused.
struct RetiredPublisher {
  std::string name;
  crypto::PublicKey key;
  std::uint64_t valid_through_seq = 0;
  friend bool operator==(const RetiredPublisher&, const RetiredPublisher&) = default;
};

struct TrustList {
  std::uint64_t version = 0;  // a device accepts only a higher one
  std::vector<Publisher> publishers;
  std::vector<RetiredPublisher> retired;
  crypto::PublicKey hub_key;  // signs catalog timestamps
  // The hub's X25519 lead key: kiosks seal lead PII to it. Root-signed here,
  // so neither a hub nor a network attacker can swap it for their own.
  std::optional<crypto::BoxPublicKey> lead_key;
  // How long a device may go without a fresh timestamp before assets of a
  // criticality class are blocked as stale-catalog. "general" must exist.
  std::map<std::string, Seconds> offline_budget;
  TimePoint issued_at;

  Bytes to_body() const;
  static Result<TrustList> from_body(ByteView body);
  // The budget for a class; unknown classes get the "general" budget.
  Seconds budget_for(const std::string& criticality) const;
  const Publisher* find_publisher(const crypto::PublicKey& key) const;
  // The name of the publisher whose key may sign catalog statement seq, or
  // nullptr: an active publisher, or a retired one up to its last seq.
  const std::string* signer_for(const crypto::PublicKey& key, std::uint64_t seq) const;
  friend bool operator==(const TrustList&, const TrustList&) = default;
};

// The default policy: price sheets 7 days offline, everything else 90.
std::map<std::string, Seconds> default_offline_budget();

// The catalog digest chain: d(0) = 32 zero bytes,
// d(n) = BLAKE2b-256(d(n-1) || BLAKE2b-256(encoded statement n)).
crypto::Digest chain_digest(const crypto::Digest& previous, const crypto::Digest& statement);

}  // namespace outpost::catalog
