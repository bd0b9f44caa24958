#include "outpost/device/home.hpp"

#include <fcntl.h>

#include <algorithm>
#include <string_view>

#include "home_record.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/crypto/kdf.hpp"
#include "outpost/leads/attendees.hpp"
#include "outpost/storage/database.hpp"
#include "outpost/storage/file_io.hpp"

namespace outpost::device {

namespace {

// A query longer than the journal takes is recorded cut short (on a UTF-8
// character boundary) rather than not at all.
std::string_view loggable_query(std::string_view text) {
  std::size_t max = text.size();
  if (const journal::EventType* type = journal::find_type("search.performed")) {
    for (const journal::FieldSpec& f : type->fields) {
      if (f.name == "query") max = static_cast<std::size_t>(std::min<std::uint64_t>(f.max, text.size()));
    }
  }
  if (text.size() <= max) return text;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return text.substr(0, cut);
}

// An empty file is what SQLite would silently turn into a new database.
bool missing_or_empty(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  return ec || size == 0;
}

// A new journal on a home whose journal disappeared would lose, without a
// word, every event not yet delivered to the hub.
Status journal_lost(const fs::path& root, const Bytes& id) {
  const fs::path file = DeviceHome::journal_path(root);
  return Status(Errc::corrupt, file.string() + " is " + (fs::exists(file) ? "empty" : "missing") +
                                   ": the journal this home created (id " + to_hex(id) +
                                   ") is gone, and with it every event not yet delivered to the hub (leads, "
                                   "feedback, usage). Restore journal.db from a backup if there is one; to go "
                                   "on without it, start a new journal with: outpost --home " + root.string() +
                                   " journal reset");
}

}  // namespace

Status DeviceHome::init(const fs::path& root, Random& random, const HomeOptions& options) {
  return guarded([&]() -> Status {
    keys::FileKeyStore store(key_path(root), random, options.passphrase, options.cost);
    if (store.has_master_key()) return {Errc::already_exists, "an Outpost home already exists in " + root.string()};
    fs::create_directories(root);
    fs::permissions(root, fs::perms::owner_all, fs::perm_options::replace);
    Result<crypto::SecretKey> master = keys::create_master_key(store, random);
    if (!master) return master.status();
    const SystemClock clock;  // only stamps the (empty) cache's creation
    cache::AssetCache::Options cache_options;
    cache_options.chunker = options.chunker;
    auto cache = cache::AssetCache::open(cache_path(root), *master, clock, random, cache_options);
    if (!cache) return cache.status();
    auto catalog = catalog::DeviceCatalog::open(catalog_path(root), clock, *master);
    if (!catalog) return catalog.status();
    HomeRecord record;
    if (options.root_key) {
      if (Status s = (*catalog)->pin_root(*options.root_key); !s) return s;
      record.root_key = options.root_key;
    }
    return record.save(root, crypto::derive_key(*master, crypto::purpose::home_record));
  });
}

Result<std::unique_ptr<DeviceHome>> DeviceHome::open(const fs::path& root, const Clock& clock, Random& random,
                                                     const HomeOptions& options) {
  return guarded([&]() -> Result<std::unique_ptr<DeviceHome>> {
    if (wiped(root)) {
      return Status(Errc::permission, root.string() + " was wiped at the hub's request: its keys and data are gone "
                                                      "(enroll the device again in a new home)");
    }
    keys::FileKeyStore store(key_path(root), random, options.passphrase, options.cost);
    if (!store.has_master_key()) {
      return Status(Errc::not_found, "no Outpost home in " + root.string() + " (create one with: outpost --home " +
                                         root.string() + " init)");
    }
    Result<crypto::SecretKey> master = store.load_master_key();
    if (!master) return master.status();
    cache::AssetCache::Options cache_options;
    cache_options.chunker = options.chunker;
    cache_options.create = false;
    auto cache = cache::AssetCache::open(cache_path(root), *master, clock, random, cache_options);
    if (!cache) return cache.status();  // first: it tells another device's key (wrong_key) from damage
    crypto::SecretKey record_key = crypto::derive_key(*master, crypto::purpose::home_record);
    auto loaded = HomeRecord::load(root, record_key);
    if (!loaded) return loaded.status();
    HomeRecord record = loaded->value_or(HomeRecord{});
    bool record_changed = !loaded->has_value();  // a home from before the record: make one now
    auto catalog = catalog::DeviceCatalog::open(catalog_path(root), clock, *master);
    if (!catalog) return catalog.status();
    // The catalog holds the root key the home pinned; one rebuilt (deleted
    // or emptied) gets the same key again, never another one.
    if (const std::optional<crypto::PublicKey> pinned = (*catalog)->root(); record.root_key && !pinned) {
      if (Status s = (*catalog)->pin_root(*record.root_key); !s) return s;
    } else if (record.root_key && *pinned != *record.root_key) {
      return Status(Errc::corrupt, catalog_path(root).string() + " trusts another root key than the one this home "
                                                                  "pinned (recorded in " + HomeRecord::path(root).string() +
                                                                  "): restore it, or remove it to rebuild the catalog "
                                                                  "from the hub under the pinned key");
    } else if (pinned && !record.root_key) {
      record.root_key = pinned;
      record_changed = true;
    }
    auto index = search::SearchIndex::open(search_path(root), *master);
    if (!index) return index.status();
    if (record.journal_id && missing_or_empty(journal_path(root))) return journal_lost(root, *record.journal_id);
    auto journal = journal::Journal::open(journal_path(root), crypto::derive_key(*master, crypto::purpose::journal_payloads),
                                          clock, random, options.journal);
    if (!journal) return journal.status();
    if (!record.journal_id) {
      record.journal_id = (*journal)->id();
      record_changed = true;
    } else if (*record.journal_id != (*journal)->id()) {
      return Status(Errc::corrupt, journal_path(root).string() + " is not the journal this home created (its id " +
                                       to_hex((*journal)->id()) + " is not " + to_hex(*record.journal_id) +
                                       "): restore this home's journal.db, or start a new journal with: outpost "
                                       "--home " + root.string() + " journal reset");
    }
    if (record_changed) {
      if (Status s = record.save(root, record_key); !s) return s;
    }
    // The lead key pair lives in guarded memory (SecretKey), like every key derived here.
    const crypto::SecretKey inbox = crypto::derive_key(*master, crypto::purpose::lead_inbox);
    auto assigned = leads::AssignedLeads::open(leads_path(root), crypto::BoxKeyPair::from_secret(inbox.view()), clock);
    if (!assigned) return assigned.status();
    std::unique_ptr<DeviceHome> home(new DeviceHome(root, std::move(cache).value(), std::move(catalog).value(),
                                                    std::move(index).value(), std::move(journal).value(),
                                                    std::move(assigned).value(),
                                                    crypto::derive_key(*master, crypto::purpose::lead_dedupe),
                                                    crypto::derive_key(*master, crypto::purpose::device_transport),
                                                    std::move(record_key)));
    if (Status s = home->shred_revoked(); !s) return s;
    if (Status s = home->catch_up_index(); !s) return s;
    return home;
  });
}

Status DeviceHome::check_databases(const fs::path& root) {
  return guarded([&]() -> Status {
    struct Database {
      fs::path path;
      const char* recovery;
    };
    const std::string home = "outpost --home " + root.string();
    const std::string rebuild_catalog = "remove it (and its -wal and -shm files) to rebuild it from the hub with " +
                                        home + " sync, or from a bundle, under the root key this home pinned";
    const std::string new_journal = "restore it from a backup, or start a new journal with " + home +
                                    " journal reset (events it had not delivered to the hub are lost)";
    const Database databases[] = {
        {catalog_path(root), rebuild_catalog.c_str()},
        {journal_path(root), new_journal.c_str()},
        {cache_path(root) / "cache.db", "restore it from a backup, or make a new home and sync it again"},
        {search_path(root), "remove it: it is rebuilt from the catalog at the next open"},
        {leads_path(root), "restore it from a backup, or make a new home and sync it again"},
    };
    for (const Database& d : databases) {
      if (!fs::exists(d.path)) continue;
      Status s = storage::check_database(d.path);
      if (s.code() == Errc::corrupt) return Status(Errc::corrupt, d.path.string() + " is damaged: " + d.recovery);
      if (!s) return s;
    }
    return Status::ok();
  });
}

Status DeviceHome::reset_journal(const fs::path& root, const Clock& clock, Random& random, const HomeOptions& options) {
  return guarded([&]() -> Status {
    keys::FileKeyStore store(key_path(root), random, options.passphrase, options.cost);
    if (!store.has_master_key()) return Status(Errc::not_found, "no Outpost home in " + root.string());
    Result<crypto::SecretKey> master = store.load_master_key();
    if (!master) return master.status();
    // The cache's lock keeps every other process out of the home meanwhile.
    cache::AssetCache::Options cache_options;
    cache_options.create = false;
    auto cache = cache::AssetCache::open(cache_path(root), *master, clock, random, cache_options);
    if (!cache) return cache.status();
    const crypto::SecretKey record_key = crypto::derive_key(*master, crypto::purpose::home_record);
    auto loaded = HomeRecord::load(root, record_key);
    if (!loaded) return loaded.status();
    if (!*loaded || !(*loaded)->journal_id) {
      return Status(Errc::invalid_argument, "this home records no journal to reset (the next open starts one)");
    }
    HomeRecord record = **loaded;
    const fs::path file = journal_path(root);
    if (!missing_or_empty(file)) {
      journal::JournalOptions check = options.journal;
      check.background_flush = false;
      auto journal = journal::Journal::open(file, crypto::derive_key(*master, crypto::purpose::journal_payloads), clock,
                                            random, check);
      if (journal && (*journal)->id() == *record.journal_id && storage::check_database(file)) {
        return Status(Errc::already_exists, file.string() + " is this home's journal and is intact: there is "
                                                            "nothing to reset (its undelivered events would be lost)");
      }
    }
    // Whatever is left of the old journal is kept aside, never deleted.
    Bytes tag(4);
    random.fill(tag);
    const std::string suffix = ".lost-" + to_hex(tag);
    for (const char* part : {"", "-wal", "-shm"}) {
      const fs::path p(file.string() + part);
      if (fs::exists(p)) storage::rename_file(p, fs::path(file.string() + suffix + part));
    }
    storage::sync_dir(root);
    record.journal_id.reset();
    return record.save(root, record_key);
  });
}

Status DeviceHome::pin_root(const crypto::PublicKey& root) {
  return guarded([&]() -> Status {
    if (Status s = catalog_->pin_root(root); !s) return s;
    auto loaded = HomeRecord::load(root_, record_key_);
    if (!loaded) return loaded.status();
    HomeRecord record = loaded->value_or(HomeRecord{});
    if (record.root_key == root) return Status::ok();
    record.root_key = root;
    return record.save(root_, record_key_);
  });
}

Status DeviceHome::destroy() {
  return guarded([&]() -> Status {
    // The marker first: a crash half-way still reads as wiped, never as a usable home.
    storage::create_file_durably(root_ / "WIPED", as_bytes("wiped on the hub's request\n"), 0600);
    const fs::path key = key_path(root_);
    if (fs::exists(key)) {
      const std::uintmax_t size = fs::file_size(key);
      storage::UniqueFd fd = storage::open_file(key, O_WRONLY, 0600);
      const Bytes zeros(static_cast<std::size_t>(size), 0);
      storage::write_all(fd.get(), zeros, key);
      storage::sync_fd(fd.get(), key);
      fs::remove(key);
    }
    fs::remove(HomeRecord::path(root_));
    for (const fs::path& p :
         {cache_path(root_), catalog_path(root_), search_path(root_), journal_path(root_), leads_path(root_)}) {
      fs::remove_all(p);
      fs::remove(fs::path(p.string() + "-wal"));
      fs::remove(fs::path(p.string() + "-shm"));
    }
    return Status::ok();
  });
}

Result<catalog::ApplyReport> DeviceHome::apply_catalog(const catalog::CatalogDelta& delta,
                                                       catalog::DeviceCatalog::ApplyMode mode) {
  Result<catalog::ApplyReport> report = catalog_->apply(delta, mode);
  if (!report) return report;
  if (Status s = shred_revoked(); !s) return s;
  if (Status s = index_->index(report->released, report->to_seq); !s) return s;
  return report;
}

Status DeviceHome::catch_up_index() {
  const std::uint64_t seq = catalog_->status().seq;
  if (index_->indexed_seq() >= seq) return Status::ok();
  return index_->index(catalog_->latest_releases(), seq);
}

Result<DeviceHome::SearchOutcome> DeviceHome::search(const search::Query& query, SearchRecord how) {
  Result<search::Results> results = index_->search(query);
  if (!results) return results.status();
  SearchOutcome outcome;
  gate::Gate gate(*catalog_, *cache_);
  for (const search::Hit& hit : results->hits) outcome.found.push_back({hit, gate.peek(hit.asset)});
  outcome.results = std::move(results).value();
  if (how == SearchRecord::typing) return outcome;
  (void)record(journal::search_performed(loggable_query(query.text), outcome.results.total));
  if (search_sink_) search_sink_({query, outcome.results.total, std::nullopt});
  return outcome;
}

void DeviceHome::record_search_choice(const search::Query& query, std::size_t result_count, const std::string& asset) {
  (void)record(journal::search_performed(loggable_query(query.text), result_count, asset));
  if (search_sink_) search_sink_({query, result_count, asset});
}

Result<journal::Appended> DeviceHome::record(const Result<journal::Event>& event) {
  if (!event) return event.status();
  return journal_->append(*event);
}

// A decision is recorded even when the journal cannot take it (full of
// undelivered events): the open itself must not fail for that, and the
// journal counts what it turned away.
void DeviceHome::record_decision(const gate::Decision& d) {
  if (d.allowed) {
    const char* notice = d.in_grace ? "grace" : d.update_pending ? "update-pending" : "";
    (void)record(journal::asset_opened(d.asset, d.version.value_or(0), notice));
  } else {
    (void)record(journal::asset_blocked(d.asset, d.version,
                                        gate::reason_name(d.reason.value_or(gate::BlockReason::not_in_catalog))));
  }
  if (sink_) sink_(d);
}

Status DeviceHome::shred_revoked() {
  // Checks every cached version rather than only the newly revoked ones, so
  // a crash between the catalog commit and the shredding is mended later.
  for (const cache::VersionInfo& v : cache_->list()) {
    if (!catalog_->revocation(v.ref)) continue;
    if (Status s = cache_->shred(v.ref); !s && s.code() != Errc::not_found) return s;
  }
  return Status::ok();
}

gate::Decision DeviceHome::decide(const std::string& asset, std::optional<std::uint64_t> version) {
  return gate::Gate(*catalog_, *cache_, [this](const gate::Decision& d) { record_decision(d); }).decide(asset, version);
}

gate::Decision DeviceHome::peek(const std::string& asset, std::optional<std::uint64_t> version) {
  return gate::Gate(*catalog_, *cache_).peek(asset, version);
}

Result<DeviceHome::Opened> DeviceHome::open_asset(const std::string& asset, std::optional<std::uint64_t> version) {
  Opened opened{decide(asset, version), std::nullopt};
  if (!opened.decision.allowed) return opened;
  Result<cache::AssetReader> reader = cache_->open_reader(asset, opened.decision.version);
  if (!reader) return reader.status();
  if (Status s = index_->record_use(asset); !s) return s;
  opened.reader.emplace(std::move(reader).value());
  return opened;
}

Result<DeviceHome::SmallAsset> DeviceHome::read_small_asset(const std::string& asset, std::string_view kind,
                                                            std::string_view what, std::uint64_t max) {
  gate::Gate gate(*catalog_, *cache_);
  const gate::Decision d = gate.peek(asset);
  if (!d.allowed || !d.version) {
    return Status(Errc::not_found, std::string(what) + " '" + asset + "' cannot be used: " + d.message);
  }
  const cache::VersionRef ref{asset, *d.version};
  const std::optional<catalog::Release> release = catalog_->release(ref);
  if (!release || release->kind != kind) {
    return Status(Errc::invalid_argument, "asset '" + asset + "' is not a " + std::string(what) + " (its kind is '" +
                                              (release ? release->kind : std::string("?")) + "')");
  }
  Result<cache::AssetReader> reader = cache_->open_reader(asset, *d.version);
  if (!reader) return reader.status();
  if (reader->size() > max) {
    return Status(Errc::invalid_argument, std::string(what) + " '" + asset + "' is over " + std::to_string(max >> 20) + " MiB");
  }
  Bytes bytes(reader->size());
  Result<std::size_t> n = reader->read_at(0, bytes);
  if (!n) return n.status();
  bytes.resize(*n);
  return SmallAsset{ref, std::move(bytes)};
}

Result<DeviceHome::Form> DeviceHome::load_form(const std::string& asset) {
  return guarded([&]() -> Result<Form> {
    Result<SmallAsset> content = read_small_asset(asset, "form", "lead form", 1 << 20);
    if (!content) return content.status();
    Result<leads::LeadForm> form = leads::LeadForm::parse(content->bytes);
    if (!form) return form.status();
    return Form{{asset, content->ref.version}, std::move(form).value()};
  });
}

Result<std::optional<std::map<std::string, std::string>>> DeviceHome::resolve_badge(const std::string& show,
                                                                                   const std::string& badge) {
  using Fields = std::optional<std::map<std::string, std::string>>;
  return guarded([&]() -> Result<Fields> {
    // Every usable attendee list of the show, newest publication first.
    std::vector<catalog::Release> lists;
    for (catalog::Release& r : catalog_->latest_releases()) {
      if (r.kind == "attendees") lists.push_back(std::move(r));
    }
    std::sort(lists.begin(), lists.end(), [](const auto& a, const auto& b) { return a.published_at > b.published_at; });
    for (const catalog::Release& r : lists) {
      Result<SmallAsset> content = read_small_asset(r.asset, "attendees", "attendee list", 256u << 20);
      if (!content) continue;  // not downloaded, superseded, expired: not used
      Result<leads::AttendeeList> list = leads::AttendeeList::parse(content->bytes);
      if (!list || list->show() != show) continue;
      auto found = list->find(badge);
      if (!found || *found) return found;
    }
    return Fields();
  });
}

Result<crypto::BoxPublicKey> DeviceHome::hub_lead_key() const {
  const auto& trust = catalog_->trust();
  if (!trust || !trust->lead_key) {
    return Status(Errc::not_found,
                  "no hub lead key: the device's trust list has none yet (sync, or apply a catalog from the hub)");
  }
  return *trust->lead_key;
}

Result<leads::Captured> DeviceHome::capture_lead(const std::string& form_asset, const leads::CaptureRequest& request) {
  Result<Form> form = load_form(form_asset);
  if (!form) return form.status();
  Result<crypto::BoxPublicKey> hub = hub_lead_key();
  if (!hub) return hub.status();
  if (request.badge.empty()) {
    return leads::capture(*journal_, form->form, form->ref, request, {lead_dedupe_key_, *hub}, catalog_->trusted_now());
  }
  // A badge scan: the attendee list fills what the visitor did not type.
  leads::CaptureRequest filled = request;
  const std::string show = request.show.empty() ? form->form.show : request.show;
  auto attendee = resolve_badge(show, request.badge);
  if (!attendee) return attendee.status();
  if (*attendee) {
    for (const auto& f : form->form.fields) {
      const auto known = (*attendee)->find(f.name);
      auto& typed = filled.fields[f.name];
      if (known != (*attendee)->end() && typed.empty()) typed = known->second;
      if (typed.empty()) filled.fields.erase(f.name);
    }
  }
  auto captured = leads::capture(*journal_, form->form, form->ref, filled, {lead_dedupe_key_, *hub}, catalog_->trusted_now());
  for (auto& [name, value] : filled.fields) crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(value.data()), value.size()));
  return captured;
}

Result<journal::Appended> DeviceHome::withdraw_consent(const std::string& show, const std::string& email) {
  Result<crypto::BoxPublicKey> hub = hub_lead_key();
  if (!hub) return hub.status();
  return leads::withdraw_consent(*journal_, show, email, {lead_dedupe_key_, *hub}, catalog_->trusted_now());
}

Result<journal::Appended> DeviceHome::follow_up_lead(const std::string& lead, const std::string& outcome,
                                                     const std::string& note) {
  if (!leads::valid_outcome(outcome)) {
    return Status(Errc::invalid_argument,
                  "outcome '" + outcome + "' is not one of called, meeting, disqualified, no-answer");
  }
  if (!assigned_->holds(lead)) {
    return Status(Errc::not_found, "no lead " + lead + " is assigned to this device (see `outpost lead list`)");
  }
  // The journal first: it is what reaches the hub; the local mark only saves a look-up.
  // A note is sealed to the hub's lead key; an outcome alone needs none.
  crypto::BoxPublicKey hub{};
  if (!note.empty()) {
    Result<crypto::BoxPublicKey> key = hub_lead_key();
    if (!key) return key.status();
    hub = *key;
  }
  Result<journal::Appended> appended = record(journal::lead_followed_up(lead, outcome, note, hub));
  if (!appended) return appended;
  if (Status s = assigned_->mark_followed_up(lead, outcome, catalog_->trusted_now()); !s) return s;
  return appended;
}

Result<journal::ExportSummary> DeviceHome::export_journal(const fs::path& out, Random& random) {
  Result<crypto::BoxPublicKey> hub = hub_lead_key();
  if (!hub) return hub.status();
  return journal::export_undelivered(*journal_, *hub, out, catalog_->trusted_now(), random);
}

}  // namespace outpost::device
