// The hub's home directory and its store.
//   <home>/hub.keys    the hub's secret keys (0600): CURVE transport key,
//                      Ed25519 online key (signs catalog timestamps), X25519
//                      lead key, and - embedded default only - the
//                      organisation root key that signs trust lists
//   <home>/hub.conf    optional: which store backend holds the data
//                      (store/backend.hpp); none means the embedded SQLite
//   the embedded backend's data:
//   <home>/hub.db      devices, tokens, the catalog's statements and
//                      recipes, journals, alerts, the lead book
//   <home>/chunks/ab/<hex id>   chunk contents, named by BLAKE2b-256
//
// A HubStore is one connection to the backend with every hub repository on
// it (store/repositories.hpp), for one thread at a time: the hub's writer,
// each worker and the ZAP handler have their own; the admin CLI may use its
// own at the same time. Get one from Backend::store().
#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include "outpost/catalog/catalog_authority.hpp"
#include "outpost/hub/store/repositories.hpp"
#include "outpost/hub/store/unit.hpp"

namespace outpost::hub {

namespace fs = std::filesystem;

class HubStore : public SettingsRepository,
                 public DeviceRepository,
                 public CatalogRepository,
                 public BlobStore,
                 public JournalRepository,
                 public AlertRepository {
 public:
  static fs::path keys_path(const fs::path& home) { return home / "hub.keys"; }
  // The embedded SQLite backend's files.
  static fs::path db_path(const fs::path& home) { return home / "hub.db"; }
  static fs::path chunk_dir(const fs::path& home) { return home / "chunks"; }

  // Opens the backend the home names and one connection to it. A
  // shorthand for the admin commands.
  static Result<std::unique_ptr<HubStore>> open(const fs::path& home);

  ~HubStore() override = default;

  // A write unit: one transaction (a savepoint when one is open already).
  // Throws outpost::Error when the backend cannot begin one.
  virtual UnitPtr write() = 0;
  // A read unit: every read inside sees one consistent state.
  virtual UnitPtr read() = 0;

  // Runs f inside one write unit, committed when f succeeds (the hub's
  // writer batches requests this way).
  Status in_transaction(const std::function<Status()>& f);
};

// The hub's catalog rebuilt from its store: the current trust list (checked
// against the stored root key) and every accepted statement, checked again.
Result<catalog::CatalogAuthority> load_authority(HubStore& store);
// Brings an authority up to the store: submits, checked again, the
// statements other processes stored after authority.seq(); corrupt if a
// stored statement does not follow.
Status catch_up_authority(catalog::CatalogAuthority& authority, HubStore& store);

// The keys file: created by init (0600, refused if it exists), read by open.
Status save_hub_keys(const fs::path& path, const HubKeys& keys);
Result<HubKeys> load_hub_keys(const fs::path& path);
HubKeys generate_hub_keys(Random& random, bool with_root);

}  // namespace outpost::hub
