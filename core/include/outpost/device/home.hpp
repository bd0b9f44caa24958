// DeviceHome: one device's directory and what lives in it.
//   <root>/keys/master.key   the master key (FileKeyStore, 0600)
//   <root>/cache/            the encrypted asset cache (AssetCache)
//   <root>/catalog.db        the signed catalog and trusted time (DeviceCatalog)
//   <root>/search.db         the search index, derived from the catalog (SearchIndex)
//   <root>/journal.db        the event journal (Journal): every gate decision,
//                            search, presentation, feedback and lead
//   <root>/leads.db          leads the hub assigned to this rep device, sealed
//                            to its lead key (AssignedLeads)
//   <root>/home.json         the root key the home pinned and the id of the
//                            journal it created, keyed-hashed: a deleted
//                            catalog.db is rebuilt under the same root, a
//                            deleted or emptied journal.db is refused
// init() makes a new home; open() unlocks an existing one. Shells (CLI,
// C API, web) go through this, so they agree on the layout.
// A DeviceHome is used by one thread at a time.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "outpost/cache/asset_cache.hpp"
#include "outpost/catalog/device_catalog.hpp"
#include "outpost/gate/gate.hpp"
#include "outpost/journal/journal.hpp"
#include "outpost/journal/journal_export.hpp"
#include "outpost/leads/assigned_leads.hpp"
#include "outpost/leads/lead_capture.hpp"
#include "outpost/search/search_index.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/keys/key_store.hpp"

namespace outpost::device {

namespace fs = std::filesystem;

struct HomeOptions {
  std::string passphrase;  // empty: the key file is protected by file permissions only
  keys::PassphraseCost cost = keys::PassphraseCost::interactive();
  cache::ChunkerParams chunker;
  std::optional<crypto::PublicKey> root_key;  // init: the organisation root to pin
  journal::JournalOptions journal;
};

class DeviceHome {
 public:
  static fs::path key_path(const fs::path& root) { return root / "keys" / "master.key"; }
  static fs::path cache_path(const fs::path& root) { return root / "cache"; }
  static fs::path catalog_path(const fs::path& root) { return root / "catalog.db"; }
  static fs::path search_path(const fs::path& root) { return root / "search.db"; }
  static fs::path journal_path(const fs::path& root) { return root / "journal.db"; }
  static fs::path leads_path(const fs::path& root) { return leads::AssignedLeads::path(root); }

  // Creates root (if needed), a new master key and an empty cache.
  // already_exists if root already holds a home.
  static Status init(const fs::path& root, Random& random, const HomeOptions& options);

  // not_found (with a hint to run init) if root holds no home; wrong_key,
  // permission, busy as for the key store and the cache; corrupt when the
  // journal the home created is missing, empty or another one, or the
  // catalog trusts another root than the home pinned.
  static Result<std::unique_ptr<DeviceHome>> open(const fs::path& root, const Clock& clock, Random& random,
                                                  const HomeOptions& options);

  // Reads every page of the home's databases, changing nothing: ok, or the
  // first one found damaged (corrupt, naming it and how to recover).
  // SQLite reports a damaged page without its file; this finds the file.
  static Status check_databases(const fs::path& root);

  // The explicit way on after open() refused a journal that is missing,
  // empty or not this home's: what is left of it is kept aside as
  // journal.db.lost-XXXXXXXX and the next open starts a new journal.
  // already_exists when the journal is intact (nothing is touched).
  static Status reset_journal(const fs::path& root, const Clock& clock, Random& random, const HomeOptions& options);

  const fs::path& root() const noexcept { return root_; }
  cache::AssetCache& cache() noexcept { return *cache_; }
  catalog::DeviceCatalog& catalog() noexcept { return *catalog_; }
  journal::Journal& journal() noexcept { return *journal_; }
  // The leads assigned to this device (reps), sealed to its lead key.
  leads::AssignedLeads& assigned_leads() noexcept { return *assigned_; }

  // Appends an event made by one of the journal's typed constructors
  // (passing its error through).
  Result<journal::Appended> record(const Result<journal::Event>& event);

  // Pins the organisation's root key (at enrollment) in the catalog and in
  // the home's record. The same key again is fine; another one is
  // already_exists.
  Status pin_root(const crypto::PublicKey& root);

  // Applies a catalog update and shreds the chunks of revoked versions.
  Result<catalog::ApplyReport> apply_catalog(
      const catalog::CatalogDelta& delta,
      catalog::DeviceCatalog::ApplyMode mode = catalog::DeviceCatalog::ApplyMode::continue_held);

  // Every decision of the gate is journaled (asset.opened / asset.blocked)
  // and also handed to sink, if set.
  void set_decision_sink(gate::DecisionSink sink) { sink_ = std::move(sink); }

  struct SearchEvent {
    search::Query query;
    std::size_t result_count = 0;
    std::optional<std::string> chosen;  // the asset the user picked from the results
  };
  using SearchSink = std::function<void(const SearchEvent&)>;
  // Every search, and every pick from its results, is journaled
  // (search.performed), so marketing sees searches with no result or with
  // no click; and handed to sink, if set.
  void set_search_sink(SearchSink sink) { search_sink_ = std::move(sink); }
  // A shell calls this when the user opens a result of query.
  void record_search_choice(const search::Query& query, std::size_t result_count, const std::string& asset);

  struct Found {
    search::Hit hit;
    gate::Decision decision;  // shown as a badge ("update pending", "withdrawn"), not recorded as an open
  };
  struct SearchOutcome {
    std::vector<Found> found;
    search::Results results;  // total, estimate flag, facet counts
  };
  // Journals the search unless the shell says it is one keystroke of a
  // query still being typed (SearchRecord::typing): search-as-you-type
  // records only the query the user settles on, not every prefix of it.
  enum class SearchRecord { journal, typing };
  Result<SearchOutcome> search(const search::Query& query, SearchRecord how = SearchRecord::journal);
  gate::Decision decide(const std::string& asset, std::optional<std::uint64_t> version = std::nullopt);
  // The same judgement, not journaled: for lists and badges, which are not opens.
  gate::Decision peek(const std::string& asset, std::optional<std::uint64_t> version = std::nullopt);

  struct Opened {
    gate::Decision decision;
    std::optional<cache::AssetReader> reader;  // set only when allowed
  };
  // The gate's decision and, when allowed, a reader of the version shown.
  Result<Opened> open_asset(const std::string& asset, std::optional<std::uint64_t> version = std::nullopt);

  // ---- leads (kiosks)
  struct Form {
    leads::FormRef ref;
    leads::LeadForm form;
  };
  // The newest version of a form asset the gate allows (so a replaced or
  // withdrawn form is never used): not_found / invalid_argument with the
  // reason otherwise.
  Result<Form> load_form(const std::string& asset);
  // Validates, seals to the hub's lead key and journals durably. With a
  // badge, the fields the request leaves empty come from the show's
  // attendee list (resolve_badge); a badge on no list is captured as-is.
  Result<leads::Captured> capture_lead(const std::string& form_asset, const leads::CaptureRequest& request);
  // The fields of a scanned badge from the newest usable attendee list
  // (kind "attendees") of show; nullopt when no list names it.
  Result<std::optional<std::map<std::string, std::string>>> resolve_badge(const std::string& show,
                                                                          const std::string& badge);
  Result<journal::Appended> withdraw_consent(const std::string& show, const std::string& email);

  // ---- leads (reps)
  // Records the outcome of a lead assigned to this device: checks the
  // outcome (invalid_argument) and that the lead is held here (not_found),
  // journals lead.followed_up durably, then marks it followed up locally.
  Result<journal::Appended> follow_up_lead(const std::string& lead, const std::string& outcome,
                                           const std::string& note);

  // A retiring device's undelivered journal, sealed to the hub (its lead key).
  Result<journal::ExportSummary> export_journal(const fs::path& out, Random& random);

  // The secret of the device's transport (CURVE) key, derived from the
  // master key: destroying the master key also retires the device's identity.
  const crypto::SecretKey& transport_secret() const noexcept { return transport_secret_; }

  // Remote wipe: destroys the master key (overwritten, then removed) and the
  // cache, catalog, search index, journal and assigned leads, leaving a
  // WIPED marker. The object must not be used afterwards except to be
  // destroyed.
  Status destroy();
  static bool wiped(const fs::path& root) { return fs::exists(root / "WIPED"); }

 private:
  struct SmallAsset {
    cache::VersionRef ref;
    Bytes bytes;
  };
  // The content of the version of asset the gate allows now (peek: reading
  // a form or a list to use it is not an open), of kind, at most max bytes;
  // what names it in errors ("lead form").
  Result<SmallAsset> read_small_asset(const std::string& asset, std::string_view kind, std::string_view what,
                                      std::uint64_t max);

  DeviceHome(fs::path root, std::unique_ptr<cache::AssetCache> cache, std::unique_ptr<catalog::DeviceCatalog> catalog,
             std::unique_ptr<search::SearchIndex> index, std::unique_ptr<journal::Journal> journal,
             std::unique_ptr<leads::AssignedLeads> assigned, crypto::SecretKey lead_dedupe_key,
             crypto::SecretKey transport_secret, crypto::SecretKey record_key)
      : root_(std::move(root)),
        cache_(std::move(cache)),
        catalog_(std::move(catalog)),
        index_(std::move(index)),
        journal_(std::move(journal)),
        assigned_(std::move(assigned)),
        lead_dedupe_key_(std::move(lead_dedupe_key)),
        transport_secret_(std::move(transport_secret)),
        record_key_(std::move(record_key)) {}
  fs::path root_;
  std::unique_ptr<cache::AssetCache> cache_;
  std::unique_ptr<catalog::DeviceCatalog> catalog_;
  std::unique_ptr<search::SearchIndex> index_;
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<leads::AssignedLeads> assigned_;
  crypto::SecretKey lead_dedupe_key_;
  crypto::SecretKey transport_secret_;
  crypto::SecretKey record_key_;  // the keyed hash of home.json
  gate::DecisionSink sink_;
  SearchSink search_sink_;

  void record_decision(const gate::Decision& decision);
  Result<crypto::BoxPublicKey> hub_lead_key() const;
  // Brings the search index up to the catalog (after a crash between the two).
  Status catch_up_index();

  // Removes the chunks of every cached version the catalog has revoked.
  Status shred_revoked();
};

}  // namespace outpost::device
