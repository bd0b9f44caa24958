// Contract tests of the hub's storage seam: every repository interface
// (outpost/hub/store/) behaves the same on every backend. Each suite is a
// TEMPLATE_TEST_CASE over the engines; a new backend joins by adding its
// Engine type to the lists below (PostgreSQL joins with the scale-out work).
#include <catch2/catch.hpp>

#include <thread>

#include "hub_fixture.hpp"
#include "outpost/cache/content_digest.hpp"
#include "outpost/catalog/records.hpp"
#include "outpost/hub/hub_admin.hpp"
#include "outpost/hub/hub_reports.hpp"
#include "outpost/hub/store/backend.hpp"
#include "outpost/hub/store/lead_repository.hpp"
#include "outpost/journal/journal.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;

namespace {

// The embedded default: no hub.conf at all.
struct SqliteDefault {
  static void configure(const fs::path&) {}
};

// The same engine named in hub.conf.
struct SqliteConfigured {
  static void configure(const fs::path& home) {
    fs::create_directories(home);
    write_file(home / "hub.conf", as_bytes(std::string_view(R"({"store": "sqlite"})")));
  }
};

template <typename Engine>
struct StoreWorld {
  TempDir dir;
  SeededRandom random{4242};
  ManualClock clock{from_unix_ms(1'800'000'000'000)};
  fs::path home = dir / "hub";
  crypto::SigningKey publisher = crypto::SigningKey::generate(random);
  std::unique_ptr<hub::Backend> backend;

  StoreWorld() {
    Engine::configure(home);
    must(hub::HubAdmin::init(home, random, clock, {"127.0.0.1", 7400}));
    must(must(hub::HubAdmin::open(home, random, clock))->add_publisher("marketing", publisher.public_key()));
    backend = must(hub::open_backend(home));
  }

  std::unique_ptr<hub::HubStore> store() { return must(backend->store()); }

  catalog::SignedStatement release_of(const std::string& asset, std::uint64_t version, const cache::Recipe& recipe) {
    catalog::Release r;
    r.asset = asset;
    r.version = version;
    r.title = asset + " v" + std::to_string(version);
    r.kind = "document";
    r.digest = recipe.digest;
    r.size = recipe.size;
    r.valid_from = clock.now();
    r.published_at = clock.now();
    return catalog::sign_statement(r.to_body(), publisher);
  }

  std::uint64_t publish(hub::HubStore& s, const std::string& asset, std::uint64_t version, std::uint64_t seed) {
    const cache::Recipe recipe = store_content(s, random_bytes(3000, seed));
    return must(s.add_statement(release_of(asset, version, recipe), cache::VersionRef{asset, version},
                                recipe.entries, std::nullopt));
  }

  std::uint64_t revoke(hub::HubStore& s, const std::string& asset, std::uint64_t version) {
    const catalog::Revocation v{asset, version, "withdrawn", clock.now()};
    return must(s.add_statement(catalog::sign_statement(v.to_body(), publisher), std::nullopt, {},
                                cache::VersionRef{asset, version}));
  }
};

// A device's journal whose stored events a test pushes.
struct DeviceJournal {
  std::unique_ptr<journal::Journal> journal;
  DeviceJournal(const fs::path& path, const Clock& clock, Random& random) {
    journal = must(journal::Journal::open(path, crypto::SecretKey::random(random, 32), clock, random, {}));
  }
  std::vector<journal::StoredEvent> events(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      (void)must(journal->append(must(journal::asset_opened("price-sheet", 1 + i))));
    }
    must(journal->flush());
    return must(journal->read_after(0, 10'000));
  }
};

}  // namespace

#define ENGINES SqliteDefault, SqliteConfigured

TEMPLATE_TEST_CASE("store contract: the backend is chosen by the home's configuration", "[sync][store][contract]",
                   ENGINES) {
  StoreWorld<TestType> w;
  CHECK(w.backend->engine() == "sqlite");
  SECTION("an unknown engine is refused with the file and the choices") {
    write_file(w.home / "hub.conf", as_bytes(std::string_view(R"({"store": "oracle"})")));
    auto opened = hub::open_backend(w.home);
    REQUIRE_FALSE(opened);
    CHECK(opened.status().code() == Errc::invalid_argument);
    CHECK_THAT(opened.status().message(), Catch::Contains("hub.conf") && Catch::Contains("oracle"));
  }
  SECTION("malformed configuration is refused, not ignored") {
    write_file(w.home / "hub.conf", as_bytes(std::string_view("{store: sqlite")));
    CHECK(hub::open_backend(w.home).status().code() == Errc::invalid_argument);
    write_file(w.home / "hub.conf", as_bytes(std::string_view(R"({"store": "sqlite", "port": 1})")));
    CHECK_THAT(hub::open_backend(w.home).status().message(), Catch::Contains("unknown key 'port'"));
  }
  SECTION("a home without a hub is not_found") {
    CHECK(hub::open_backend(w.dir / "nothing").status().code() == Errc::not_found);
  }
}

TEMPLATE_TEST_CASE("store contract: units of work roll back unless committed, and nest", "[sync][store][contract]",
                   ENGINES) {
  StoreWorld<TestType> w;
  auto s = w.store();
  {
    const hub::UnitPtr tx = s->write();
    must(s->add_alert("kiosk-1", "test.kept", "outer", w.clock.now()));
    {
      const hub::UnitPtr inner = s->write();
      must(s->add_alert("kiosk-1", "test.undone", "inner, not committed", w.clock.now()));
    }
    {
      const hub::UnitPtr inner = s->write();
      must(s->add_alert("kiosk-1", "test.kept", "inner, committed", w.clock.now()));
      inner->commit();
    }
    tx->commit();
  }
  {
    const hub::UnitPtr tx = s->write();
    must(s->add_alert("kiosk-1", "test.undone", "outer never committed", w.clock.now()));
  }
  const auto alerts = w.store()->alerts();  // another connection sees only what was committed
  REQUIRE(alerts.size() == 2);
  for (const auto& a : alerts) CHECK(a.kind == "test.kept");

  SECTION("a read unit sees one state while another connection writes") {
    auto reader = w.store();
    const hub::UnitPtr read = reader->read();
    REQUIRE(reader->alerts().size() == 2);
    must(s->add_alert("kiosk-2", "test.later", "", w.clock.now()));
    CHECK(reader->alerts().size() == 2);
    read->commit();
    CHECK(reader->alerts().size() == 3);
  }
}

TEMPLATE_TEST_CASE("store contract: settings", "[sync][store][contract]", ENGINES) {
  StoreWorld<TestType> w;
  auto s = w.store();
  CHECK(must(s->address()).port == 7400);
  must(s->set_address({"hub.example.org", 9000}));
  const sync::HubAddress a = must(w.store()->address());
  CHECK(a.host == "hub.example.org");
  CHECK(a.port == 9000);
  const crypto::PublicKey root = crypto::SigningKey::generate(w.random).public_key();
  must(s->set_root_key(root));
  CHECK(must(w.store()->root_key()).bytes == root.bytes);
}

TEMPLATE_TEST_CASE("store contract: devices, tokens and holdings", "[sync][store][contract]", ENGINES) {
  StoreWorld<TestType> w;
  auto s = w.store();
  auto admin = must(hub::HubAdmin::open(w.home, w.random, w.clock));
  const hub::HubKeys& keys = admin->keys();
  const crypto::PublicKey root = must(s->root_key());
  const auto token = must(s->create_token("rep-1", "rep", keys, root, w.random, w.clock.now(), std::chrono::hours(1)));
  const sync::CurvePublicKey key = sync::CurveKeyPair::generate(w.random).public_key();

  CHECK(s->create_token("x", "admin", keys, root, w.random, w.clock.now(), std::chrono::hours(1)).status().code() ==
        Errc::invalid_argument);
  Bytes wrong(token.secret.begin(), token.secret.end());
  wrong[0] ^= 1;
  CHECK(s->redeem_token(wrong, key, w.clock.now()).status().code() == Errc::permission);

  const hub::DeviceRecord d = must(s->redeem_token(token.secret, key, w.clock.now()));
  CHECK(d.name == "rep-1");
  CHECK(d.role == "rep");
  CHECK(s->redeem_token(token.secret, key, w.clock.now()).status().code() == Errc::permission);  // used
  CHECK(s->create_token("rep-1", "rep", keys, root, w.random, w.clock.now(), std::chrono::hours(1)).status().code() ==
        Errc::already_exists);

  const auto expiring = must(s->create_token("kiosk-1", "kiosk", keys, root, w.random, w.clock.now(), std::chrono::hours(1)));
  w.clock.advance(std::chrono::hours(2));
  CHECK(s->redeem_token(expiring.secret, sync::CurveKeyPair::generate(w.random).public_key(), w.clock.now())
            .status()
            .code() == Errc::permission);

  auto other = w.store();
  REQUIRE(other->device("rep-1"));
  REQUIRE(other->device_by_key(key));
  CHECK(other->device_by_key(key)->name == "rep-1");
  CHECK_FALSE(other->device("rep-2"));
  CHECK(other->devices().size() == 1);

  must(s->touch_device("rep-1", w.clock.now(), 7));
  CHECK(other->device("rep-1")->catalog_seq == 7);
  CHECK(other->device("rep-1")->last_seen == w.clock.now());

  CHECK_FALSE(other->holdings("rep-1"));
  must(s->set_holdings("rep-1", {{"a", 1}, {"b", 2}}, w.clock.now()));
  must(s->set_holdings("rep-1", {{"b", 3}}, w.clock.now()));  // replaced as a whole
  const auto held = other->holdings("rep-1");
  REQUIRE(held);
  REQUIRE(held->size() == 1);
  CHECK(held->front() == cache::VersionRef{"b", 3});
  CHECK(s->set_holdings("nobody", {}, w.clock.now()).code() == Errc::not_found);

  must(s->request_wipe("rep-1", w.clock.now()));
  must(s->mark_wiped("rep-1", w.clock.now()));
  must(s->revoke_device("rep-1", w.clock.now()));
  const hub::DeviceRecord after = *other->device("rep-1");
  CHECK(after.wipe_requested_at);
  CHECK(after.wiped_at);
  CHECK(after.revoked_at);
  for (const Status& st : {s->revoke_device("nobody", w.clock.now()), s->request_wipe("nobody", w.clock.now()),
                           s->mark_wiped("nobody", w.clock.now()), s->touch_device("nobody", w.clock.now(), 1)}) {
    CHECK(st.code() == Errc::not_found);
  }
}

TEMPLATE_TEST_CASE("store contract: the catalog allocates seqs without gaps, whichever connection writes",
                   "[sync][store][contract]", ENGINES) {
  StoreWorld<TestType> w;
  auto a = w.store();
  auto b = w.store();
  CHECK(a->catalog_seq() == 0);
  CHECK(w.publish(*a, "deck", 1, 1) == 1);
  CHECK(w.publish(*b, "deck", 2, 2) == 2);  // b sees a's statement: no second seq 1
  CHECK(w.publish(*a, "sheet", 1, 3) == 3);

  SECTION("a statement whose chunks are missing takes no seq") {
    const cache::Recipe recipe = cache::make_recipe(random_bytes(2000, 9));  // chunks never stored
    auto refused = a->add_statement(w.release_of("ghost", 1, recipe), cache::VersionRef{"ghost", 1},
                                    recipe.entries, std::nullopt);
    CHECK(refused.status().code() == Errc::integrity);
    CHECK(b->catalog_seq() == 3);
    CHECK(w.publish(*b, "sheet", 2, 4) == 4);
  }
  SECTION("a statement in a unit rolled back takes no seq") {
    {
      const hub::UnitPtr tx = a->write();
      CHECK(w.publish(*a, "sheet", 2, 5) == 4);
    }
    CHECK(b->catalog_seq() == 3);
    CHECK(w.publish(*b, "sheet", 2, 5) == 4);
  }
  SECTION("concurrent writers on their own connections never share a seq") {
    std::vector<std::uint64_t> seqs_a, seqs_b;
    std::thread other([&] {
      for (std::uint64_t v = 10; v < 20; ++v) seqs_b.push_back(w.publish(*b, "from-b", v, 100 + v));
    });
    for (std::uint64_t v = 10; v < 20; ++v) seqs_a.push_back(w.publish(*a, "from-a", v, 200 + v));
    other.join();
    std::vector<std::uint64_t> all = seqs_a;
    all.insert(all.end(), seqs_b.begin(), seqs_b.end());
    std::sort(all.begin(), all.end());
    REQUIRE(all.size() == 20);
    for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i] == 4 + i);
  }

  const auto tail = w.store()->statements(1);
  REQUIRE(tail.size() == w.store()->catalog_seq() - 1);
  CHECK(tail.front().seq == 2);
  CHECK(w.store()->statements().size() == w.store()->catalog_seq());
}

TEMPLATE_TEST_CASE("store contract: recipes and entitlement follow revocation", "[sync][store][contract]", ENGINES) {
  StoreWorld<TestType> w;
  auto s = w.store();
  (void)w.publish(*s, "deck", 1, 11);
  const auto recipe = must(s->recipe({"deck", 1}));
  REQUIRE_FALSE(recipe.empty());
  CHECK(s->chunk_entitled(recipe.front().id));
  CHECK(s->recipe({"deck", 9}).status().code() == Errc::not_found);

  (void)w.revoke(*s, "deck", 1);
  CHECK(s->recipe({"deck", 1}).status().code() == Errc::permission);
  CHECK(must(s->recipe({"deck", 1}, true)).size() == recipe.size());
  CHECK_FALSE(s->chunk_entitled(recipe.front().id));
  CHECK(s->catalog_seq() == 2);

  auto fresh = w.store();
  CHECK(fresh->trust_list());
  CHECK(must(hub::load_authority(*fresh)).seq() == 2);
}

TEMPLATE_TEST_CASE("store contract: the blob store keeps chunks by their hash", "[sync][store][contract]", ENGINES) {
  StoreWorld<TestType> w;
  auto s = w.store();
  const Bytes data = random_bytes(5000, 21);
  const cache::ChunkId id = crypto::blake2b(data);
  CHECK_FALSE(s->has_chunk(id));
  CHECK(s->read_chunk(id).status().code() == Errc::not_found);
  CHECK(must(s->store_chunks({id}, {data})) == 1);
  CHECK(must(s->store_chunks({id}, {data})) == 0);  // once
  CHECK(w.store()->has_chunk(id));
  CHECK(must(w.store()->read_chunk(id)) == data);

  Bytes forged = random_bytes(5000, 22);
  const cache::ChunkId claimed = crypto::blake2b(random_bytes(5000, 23));
  CHECK(s->store_chunks({claimed}, {forged}).status().code() == Errc::integrity);
  CHECK_FALSE(s->has_chunk(claimed));
  CHECK(s->store_chunks({id}, {}).status().code() == Errc::invalid_argument);
  CHECK(s->store_chunks({crypto::blake2b(Bytes{})}, {Bytes{}}).status().code() == Errc::invalid_argument);
}

TEMPLATE_TEST_CASE("store contract: journals are held once, in chain order", "[sync][store][contract]", ENGINES) {
  StoreWorld<TestType> w;
  auto s = w.store();
  DeviceJournal device(w.dir / "device.journal", w.clock, w.random);
  const auto events = device.events(5);
  const Bytes& jid = device.journal->id();

  CHECK_FALSE(s->journal(jid));
  const std::vector<journal::StoredEvent> first(events.begin(), events.begin() + 3);
  auto r = must(s->ingest("kiosk-1", jid, first, w.clock.now(), std::nullopt));
  CHECK(r.acked_seq == 3);
  CHECK(r.stored == 3);

  r = must(s->ingest("kiosk-1", jid, events, w.clock.now(), std::nullopt));  // a resend after a lost ack
  CHECK(r.duplicates == 3);
  CHECK(r.stored == 2);
  CHECK(r.acked_seq == 5);
  CHECK(w.store()->event_count() == 5);
  const auto held = w.store()->journal(jid);
  REQUIRE(held);
  CHECK(held->device == "kiosk-1");
  CHECK(held->acked_seq == 5);
  CHECK(held->head.hash == events.back().hash);

  CHECK(s->ingest("kiosk-2", jid, events, w.clock.now(), std::nullopt).status().code() == Errc::permission);

  SECTION("an event whose time is not after the one before is refused, even if it chains") {
    DeviceJournal other(w.dir / "other.journal", w.clock, w.random);
    auto more = other.events(3);
    journal::StoredEvent& late = more[2];
    late.time = more[1].time;  // the same time again, re-chained so only the time is wrong
    late.hash = journal::chain_hash(more[1].hash, late.seq, late.time, late.type->name, late.payload_hash);
    const auto t = must(s->ingest("kiosk-3", other.journal->id(), more, w.clock.now(), std::nullopt));
    REQUIRE(t.broken_at);
    CHECK(*t.broken_at == 3);
    CHECK(t.acked_seq == 2);
    CHECK_THAT(t.problem, Catch::Matchers::Contains("not later than event 2"));
  }
  SECTION("a gap is refused, alerted, and stores nothing after it") {
    DeviceJournal other(w.dir / "other.journal", w.clock, w.random);
    const auto more = other.events(4);
    const std::vector<journal::StoredEvent> gap{more[0], more[2], more[3]};
    const auto g = must(s->ingest("kiosk-3", other.journal->id(), gap, w.clock.now(), std::nullopt));
    CHECK(g.acked_seq == 1);
    REQUIRE(g.broken_at);
    CHECK(*g.broken_at == 3);
    CHECK(w.store()->event_count() == 6);
    const auto alerts = w.store()->alerts();
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].kind == "journal.chain");
    CHECK(alerts[0].device == "kiosk-3");
  }
  SECTION("a resent event that differs from the one held is refused as diverged, alerted, and stores nothing") {
    // Another journal's events under this id: seq 1..3 again, other hashes
    // (what a device restored from a copy sends).
    DeviceJournal other(w.dir / "other.journal", w.clock, w.random);
    for (std::uint64_t v = 1; v <= 3; ++v) (void)must(other.journal->append(must(journal::asset_opened("brochure", v))));
    must(other.journal->flush());
    const auto rewritten = must(other.journal->read_after(0, 10));
    REQUIRE(rewritten.size() == 3);
    REQUIRE(rewritten[0].hash != events[0].hash);
    const auto d = must(s->ingest("kiosk-1", jid, rewritten, w.clock.now(), std::nullopt));
    REQUIRE(d.diverged_at);
    CHECK(*d.diverged_at == 1);
    CHECK(d.stored == 0);
    CHECK(d.duplicates == 0);
    CHECK(d.acked_seq == 5);
    CHECK(w.store()->event_count() == 5);
    const auto alerts = w.store()->alerts();
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0].kind == "journal.diverged");
    CHECK(alerts[0].device == "kiosk-1");
    // The same bytes as held are duplicates, as before.
    CHECK(must(s->ingest("kiosk-1", jid, first, w.clock.now(), std::nullopt)).duplicates == 3);
  }
  SECTION("a forked journal continues the old one where the hub holds it, and only the device's own") {
    must(device.journal->fork(5));
    const Bytes forked = device.journal->id();
    REQUIRE(forked != jid);
    (void)device.events(2);
    const auto more = must(device.journal->read_after(5, 10));
    REQUIRE(more.size() == 2);
    const journal::JournalParent parent{jid, 5};
    CHECK(s->ingest("kiosk-2", forked, more, w.clock.now(), parent).status().code() == Errc::permission);
    CHECK(s->ingest("kiosk-1", forked, more, w.clock.now(), journal::JournalParent{jid, 6}).status().code() ==
          Errc::invalid_argument);  // past what the hub holds of the parent
    const auto c = must(s->ingest("kiosk-1", forked, more, w.clock.now(), parent));
    CHECK(c.stored == 2);
    CHECK(c.acked_seq == 7);
    CHECK_FALSE(c.broken_at);
    CHECK(w.store()->event_count() == 7);
    CHECK(w.store()->journal(forked)->acked_seq == 7);
    CHECK(w.store()->journal(jid)->acked_seq == 5);
  }
}

TEMPLATE_TEST_CASE("store contract: alerts keep their order", "[sync][store][contract]", ENGINES) {
  StoreWorld<TestType> w;
  auto s = w.store();
  must(s->add_alert("a", "k.one", "first", w.clock.now()));
  w.clock.advance(std::chrono::seconds(1));
  must(s->add_alert("b", "k.two", "second", w.clock.now()));
  const auto alerts = w.store()->alerts();
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0].detail == "first");
  CHECK(alerts[1].kind == "k.two");
  CHECK(alerts[1].device == "b");
  CHECK(alerts[0].id < alerts[1].id);
  CHECK(alerts[1].at - alerts[0].at == std::chrono::seconds(1));
}

TEMPLATE_TEST_CASE("store contract: the lead repository", "[sync][store][contract][leads]", ENGINES) {
  StoreWorld<TestType> w;
  auto leads = must(w.backend->leads());
  const TimePoint now = w.clock.now();
  const Bytes person(32, 0x11);

  hub::LeadRow row;
  row.id = "L-AAAAAAAAAA";
  row.person = person;
  row.box = Bytes{1, 2, 3};
  row.score = 5;
  row.show = "rsa";
  row.first_captured_at = row.last_captured_at = now;
  leads->insert_lead(row);
  CHECK(leads->lead_exists(row.id));
  REQUIRE(leads->lead_by_person(person));
  CHECK(leads->lead_by_person(person)->id == row.id);

  leads->fold_into_lead(row.id, Bytes{4}, 3, "earlier-show", now - std::chrono::hours(1), now + std::chrono::hours(1));
  const hub::LeadRow folded = *leads->lead(row.id);
  CHECK(folded.box == Bytes{4});
  CHECK(folded.score == 5);  // the higher score stays
  CHECK(folded.show == "earlier-show");
  CHECK(folded.first_captured_at == now - std::chrono::hours(1));
  CHECK(folded.last_captured_at == now + std::chrono::hours(1));

  leads->set_assignment(row.id, "", "rep-1", now, now + std::chrono::hours(48));
  CHECK(leads->lead(row.id)->rep == "rep-1");
  CHECK(leads->lead(row.id)->team.empty());
  CHECK(leads->leads_of_rep("rep-1") == std::vector<std::string>{row.id});
  CHECK(leads->escalate(row.id, now));
  CHECK(leads->summaries(row.id).front().escalated_at == now);
  leads->clear_assignment(row.id);
  CHECK_FALSE(leads->escalate(row.id, now));
  CHECK_FALSE(leads->escalate("L-NOSUCHLEAD", now));

  SECTION("deliveries are numbered per device without gaps, and survive only a commit") {
    leads->append_delivery("rep-1", row.id, "assign", Bytes{9}, now);
    leads->append_delivery("rep-2", row.id, "assign", Bytes{9}, now);
    leads->append_delivery("rep-1", row.id, "withdraw", std::nullopt, now);
    {
      const hub::UnitPtr tx = leads->write();
      leads->append_delivery("rep-1", "L-OTHER", "assign", Bytes{8}, now);
    }  // rolled back: rep-1's next seq is still 3
    leads->append_delivery("rep-1", "L-THIRD", "assign", Bytes{7}, now);
    auto other = must(w.backend->leads());
    const auto d = other->deliveries("rep-1", 0, 100);
    REQUIRE(d.size() == 3);
    CHECK(d[0].seq == 1);
    CHECK(d[1].seq == 2);
    CHECK(d[1].kind == "withdraw");
    CHECK_FALSE(d[1].sealed);
    CHECK(d[2].seq == 3);
    CHECK(d[2].lead == "L-THIRD");
    CHECK(other->deliveries("rep-1", 2, 100).size() == 1);
    CHECK(other->deliveries("rep-1", 0, 1).size() == 1);
    CHECK(other->deliveries("rep-2", 0, 100).size() == 1);
    CHECK(other->ever_assigned("rep-1", row.id));
    CHECK_FALSE(other->ever_assigned("rep-3", row.id));
    CHECK(other->last_delivery_kind("rep-1", row.id) == "withdraw");
  }
  SECTION("pending assignments, round robin, tombstones and merges") {
    leads->add_pending("rep-1", "L-B", now + std::chrono::seconds(1));
    leads->add_pending("rep-1", "L-A", now);
    leads->add_pending("rep-1", "L-A", now);  // once
    CHECK(leads->pending("rep-1") == std::vector<std::string>{"L-A", "L-B"});
    leads->remove_pending("rep-1", "L-A");
    CHECK(leads->pending("rep-1") == std::vector<std::string>{"L-B"});

    CHECK(leads->round_robin_next("emea") == 0);
    leads->set_round_robin_next("emea", 2);
    CHECK(must(w.backend->leads())->round_robin_next("emea") == 2);

    CHECK_FALSE(leads->erased_at(person));
    leads->set_erased(person, now);
    CHECK(leads->erased_at(person) == now);

    hub::LeadRow second = row;
    second.id = "L-BBBBBBBBBB";
    second.person = Bytes(32, 0x22);
    leads->insert_lead(second);
    leads->merge_rows(second.id, row.id);
    CHECK_FALSE(leads->lead_exists(second.id));
    CHECK(leads->merged_into(second.id) == row.id);
    CHECK_FALSE(leads->merged_into(row.id));
  }
  SECTION("badge waits") {
    leads->add_badge_wait(row.id, "rsa");
    leads->set_badge_tried(row.id, "list@1");
    const auto waits = leads->badge_waits();
    REQUIRE(waits.size() == 1);
    CHECK(waits[0].tried == "list@1");
    leads->remove_badge_wait(row.id);
    CHECK(leads->badge_waits().empty());
  }
  SECTION("removing a lead takes its rows") {
    leads->insert_visit({Bytes(16, 1), 1, row.id, "rsa", "kiosk-1", now, 5, Bytes{1}});
    leads->insert_visit({Bytes(16, 1), 1, row.id, "rsa", "kiosk-1", now, 5, Bytes{1}});  // once per event
    leads->insert_follow_up({Bytes(16, 2), 1, row.id, "rep-1", "called", Bytes{2}, now});
    CHECK(leads->visits(row.id).size() == 1);
    CHECK(leads->follow_ups(row.id).size() == 1);
    CHECK(leads->summaries(row.id).front().visits == 1);
    (void)leads->remove_lead(row.id);
    CHECK_FALSE(leads->lead_exists(row.id));
    CHECK(leads->visits(row.id).empty());
    CHECK(leads->follow_ups(row.id).empty());
  }
  SECTION("withdrawals of a person") {
    leads->insert_withdrawal({Bytes(16, 3), 1, person, "rsa", now});
    leads->insert_withdrawal({Bytes(16, 3), 2, person, "ces", now + std::chrono::seconds(5)});
    const auto ws = leads->withdrawals(person);
    REQUIRE(ws.size() == 2);
    CHECK(ws[0].show == "rsa");
    CHECK(leads->remove_withdrawals(person).second == 2);
    CHECK(leads->withdrawals(person).empty());
  }
}

TEMPLATE_TEST_CASE("store contract: the lead repository reads each acknowledged lead event once",
                   "[sync][store][contract][leads]", ENGINES) {
  StoreWorld<TestType> w;
  auto s = w.store();
  auto leads = must(w.backend->leads());
  DeviceJournal device(w.dir / "kiosk.journal", w.clock, w.random);
  (void)must(device.journal->append(must(journal::asset_opened("deck", 1))));
  (void)must(device.journal->append(must(journal::consent_withdrawn("rsa", crypto::blake2b(Bytes{7}), Bytes(64, 5)))));
  must(device.journal->flush());
  const auto events = must(device.journal->read_after(0, 100));
  (void)must(s->ingest("kiosk-1", device.journal->id(), events, w.clock.now(), std::nullopt));

  const auto taken = leads->take_new_events();
  REQUIRE(taken.size() == 1);  // only the lead-related type
  CHECK(taken[0].type == "consent.withdrawn");
  CHECK(taken[0].seq == 2);
  CHECK(taken[0].device == "kiosk-1");
  REQUIRE(taken[0].payload);
  CHECK(leads->take_new_events().empty());  // the cursor moved

  leads->clear_event_payload(device.journal->id(), 2);
  CHECK(w.store()->journal(device.journal->id())->acked_seq == 2);
}

TEMPLATE_TEST_CASE("store contract: the reports' event source", "[sync][store][contract][reports]", ENGINES) {
  StoreWorld<TestType> w;
  auto s = w.store();
  (void)w.publish(*s, "deck", 1, 31);
  DeviceJournal device(w.dir / "rep.journal", w.clock, w.random);
  const auto events = device.events(3);  // asset.opened x3
  (void)must(s->ingest("rep-1", device.journal->id(), events, w.clock.now(), std::nullopt));

  namespace rep = hub::reports;
  auto reports = must(rep::HubReports::open(*w.backend));
  const rep::UsageReport all = must(reports->usage({}));
  std::uint64_t opens = 0;
  for (const auto& row : all.rows) opens += row.opens;
  CHECK(opens == 3);
  rep::Window later;
  later.since = w.clock.now() + std::chrono::hours(1);
  const rep::UsageReport none = must(reports->usage(later));
  std::uint64_t later_opens = 0;
  for (const auto& row : none.rows) later_opens += row.opens;
  CHECK(later_opens == 0);
  const rep::AdoptionReport adoption = must(reports->adoption(w.clock.now()));
  CHECK(adoption.hub_seq == 1);
}
