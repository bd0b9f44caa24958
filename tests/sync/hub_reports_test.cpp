// The hub's reports over a store seeded the real way: releases published
// through the publisher endpoint, devices that open, present, search, give
// feedback and capture leads through their DeviceHome, then sync. Each
// report's counts are checked exactly; and session.done's holdings, which
// the adoption report reads, are refused whole when malformed or oversized.
#include "outpost/hub/hub_reports.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "hub_fixture.hpp"
#include "outpost/hub/store/at_rest.hpp"
#include "outpost/hub/store/backend.hpp"
#include "outpost/journal/event.hpp"
#include "outpost/sync/messages.hpp"
#include "raw_client.hpp"

using namespace outpost;
using namespace outpost::test;
namespace rep = outpost::hub::reports;
using Catch::Matchers::Contains;
using sync::Envelope;

namespace {

constexpr auto day = std::chrono::hours(24);

const std::string booth_form =
    nlohmann::json{{"show", "rsa-2027"},
                   {"fields", {{{"name", "email"}, {"type", "email"}, {"required", true}}, {{"name", "name"}}}},
                   {"consent", {{"text", "I agree."}, {"version", "2027-01"}}}}
        .dump();

struct Field : HubFixture {
  // Publishes a version as marketing would, published `age` ago.
  std::uint64_t publish_aged(const std::string& asset, std::uint64_t version, std::chrono::hours age,
                             const std::string& kind = "pdf", ByteView content = {}) {
    catalog::Release r = release(asset, version, kind);
    r.title = "The " + asset;
    r.published_at = clock.now() - age;
    const Bytes bytes = content.empty() ? random_bytes(20'000 + version, asset.size() * 31 + version)
                                        : Bytes(content.begin(), content.end());
    sync::PublisherClient client(hub_address(), publisher_key);
    return must(client.publish(bytes, r, publisher_key)).seq;
  }

  // An enrolled device whose journal runs on its own clock.
  Device device_on(const std::string& name, const Clock& device_clock, const std::string& role = "rep") {
    Device d;
    d.root = dir / ("device-" + name);
    must(device::DeviceHome::init(d.root, random, {}));
    d.home = must(device::DeviceHome::open(d.root, device_clock, random, {}));
    const sync::EnrollToken token = must(admin()->enroll_token(name, role));
    d.link = must(sync::enroll(*d.home, must(sync::EnrollToken::parse(token.encode()))));
    return d;
  }

  std::unique_ptr<rep::HubReports> reports() { return must(rep::HubReports::open(admin()->backend())); }
};

void open(Field::Device& d, const std::string& asset, std::optional<std::uint64_t> version = std::nullopt) {
  (void)must(d.home->open_asset(asset, version));
}

void present(Field::Device& d, const std::string& id, const std::string& asset, std::uint64_t version,
             std::uint64_t pages, std::uint64_t duration_ms) {
  must(d.home->record(journal::presentation_started(id, asset, version)));
  for (std::uint64_t p = 1; p <= pages; ++p) must(d.home->record(journal::page_viewed(id, p, 1000)));
  must(d.home->record(journal::presentation_ended(id, duration_ms, pages)));
}

std::size_t search(Field::Device& d, const std::string& text, const std::string& choose = {}) {
  const search::Query query{text, {}, 20};
  const auto outcome = must(d.home->search(query));
  if (!choose.empty()) d.home->record_search_choice(query, outcome.found.size(), choose);
  return outcome.found.size();
}

void feedback(Field::Device& d, const std::string& asset, std::uint64_t version, std::uint64_t rating,
              const std::string& comment, bool needs_update) {
  must(d.home->record(journal::asset_feedback({asset, version, rating, comment, needs_update})));
}

void lead(Field::Device& kiosk, const std::string& email, const std::string& show = {}) {
  leads::CaptureRequest r;
  r.fields = {{"email", email}, {"name", "Visitor"}};
  r.consent = true;
  r.show = show;
  (void)must(kiosk.home->capture_lead("booth-form", r));
}

template <typename Row, typename Pred>
const Row& find_row(const std::vector<Row>& rows, Pred pred) {
  const auto it = std::find_if(rows.begin(), rows.end(), pred);
  REQUIRE(it != rows.end());
  return *it;
}

// The seeded world: what each device did, then a sync of each.
struct World {
  Field f;
  Field::Device rep1 = f.device("rep-1");
  Field::Device rep2 = f.device("rep-2");
  Field::Device kiosk = f.device("kiosk-1", "kiosk");

  World() {
    f.publish_aged("deck", 1, 40 * day, "deck");
    f.publish_aged("prices", 1, 40 * day, "price-sheet");
    f.publish_aged("old-brochure", 1, 45 * day);
    f.publish_aged("guide", 1, 60 * day);
    f.publish_aged("booth-form", 1, 40 * day, "form", as_bytes(booth_form));
    f.publish_aged("new-flyer", 1, std::chrono::hours(1));
    for (auto* d : {&rep1, &rep2, &kiosk}) must(f.sync(*d));

    open(rep1, "deck");
    open(rep1, "deck");
    open(rep1, "guide");
    present(rep1, "p-1", "deck", 1, 3, 90'000);
    REQUIRE(search(rep1, "Deck", "deck") > 0);
    REQUIRE(search(rep1, "unicorn pricing") == 0);
    feedback(rep1, "deck", 1, 4, "", false);

    open(rep2, "deck");
    open(rep2, "prices");
    present(rep2, "p-1", "deck", 1, 1, 30'000);  // the same id in another journal is another presentation
    must(rep2.home->record(journal::presentation_started("p-2", "deck", 1)));  // not ended yet
    REQUIRE(search(rep2, "  deck ") > 0);
    REQUIRE(search(rep2, "guide") > 0);
    feedback(rep2, "deck", 1, 2, "EMEA prices missing, \"urgent\"", true);
    must(rep2.home->record(journal::content_request("Case study: hospitals in Spain")));

    f.publish_aged("guide", 2, 40 * day);
    f.revoke("prices", 1);
    must(f.sync(rep2));
    CHECK_FALSE(must(rep2.home->open_asset("prices")).decision.allowed);
    CHECK_FALSE(must(rep2.home->open_asset("prices")).decision.allowed);

    lead(kiosk, "ana@example.com");
    lead(kiosk, "bo@example.com");
    lead(kiosk, "Ana@Example.com");  // the same person again: a repeat visit
    lead(kiosk, "cy@example.com", "mwc-2027");

    for (auto* d : {&rep1, &rep2, &kiosk}) must(f.sync(*d));
  }
};

}  // namespace

TEST_CASE("Reports: usage counts opens, presentations, time, pages and devices per version", "[sync][reports]") {
  World w;
  const rep::UsageReport r = must(w.f.reports()->usage({}));
  REQUIRE(r.rows.size() == 3);  // deck@1, guide@1, prices@1 (a lead form is read, not opened)
  const rep::UsageRow& deck = r.rows[0];
  CHECK(deck.ref == cache::VersionRef{"deck", 1});
  CHECK(deck.title == "The deck");
  CHECK(deck.opens == 3);
  CHECK(deck.presentations == 3);
  CHECK(deck.presented_ms == 120'000);
  CHECK(deck.pages == 4);
  CHECK(deck.devices == 2);
  CHECK(deck.unfinished == 1);
  CHECK(r.rows[1].ref == cache::VersionRef{"guide", 1});
  CHECK(r.rows[1].opens == 1);
  CHECK(r.rows[1].presentations == 0);
  CHECK(r.rows[2].ref == cache::VersionRef{"prices", 1});
  CHECK(r.rows[2].opens == 1);
  CHECK(r.rows[2].devices == 1);
  CHECK(r.unattributed == 0);
  CHECK(r.skipped.total() == 0);
}

TEST_CASE("Reports: unused gives the share of live assets never opened", "[sync][reports]") {
  World w;
  const TimePoint now = w.f.clock.now();
  const rep::UnusedReport r = must(w.f.reports()->unused({}, 30, now));
  // Live and old enough: deck, old-brochure, guide (v2), booth-form; prices is
  // revoked, new-flyer too new to judge.
  CHECK(r.live_assets == 4);
  CHECK(r.too_new == 1);
  CHECK(r.never_opened == 1);  // old-brochure; booth-form was used to capture leads
  CHECK(r.share_percent() == Approx(25.0));
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].ref == cache::VersionRef{"old-brochure", 1});  // the oldest publication first
  CHECK_FALSE(r.rows[0].older_opened);
  const auto& guide = find_row(r.rows, [](const rep::UnusedRow& u) { return u.ref.asset == "guide"; });
  CHECK(guide.ref.version == 2);
  CHECK(guide.older_opened);  // v1 was opened, v2 never
  for (const auto& row : r.rows) CHECK(row.ref.asset != "booth-form");

  // Judged with no opens counted (none in the window) every live asset is unused.
  const rep::UnusedReport later = must(w.f.reports()->unused({now + std::chrono::hours(1), std::nullopt}, 30, now));
  CHECK(later.never_opened == 4);
  CHECK(later.share_percent() == Approx(100.0));
  // With --days 42 only old-brochure (45 days old) is judged; the others' current versions are 40 days old.
  const rep::UnusedReport strict = must(w.f.reports()->unused({}, 42, now));
  CHECK(strict.live_assets == 1);
  CHECK(strict.never_opened == 1);
}

TEST_CASE("Reports: blocked, searches, feedback and leads count exactly", "[sync][reports]") {
  World w;
  auto reports = w.f.reports();

  const rep::BlockedReport blocked = must(reports->blocked({}));
  CHECK(blocked.total == 2);
  REQUIRE(blocked.rows.size() == 1);
  CHECK(blocked.rows[0].asset == "prices");
  CHECK(blocked.rows[0].reason == "revoked");
  CHECK(blocked.rows[0].device == "rep-2");
  CHECK(blocked.rows[0].count == 2);
  REQUIRE(blocked.by_reason_device.size() == 1);
  CHECK(blocked.by_reason_device[0].count == 2);
  REQUIRE(blocked.by_version.size() == 1);
  CHECK(blocked.by_version[0].reasons.at("revoked") == 2);

  const rep::SearchReport searches = must(reports->searches({}));
  CHECK(searches.searches == 4);
  CHECK(searches.no_result == 1);
  CHECK(searches.clicks == 1);
  REQUIRE(searches.queries.size() == 3);
  const rep::QueryRow& deck = searches.queries[0];  // most searched first
  CHECK(deck.query == "deck");                      // "Deck" and "  deck " are one query
  CHECK(deck.searches == 2);
  CHECK(deck.clicks == 1);
  CHECK(deck.devices == 2);
  CHECK_FALSE(deck.results_not_clicked());
  const auto& unicorn = find_row(searches.queries, [](const rep::QueryRow& q) { return q.query == "unicorn pricing"; });
  CHECK(unicorn.found_nothing());
  CHECK(unicorn.no_result == 1);
  const auto& guide = find_row(searches.queries, [](const rep::QueryRow& q) { return q.query == "guide"; });
  CHECK(guide.results_not_clicked());
  CHECK_FALSE(guide.found_nothing());

  const rep::FeedbackReport feedback = must(reports->feedback({}));
  REQUIRE(feedback.rows.size() == 1);
  CHECK(feedback.rows[0].asset == "deck");
  CHECK(feedback.rows[0].version == std::optional<std::uint64_t>(1));
  CHECK(feedback.rows[0].count == 2);
  CHECK(feedback.rows[0].mean_rating == Approx(3.0));
  CHECK(feedback.rows[0].needs_update == 1);
  const auto& comment = find_row(feedback.rows[0].items, [](const rep::FeedbackItem& i) { return !i.comment.empty(); });
  CHECK(comment.comment == "EMEA prices missing, \"urgent\"");
  CHECK(comment.device == "rep-2");
  REQUIRE(feedback.requests.size() == 1);
  CHECK(feedback.requests[0].text == "Case study: hospitals in Spain");

  const rep::LeadReport leads = must(reports->leads({}));
  CHECK(leads.leads == 3);
  CHECK(leads.repeat_visits == 1);
  REQUIRE(leads.rows.size() == 2);
  CHECK(leads.rows[0].show == "mwc-2027");
  CHECK(leads.rows[0].leads == 1);
  CHECK(leads.rows[1].show == "rsa-2027");
  CHECK(leads.rows[1].device == "kiosk-1");
  CHECK(leads.rows[1].leads == 2);
  CHECK(leads.rows[1].repeat_visits == 1);
  CHECK(leads.rows[1].first_received <= leads.rows[1].last_received);
  REQUIRE(leads.by_device.size() == 1);
  CHECK(leads.by_device[0].leads == 3);
  CHECK(leads.by_show.size() == 2);
}

TEST_CASE("Reports: adoption shows holdings after sync and devices behind after a new publish", "[sync][reports]") {
  World w;
  auto held = w.f.admin()->store().holdings("rep-1");
  REQUIRE(held);
  CHECK(std::find(held->begin(), held->end(), cache::VersionRef{"guide", 2}) != held->end());
  CHECK(std::find(held->begin(), held->end(), cache::VersionRef{"prices", 1}) == held->end());  // shredded

  const TimePoint now = w.f.clock.now();
  rep::AdoptionReport before = must(w.f.reports()->adoption(now));
  CHECK(before.hub_seq == 8);
  CHECK(before.reporting == 3);
  CHECK(before.behind == 0);

  w.f.publish_aged("deck", 2, std::chrono::hours(0), "deck");
  must(w.f.sync(w.rep1));
  const rep::AdoptionReport after = must(w.f.reports()->adoption(now + std::chrono::minutes(1)));
  CHECK(after.hub_seq == 9);
  CHECK(after.behind == 2);
  const auto& rep1 = find_row(after.devices, [](const rep::DeviceAdoption& d) { return d.device == "rep-1"; });
  CHECK_FALSE(rep1.behind());
  CHECK(std::find(rep1.held.begin(), rep1.held.end(), cache::VersionRef{"deck", 2}) != rep1.held.end());
  const auto& rep2 = find_row(after.devices, [](const rep::DeviceAdoption& d) { return d.device == "rep-2"; });
  CHECK(rep2.catalog_behind);
  CHECK(rep2.catalog_seq == 8);
  REQUIRE(rep2.missing.size() == 1);
  CHECK(rep2.missing[0] == cache::VersionRef{"deck", 2});
  const auto& deck = find_row(after.versions, [](const rep::VersionAdoption& v) { return v.ref.asset == "deck"; });
  CHECK(deck.ref.version == 2);
  CHECK(deck.holding == 1);
  CHECK(deck.older_only == 2);

  // A device that never reported holdings is unknown, not "holds nothing".
  auto quiet = w.f.device("rep-3");
  const rep::AdoptionReport with_new = must(w.f.reports()->adoption(now));
  const auto& rep3 = find_row(with_new.devices, [](const rep::DeviceAdoption& d) { return d.device == "rep-3"; });
  CHECK_FALSE(rep3.holdings_at);
  CHECK(rep3.missing.empty());
  CHECK(rep3.catalog_behind);
}

TEST_CASE("Reports: --since and --until pick events by the device's journal time", "[sync][reports]") {
  Field f;
  f.publish_aged("deck", 1, 40 * day, "deck");
  const TimePoint now = f.clock.now();
  ManualClock device_clock(now - 2 * day);
  auto rep = f.device_on("rep-1", device_clock);
  // Two days ago (the journal's clock before it ever met the hub).
  must(rep.home->record(journal::asset_opened("deck", 1)));
  must(rep.home->record(journal::search_performed("old question", 0)));
  must(f.sync(rep));
  open(rep, "deck");  // now: the journal clock has moved past the hub's time
  must(f.sync(rep));

  auto reports = f.reports();
  const TimePoint cut = now - day;
  CHECK(must(reports->usage({})).rows.at(0).opens == 2);
  CHECK(must(reports->usage({cut, std::nullopt})).rows.at(0).opens == 1);
  CHECK(must(reports->usage({std::nullopt, cut})).rows.at(0).opens == 1);
  CHECK(must(reports->usage({now + day, std::nullopt})).rows.empty());
  CHECK(must(reports->searches({cut, std::nullopt})).searches == 0);
  CHECK(must(reports->searches({std::nullopt, cut})).no_result == 1);
}

TEST_CASE("Reports: usage by day counts opens and presentations per UTC day, quiet days as zeros", "[sync][reports]") {
  Field f;
  f.publish_aged("deck", 1, 40 * day, "deck");
  // A device clock at 10:00 UTC, four days before the hub's day.
  const auto today = std::chrono::floor<std::chrono::days>(f.clock.now());
  ManualClock device_clock(today - 4 * day + std::chrono::hours(10));
  auto rep = f.device_on("rep-1", device_clock);
  must(rep.home->record(journal::asset_opened("deck", 1)));
  must(rep.home->record(journal::asset_opened("deck", 1)));
  device_clock.set(today - 2 * day + std::chrono::hours(23));
  must(rep.home->record(journal::presentation_started("p-1", "deck", 1)));
  must(rep.home->record(journal::asset_opened("deck", 1)));
  must(f.sync(rep));

  auto reports = f.reports();
  const rep::DailyUsageReport all = must(reports->usage_by_day({}));
  REQUIRE(all.days.size() == 3);  // from the first event's day to the last's
  CHECK(all.days[0].day == today - 4 * day);
  CHECK(all.days[0].opens == 2);
  CHECK(all.days[0].presentations == 0);
  CHECK(all.days[1].day == today - 3 * day);
  CHECK(all.days[1].opens == 0);  // a quiet day is there, with zeros
  CHECK(all.days[2].opens == 1);
  CHECK(all.days[2].presentations == 1);

  // A window names its days, whether or not anything happened on them.
  const rep::DailyUsageReport window = must(reports->usage_by_day({today - 5 * day, today + day}));
  REQUIRE(window.days.size() == 6);
  CHECK(window.days.front().day == today - 5 * day);
  CHECK(window.days.back().day == today);
  CHECK(window.days[1].opens == 2);
  CHECK(window.days.back().opens == 0);
  CHECK(must(reports->usage_by_day({today - 3 * day, today - 2 * day})).days.size() == 1);
  CHECK(must(reports->usage_by_day({today + day, std::nullopt})).days.empty());
  CHECK(must(reports->usage_by_day({today, today - day})).days.empty());
}

TEST_CASE("Reports: malformed and dropped payloads are skipped and counted, never fatal", "[sync][reports]") {
  Field f;
  f.publish_aged("deck", 1, 40 * day, "deck");
  auto rep = f.device("rep-1");
  must(f.sync(rep));
  open(rep, "deck");
  must(f.sync(rep));
  f.stop();
  {
    // Rows the hub would never store, written behind its back.
    SQLite::Database db(hub::HubStore::db_path(f.hub_home).string(), SQLite::OPEN_READWRITE);
    SQLite::Statement put(
        db,
        "INSERT INTO events(journal_id, seq, time, type, payload, payload_hash, hash, device, "
        "received_at) SELECT journal_id, seq + 1000 + ?, time, 'asset.opened', ?, payload_hash, hash, "
        "device, received_at FROM events WHERE type = 'asset.opened' LIMIT 1");
    const std::vector<std::optional<Bytes>> payloads{
        std::nullopt,                                                                    // dropped for quota
        Bytes{0xc1},                                                                     // not MessagePack
        Bytes{0x92, 0x01, 0x02},                                                         // a list, not a map
        nlohmann::json::to_msgpack(nlohmann::json{{"asset", 7}, {"version", 1}}),        // asset not text
        nlohmann::json::to_msgpack(nlohmann::json{{"asset", "deck"}, {"version", -1}}),  // negative version
    };
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      put.reset();
      put.bind(1, static_cast<std::int64_t>(i));
      if (payloads[i]) {
        put.bind(2, payloads[i]->data(), static_cast<int>(payloads[i]->size()));
      } else {
        put.bind(2);
      }
      REQUIRE(put.exec() == 1);
    }
  }
  const rep::UsageReport usage = must(f.reports()->usage({}));
  REQUIRE(usage.rows.size() == 1);
  CHECK(usage.rows[0].opens == 1);
  CHECK(usage.skipped.no_payload == 1);
  CHECK(usage.skipped.malformed == 4);
  CHECK(must(f.reports()->unused({}, 30, f.clock.now())).skipped.total() == 5);
}

namespace {

Envelope session_done(std::uint64_t seq, Bytes holdings_frame, std::uint64_t id) {
  Envelope e = sync::msg::SessionDone{seq, std::nullopt}.to_envelope(id);
  e.data.push_back(std::move(holdings_frame));
  return e;
}

}  // namespace

TEST_CASE("session.done: holdings round-trip, and a malformed or oversized list is refused whole",
          "[sync][reports][messages]") {
  using sync::msg::SessionDone;
  SECTION("the message") {
    const SessionDone with{7, std::vector<cache::VersionRef>{{"deck", 2}, {"guide", 1}}};
    const auto parsed = must(SessionDone::parse(with.to_envelope(1)));
    CHECK(parsed.catalog_seq == 7);
    REQUIRE(parsed.holdings);
    CHECK(*parsed.holdings == *with.holdings);
    CHECK_FALSE(must(SessionDone::parse(SessionDone{7, std::nullopt}.to_envelope(2))).holdings);  // an older device
    CHECK(must(SessionDone::parse(SessionDone{7, std::vector<cache::VersionRef>{}}.to_envelope(3))).holdings->empty());

    std::vector<cache::VersionRef> many(sync::msg::max_holdings + 1, cache::VersionRef{"deck", 1});
    auto big = SessionDone::parse(SessionDone{7, many}.to_envelope(4));
    REQUIRE_FALSE(big.is_ok());
    CHECK_THAT(big.status().message(), Contains("at most 10000"));
    many.pop_back();
    CHECK(must(SessionDone::parse(SessionDone{7, many}.to_envelope(5))).holdings->size() == sync::msg::max_holdings);
    // A device with more complete versions than that sends none (unknown) rather than be refused.
    std::vector<cache::VersionInfo> listing(sync::msg::max_holdings + 1);
    CHECK_FALSE(sync::msg::complete_holdings(listing));
    listing.resize(2);
    listing[1].missing_chunks = 3;  // still being fetched: not held
    CHECK(sync::msg::complete_holdings(listing)->size() == 1);
  }
  SECTION("the hub") {
    Field f;
    f.publish_aged("deck", 1, day);
    auto rep = f.device("rep-1");
    must(f.sync(rep));
    const auto before = f.admin()->store().holdings("rep-1");
    REQUIRE(before);
    CHECK(*before == std::vector<cache::VersionRef>{{"deck", 1}});

    RawClient raw(sync::transport_keys(*rep.home), f.hub->curve_key(), f.address.sync());
    REQUIRE(raw.ask(sync::msg::Hello{rep.home->journal().id(), 1, 0}.to_envelope(1)).type == "hello.ok");
    nlohmann::json over = nlohmann::json::array();
    for (std::size_t i = 0; i <= sync::msg::max_holdings; ++i) over.push_back({"deck", i + 1});
    const std::vector<Bytes> bad_frames{
        nlohmann::json::to_msgpack(over),                                                      // one too many
        Bytes{0xc1},                                                                           // not MessagePack
        nlohmann::json::to_msgpack(nlohmann::json::array({nlohmann::json::array({"deck"})})),  // no version
        nlohmann::json::to_msgpack(nlohmann::json::array({{"../etc", 1}})),                    // not an asset id
        nlohmann::json::to_msgpack(nlohmann::json::array({{"deck", 1}, {"guide", 0}})),        // version 0
    };
    std::uint64_t id = 2;
    for (const Bytes& frame : bad_frames) {
      const Envelope reply = raw.ask(session_done(5, frame, id++));
      REQUIRE(reply.type == "error");
      const auto error = must(sync::msg::ErrorMsg::parse(reply));
      CHECK(error.code == Errc::invalid_argument);
      CHECK_THAT(error.message, Contains("session.done"));
    }
    // Nothing of the refused messages was stored: not the holdings, not the seq.
    CHECK(*f.admin()->store().holdings("rep-1") == *before);
    CHECK(f.admin()->store().device("rep-1")->catalog_seq == 1);

    // A good one replaces the list as a whole.
    const Envelope ok =
        raw.ask(session_done(1, nlohmann::json::to_msgpack(nlohmann::json::array({{"deck", 1}, {"x", 3}})), id++));
    CHECK(ok.type == "session.ok");
    CHECK(*f.admin()->store().holdings("rep-1") == std::vector<cache::VersionRef>{{"deck", 1}, {"x", 3}});
    // Without holdings (an older device) the last list is kept.
    CHECK(raw.ask(SessionDone{1, std::nullopt}.to_envelope(id++)).type == "session.ok");
    CHECK(f.admin()->store().holdings("rep-1")->size() == 2);
  }
}

// Issue 18, finding 7, at the hub: what names a document or a person is
// sealed in hub.db under the hub's keys, and only the reports open it.
namespace {

// Every text of the world that names a document or says what a rep typed.
const std::vector<std::string> world_secrets{"the old-brochure", "unicorn pricing", "emea prices missing",
                                             "case study: hospitals in spain"};

void check_sealed(const fs::path& hub_home) {
  const std::string text = database_text(hub::HubStore::db_path(hub_home));
  for (const std::string& secret : world_secrets) {
    INFO(secret);
    CHECK(text.find(secret) == std::string::npos);
  }
}

void check_reports_read_everything(World& w) {
  auto reports = w.f.reports();
  const rep::SearchReport searches = must(reports->searches({}));
  CHECK(searches.searches == 4);
  CHECK(std::any_of(searches.queries.begin(), searches.queries.end(),
                    [](const rep::QueryRow& q) { return q.query == "unicorn pricing"; }));
  const rep::FeedbackReport feedback = must(reports->feedback({}));
  REQUIRE(feedback.rows.size() == 1);
  CHECK(std::any_of(feedback.rows[0].items.begin(), feedback.rows[0].items.end(), [](const rep::FeedbackItem& i) {
    return i.comment.find("EMEA prices missing") != std::string::npos;
  }));
  REQUIRE(feedback.requests.size() == 1);
  CHECK(feedback.requests[0].text == "Case study: hospitals in Spain");
  const rep::UsageReport usage = must(reports->usage({}));
  CHECK(std::any_of(usage.rows.begin(), usage.rows.end(),
                    [](const rep::UsageRow& r) { return r.title == "The deck"; }));
}

}  // namespace

TEST_CASE("Reports: hub.db holds no title, search text or comment in clear; the reports read them",
          "[sync][reports][attack]") {
  World w;
  w.f.stop();
  check_sealed(w.f.hub_home);
  check_reports_read_everything(w);
}

TEST_CASE("Reports: a hub store opened with another hub's keys is refused, untouched", "[sync][reports][attack]") {
  World w;
  w.f.stop();
  const fs::path keys = hub::HubStore::keys_path(w.f.hub_home);
  fs::copy_file(keys, w.f.dir / "hub.keys.own");
  SeededRandom other_random(4711);  // not the fixture's seed: another hub's keys
  fs::remove(keys);
  must(hub::save_hub_keys(keys, hub::generate_hub_keys(other_random, true)));
  auto opened = hub::open_backend(w.f.hub_home);
  REQUIRE_FALSE(opened);
  CHECK(opened.status().code() == Errc::corrupt);
  CHECK_THAT(opened.status().message(), Contains("another hub's keys"));
  // Its own keys back: everything is there.
  fs::copy_file(w.f.dir / "hub.keys.own", keys, fs::copy_options::overwrite_existing);
  check_reports_read_everything(w);
}

TEST_CASE("Reports: a hub store an earlier build kept in clear is sealed at its first open, nothing lost",
          "[sync][reports]") {
  World w;
  w.f.stop();
  // Put it back as an earlier build stored it: statements and payloads in
  // clear, no key check.
  {
    const hub::HubKeys keys = must(hub::load_hub_keys(hub::HubStore::keys_path(w.f.hub_home)));
    const hub::AtRest at_rest(keys.lead.secret_key());
    SQLite::Database db(hub::HubStore::db_path(w.f.hub_home).string(), SQLite::OPEN_READWRITE);
    db.exec("BEGIN");
    {
      SQLite::Statement read(db, "SELECT seq, statement FROM statements");
      SQLite::Statement put(db, "UPDATE statements SET statement = ? WHERE seq = ?");
      while (read.executeStep()) {
        const auto seq = static_cast<std::uint64_t>(read.getColumn(0).getInt64());
        const SQLite::Column box = read.getColumn(1);
        const auto plain = at_rest.open_statement(
            seq, ByteView(static_cast<const std::uint8_t*>(box.getBlob()), static_cast<std::size_t>(box.getBytes())));
        REQUIRE(plain.has_value());
        put.reset();
        put.bind(1, plain->data(), static_cast<int>(plain->size()));
        put.bind(2, static_cast<std::int64_t>(seq));
        put.exec();
      }
    }
    {
      SQLite::Statement read(db, "SELECT journal_id, seq, payload FROM events WHERE payload IS NOT NULL");
      SQLite::Statement put(db, "UPDATE events SET payload = ? WHERE journal_id = ? AND seq = ?");
      while (read.executeStep()) {
        const SQLite::Column id = read.getColumn(0);
        const Bytes journal(static_cast<const std::uint8_t*>(id.getBlob()),
                            static_cast<const std::uint8_t*>(id.getBlob()) + id.getBytes());
        const auto seq = static_cast<std::uint64_t>(read.getColumn(1).getInt64());
        const SQLite::Column box = read.getColumn(2);
        const auto plain = at_rest.open_payload(
            journal, seq,
            ByteView(static_cast<const std::uint8_t*>(box.getBlob()), static_cast<std::size_t>(box.getBytes())));
        REQUIRE(plain.has_value());
        put.reset();
        put.bind(1, plain->data(), static_cast<int>(plain->size()));
        put.bind(2, journal.data(), static_cast<int>(journal.size()));
        put.bind(3, static_cast<std::int64_t>(seq));
        put.exec();
      }
    }
    db.exec("DELETE FROM meta WHERE key = 'at_rest'");
    db.exec("COMMIT");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  REQUIRE_FALSE(database_text(hub::HubStore::db_path(w.f.hub_home)).find("unicorn pricing") == std::string::npos);
  check_reports_read_everything(w);  // opening the store seals it
  SQLite::Database(hub::HubStore::db_path(w.f.hub_home).string(), SQLite::OPEN_READWRITE)
      .exec("PRAGMA wal_checkpoint(TRUNCATE); VACUUM");
  check_sealed(w.f.hub_home);
  // And the hub serves on: a device syncs the sealed catalog again.
  w.f.start();
  Field::Device late = w.f.device("rep-3");
  must(w.f.sync(late));
  CHECK(must(late.home->open_asset("deck")).decision.allowed);
}
