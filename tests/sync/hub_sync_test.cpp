// The hub, the publisher and the device engine end to end over real CURVE
// sockets on 127.0.0.1.
#include <catch2/catch.hpp>

#include <signal.h>

#include <thread>

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include "hub_fixture.hpp"
#include "outpost/cache/content_digest.hpp"
#include "outpost/catalog/device_catalog.hpp"
#include "outpost/catalog/statement.hpp"
#include "outpost/crypto/kdf.hpp"
#include "outpost/keys/key_store.hpp"
#include "outpost/hub/bundle_export.hpp"
#include "outpost/storage/database.hpp"
#include "outpost/sync/bundle.hpp"
#include "outpost/sync/messages.hpp"
#include "raw_client.hpp"

using namespace outpost;
using namespace outpost::test;
using Catch::Matchers::Contains;
using outpost::sync::Envelope;

TEST_CASE("publish, enroll, sync, open: the device shows exactly the published bytes", "[sync][hub]") {
  HubFixture f;
  const Bytes content = random_bytes(700 * 1024, 1);
  const sync::PublishReport published = f.publish("deck", 1, content);
  CHECK(published.seq == 1);
  CHECK(published.chunks_sent == published.chunks);

  auto rep = f.device("rep-1");
  const sync::SyncReport report = must(f.sync(rep));
  CHECK(report.catalog_to == 1);
  CHECK(report.releases == 1);
  CHECK(report.versions_fetched == 1);
  CHECK(report.bytes_fetched == content.size());

  auto opened = must(rep.home->open_asset("deck"));
  REQUIRE(opened.reader);
  CHECK(read_all(*opened.reader) == content);
  // The hub's records say what the device holds now.
  const auto record = f.admin()->store().device("rep-1");
  REQUIRE(record);
  CHECK(record->catalog_seq == 1);
  CHECK(record->last_seen.has_value());

  // A second sync has nothing to fetch.
  const sync::SyncReport again = must(f.sync(rep));
  CHECK(again.chunks_fetched == 0);
  CHECK(again.releases == 0);
}

TEST_CASE("a device whose catalog.db was deleted keeps its root: another organisation cannot enroll it, its hub "
          "rebuilds the catalog", "[sync][hub][attack]") {
  HubFixture f;
  const Bytes content = random_bytes(60'000, 2);
  f.publish("deck", 1, content);
  auto rep = f.device("rep-1");
  REQUIRE(must(f.sync(rep)).catalog_to == 1);
  const crypto::PublicKey root = must(f.admin()->store().root_key());
  rep.home.reset();
  for (const char* part : {"", "-wal", "-shm"}) fs::remove((rep.root / "catalog.db").string() + part);
  rep.home = f.open_home(rep.root);
  CHECK(rep.home->catalog().status().seq == 0);
  REQUIRE(rep.home->catalog().root());
  CHECK(*rep.home->catalog().root() == root);

  // A token of another organisation (its root differs) is refused before
  // anything reaches a hub, even with the link removed.
  fs::remove(sync::DeviceLink::path(rep.root));
  sync::EnrollToken foreign = must(f.admin()->enroll_token("rep-2", "rep"));
  foreign.root_key = crypto::SigningKey::generate(f.random).public_key();
  auto refused = sync::enroll(*rep.home, foreign);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::permission);
  CHECK_THAT(refused.status().message(), Contains("another organisation"));
  CHECK(*rep.home->catalog().root() == root);
  CHECK_FALSE(f.admin()->store().device("rep-2").has_value());

  // Its own hub rebuilds the catalog at the next sync.
  must(rep.link.save(rep.root));
  const sync::SyncReport repaired = must(f.sync(rep));
  CHECK(repaired.catalog_to == 1);
  CHECK(rep.home->catalog().status().seq == 1);
  auto opened = must(rep.home->open_asset("deck"));
  REQUIRE(opened.reader);
  CHECK(read_all(*opened.reader) == content);
}

TEST_CASE("enrollment refuses a reused, an expired and a forged token", "[sync][hub]") {
  HubFixture f;
  auto admin = f.admin();
  const sync::EnrollToken token = must(admin->enroll_token("tab-1", "rep"));

  auto first = f.device("tab-0");  // a good token works
  CHECK(first.link.device == "tab-0");
  CHECK(first.link.role == "rep");

  const fs::path root_a = f.dir / "a";
  must(device::DeviceHome::init(root_a, f.random, {}));
  auto a = f.open_home(root_a);
  must(sync::enroll(*a, token));

  SECTION("reused") {
    const fs::path root_b = f.dir / "b";
    must(device::DeviceHome::init(root_b, f.random, {}));
    auto b = f.open_home(root_b);
    auto again = sync::enroll(*b, token);
    REQUIRE_FALSE(again.is_ok());
    CHECK(again.status().code() == Errc::permission);
    CHECK_FALSE(fs::exists(sync::DeviceLink::path(root_b)));
  }
  SECTION("expired") {
    // Issued an hour ago (an admin on a clock set back) for one second.
    ManualClock an_hour_ago(f.clock.now() - 1h);
    auto past_admin = must(hub::HubAdmin::open(f.hub_home, f.random, an_hour_ago));
    const sync::EnrollToken old = must(past_admin->enroll_token("tab-2", "kiosk", std::chrono::seconds(1)));
    const fs::path root_c = f.dir / "c";
    must(device::DeviceHome::init(root_c, f.random, {}));
    auto c = f.open_home(root_c);
    auto late = sync::enroll(*c, old);
    REQUIRE_FALSE(late.is_ok());
    CHECK(late.status().code() == Errc::permission);
  }
  SECTION("forged") {
    sync::EnrollToken forged = token;
    forged.device = "tab-9";
    forged.secret[0] ^= 1;
    const fs::path root_d = f.dir / "d";
    must(device::DeviceHome::init(root_d, f.random, {}));
    auto d = f.open_home(root_d);
    // A secret the hub never issued derives a key its ZAP handler does not
    // know: the handshake fails and the hub never reads the request.
    auto refused = sync::enroll(*d, forged, 1500ms);
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().code() == Errc::io);
    CHECK_THAT(refused.status().message(), Contains("never issued"));
    CHECK_FALSE(f.admin()->store().device("tab-9"));
  }
}

TEST_CASE("an unregistered key and a revoked device cannot sync", "[sync][hub]") {
  HubFixture f;
  f.publish("deck", 1, random_bytes(100'000, 2));
  sync::SyncOptions quick;
  quick.request_timeout = 1500ms;

  SECTION("unregistered") {
    const fs::path root = f.dir / "stranger";
    must(device::DeviceHome::init(root, f.random, {}));
    auto home = f.open_home(root);
    sync::DeviceLink link{"stranger", "rep", f.address.sync(), f.address.notices(), f.hub->curve_key()};
    auto r = sync::sync_once(*home, link, f.random, quick);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Errc::permission);  // ZAP refused the handshake
    CHECK(home->catalog().status().seq == 0);
  }
  SECTION("revoked") {
    auto rep = f.device("rep-1");
    must(f.sync(rep));
    must(f.admin()->store().revoke_device("rep-1", f.clock.now()));
    f.publish("deck", 2, random_bytes(100'000, 3));
    auto r = f.sync(rep, quick);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Errc::permission);
    CHECK(rep.home->catalog().status().seq == 1);
  }
}

TEST_CASE("a store error in the ZAP lookup refuses that client and is logged; the hub keeps serving",
          "[sync][hub]") {
  HubFixture f(false);
  MemoryLogger log;
  hub::HubOptions options;
  options.logger = &log;
  f.start(options);
  CHECK(log.count("info hub.start sync=tcp://127.0.0.1:") == 1);
  f.publish("deck", 1, random_bytes(50'000, 4));
  auto rep = f.device("rep-1");
  auto other = f.device("rep-2");
  must(f.sync(rep));
  CHECK(log.count("info hub.hello device=rep-1 role=rep") == 1);
  CHECK(log.count("info hub.session device=rep-1 catalog_seq=1") == 1);

  // The admission lookup now fails inside SQLite (no such table): before
  // the fix the exception escaped the ZAP thread and ended the process.
  SQLite::Database db(hub::HubStore::db_path(f.hub_home).string(), SQLite::OPEN_READWRITE);
  db.exec("ALTER TABLE devices RENAME TO devices_away");
  sync::SyncOptions quick;
  quick.request_timeout = 1500ms;
  CHECK_FALSE(f.sync(other, quick).is_ok());
  CHECK(log.count("error zap.error domain=sync") >= 1);
  CHECK(other.home->catalog().status().seq == 0);

  db.exec("ALTER TABLE devices_away RENAME TO devices");
  must(f.sync(other));  // the same hub process, still serving
  CHECK(other.home->catalog().status().seq == 1);
  must(f.sync(rep));
  f.stop();
  CHECK(log.count("info hub.stop requests=") == 1);
  for (const std::string& line : log.lines()) {  // public-key fingerprints at most, never a secret
    CHECK(line.find(to_hex(f.admin()->keys().curve.public_key())) == std::string::npos);
  }
}

TEST_CASE("a device asking for a chunk no release uses is refused", "[sync][hub]") {
  HubFixture f;
  f.publish("deck", 1, random_bytes(100'000, 4));
  auto rep = f.device("rep-1");
  RawClient raw(sync::transport_keys(*rep.home), f.hub->curve_key(), f.address.sync());

  SECTION("before hello, any request is out of order") {
    raw.send(sync::msg::ChunkGet{{crypto::blake2b(as_bytes("x"))}}.to_envelope(1));
    auto r = raw.reply();
    REQUIRE(r);
    auto error = sync::msg::ErrorMsg::parse(*r);
    REQUIRE(error.is_ok());
    CHECK(error->code == Errc::invalid_argument);
  }
  SECTION("after hello") {
    raw.send(hello_for(*rep.home, 1));
    REQUIRE(raw.reply());
    const Bytes secret = random_bytes(1000, 5);
    raw.send(sync::msg::ChunkGet{{crypto::blake2b(secret)}}.to_envelope(2));
    auto r = raw.reply();
    REQUIRE(r);
    auto data = sync::msg::ChunkData::parse(*r);
    REQUIRE(data.is_ok());
    CHECK(data->chunks.empty());
    CHECK(data->refused.size() == 1);
  }
  SECTION("a revoked release's chunks are no longer served") {
    const Bytes content = random_bytes(50'000, 6);
    f.publish("promo", 1, content);
    f.revoke("promo", 1);
    raw.send(hello_for(*rep.home, 1));
    REQUIRE(raw.reply());
    const cache::Recipe recipe = cache::make_recipe(content);
    raw.send(sync::msg::ChunkGet{{recipe.entries.front().id}}.to_envelope(2));
    auto data = sync::msg::ChunkData::parse(*raw.reply());
    REQUIRE(data.is_ok());
    CHECK(data->refused.size() == 1);
  }
}

TEST_CASE("garbage, truncated, oversized and out-of-order frames neither crash nor stall the hub", "[sync][hub]") {
  HubFixture f;
  const Bytes content = random_bytes(300'000, 7);
  f.publish("deck", 1, content);
  auto rep = f.device("rep-1");
  RawClient raw(sync::transport_keys(*rep.home), f.hub->curve_key(), f.address.sync());

  raw.send(std::vector<Bytes>{random_bytes(100, 8)});                  // not MessagePack
  raw.send(std::vector<Bytes>{Bytes{0x84, 0xa1}});                       // truncated map
  raw.send(std::vector<Bytes>{Bytes(70'000, 0x90)});                     // oversized header
  raw.send(std::vector<Bytes>{Bytes{}});                                  // empty frame
  raw.send(std::vector<Bytes>(70, Bytes{1}));                             // too many frames
  Envelope unknown;
  unknown.type = "launch.missiles";
  raw.send(unknown);
  raw.send(sync::msg::JournalAck{5}.to_envelope(9));                     // a reply sent as a request
  Envelope push;  // journal.push whose rows are not MessagePack
  push.type = "journal.push";
  push.id = 10;
  push.body = {{"journal_id", nlohmann::json::binary(Bytes(16, 1))}};
  push.data = {random_bytes(64, 9)};
  raw.send(hello_for(*rep.home, 11));
  raw.send(push);
  int errors = 0;
  for (int i = 0; i < 9; ++i) {
    auto r = raw.reply(2000ms);
    if (!r) break;
    if (r->type == "error") ++errors;
  }
  CHECK(errors >= 7);

  // The hub still serves a well-behaved device at once.
  auto result = f.sync(rep);
  REQUIRE(result.is_ok());
  CHECK(result->versions_fetched == 1);
  CHECK(f.hub->counters().refused.load() >= 6);
}

TEST_CASE("a publisher upload with a bad signature or an unregistered key is refused", "[sync][hub]") {
  HubFixture f;
  sync::PublisherClient client(f.hub_address(), f.publisher_key);
  const Bytes content = random_bytes(10'000, 10);
  catalog::Release r = f.release("deck", 1);
  const cache::Recipe recipe = cache::make_recipe(content);
  r.digest = recipe.digest;
  r.size = recipe.size;

  SECTION("bad signature") {
    must(client.publish(content, f.release("other", 1), f.publisher_key));  // uploads nothing of deck
    catalog::SignedStatement s = catalog::sign_statement(r.to_body(), f.publisher_key);
    s.signature.bytes[3] ^= 0x20;
    auto refused = client.submit(s, recipe.entries);
    REQUIRE_FALSE(refused.is_ok());
    INFO(refused.status().to_string());
    CHECK((refused.status().code() == Errc::integrity || refused.status().code() == Errc::permission));
  }
  SECTION("unregistered signer") {
    const crypto::SigningKey stranger = crypto::SigningKey::generate(f.random);
    auto refused = client.publish(content, r, stranger);
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().code() == Errc::permission);
  }
  SECTION("a connection with an unregistered key is refused at the handshake, before any upload") {
    const crypto::SigningKey stranger = crypto::SigningKey::generate(f.random);
    sync::PublisherClient outsider(f.hub_address(), stranger, 5s);
    auto refused = outsider.publish(content, r, stranger);
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().code() == Errc::permission);  // told by the handshake, not a timeout
    CHECK_FALSE(f.admin()->store().has_chunk(recipe.entries.front().id));
  }
  SECTION("a release whose chunks the hub lacks") {
    auto refused = client.submit(catalog::sign_statement(r.to_body(), f.publisher_key), recipe.entries);
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().code() == Errc::integrity);
  }
  auto delta = must(client.catalog());
  for (const auto& s : delta.statements) {
    CHECK(catalog::Release::from_body(s.body).value().asset != "deck");
  }
}

TEST_CASE("remote wipe: the device destroys its keys and data at its next contact and the hub records it",
          "[sync][hub]") {
  HubFixture f;
  f.publish("deck", 1, random_bytes(200'000, 11));
  auto rep = f.device("rep-1");
  must(f.sync(rep));
  must(f.admin()->store().request_wipe("rep-1", f.clock.now()));
  const sync::SyncReport report = must(f.sync(rep));
  CHECK(report.wiped);
  CHECK_FALSE(fs::exists(device::DeviceHome::key_path(rep.root)));
  CHECK_FALSE(fs::exists(device::DeviceHome::cache_path(rep.root)));
  CHECK(device::DeviceHome::wiped(rep.root));
  rep.home.reset();
  auto reopened = device::DeviceHome::open(rep.root, f.clock, f.random, {});
  REQUIRE_FALSE(reopened.is_ok());
  CHECK(reopened.status().code() == Errc::permission);
  // wipe.done reached the hub.
  const auto record = f.admin()->store().device("rep-1");
  REQUIRE(record);
  CHECK(record->wiped_at.has_value());
}

TEST_CASE("a connected daemon holds a new version within seconds of its publication and the old one is blocked",
          "[sync][hub][daemon]") {
  HubFixture f;
  const Bytes v1 = random_bytes(150'000, 20);
  f.publish("price-sheet", 1, v1);
  auto rep = f.device("rep-1");
  must(f.sync(rep));

  // The daemon runs on its own thread with the device home; the test only
  // looks at the home again after the daemon stopped.
  std::atomic<bool> stop{false};
  std::atomic<int> sessions{0};
  std::atomic<std::uint64_t> catalog_seq{0};  // the newest a session brought
  sync::SyncOptions options;
  options.resync_interval = 60s;  // so only a notice can explain an update within the wait below
  std::thread daemon([&] {
    (void)sync::run_daemon(*rep.home, rep.link, f.random, options,
                           [&](const Result<sync::SyncReport>& r) {
                             if (!r) return;
                             if (r->catalog_to > catalog_seq) catalog_seq = r->catalog_to;
                             ++sessions;
                           },
                           stop);
  });
  REQUIRE(eventually([&] { return sessions >= 1; }));
  REQUIRE(f.daemon_hears_notices(sessions));

  const Bytes v2 = random_bytes(150'000, 21);
  sync::PublisherClient client(f.hub_address(), f.publisher_key);
  catalog::Release r = f.release("price-sheet", 2);
  const std::uint64_t v2_seq = must(client.publish(v2, r, f.publisher_key)).seq;
  const bool updated = eventually([&] { return catalog_seq >= v2_seq; });
  stop = true;
  daemon.join();
  REQUIRE(updated);

  auto now = must(rep.home->open_asset("price-sheet"));
  REQUIRE(now.reader);
  CHECK(now.reader->version().version == 2);
  CHECK(read_all(*now.reader) == v2);
  const gate::Decision old = rep.home->decide("price-sheet", 1);
  CHECK_FALSE(old.allowed);
  CHECK(old.reason == gate::BlockReason::superseded);
}

TEST_CASE("the hub killed mid-transfer: after a restart the device resumes without fetching verified chunks again",
          "[sync][hub][crash]") {
  HubFixture f(false);
  const Bytes content = random_bytes(6 << 20, 30);
  f.start();
  f.publish("video", 1, content);
  auto rep = f.device("rep-1");
  f.stop();
  const std::size_t total_chunks = cache::make_recipe(content).entries.size();

  // The hub in a child process, killed with SIGKILL once the device has
  // part of the content.
  auto serve = [&] {
    return fork_child([&]() -> int {
      SystemClock clock;
      SeededRandom random(5);
      auto hub = hub::Hub::start(f.hub_home, clock, random);
      if (!hub) return 3;
      // Serves until the test kills it; the 60 s only bound an orphan.
      std::this_thread::sleep_for(60s);
      return 0;
    });
  };
  const pid_t first = serve();
  sync::SyncOptions options;
  options.request_timeout = 1500ms;
  options.window_bytes = 512 << 10;  // small steps, so the kill lands mid-transfer
  options.request_bytes = 256 << 10;
  options.store_bytes = 256 << 10;
  bool killed = false;
  auto progress = [&](const sync::SyncProgress& p) {
    if (p.phase == "chunks" && !killed && p.done >= content.size() / 3) {
      ::kill(first, SIGKILL);
      killed = true;
    }
  };
  auto cut = sync::sync_once(*rep.home, rep.link, f.random, options, progress);
  wait_child(first, 5000);
  REQUIRE(killed);
  REQUIRE_FALSE(cut.is_ok());
  CHECK(cut.status().code() == Errc::io);
  const std::size_t missing = must(rep.home->cache().missing_chunks({"video", 1})).size();
  CHECK(missing < total_chunks);
  CHECK(missing > 0);

  const pid_t second = serve();
  const sync::SyncReport resumed = must(sync::sync_once(*rep.home, rep.link, f.random, options));
  ::kill(second, SIGKILL);
  wait_child(second, 5000);
  CHECK(resumed.chunks_fetched == missing);  // only what was not yet verified and stored
  CHECK(resumed.bytes_fetched < content.size());
  auto opened = must(rep.home->open_asset("video"));
  REQUIRE(opened.reader);
  CHECK(read_all(*opened.reader) == content);
}

TEST_CASE("the journal reaches the hub exactly once across repeated forced disconnects", "[sync][hub][journal]") {
  HubFixture f;
  auto rep = f.device("rep-1");
  sync::SyncOptions options;
  options.request_timeout = 1000ms;
  options.push_events = 7;  // many small pushes, so disconnects land between and within them
  std::uint64_t appended = 0;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 40; ++i) {
      must(rep.home->record(journal::content_request("round " + std::to_string(round), "deck")));
      ++appended;
    }
    // Cut the hub after a few pushes of this round (alternating where).
    int pushes = 0;
    const int cut_after = 1 + round % 3;
    auto progress = [&](const sync::SyncProgress& p) {
      if (p.phase == "journal" && ++pushes == cut_after + 1 && f.hub) f.hub->stop();
    };
    (void)sync::sync_once(*rep.home, rep.link, f.random, options, progress);
    f.stop();
    f.start();
  }
  const sync::SyncReport last = must(f.sync(rep, options));
  CHECK(last.journal_acked == rep.home->journal().head().seq);
  auto store = f.admin();
  CHECK(store->store().event_count() == rep.home->journal().head().seq);
  const auto held = store->store().journal(rep.home->journal().id());
  REQUIRE(held);
  CHECK(held->acked_seq == rep.home->journal().head().seq);
  CHECK(held->head.hash == rep.home->journal().head().hash);
  CHECK(store->store().alerts().empty());
  CHECK(appended <= rep.home->journal().head().seq);
}

TEST_CASE("an offline bundle brings an air-gapped kiosk the catalog and content, and a tampered one is refused",
          "[sync][hub][bundle]") {
  HubFixture f;
  const Bytes form = random_bytes(20'000, 40);
  const Bytes deck = random_bytes(400'000, 41);
  f.publish("deck", 1, random_bytes(100'000, 42));
  f.publish("deck", 2, deck);
  f.publish("form", 1, form);
  f.publish("old-promo", 1, random_bytes(30'000, 43));
  f.revoke("old-promo", 1);
  auto admin = f.admin();
  const fs::path bundle = f.dir / "kiosk.opb";
  const sync::BundleSummary exported =
      must(hub::export_bundle(admin->store(), admin->keys().signing, f.clock.now(), 24h * 7, bundle));
  CHECK(exported.catalog_seq == 5);
  CHECK(exported.versions == 2);  // deck@2 and form@1: not the superseded or the revoked
  CHECK(sync::is_bundle(bundle));

  const fs::path root = f.dir / "kiosk";
  device::HomeOptions options;
  options.root_key = must(admin->store().root_key());
  must(device::DeviceHome::init(root, f.random, options));
  auto kiosk = f.open_home(root);

  SECTION("applied") {
    const sync::BundleSummary applied = must(sync::apply_bundle(*kiosk, bundle));
    CHECK(applied.catalog_seq == 5);
    CHECK(applied.versions == 2);
    auto opened = must(kiosk->open_asset("deck"));
    REQUIRE(opened.reader);
    CHECK(read_all(*opened.reader) == deck);
    CHECK_FALSE(kiosk->decide("old-promo", 1).allowed);
    // Applying it again changes nothing and fails nothing.
    CHECK(must(sync::apply_bundle(*kiosk, bundle)).chunks == 0);
  }
  SECTION("a flipped byte in the content") {
    Bytes bytes = read_file(bundle);
    bytes[bytes.size() - 10] ^= 1;
    write_file(bundle, bytes);
    auto refused = sync::apply_bundle(*kiosk, bundle);
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().code() == Errc::integrity);
    CHECK_FALSE(kiosk->decide("deck").allowed);  // never shown unverified
  }
  SECTION("cut short") {
    Bytes bytes = read_file(bundle);
    bytes.resize(bytes.size() / 2);
    write_file(bundle, bytes);
    auto refused = sync::apply_bundle(*kiosk, bundle);
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().code() == Errc::integrity);
  }
  SECTION("exporting over an existing file is refused") {
    CHECK(hub::export_bundle(admin->store(), admin->keys().signing, f.clock.now(), 24h, bundle).status().code() ==
          Errc::already_exists);
  }
}

namespace {

// What a device shows of its catalog and cache, for comparing before and after.
std::string device_state(device::DeviceHome& home) {
  const catalog::CatalogStatus status = home.catalog().status();
  std::string out = "seq " + std::to_string(status.seq) + " trust " + std::to_string(status.trust_version);
  out += " verified " + std::to_string(status.verified_as_of ? to_unix_ms(*status.verified_as_of) : 0);
  for (const catalog::Release& r : home.catalog().latest_releases()) {
    out += " release " + r.asset + "@" + std::to_string(r.version);
    if (home.catalog().is_revoked({r.asset, r.version})) out += " (revoked)";
  }
  for (const cache::VersionInfo& v : home.cache().list()) {
    out += " cached " + v.ref.to_string() + " missing " + std::to_string(v.missing_chunks);
  }
  out += " chunks " + std::to_string(home.cache().stats().chunks);
  return out;
}

// The bundle with the recipe of its last version entry altered (one byte of
// its first chunk id), everything else as it was.
Bytes with_last_recipe_altered(const Bytes& bundle) {
  const std::size_t magic = sizeof sync::bundle_magic;
  const std::uint32_t n = load_be32(bundle.data() + magic);
  nlohmann::json doc = nlohmann::json::from_msgpack(bundle.begin() + static_cast<std::ptrdiff_t>(magic + 4),
                                                    bundle.begin() + static_cast<std::ptrdiff_t>(magic + 4 + n));
  REQUIRE(doc["versions"].size() >= 2);
  doc["versions"].back()["recipe"].get_binary()[0] ^= 1;
  const Bytes header = nlohmann::json::to_msgpack(doc);
  Bytes out(bundle.begin(), bundle.begin() + static_cast<std::ptrdiff_t>(magic));
  append_be32(out, static_cast<std::uint32_t>(header.size()));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), bundle.begin() + static_cast<std::ptrdiff_t>(magic + 4 + n), bundle.end());
  return out;
}

}  // namespace

TEST_CASE("a bundle damaged after its first records changes nothing on the device, catalog or cache",
          "[sync][hub][bundle]") {
  HubFixture f;
  const Bytes form = random_bytes(20'000, 50);
  f.publish("deck", 1, random_bytes(100'000, 51));
  f.publish("form", 1, form);
  auto admin = f.admin();
  const fs::path first = f.dir / "first.opb";
  (void)must(hub::export_bundle(admin->store(), admin->keys().signing, f.clock.now(), 24h * 7, first));
  const fs::path root = f.dir / "kiosk";
  device::HomeOptions options;
  options.root_key = must(admin->store().root_key());
  must(device::DeviceHome::init(root, f.random, options));
  auto kiosk = f.open_home(root);
  REQUIRE(must(sync::apply_bundle(*kiosk, first)).catalog_seq == 2);

  // The next bundle brings new versions and withdraws the form.
  f.publish("deck", 2, random_bytes(400'000, 52));
  f.publish("promo", 1, random_bytes(300'000, 53));
  f.revoke("form", 1);
  const fs::path second = f.dir / "second.opb";
  (void)must(hub::export_bundle(admin->store(), admin->keys().signing, f.clock.now(), 24h * 7, second));
  const std::string before = device_state(*kiosk);
  Bytes bytes = read_file(second);
  SECTION("a byte of its last chunk flipped") { bytes[bytes.size() - 10] ^= 1; }
  SECTION("cut short in its last chunk") { bytes.resize(bytes.size() - 100); }
  SECTION("the recipe of its last version altered") { bytes = with_last_recipe_altered(bytes); }
  write_file(second, bytes);

  auto refused = sync::apply_bundle(*kiosk, second);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::integrity);
  CHECK_THAT(refused.status().message(), Contains(second.string()));
  CHECK(device_state(*kiosk) == before);
  // The form's withdrawal in the refused bundle was not applied either.
  CHECK(kiosk->decide("form").allowed);
  auto opened = must(kiosk->open_asset("form"));
  REQUIRE(opened.reader);
  CHECK(read_all(*opened.reader) == form);
  // The same bundle undamaged applies in full.
  const fs::path good = f.dir / "good.opb";
  (void)must(hub::export_bundle(admin->store(), admin->keys().signing, f.clock.now(), 24h * 7, good));
  CHECK(must(sync::apply_bundle(*kiosk, good)).catalog_seq == 5);
  CHECK_FALSE(kiosk->decide("form").allowed);
}

TEST_CASE("after a small edit of a large file the device fetches only the changed chunks and a recipe delta",
          "[sync][hub]") {
  HubFixture f;
  const Bytes v1 = random_bytes(8 << 20, 60);
  Bytes v2 = v1;
  for (std::size_t i = 4'000'000; i < 4'100'000; ++i) v2[i] = static_cast<std::uint8_t>(i);
  v2.insert(v2.begin() + 1'000'000, 100, 9);
  f.publish("video", 1, v1);
  auto rep = f.device("rep-1");
  must(f.sync(rep));
  f.publish("video", 2, v2);
  const sync::SyncReport report = must(f.sync(rep));
  const std::size_t chunks = cache::make_recipe(v2).entries.size();
  CHECK(report.versions_fetched == 1);
  CHECK(report.chunks_fetched < 10);
  // The whole recipe alone would be chunks x 36 bytes; the delta is a few entries.
  CHECK(report.wire_bytes_received < report.bytes_fetched + chunks * 36);  // all overhead < a whole recipe
  auto opened = must(rep.home->open_asset("video"));
  REQUIRE(opened.reader);
  CHECK(opened.reader->version().version == 2);
  CHECK(read_all(*opened.reader) == v2);
}

TEST_CASE("a device clock set 8 days forward: the session brings trusted time back to the hub's and the device syncs",
          "[sync][hub][clock]") {
  HubFixture f;
  f.publish("deck", 1, random_bytes(20'000, 31));
  auto rep = f.device("rep-1");
  must(f.sync(rep));
  // The device's clock runs 8 days ahead, and the device used it (trusted time follows a clock going forward).
  ManualClock ahead(f.clock.now() + std::chrono::days(8));
  rep.home.reset();
  rep.home = must(device::DeviceHome::open(rep.root, ahead, f.random, {}));
  (void)rep.home->catalog().trusted_now();
  must(rep.home->record(journal::content_request("made with the clock ahead", "deck")));

  f.publish("deck", 2, random_bytes(20'000, 32));
  const sync::SyncReport r = must(f.sync(rep));
  CHECK(r.releases == 1);
  CHECK(r.journal_acked == rep.home->journal().head().seq);
  CHECK(std::chrono::abs(rep.home->catalog().trusted_now() - f.clock.now()) < std::chrono::minutes(2));
  auto opened = must(rep.home->open_asset("deck"));
  REQUIRE(opened.reader);
  CHECK(opened.reader->version().version == 2);
}

TEST_CASE("a catalog the device refuses stops the content, not the journal: its events still reach the hub",
          "[sync][hub][journal]") {
  HubFixture f;
  f.publish("deck", 1, random_bytes(20'000, 33));
  auto rep = f.device("rep-1");
  must(f.sync(rep));
  // The device holds a timestamp from a time the hub's clock ran a year
  // ahead: every timestamp the hub signs now is older, so the device
  // refuses the catalog (a replay, as far as it can tell).
  // (Applied through the catalog: an edit of catalog.db would not pass its seal.)
  rep.home.reset();
  {
    catalog::CatalogTimestamp ts;
    {
      SQLite::Database db(device::DeviceHome::catalog_path(rep.root).string(), SQLite::OPEN_READONLY);
      const auto held = must(catalog::SignedStatement::decode(*storage::meta_blob(db, "timestamp")));
      ts = must(catalog::CatalogTimestamp::from_body(held.body));
    }
    ts.issued_at += std::chrono::days(365);
    ts.expires_at += std::chrono::days(365);
    keys::FileKeyStore keys(device::DeviceHome::key_path(rep.root), f.random);
    const crypto::SecretKey master = must(keys.load_master_key());
    auto held = must(catalog::DeviceCatalog::open(device::DeviceHome::catalog_path(rep.root), f.clock, master));
    catalog::CatalogDelta ahead;
    ahead.from_seq = ts.seq;
    ahead.timestamp = catalog::sign_statement(ts.to_body(), f.admin()->keys().signing);
    (void)must(held->apply(ahead));
  }
  rep.home = f.open_home(rep.root);
  must(rep.home->record(journal::content_request("please send the case study", "deck")));
  const Result<sync::SyncReport> r = f.sync(rep);
  REQUIRE_FALSE(r.is_ok());
  CHECK_THAT(r.status().message(), Catch::Matchers::Contains("older than the one held"));
  auto admin = f.admin();
  const auto hub_held = admin->store().journal(rep.home->journal().id());
  REQUIRE(hub_held);
  CHECK(hub_held->acked_seq == rep.home->journal().head().seq);
  CHECK(rep.home->journal().stats().acked_seq == rep.home->journal().head().seq);
}

// Issue 18, finding 2, end to end: a statement deleted from catalog.db with
// sqlite3 makes the catalog damaged (nothing opens), and the next sync
// announces seq 0, fetches the whole catalog and rebuilds it.
TEST_CASE("a catalog changed behind the device's back blocks every open until the next sync rebuilds it",
          "[sync][hub][attack]") {
  HubFixture f;
  f.publish("deck", 1, random_bytes(20'000, 41));
  f.publish("deck", 2, random_bytes(20'000, 42));
  auto rep = f.device("rep-1");
  must(f.sync(rep));
  REQUIRE(rep.home->decide("deck").version == std::optional<std::uint64_t>(2));
  REQUIRE(rep.home->decide("deck", 1).reason == gate::BlockReason::superseded);

  rep.home.reset();
  {
    SQLite::Database db(device::DeviceHome::catalog_path(rep.root).string(), SQLite::OPEN_READWRITE);
    db.exec("DELETE FROM releases WHERE version = 2; DELETE FROM statements WHERE seq = 2");
  }
  rep.home = f.open_home(rep.root);
  CHECK(rep.home->catalog().status().seq == 0);
  for (std::uint64_t v : {1, 2}) {
    const gate::Decision d = rep.home->decide("deck", v);
    CHECK_FALSE(d.allowed);
    CHECK(d.reason == gate::BlockReason::stale_catalog);
    CHECK_THAT(d.message, Contains("integrity check"));
  }

  const sync::SyncReport r = must(f.sync(rep));
  CHECK(r.catalog_from == 0);
  CHECK(r.catalog_to == 2);
  CHECK_FALSE(rep.home->catalog().status().damage.has_value());
  const gate::Decision current = rep.home->decide("deck");
  CHECK(current.allowed);
  CHECK(current.version == std::optional<std::uint64_t>(2));
  CHECK(rep.home->decide("deck", 1).reason == gate::BlockReason::superseded);
  // The hub's record of the device said seq 0 for that session, and 2 now.
  CHECK(f.admin()->store().device("rep-1")->catalog_seq == 2);
}

// Issue 18, finding 7 (file modes): hub and device homes are 0700 and every
// file in them 0600, so another user of the machine reads nothing; a
// database made readable by others is tightened when it is next opened.
TEST_CASE("hub and device homes are the owner's alone: 0700 homes, 0600 files", "[sync][hub][attack]") {
  HubFixture f;
  f.publish("deck", 1, random_bytes(200'000, 51));
  auto rep = f.device("rep-1");
  must(f.sync(rep));
  must(rep.home->record(journal::content_request("send the deck", "deck")));
  must(f.sync(rep));

  auto check_private = [](const fs::path& home) {
    INFO(home.string());
    CHECK((fs::status(home).permissions() & fs::perms::all) == fs::perms::owner_all);
    std::size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(home)) {
      if (!entry.is_regular_file()) continue;
      ++files;
      INFO(entry.path().string());
      CHECK((entry.status().permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
    }
    CHECK(files > 3);
  };
  check_private(f.hub_home);
  check_private(rep.root);

  f.stop();
  const fs::path db = hub::HubStore::db_path(f.hub_home);
  fs::permissions(db, fs::perms::group_read | fs::perms::others_read, fs::perm_options::add);
  (void)f.admin();
  CHECK((fs::status(db).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
}
