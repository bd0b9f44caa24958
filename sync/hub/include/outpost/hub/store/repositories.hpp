// The hub's data, one repository per kind of record (docs/architecture.md
// section 4). These are interfaces: a backend (store/<engine>/) implements
// them on its own connection, one thread at a time. Calls that return
// Status/Result report failures there; the others throw outpost::Error
// (noted on each). No SQL or engine type appears here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/base/status.hpp"
#include "outpost/cache/asset_reader.hpp"
#include "outpost/cache/chunk_store.hpp"
#include "outpost/catalog/statement.hpp"
#include "outpost/crypto/sealed_box.hpp"
#include "outpost/crypto/sign.hpp"
#include "outpost/journal/journal.hpp"
#include "outpost/sync/enroll_token.hpp"
#include "outpost/sync/hub_address.hpp"
#include "outpost/sync/transport.hpp"

namespace outpost::hub {

struct HubKeys {
  sync::CurveKeyPair curve;
  crypto::SigningKey signing;  // the trust list's hub_key
  crypto::BoxKeyPair lead;
  std::optional<crypto::SigningKey> root;  // embedded default: the root lives here
};

struct DeviceRecord {
  std::string name;
  std::string role;  // rep | kiosk
  sync::CurvePublicKey key{};
  TimePoint enrolled_at;
  std::optional<TimePoint> last_seen;
  std::uint64_t catalog_seq = 0;
  std::optional<TimePoint> revoked_at;
  std::optional<TimePoint> wipe_requested_at;
  std::optional<TimePoint> wiped_at;
};

struct Alert {
  std::int64_t id = 0;
  TimePoint at;
  std::string device;
  std::string kind;  // journal.gap, journal.chain, ...
  std::string detail;
};

struct StoredStatement {
  std::uint64_t seq = 0;
  catalog::SignedStatement statement;
};

// A journal as the hub holds it: events 1..acked_seq, contiguous.
struct JournalState {
  std::string device;
  std::uint64_t acked_seq = 0;
  journal::ChainLink head;  // the event acked_seq (zero link when none)
};

struct IngestResult {
  std::uint64_t acked_seq = 0;   // highest contiguous seq now held
  std::uint64_t stored = 0;      // new events in this batch
  std::uint64_t duplicates = 0;  // already held (a resend after a lost ack)
  // Set when the batch does not continue the chain: the first seq that does
  // not link (also recorded as an alert). Nothing after acked_seq was stored.
  std::optional<std::uint64_t> broken_at;
  // Set when a resent event differs from the one held (the device was
  // restored from a copy or cloned); nothing from there on was stored.
  std::optional<std::uint64_t> diverged_at;
  std::string problem;
};

// Small settings of the hub: where devices reach it, whose root it trusts.
class SettingsRepository {
 public:
  virtual ~SettingsRepository() = default;
  virtual Result<sync::HubAddress> address() = 0;
  virtual Status set_address(const sync::HubAddress& address) = 0;
  // The organisation root public key the trust lists must be signed by.
  virtual Result<crypto::PublicKey> root_key() = 0;
  virtual Status set_root_key(const crypto::PublicKey& root) = 0;
};

// Enrollment tokens, devices and what each device holds. The reads throw
// outpost::Error on a store failure.
class DeviceRepository {
 public:
  virtual ~DeviceRepository() = default;
  // A one-time token for a new device; already_exists if an active device
  // has that name. The token's secret is stored only as a hash.
  virtual Result<sync::EnrollToken> create_token(const std::string& device, const std::string& role,
                                                 const HubKeys& keys, const crypto::PublicKey& root, Random& random,
                                                 TimePoint now, std::chrono::seconds lifetime) = 0;
  // Burns the token and registers device_key under its device name:
  // permission if the secret is unknown, used or expired (one message for
  // all three, so a guesser learns nothing); already_exists if the key is
  // registered already.
  virtual Result<DeviceRecord> redeem_token(ByteView secret, const sync::CurvePublicKey& device_key,
                                            TimePoint now) = 0;
  // Whether some token this hub issued (open, used or expired) has this
  // enrollment key (sync::enrollment_keys of its secret): the enrollment
  // port admits only those connections.
  virtual bool token_issued_for(const sync::CurvePublicKey& enroll_key) = 0;
  virtual std::vector<DeviceRecord> devices() = 0;
  virtual std::optional<DeviceRecord> device(const std::string& name) = 0;
  virtual std::optional<DeviceRecord> device_by_key(const sync::CurvePublicKey& key) = 0;
  // These four: not_found for an unknown device.
  virtual Status revoke_device(const std::string& name, TimePoint now) = 0;
  virtual Status request_wipe(const std::string& name, TimePoint now) = 0;
  virtual Status mark_wiped(const std::string& name, TimePoint now) = 0;
  virtual Status touch_device(const std::string& name, TimePoint now, std::uint64_t catalog_seq) = 0;
  // The latest time any device was revoked or asked to wipe (nullopt if
  // none ever was): the hub cuts the notice subscriptions when it moves.
  // Throws outpost::Error.
  virtual std::optional<TimePoint> last_cut_off() = 0;
  // Replaces the versions a device said it holds (session.done); not_found
  // for an unknown device.
  virtual Status set_holdings(const std::string& device, const std::vector<cache::VersionRef>& holdings,
                              TimePoint now) = 0;
  // What the device last reported, or nullopt if it never did.
  virtual std::optional<std::vector<cache::VersionRef>> holdings(const std::string& device) = 0;
};

// The catalog: root-signed trust lists, the accepted statements in seq
// order, and each release's recipe. The reads throw outpost::Error.
class CatalogRepository {
 public:
  virtual ~CatalogRepository() = default;
  // The current root-signed trust list (nullopt before init set one).
  virtual std::optional<catalog::SignedStatement> trust_list() = 0;
  virtual Status save_trust_list(const catalog::SignedStatement& statement, std::uint64_t version) = 0;
  // The statements with seq > after_seq, in seq order.
  virtual std::vector<StoredStatement> statements(std::uint64_t after_seq = 0) = 0;
  // The highest seq stored (0 for an empty catalog).
  virtual std::uint64_t catalog_seq() = 0;
  // Stores an accepted statement under the next seq, allocated here inside
  // the caller's write unit: seqs are 1, 2, 3 ... with no gap and never
  // reused, whichever process writes. A release comes with its recipe (its
  // chunks must all be stored: integrity otherwise). Returns the seq.
  virtual Result<std::uint64_t> add_statement(const catalog::SignedStatement& statement,
                                              const std::optional<cache::VersionRef>& release,
                                              const std::vector<cache::RecipeEntry>& recipe,
                                              const std::optional<cache::VersionRef>& revoked) = 0;
  // permission for a revoked release unless include_revoked (a device may
  // still hold a revoked version's recipe as the base of a recipe delta).
  virtual Result<std::vector<cache::RecipeEntry>> recipe(const cache::VersionRef& ref,
                                                         bool include_revoked = false) = 0;
  // True if a release that is not revoked uses the chunk.
  virtual bool chunk_entitled(const cache::ChunkId& id) = 0;
};

// Chunk contents, named by their BLAKE2b-256 id.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual bool has_chunk(const cache::ChunkId& id) = 0;  // throws outpost::Error
  // Checks each chunk's hash (integrity naming it otherwise), writes the
  // contents durably, then records them. Returns how many were new.
  virtual Result<std::size_t> store_chunks(const std::vector<cache::ChunkId>& ids, const std::vector<Bytes>& data) = 0;
  // verify re-hashes the bytes (integrity if they are damaged). Serving
  // devices skips it: a device checks every chunk's hash itself, and the
  // extra pass would cost the hub a BLAKE2b of everything it sends.
  virtual Result<Bytes> read_chunk(const cache::ChunkId& id, bool verify = true) = 0;
};

// The devices' journals as the hub received them.
class JournalRepository {
 public:
  virtual ~JournalRepository() = default;
  virtual std::optional<JournalState> journal(ByteView journal_id) = 0;  // throws outpost::Error
  // Stores the events of one push (seqs contiguous) once each and moves the
  // acked seq over every event that continues the chain. A resent event
  // (seq at or below acked) must be the one held (same chain hash): the
  // first that differs stops the push (diverged_at, and an alert). A new
  // journal id that continues another (a forked journal) starts at the
  // parent's event parent.seq, which the hub must hold; the parent must be
  // the same device's. A journal id seen from another device is permission.
  virtual Result<IngestResult> ingest(const std::string& device, ByteView journal_id,
                                      const std::vector<journal::StoredEvent>& events, TimePoint now,
                                      const std::optional<journal::JournalParent>& continues) = 0;
  virtual std::uint64_t event_count() = 0;  // throws outpost::Error
};

// What needs an operator's eye (no personal data).
class AlertRepository {
 public:
  virtual ~AlertRepository() = default;
  virtual Status add_alert(const std::string& device, const std::string& kind, const std::string& detail,
                           TimePoint now) = 0;
  virtual std::vector<Alert> alerts() = 0;  // throws outpost::Error
};

}  // namespace outpost::hub
