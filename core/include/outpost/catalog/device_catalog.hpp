// DeviceCatalog: the device's copy of the signed catalog, in SQLite. It
// applies a CatalogDelta atomically and only if every rule holds (trusted
// root, publisher signatures, increasing versions, no rollback, matching
// digest, fresh timestamp); otherwise nothing changes and the error names
// the rule. What it stores is checked when it opens (the statements must
// chain to the held hub-signed timestamp, and the values the gate trusts
// are sealed with a device key): derived rows changed behind its back are
// rebuilt from the statements; anything else makes it damaged, and a
// damaged catalog lets nothing open until a whole catalog rebuilds it.
// It also keeps trusted time: a persisted high-water mark of the
// device clock and of hub times seen, so setting the clock back never
// un-expires or un-supersedes anything.
// Used by one thread at a time.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "outpost/cache/version_ref.hpp"
#include "outpost/catalog/delta.hpp"
#include "outpost/catalog/records.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/crypto/secret_key.hpp"

namespace outpost::catalog {

struct ApplyReport {
  std::uint64_t from_seq = 0;
  std::uint64_t to_seq = 0;
  std::size_t releases = 0;
  std::size_t revocations = 0;
  std::vector<cache::VersionRef> revoked;  // versions whose chunks must now be shredded
  std::vector<Release> released;           // the new releases, in catalog order
  bool trust_updated = false;
};

struct CatalogStatus {
  std::uint64_t seq = 0;                    // 0 while damaged: the device holds nothing it can vouch for
  std::optional<std::string> damage;        // why the stored catalog does not verify
  bool repaired = false;                    // derived rows were rebuilt from the statements at open
  std::optional<TimePoint> verified_as_of;  // issued_at of the last good timestamp
  std::optional<TimePoint> timestamp_expires;
  std::uint64_t trust_version = 0;
  TimePoint trusted_now;
};

// What the gate needs of a release, kept as plain columns so a decision
// never parses signed MessagePack.
struct ReleaseTerms {
  std::string asset;
  std::uint64_t version = 0;
  TimePoint valid_from;
  std::optional<TimePoint> expires_at;
  Seconds grace{0};
  std::string criticality;
  crypto::Digest digest;
  std::uint64_t size = 0;
};

class DeviceCatalog {
 public:
  // master is the device's master key (from its key store): the catalog
  // derives from it the key that seals what the gate trusts and the keys
  // that encrypt the statements it stores (purposes catalog_seal,
  // catalog_envelopes, catalog_envelope_nonces).
  static Result<std::unique_ptr<DeviceCatalog>> open(const std::filesystem::path& path, const Clock& clock,
                                                     const crypto::SecretKey& master);
  ~DeviceCatalog();
  DeviceCatalog(const DeviceCatalog&) = delete;
  DeviceCatalog& operator=(const DeviceCatalog&) = delete;

  // Pins the organisation's root key (at enrollment). Pinning the same key
  // again is fine; a different one is already_exists.
  Status pin_root(const crypto::PublicKey& root);
  std::optional<crypto::PublicKey> root() const;

  // continue_held: the delta must start at the held seq (a damaged catalog
  // holds seq 0: a whole catalog rebuilds it, as the next sync fetches).
  // rebuild: a whole catalog (from seq 0) replaces a sound one whose history
  // differs from the hub's; it must keep every release and revocation held.
  enum class ApplyMode { continue_held, rebuild };
  Result<ApplyReport> apply(const CatalogDelta& delta, ApplyMode mode = ApplyMode::continue_held);
  // Every check apply() makes, writing nothing: the report apply() would
  // give, or its error. For a caller that must verify more than the
  // catalog before it changes anything (an offline bundle).
  Result<ApplyReport> check(const CatalogDelta& delta, ApplyMode mode = ApplyMode::continue_held);

  // max(device clock + the offset the hub last told, highest time seen);
  // never goes backwards except by observe_hub_time().
  TimePoint trusted_now();
  // The hub's time as a live, authenticated session tells it (hello.ok;
  // never from a bundle, which could be replayed). From then on trusted
  // time is the device clock plus the offset to the hub's, so a clock set
  // forward by mistake no longer makes every fresh catalog timestamp look
  // expired (the device could never sync again), and a clock set back does
  // not freeze it. A highest time seen that ran more than clock_tolerance
  // ahead of the hub is brought back to the hub's time. Drift within the
  // tolerance is left to the device clock.
  static constexpr std::chrono::minutes clock_tolerance{2};
  // The longest a catalog timestamp may be valid (expires_at - issued_at):
  // a hub signs them for an hour, offline bundles for 7 days. A longer one
  // is refused, so a stolen or replayed timestamp cannot keep a frozen
  // catalog fresh for long.
  static constexpr std::chrono::hours max_timestamp_validity{24 * 7};
  Status observe_hub_time(TimePoint hub_time);
  CatalogStatus status();
  const std::optional<TrustList>& trust() const;
  // Set when what is stored failed its check at open (until a rebuild).
  const std::optional<std::string>& damage() const;

  std::optional<Release> release(const cache::VersionRef& ref) const;
  // Every release of the asset, newest version first.
  std::vector<Release> releases(const std::string& asset) const;
  // The same, reduced to what the gate needs; cheap, and cached per asset.
  // The reference stays valid until the next apply().
  const std::vector<ReleaseTerms>& terms(const std::string& asset) const;
  std::optional<Revocation> revocation(const cache::VersionRef& ref) const;
  bool is_revoked(const cache::VersionRef& ref) const;  // cheap: answered from memory
  std::optional<TimePoint> verified_as_of() const;      // issued_at of the held timestamp
  // The newest release of every asset.
  std::vector<Release> latest_releases() const;

 private:
  struct Impl;
  explicit DeviceCatalog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::catalog
