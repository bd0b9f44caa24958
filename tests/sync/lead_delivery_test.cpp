// The lead loop's device half end to end over real CURVE sockets: a lead
// captured offline at a kiosk reaches the assigned rep's device (sealed to
// its lead key) and nobody else's; the rep's follow-up reaches the hub's
// lead book; reassignment and erase withdraw it; a cut session loses and
// repeats nothing. Plus the leads.get / leads.batch / hello lead_box wire
// checks.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "hub_fixture.hpp"
#include "outpost/leads/attendees.hpp"
#include "outpost/hub/hub_store.hpp"
#include "outpost/hub/lead_book.hpp"
#include "outpost/sync/messages.hpp"
#include "raw_client.hpp"

using namespace outpost;
using namespace outpost::test;
using Catch::Matchers::Contains;
using outpost::sync::Envelope;

namespace {

const std::string form_json = R"({
  "show": "rsa-2027",
  "fields": [{"name": "email", "type": "email", "required": true}, {"name": "name"}],
  "qualification": [{"name": "interest", "question": "What brings you here?",
                     "options": [{"value": "cloud", "score": 10}, {"value": "edge", "score": 3}]}],
  "consent": {"text": "You may contact me.", "version": "2027-01"}
})";

struct LeadLoop : HubFixture {
  Device kiosk = device("kiosk-1", "kiosk");
  Device rep1 = device("rep-1", "rep");
  Device rep2 = device("rep-2", "rep");

  LeadLoop() {
    sync::PublisherClient client(hub_address(), publisher_key);
    (void)must(client.publish(as_bytes(form_json), release("booth-form", 1, "form"), publisher_key));
  }

  void publish_as(const Bytes& content, const catalog::Release& r) {
    sync::PublisherClient client(hub_address(), publisher_key);
    (void)must(client.publish(content, r, publisher_key));
  }

  std::unique_ptr<hub::LeadBook> book() { return must(hub::LeadBook::open(admin()->backend(), admin()->keys().lead, random)); }

  void capture(const std::string& email, const std::string& name) {
    leads::CaptureRequest r;
    r.fields = {{"email", email}, {"name", name}};
    r.answers = {{"interest", "cloud"}};
    r.consent = true;
    (void)must(kiosk.home->capture_lead("booth-form", r));
  }

  // The lead id of the person the hub book holds with this email. The
  // hub's writer absorbs right after the commit it replied to: waits for it.
  std::string lead_of(const std::string& email) {
    auto b = book();
    std::string id;
    const bool found = eventually([&] {
      for (const hub::LeadSummary& s : must(b->list())) {
        const hub::Lead l = must(b->lead(s.id));
        if (l.fields.count("email") != 0 && l.fields.at("email") == email) id = s.id;
      }
      return !id.empty();
    });
    if (!found) FAIL("no lead for " << email << " in the hub's book");
    return id;
  }

  // The lead as the hub's book holds it once it has absorbed n follow-ups
  // (or when the wait ends: the caller checks).
  hub::Lead with_follow_ups(const std::string& id, std::size_t n) {
    auto b = book();
    hub::Lead l;
    (void)eventually([&] {
      l = must(b->lead(id));
      return l.follow_ups.size() >= n;
    });
    return l;
  }
};

// Writes deliveries into the hub's table by hand (as the lead book would),
// for tests that need many of them.
void write_deliveries(const fs::path& hub_home, const std::string& device, const crypto::BoxPublicKey& box,
                      std::uint64_t first, std::uint64_t count) {
  SQLite::Database db(hub::HubStore::db_path(hub_home).string(), SQLite::OPEN_READWRITE, 5000);
  SQLite::Transaction tx(db);
  for (std::uint64_t seq = first; seq < first + count; ++seq) {
    const std::string lead = "L-T" + std::to_string(seq);
    const std::string doc = nlohmann::json{{"lead", lead},
                                           {"assigned_at", "2027-03-01T09:00:00Z"},
                                           {"due_at", "2027-03-03T09:00:00Z"},
                                           {"score", seq},
                                           {"fields", {{"email", "p" + std::to_string(seq) + "@example.com"}}},
                                           {"visits", nlohmann::json::array()},
                                           {"consent", nlohmann::json::object()}}
                                .dump();
    const Bytes sealed = crypto::seal(box, as_bytes(doc));
    SQLite::Statement st(db, "INSERT INTO lead_deliveries(device, seq, lead, kind, sealed, created_at) "
                             "VALUES(?, ?, ?, 'assign', ?, 0)");
    st.bind(1, device);
    st.bind(2, static_cast<std::int64_t>(seq));
    st.bind(3, lead);
    st.bind(4, sealed.data(), static_cast<int>(sealed.size()));
    st.exec();
  }
  tx.commit();
}

}  // namespace

TEST_CASE("leads: a lead captured offline at a kiosk reaches the assigned rep's device and nobody else's",
          "[sync][leads][delivery]") {
  LeadLoop f;
  // The kiosk gets its form, then captures with the hub out of reach.
  (void)must(f.sync(f.kiosk));
  f.stop();
  f.capture("ana@example.com", "Ana Lima");
  f.start();
  const sync::SyncReport pushed = must(f.sync(f.kiosk));
  CHECK(pushed.events_pushed >= 1);
  CHECK(pushed.leads_assigned == 0);  // a kiosk asks for no leads

  // The hub's writer absorbed the lead; the admin assigns it to rep-1
  // (whose lead box the hub does not know yet: the assignment waits).
  const std::string id = f.lead_of("ana@example.com");
  must(f.book()->assign(id, "rep-1", f.clock.now()));

  const sync::SyncReport r1 = must(f.sync(f.rep1));
  CHECK(r1.leads_assigned == 1);
  CHECK(r1.leads_unreadable == 0);
  const leads::AssignedLead held = must(f.rep1.home->assigned_leads().get(id));
  CHECK(held.assignment.fields.at("email") == "ana@example.com");
  CHECK(held.assignment.fields.at("name") == "Ana Lima");
  REQUIRE(held.assignment.visits.size() == 1);
  CHECK(held.assignment.visits[0].kiosk == "kiosk-1");
  CHECK(held.assignment.visits[0].show == "rsa-2027");
  CHECK(held.assignment.due_at.has_value());

  // The second rep sees nothing.
  const sync::SyncReport r2 = must(f.sync(f.rep2));
  CHECK(r2.leads_assigned == 0);
  CHECK(f.rep2.home->assigned_leads().count() == 0);

  // Neither the kiosk's key nor the other rep's opens the sealed assignment.
  const auto deliveries = must(f.book()->deliveries("rep-1", 0, 10));
  REQUIRE(deliveries.size() == 1);
  const leads::LeadDelivery stolen{1, id, "assign", deliveries[0].sealed};
  for (HubFixture::Device* other : {&f.kiosk, &f.rep2}) {
    const leads::DeliveryReport r = must(other->home->assigned_leads().apply({stolen}));
    CHECK(r.unreadable == 1);
    CHECK(r.assigned == 0);
    CHECK(other->home->assigned_leads().count() == 0);
  }

  // The kiosk cannot ask the hub for deliveries: the identity is the
  // connection's, and a kiosk has none.
  RawClient raw(sync::transport_keys(*f.kiosk.home), f.hub->curve_key(), f.address.sync());
  const sync::msg::Hello hello{f.kiosk.home->journal().id(), f.kiosk.home->catalog().status().seq, 0, std::nullopt};
  CHECK(raw.ask(hello.to_envelope(1)).type == "hello.ok");
  const Envelope refused = raw.ask(sync::msg::LeadsGet{0}.to_envelope(2));
  REQUIRE(refused.type == "error");
  CHECK(refused.body["code"] == "permission");
  CHECK_THAT(refused.body["message"].get<std::string>(), Contains("rep devices only"));

  // A hello whose lead_box is not 32 bytes is refused naming the field.
  RawClient bad(sync::transport_keys(*f.rep2.home), f.hub->curve_key(), f.address.sync());
  Envelope bad_hello = sync::msg::Hello{f.rep2.home->journal().id(), 0, 0, std::nullopt}.to_envelope(1);
  bad_hello.body["lead_box"] = nlohmann::json::binary(std::vector<std::uint8_t>(16, 1));
  const Envelope no = bad.ask(bad_hello);
  REQUIRE(no.type == "error");
  CHECK(no.body["code"] == "invalid_argument");
  CHECK_THAT(no.body["message"].get<std::string>(), Contains("hello: lead_box is not 32-32 bytes"));
}

TEST_CASE("leads: a badge the kiosk's list lacked is completed by the hub when marketing publishes the late list",
          "[sync][leads][badges]") {
  LeadLoop f;
  auto list = [&](const std::string& badge, const std::string& email) {
    return must(leads::make_attendee_list("rsa-2027", {{badge, {{"email", email}, {"name", "Listed"}}}}, f.random));
  };
  f.publish_as(list("B-1", "one@example.com"), f.release("rsa-attendees", 1, "attendees"));
  (void)must(f.sync(f.kiosk));
  leads::CaptureRequest r;
  r.badge = "B-2";  // registered on site: not on the kiosk's list
  r.consent = true;
  CHECK(must(f.kiosk.home->capture_lead("booth-form", r)).seq > 0);
  (void)must(f.sync(f.kiosk));

  // The hub's writer completes it once the list that has the badge is accepted.
  f.publish_as(list("B-2", "two@example.com"), f.release("rsa-attendees", 2, "attendees"));
  const std::string id = f.lead_of("two@example.com");
  const hub::Lead lead = must(f.book()->lead(id));
  CHECK(lead.fields.at("name") == "Listed");
  CHECK(lead.fields.at("badge") == "B-2");
  CHECK(must(f.book()->erase("two@example.com", f.clock.now())).found);
}

TEST_CASE("leads: an online rep's daemon gets a lead assigned by the admin within seconds, from a notice on its own topic",
          "[sync][leads][daemon]") {
  LeadLoop f;
  (void)must(f.sync(f.kiosk));
  f.capture("ana@example.com", "Ana Lima");
  (void)must(f.sync(f.kiosk));
  const std::string id = f.lead_of("ana@example.com");
  (void)must(f.sync(f.rep1));  // the hub learns rep-1's lead key

  std::atomic<bool> stop{false};
  std::atomic<int> sessions{0};
  std::atomic<std::uint64_t> assigned{0};
  sync::SyncOptions options;
  options.resync_interval = 60s;  // so only a notice can explain a delivery within the wait below
  std::thread daemon([&] {
    (void)sync::run_daemon(*f.rep1.home, f.rep1.link, f.random, options,
                           [&](const Result<sync::SyncReport>& r) {
                             if (!r) return;  // a failed session is retried after a backoff, notice or not
                             assigned += r->leads_assigned;
                             ++sessions;
                           },
                           stop);
  });
  REQUIRE(eventually([&] { return sessions >= 1; }));
  // Its subscriptions (catalog and its lead topic) went to the hub together.
  REQUIRE(f.daemon_hears_notices(sessions));

  // The admin assigns from another connection, as `outpost-hub leads assign` does.
  must(f.book()->assign(id, "rep-1", f.clock.now()));
  (void)eventually([&] { return assigned >= 1; });
  stop = true;
  daemon.join();
  REQUIRE(assigned == 1);
  CHECK(f.rep1.home->assigned_leads().holds(id));

  // Other subscribers cannot tell whose topic it is: it is derived from the
  // device's lead key, not its name, and differs between devices.
  const std::string topic = sync::msg::lead_notice_topic(f.rep1.home->assigned_leads().lead_box());
  CHECK(topic.rfind("leads/", 0) == 0);
  CHECK(topic.size() == 6 + 16);
  CHECK(topic.find("rep-1") == std::string::npos);
  CHECK(topic != sync::msg::lead_notice_topic(f.rep2.home->assigned_leads().lead_box()));
  CHECK(must(sync::msg::parse_lead_notice(sync::msg::lead_notice(topic, 7), topic)) == 7);
  CHECK_FALSE(sync::msg::parse_lead_notice(sync::msg::lead_notice(topic, 7), "leads/0000000000000000"));
  CHECK_FALSE(sync::msg::parse_lead_notice(sync::msg::catalog_notice(7), topic));
}

TEST_CASE("leads: the rep's follow-up reaches the hub, and reassignment and erase withdraw the lead at the next sync",
          "[sync][leads][delivery]") {
  LeadLoop f;
  (void)must(f.sync(f.kiosk));
  f.capture("ana@example.com", "Ana Lima");
  f.capture("bo@example.com", "Bo Chen");
  (void)must(f.sync(f.kiosk));
  const std::string ana = f.lead_of("ana@example.com");
  const std::string bo = f.lead_of("bo@example.com");
  (void)must(f.sync(f.rep1));  // the hub learns rep-1's lead box first: deliveries are written at once
  must(f.book()->assign(ana, "rep-1", f.clock.now()));
  must(f.book()->assign(bo, "rep-1", f.clock.now()));
  CHECK(must(f.sync(f.rep1)).leads_assigned == 2);

  // Follow-up: journaled on the device, absorbed by the hub's book.
  (void)must(f.rep1.home->follow_up_lead(ana, "meeting", "demo on Tuesday"));
  CHECK(must(f.rep1.home->assigned_leads().get(ana)).follow_up->outcome == "meeting");
  const sync::SyncReport pushed = must(f.sync(f.rep1));
  CHECK(pushed.events_pushed >= 1);
  const hub::Lead at_hub = f.with_follow_ups(ana, 1);
  REQUIRE(at_hub.follow_ups.size() == 1);
  CHECK(at_hub.follow_ups[0].outcome == "meeting");
  CHECK(at_hub.follow_ups[0].device == "rep-1");
  CHECK(at_hub.outcome == "meeting");

  // Reassigned to rep-2: gone from rep-1 at its next sync, on rep-2 at its.
  must(f.book()->assign(ana, "rep-2", f.clock.now()));
  const sync::SyncReport withdrawn = must(f.sync(f.rep1));
  CHECK(withdrawn.leads_withdrawn == 1);
  CHECK_FALSE(f.rep1.home->assigned_leads().holds(ana));
  CHECK(f.rep1.home->assigned_leads().holds(bo));
  CHECK(must(f.sync(f.rep2)).leads_assigned == 1);
  CHECK(f.rep2.home->assigned_leads().holds(ana));

  // Erased on request: removed from the rep's device at its next sync.
  const hub::EraseReport erased = must(f.book()->erase("bo@example.com", f.clock.now()));
  CHECK(erased.withdrawn_from == "rep-1");
  CHECK(must(f.sync(f.rep1)).leads_withdrawn == 1);
  CHECK(f.rep1.home->assigned_leads().count() == 0);
}

TEST_CASE("leads: a session cut mid-batch loses and duplicates nothing after the next sync", "[sync][leads][delivery]") {
  LeadLoop f;
  (void)must(f.sync(f.rep1));  // the hub knows rep-1 now
  const crypto::BoxPublicKey box = f.rep1.home->assigned_leads().lead_box();
  const std::uint64_t total = 3 * sync::msg::max_lead_items + 17;
  write_deliveries(f.hub_home, "rep-1", box, 1, total);

  // The hub dies right after the device applied the first batch.
  sync::SyncOptions quick;
  quick.request_timeout = 1500ms;
  bool killed = false;
  auto r = sync::sync_once(*f.rep1.home, f.rep1.link, f.random, quick, [&](const sync::SyncProgress& p) {
    if (p.phase == "leads" && p.done == 1 && !killed) {
      killed = true;
      f.stop();
    }
  });
  REQUIRE(killed);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Errc::io);
  const std::uint64_t applied = f.rep1.home->assigned_leads().cursor();
  CHECK(applied == sync::msg::max_lead_items);
  CHECK(f.rep1.home->assigned_leads().count() == applied);

  f.start();
  const sync::SyncReport again = must(f.sync(f.rep1));
  CHECK(again.leads_assigned == total - applied);
  CHECK(f.rep1.home->assigned_leads().cursor() == total);
  CHECK(f.rep1.home->assigned_leads().count() == total);
  // And once more: nothing new, nothing repeated.
  CHECK(must(f.sync(f.rep1)).leads_assigned == 0);
  CHECK(f.rep1.home->assigned_leads().count() == total);
}

// Issue 18, finding 3: a kiosk home restored from a copy (or cloned)
// re-uses journal seqs the hub already holds with other events. The hub
// compares every resent event with the one it holds; the device keeps its
// events and continues them in a new journal chained to the old one.
TEST_CASE("leads: a kiosk restored from a copy delivers the leads captured after, exactly once, with an alert",
          "[sync][leads][attack]") {
  LeadLoop f;
  (void)must(f.sync(f.kiosk));  // the form
  const fs::path copy = f.dir / "kiosk-copy";
  auto restore_copy = [&] {
    f.kiosk.home.reset();
    fs::remove_all(f.kiosk.root);
    fs::copy(copy, f.kiosk.root, fs::copy_options::recursive);
    f.kiosk.home = f.open_home(f.kiosk.root);
  };
  f.kiosk.home.reset();
  fs::copy(f.kiosk.root, copy, fs::copy_options::recursive);
  f.kiosk.home = f.open_home(f.kiosk.root);

  for (const char* who : {"a1", "a2", "a3"}) f.capture(std::string(who) + "@example.com", who);
  (void)must(f.sync(f.kiosk));
  for (const char* who : {"a1", "a2", "a3"}) (void)f.lead_of(std::string(who) + "@example.com");

  auto emails = [&] {
    std::multiset<std::string> out;
    auto b = f.book();
    for (const hub::LeadSummary& s : must(b->list())) {
      CHECK(s.visits == 1);  // a duplicate delivery would be a second visit
      out.insert(must(b->lead(s.id)).fields.at("email"));
    }
    return out;
  };
  auto alerted = [&] {
    for (const auto& a : f.admin()->store().alerts()) {
      if (a.kind == "journal.diverged" && a.device == "kiosk-1") return true;
    }
    return false;
  };

  SECTION("new leads after the restore: delivered in a new journal") {
    restore_copy();
    const Bytes old_id = f.kiosk.home->journal().id();
    for (const char* who : {"b1", "b2", "b3"}) f.capture(std::string(who) + "@example.com", who);
    const sync::SyncReport r = must(f.sync(f.kiosk));
    REQUIRE(r.journal_forked_at.has_value());
    CHECK(r.journal_events_continued >= 3);
    CHECK(r.events_pushed >= 3);
    CHECK(f.kiosk.home->journal().id() != old_id);
    REQUIRE(f.kiosk.home->journal().parent().has_value());
    CHECK(f.kiosk.home->journal().parent()->journal_id == old_id);
    for (const char* who : {"b1", "b2", "b3"}) (void)f.lead_of(std::string(who) + "@example.com");
    CHECK(alerted());
  }
  SECTION("nothing new after the restore: the device notices it is behind, and its next lead is delivered") {
    restore_copy();
    const sync::SyncReport r = must(f.sync(f.kiosk));
    REQUIRE(r.journal_forked_at.has_value());
    CHECK(r.journal_events_continued == 0);
    f.capture("b1@example.com", "b1");
    (void)must(f.sync(f.kiosk));
    (void)f.lead_of("b1@example.com");
  }
  // Exactly once: every person once, also after another sync.
  (void)must(f.sync(f.kiosk));
  const auto held = emails();
  for (const std::string& e : held) CHECK(held.count(e) == 1);
  CHECK(held.count("a1@example.com") == 1);
  CHECK(must(f.sync(f.kiosk)).events_pushed == 0);
}

TEST_CASE("leads: a copy taken while a lead was undelivered, restored after it was delivered, delivers it once",
          "[sync][leads][attack]") {
  LeadLoop f;
  (void)must(f.sync(f.kiosk));
  f.stop();
  f.capture("c1@example.com", "c1");  // offline: undelivered in the copy
  f.kiosk.home.reset();
  const fs::path copy = f.dir / "kiosk-copy";
  fs::copy(f.kiosk.root, copy, fs::copy_options::recursive);
  f.kiosk.home = f.open_home(f.kiosk.root);
  f.start();
  (void)must(f.sync(f.kiosk));
  f.capture("a1@example.com", "a1");
  (void)must(f.sync(f.kiosk));

  f.kiosk.home.reset();
  fs::remove_all(f.kiosk.root);
  fs::copy(copy, f.kiosk.root, fs::copy_options::recursive);
  f.kiosk.home = f.open_home(f.kiosk.root);
  f.capture("b1@example.com", "b1");
  const sync::SyncReport r = must(f.sync(f.kiosk));
  CHECK(r.journal_forked_at.has_value());
  for (const char* who : {"c1", "a1", "b1"}) (void)f.lead_of(std::string(who) + "@example.com");
  std::multiset<std::string> held;
  auto b = f.book();
  for (const hub::LeadSummary& s : must(b->list())) {
    CHECK(s.visits == 1);  // c1 resent identically is a duplicate, not a second visit
    held.insert(must(b->lead(s.id)).fields.at("email"));
  }
  CHECK(held == std::multiset<std::string>{"a1@example.com", "b1@example.com", "c1@example.com"});
}

TEST_CASE("leads: leads.get, leads.batch and hello's lead_box on the wire", "[sync][leads][messages]") {
  using namespace outpost::sync::msg;
  const Bytes journal_id = random_bytes(16, 3);

  SECTION("hello: lead_box is optional and must be 32 bytes") {
    Hello old{journal_id, 4, 9, std::nullopt};
    const Hello back = must(Hello::parse(old.to_envelope(1)));
    CHECK_FALSE(back.lead_box);
    Hello rep = old;
    rep.lead_box = std::array<std::uint8_t, 32>{};
    rep.lead_box->fill(7);
    CHECK(must(Hello::parse(rep.to_envelope(2))).lead_box == rep.lead_box);
    Envelope bad = old.to_envelope(3);
    bad.body["lead_box"] = nlohmann::json::binary(std::vector<std::uint8_t>(31, 1));
    auto refused = Hello::parse(bad);
    REQUIRE_FALSE(refused.is_ok());
    CHECK(refused.status().code() == Errc::invalid_argument);
    CHECK_THAT(refused.status().message(), Contains("hello: lead_box is not 32-32 bytes"));
    bad.body["lead_box"] = "not bytes";
    CHECK_THAT(Hello::parse(bad).status().message(), Contains("lead_box"));
  }

  SECTION("leads.get") {
    CHECK(must(LeadsGet::parse(LeadsGet{42}.to_envelope(1))).after == 42);
    Envelope bad = LeadsGet{1}.to_envelope(1);
    bad.body["after"] = -1;
    CHECK_THAT(LeadsGet::parse(bad).status().message(), Contains("leads.get: after"));
  }

  SECTION("leads.batch round trip") {
    LeadsBatch batch;
    batch.items.push_back({7, "L-A", "assign", random_bytes(120, 1)});
    batch.items.push_back({8, "L-B", "withdraw", std::nullopt});
    batch.more = true;
    const LeadsBatch back = must(LeadsBatch::parse(batch.to_envelope(5)));
    REQUIRE(back.items.size() == 2);
    CHECK(back.more);
    CHECK(back.items[0].seq == 7);
    CHECK(back.items[0].sealed == batch.items[0].sealed);
    CHECK(back.items[1].kind == "withdraw");
    CHECK_FALSE(back.items[1].sealed);
    CHECK(must(LeadsBatch::parse(LeadsBatch{}.to_envelope(6))).items.empty());
  }

  SECTION("malformed leads.batch is refused with a clear error") {
    auto refused = [](const nlohmann::json& items, bool more = false) {
      Envelope e = LeadsBatch{}.to_envelope(1);
      e.body["more"] = more;
      e.data = {nlohmann::json::to_msgpack(items)};
      auto r = LeadsBatch::parse(e);
      REQUIRE_FALSE(r.is_ok());
      CHECK(r.status().code() == Errc::invalid_argument);
      return r.status().message();
    };
    const auto sealed = nlohmann::json::binary(std::vector<std::uint8_t>(60, 1));
    CHECK_THAT(refused(nlohmann::json::array(), true), Contains("no deliveries, yet more is true"));
    CHECK_THAT(refused({{{"seq", 0}, {"lead", "L-A"}, {"kind", "withdraw"}}}), Contains("seq"));
    CHECK_THAT(refused({{{"seq", 1}, {"lead", ""}, {"kind", "withdraw"}}}), Contains("lead is not a string"));
    CHECK_THAT(refused({{{"seq", 1}, {"lead", "L-A"}, {"kind", "steal"}}}), Contains("kind"));
    CHECK_THAT(refused({{{"seq", 1}, {"lead", "L-A"}, {"kind", "assign"}}}), Contains("sealed is not 49-"));
    CHECK_THAT(refused({{{"seq", 1}, {"lead", "L-A"}, {"kind", "assign"},
                         {"sealed", nlohmann::json::binary(std::vector<std::uint8_t>(10, 1))}}}),
               Contains("sealed"));
    CHECK_THAT(refused({{{"seq", 1}, {"lead", "L-A"}, {"kind", "withdraw"}, {"sealed", sealed}}}),
               Contains("a withdrawal carries no sealed"));
    CHECK_THAT(refused({{{"seq", 1}, {"lead", "L-A"}, {"kind", "withdraw"}},
                        {{"seq", 3}, {"lead", "L-B"}, {"kind", "withdraw"}}}),
               Contains("does not follow"));
    CHECK_THAT(refused({1, 2}), Contains("is not a map"));
    nlohmann::json many = nlohmann::json::array();
    for (std::uint64_t i = 1; i <= max_lead_items + 1; ++i) {
      many.push_back({{"seq", i}, {"lead", "L-A"}, {"kind", "withdraw"}});
    }
    CHECK_THAT(refused(many), Contains("at most 256"));
    Envelope no_frame = LeadsBatch{}.to_envelope(1);
    no_frame.data.clear();
    CHECK_THAT(LeadsBatch::parse(no_frame).status().message(), Contains("expected one data frame"));
    Envelope garbage = LeadsBatch{}.to_envelope(1);
    garbage.data = {Bytes{0xc1}};
    CHECK_THAT(LeadsBatch::parse(garbage).status().message(), Contains("not MessagePack"));
  }
}
