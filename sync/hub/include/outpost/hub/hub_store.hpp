// The hub's home directory and its store (the embedded default: SQLite and
// a content-addressed chunk directory, no external service).
//   <home>/hub.keys    the hub's secret keys (0600): CURVE transport key,
//                      Ed25519 online key (signs catalog timestamps), X25519
//                      lead key, and - embedded default only - the
//                      organisation root key that signs trust lists
//   <home>/hub.db      devices, tokens, the catalog's statements and
//                      recipes, journals, alerts
//   <home>/chunks/ab/<hex id>   chunk contents, named by BLAKE2b-256
//
// HubStore is one SQLite connection: one per thread (the hub's writer,
// each worker, the ZAP handler); the admin CLI may use its own at the same
// time (WAL, busy timeout).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outpost/cache/asset_reader.hpp"
#include "outpost/cache/chunk_store.hpp"
#include "outpost/catalog/catalog_authority.hpp"
#include "outpost/catalog/statement.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/crypto/sealed_box.hpp"
#include "outpost/crypto/sign.hpp"
#include "outpost/journal/journal.hpp"
#include "outpost/sync/enroll_token.hpp"
#include "outpost/sync/hub_address.hpp"
#include "outpost/sync/transport.hpp"

namespace outpost::hub {

namespace fs = std::filesystem;

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
  std::uint64_t acked_seq = 0;  // highest contiguous seq now held
  std::uint64_t stored = 0;     // new events in this batch
  std::uint64_t duplicates = 0;  // already held (a resend after a lost ack)
  // Set when the batch does not continue the chain: the first seq that does
  // not link (also recorded as an alert). Nothing after acked_seq was stored.
  std::optional<std::uint64_t> broken_at;
  std::string problem;
};

class HubStore {
 public:
  static fs::path db_path(const fs::path& home) { return home / "hub.db"; }
  static fs::path chunk_dir(const fs::path& home) { return home / "chunks"; }
  static fs::path keys_path(const fs::path& home) { return home / "hub.keys"; }

  // Opens (create: makes) the store of a hub home.
  static Result<std::unique_ptr<HubStore>> open(const fs::path& home, bool create = false);
  ~HubStore();
  HubStore(const HubStore&) = delete;
  HubStore& operator=(const HubStore&) = delete;

  // ---- settings
  Result<sync::HubAddress> address();
  Status set_address(const sync::HubAddress& address);
  // The organisation root public key the trust lists must be signed by.
  Result<crypto::PublicKey> root_key();
  Status set_root_key(const crypto::PublicKey& root);

  // ---- enrollment
  // A one-time token for a new device; already_exists if an active device
  // has that name. The token's secret is stored only as a hash.
  Result<sync::EnrollToken> create_token(const std::string& device, const std::string& role, const HubKeys& keys,
                                   const crypto::PublicKey& root, Random& random, TimePoint now,
                                   std::chrono::seconds lifetime);
  // Burns the token and registers device_key under its device name:
  // permission if the secret is unknown, used or expired (one message for
  // all three, so a guesser learns nothing); already_exists if the key is
  // registered already.
  Result<DeviceRecord> redeem_token(ByteView secret, const sync::CurvePublicKey& device_key, TimePoint now);

  // ---- devices
  std::vector<DeviceRecord> devices();
  std::optional<DeviceRecord> device(const std::string& name);
  std::optional<DeviceRecord> device_by_key(const sync::CurvePublicKey& key);
  Status revoke_device(const std::string& name, TimePoint now);
  Status request_wipe(const std::string& name, TimePoint now);
  Status mark_wiped(const std::string& name, TimePoint now);
  Status touch_device(const std::string& name, TimePoint now, std::uint64_t catalog_seq);
  // Replaces the versions a device said it holds (session.done); not_found
  // for an unknown device.
  Status set_holdings(const std::string& device, const std::vector<cache::VersionRef>& holdings, TimePoint now);
  // What the device last reported, or nullopt if it never did.
  std::optional<std::vector<cache::VersionRef>> holdings(const std::string& device);

  // ---- catalog
  // The current root-signed trust list (nullopt before init set one).
  std::optional<catalog::SignedStatement> trust_list();
  Status save_trust_list(const catalog::SignedStatement& statement, std::uint64_t version);
  std::vector<StoredStatement> statements();
  // Records accepted statement seq; a release with its recipe (its chunks
  // must all be stored: integrity otherwise).
  Status add_statement(std::uint64_t seq, const catalog::SignedStatement& statement,
                       const std::optional<cache::VersionRef>& release,
                       const std::vector<cache::RecipeEntry>& recipe, const std::optional<cache::VersionRef>& revoked);
  // permission for a revoked release unless include_revoked (a device may
  // still hold a revoked version's recipe as the base of a recipe delta).
  Result<std::vector<cache::RecipeEntry>> recipe(const cache::VersionRef& ref, bool include_revoked = false);
  // True if a release that is not revoked uses the chunk.
  bool chunk_entitled(const cache::ChunkId& id);

  // ---- chunks (files under chunks/, rows in hub.db)
  bool has_chunk(const cache::ChunkId& id);
  // Checks each chunk's hash (integrity naming it otherwise), writes the
  // files durably, then records them. Returns how many were new.
  Result<std::size_t> store_chunks(const std::vector<cache::ChunkId>& ids, const std::vector<Bytes>& data);
  // verify re-hashes the bytes (integrity if the file is damaged). Serving
  // devices skips it: a device checks every chunk's hash itself, and the
  // extra pass would cost the hub a BLAKE2b of everything it sends.
  Result<Bytes> read_chunk(const cache::ChunkId& id, bool verify = true);

  // ---- journals
  std::optional<JournalState> journal(ByteView journal_id);
  // Stores the events of one push (seqs contiguous) once each and moves the
  // acked seq over every event that continues the chain. A journal id seen
  // from another device is permission.
  Result<IngestResult> ingest(const std::string& device, ByteView journal_id,
                              const std::vector<journal::StoredEvent>& events, TimePoint now);
  std::uint64_t event_count();
  Status add_alert(const std::string& device, const std::string& kind, const std::string& detail, TimePoint now);
  std::vector<Alert> alerts();

  // Runs f inside one write transaction (the hub's writer batches requests).
  Status in_transaction(const std::function<Status()>& f);

 private:
  struct Impl;
  explicit HubStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The hub's catalog rebuilt from its store: the current trust list (checked
// against the stored root key) and every accepted statement, checked again.
Result<catalog::CatalogAuthority> load_authority(HubStore& store);

// The keys file: created by init (0600, refused if it exists), read by open.
Status save_hub_keys(const fs::path& path, const HubKeys& keys);
Result<HubKeys> load_hub_keys(const fs::path& path);
HubKeys generate_hub_keys(Random& random, bool with_root);

}  // namespace outpost::hub
