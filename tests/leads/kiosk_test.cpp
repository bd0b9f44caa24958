// A kiosk (DeviceHome) captures leads with the newest lead form the gate
// allows, seals them to the hub lead key from the root-signed trust list,
// keeps no personal data on its disk, and journals every gate decision and
// every search.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "home_fixture.hpp"
#include "org.hpp"
#include "outpost/device/home.hpp"
#include "outpost/storage/byte_source.hpp"

using namespace outpost;
using namespace outpost::test;
using Catch::Matchers::Contains;
using json = nlohmann::json;

namespace {

// A lead form whose consent version and score say which version it is.
std::string form_v(int version, const std::string& show = "rsa-2027") {
  json form = {{"show", show},
               {"fields",
                {{{"name", "email"}, {"type", "email"}, {"required", true}},
                 {{"name", "name"}, {"required", true}},
                 {{"name", "phone"}, {"type", "phone"}},
                 {{"name", "company"}}}},
               {"consent",
                {{"text", "I agree (form version " + std::to_string(version) + ")."},
                 {"version", "2027-0" + std::to_string(version)}}},
               {"qualification",
                {{{"name", "timeline"},
                  {"question", "When?"},
                  {"options", {{{"value", "now"}, {"score", 10 * version}}}}}}}};
  return form.dump();
}

leads::CaptureRequest visitor(const std::string& name = "Zebulon Quixotic",
                              const std::string& email = "Zebulon.Q@Example.org",
                              const std::string& phone = "+49 151 555 12345",
                              const std::string& company = "Quixotic Widgets GmbH") {
  leads::CaptureRequest r;
  r.fields = {{"email", email}, {"name", name}, {"phone", phone}, {"company", company}};
  r.answers = {{"timeline", "now"}};
  r.consent = true;
  return r;
}

struct Kiosk : HomeFixture {
  explicit Kiosk(bool lead_key = true, std::uint64_t seed = 21) : HomeFixture(seed, lead_key) {}

  // Publishes a form version through the signed catalog and downloads it.
  void publish_form(const std::string& asset, std::uint64_t version, const std::string& text,
                    std::optional<TimePoint> expires_at = std::nullopt) {
    const Bytes content = org.release_form(asset, version, text, expires_at);
    apply();
    cache(asset, version, content);
  }

  std::vector<journal::StoredEvent> events() {
    REQUIRE(home->journal().flush().is_ok());
    auto e = home->journal().read_after(0, 10000);
    INFO(e.status().to_string());
    REQUIRE(e.is_ok());
    return std::move(e).value();
  }

  std::vector<journal::StoredEvent> events_of(const std::string& type) {
    std::vector<journal::StoredEvent> out;
    for (auto& e : events()) {
      if (e.type->name == type) out.push_back(std::move(e));
    }
    return out;
  }
};

json payload_of(const journal::StoredEvent& e) {
  REQUIRE(e.payload.has_value());
  return json::parse(journal::payload_json(*e.payload));
}

json open_lead(const crypto::BoxKeyPair& hub, const journal::StoredEvent& e) {
  REQUIRE(e.payload.has_value());
  const json raw = json::from_msgpack(*e.payload);
  const auto& bin = raw.at("sealed").get_binary();
  auto plain = crypto::open_sealed(hub, Bytes(bin.begin(), bin.end()));
  REQUIRE(plain.has_value());
  return json::from_msgpack(*plain);
}

void check_refused(const Result<device::DeviceHome::Form>& form, Errc code, const std::vector<std::string>& parts) {
  INFO(form.status().to_string());
  REQUIRE_FALSE(form.is_ok());
  CHECK(form.status().code() == code);
  for (const std::string& part : parts) CHECK_THAT(form.status().message(), Contains(part));
}

bool contains_bytes(const Bytes& haystack, const std::string& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

}  // namespace

TEST_CASE("Kiosk: a lead form published through the catalog captures leads sealed to the hub", "[leads]") {
  Kiosk k;
  k.publish_form("lead-form", 1, form_v(1));
  auto form = k.home->load_form("lead-form");
  INFO(form.status().to_string());
  REQUIRE(form.is_ok());
  CHECK(form->ref.asset == "lead-form");
  CHECK(form->ref.version == 1);
  CHECK(form->form.show == "rsa-2027");
  CHECK(form->form.consent_version == "2027-01");

  auto captured = k.home->capture_lead("lead-form", visitor());
  INFO(captured.status().to_string());
  REQUIRE(captured.is_ok());
  CHECK_FALSE(captured->repeat);
  CHECK(captured->score == 10);
  CHECK(captured->show == "rsa-2027");
  auto again = k.home->capture_lead("lead-form", visitor("Zeb", " zebulon.q@example.ORG"));
  REQUIRE(again.is_ok());
  CHECK(again->repeat);

  const auto leads = k.events_of("lead.captured");
  REQUIRE(leads.size() == 1);
  CHECK(leads[0].seq == captured->seq);
  json p = payload_of(leads[0]);
  CHECK(p["form"] == "lead-form");
  CHECK(p["form_version"] == 1);
  CHECK(p["consent_version"] == "2027-01");
  json lead = open_lead(k.org.lead, leads[0]);
  CHECK(lead["fields"]["email"] == "zebulon.q@example.org");
  CHECK(lead["fields"]["name"] == "Zebulon Quixotic");
  CHECK(lead["fields"]["phone"] == "+4915155512345");
  CHECK(lead["consent"]["text_hash"] == crypto::blake2b(as_bytes(form->form.consent_text)).hex());
  CHECK(lead["captured_at"] == to_unix_ms(k.home->catalog().trusted_now()));
  CHECK(k.events_of("lead.repeat_visit").size() == 1);

  // A consent withdrawal reaches the hub with the same dedupe key.
  auto withdrawn = k.home->withdraw_consent("rsa-2027", "ZEBULON.Q@example.org ");
  INFO(withdrawn.status().to_string());
  REQUIRE(withdrawn.is_ok());
  const auto withdrawals = k.events_of("consent.withdrawn");
  REQUIRE(withdrawals.size() == 1);
  CHECK(payload_of(withdrawals[0])["dedupe_key"] == p["dedupe_key"]);
  CHECK(open_lead(k.org.lead, withdrawals[0])["email"] == "zebulon.q@example.org");

  // The dedupe key is the device's own: the same person at another kiosk
  // gets another key.
  Kiosk other(true, 77);
  other.publish_form("lead-form", 1, form_v(1));
  REQUIRE(other.home->capture_lead("lead-form", visitor()).is_ok());
  const auto theirs = other.events_of("lead.captured");
  REQUIRE(theirs.size() == 1);
  CHECK(payload_of(theirs[0])["dedupe_key"] != p["dedupe_key"]);
}

TEST_CASE("Kiosk: a replaced form is not used, the new version is", "[leads]") {
  Kiosk k;
  k.publish_form("lead-form", 1, form_v(1));
  REQUIRE(k.home->load_form("lead-form")->ref.version == 1);

  // Version 2 is released but not downloaded yet: version 1 is superseded.
  const Bytes v2 = k.org.release_form("lead-form", 2, form_v(2));
  k.apply();
  CHECK(k.home->decide("lead-form", 1).reason == gate::BlockReason::superseded);
  check_refused(k.home->load_form("lead-form"), Errc::not_found, {"lead-form", "cannot be used", "not downloaded"});
  const auto head = k.home->journal().head().seq;
  auto refused = k.home->capture_lead("lead-form", visitor());
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::not_found);
  CHECK(k.home->journal().head().seq == head);  // nothing captured

  k.cache("lead-form", 2, v2);
  auto form = k.home->load_form("lead-form");
  INFO(form.status().to_string());
  REQUIRE(form.is_ok());
  CHECK(form->ref.version == 2);
  CHECK(form->form.consent_version == "2027-02");
  auto captured = k.home->capture_lead("lead-form", visitor());
  INFO(captured.status().to_string());
  REQUIRE(captured.is_ok());
  CHECK(captured->score == 20);
  const auto leads = k.events_of("lead.captured");
  REQUIRE(leads.size() == 1);
  CHECK(payload_of(leads[0])["form_version"] == 2);
  CHECK(payload_of(leads[0])["consent_version"] == "2027-02");
  CHECK(open_lead(k.org.lead, leads[0])["form_version"] == 2);
}

TEST_CASE("Kiosk: a form still in its replacement's grace is used until the new one is downloaded", "[leads]") {
  Kiosk k;
  k.publish_form("lead-form", 1, form_v(1));
  k.org.publish([&] {
    const std::string text = form_v(2);
    catalog::Release r = k.org.release_of("lead-form", 2, as_bytes(text), "form");
    r.valid_from = k.org.clock.now();
    r.grace = std::chrono::hours(2);
    return r;
  }());
  k.apply();
  auto form = k.home->load_form("lead-form");
  INFO(form.status().to_string());
  REQUIRE(form.is_ok());
  CHECK(form->ref.version == 1);
  k.clock.advance(std::chrono::hours(3));
  check_refused(k.home->load_form("lead-form"), Errc::not_found, {"not downloaded"});
}

TEST_CASE("Kiosk: a revoked or expired form is refused, saying why", "[leads]") {
  Kiosk k;
  k.publish_form("revoked-form", 1, form_v(1));
  REQUIRE(k.home->load_form("revoked-form").is_ok());
  k.org.revoke("revoked-form", 1);
  k.apply();
  check_refused(k.home->load_form("revoked-form"), Errc::not_found, {"revoked-form", "withdrawn", "wrong prices"});
  auto refused = k.home->capture_lead("revoked-form", visitor());
  REQUIRE_FALSE(refused.is_ok());
  CHECK_THAT(refused.status().message(), Contains("withdrawn"));

  k.publish_form("expiring-form", 1, form_v(1), k.org.clock.now() + std::chrono::hours(1));
  REQUIRE(k.home->load_form("expiring-form").is_ok());
  REQUIRE(k.home->capture_lead("expiring-form", visitor()).is_ok());
  k.clock.advance(std::chrono::hours(2));
  check_refused(k.home->load_form("expiring-form"), Errc::not_found, {"expiring-form", "expired"});
  auto late = k.home->capture_lead("expiring-form", visitor("Late Visitor", "late@example.org"));
  REQUIRE_FALSE(late.is_ok());
  CHECK_THAT(late.status().message(), Contains("expired"));
  CHECK(k.events_of("lead.captured").size() == 1);
}

TEST_CASE("Kiosk: an asset of another kind, an unknown asset or a broken form is not a lead form", "[leads]") {
  Kiosk k;
  const std::string text = form_v(1);  // valid form JSON, published as a pdf
  k.org.release("deck", 1, as_bytes(text));
  k.apply();
  k.cache("deck", 1, as_bytes(text));
  REQUIRE(k.home->decide("deck").allowed);
  check_refused(k.home->load_form("deck"), Errc::invalid_argument, {"deck", "not a lead form", "'pdf'"});
  auto refused = k.home->capture_lead("deck", visitor());
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::invalid_argument);

  check_refused(k.home->load_form("no-such-form"), Errc::not_found, {"no-such-form"});

  k.publish_form("broken-form", 1, R"({ "fields": [ { "name": "email", "type": "date" } ] })");
  check_refused(k.home->load_form("broken-form"), Errc::invalid_argument, {"lead form", "fields[0].type", "'date'"});
  CHECK(k.events_of("lead.captured").empty());
}

TEST_CASE("Kiosk: without a hub lead key in the trust list no lead is captured", "[leads]") {
  Kiosk k(false);
  k.publish_form("lead-form", 1, form_v(1));
  REQUIRE(k.home->load_form("lead-form").is_ok());  // the form itself is fine
  const auto head = k.home->journal().head().seq;
  auto refused = k.home->capture_lead("lead-form", visitor());
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::not_found);
  CHECK_THAT(refused.status().message(), Contains("lead key"));
  CHECK_THAT(refused.status().message(), Contains("trust list"));
  auto withdrawal = k.home->withdraw_consent("rsa-2027", "zebulon.q@example.org");
  REQUIRE_FALSE(withdrawal.is_ok());
  CHECK(withdrawal.status().code() == Errc::not_found);
  CHECK_THAT(withdrawal.status().message(), Contains("lead key"));
  CHECK(k.home->journal().head().seq == head);
}

TEST_CASE("Kiosk: a refused capture (no consent, bad field) stores nothing", "[leads]") {
  Kiosk k;
  k.publish_form("lead-form", 1, form_v(1));
  const auto head = k.home->journal().head();
  leads::CaptureRequest no_consent = visitor();
  no_consent.consent = false;
  auto refused = k.home->capture_lead("lead-form", no_consent);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::invalid_argument);
  CHECK_THAT(refused.status().message(), Contains("consent"));
  auto bad = k.home->capture_lead("lead-form", visitor("Zebulon Quixotic", "zebulon.q@"));
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == Errc::invalid_argument);
  CHECK(k.home->journal().head().seq == head.seq);
  CHECK(k.home->journal().head().hash == head.hash);
}

TEST_CASE("Kiosk: no personal data of a lead is on the kiosk's disk", "[leads]") {
  Kiosk k;
  k.publish_form("lead-form", 1, form_v(1));
  REQUIRE(k.home->capture_lead("lead-form", visitor()).is_ok());
  REQUIRE(k.home->capture_lead("lead-form", visitor()).is_ok());  // a repeat visit
  REQUIRE(k.home->capture_lead("lead-form", visitor("Xanthippe Vellacott", "xanthippe.v@example.net",
                                                    "+44 20 7946 0958", "Vellacott Looms Ltd"))
              .is_ok());
  leads::CaptureRequest other_show = visitor();
  other_show.show = "cebit-2027";
  REQUIRE(k.home->capture_lead("lead-form", other_show).is_ok());
  REQUIRE(k.home->withdraw_consent("rsa-2027", "Zebulon.Q@Example.org").is_ok());
  // The kiosk also does its everyday work around the leads.
  REQUIRE(k.home->search({"title", {}, 20}).is_ok());
  (void)k.home->open_asset("lead-form");

  const std::vector<std::string> pii = {"Zebulon Quixotic", "Zebulon", "Quixotic",  "zebulon.q@example.org",
                                        "Zebulon.Q@Example.org", "zebulon.q", "4915155512345", "151 555 12345",
                                        "Quixotic Widgets", "Xanthippe",  "Vellacott", "xanthippe.v@example.net",
                                        "442079460958", "7946 0958"};
  const auto scan = [&](const char* when) {
    std::size_t files = 0;
    bool saw_form_id = false;  // the scan itself works: the catalog names the form in the clear
    for (const auto& entry : fs::recursive_directory_iterator(k.dir / "home")) {
      if (!entry.is_regular_file()) continue;
      ++files;
      const Bytes bytes = read_file(entry.path());
      saw_form_id = saw_form_id || contains_bytes(bytes, "lead-form");
      for (const std::string& s : pii) {
        INFO(when << ": " << entry.path().string() << " holds '" << s << "'");
        CHECK_FALSE(contains_bytes(bytes, s));
      }
    }
    CHECK(files >= 4);  // key, catalog, search, journal (and the cache's files)
    CHECK(saw_form_id);
  };
  // While the home is open (the journal's WAL, if any, is on disk too) ...
  REQUIRE(k.home->journal().flush().is_ok());
  scan("open");
  bool saw_journal = false;
  for (const auto& entry : fs::directory_iterator(k.dir / "home")) {
    saw_journal = saw_journal || entry.path().filename().string().starts_with("journal.db");
  }
  CHECK(saw_journal);
  // ... and after everything was flushed and closed.
  k.home.reset();
  scan("closed");

  // The leads are there all the same, for the hub to open.
  k.home = k.open();
  const auto leads = k.events_of("lead.captured");
  REQUIRE(leads.size() == 3);
  CHECK(open_lead(k.org.lead, leads[1])["fields"]["name"] == "Xanthippe Vellacott");
  CHECK(k.events_of("lead.repeat_visit").size() == 1);
  CHECK(k.events_of("consent.withdrawn").size() == 1);
}

TEST_CASE("Kiosk: every gate decision is journaled with the version and reason", "[leads]") {
  Kiosk k;
  const Bytes deck = random_bytes(3000, 1);
  const Bytes sheet = random_bytes(2000, 2);
  k.org.release("deck", 1, deck);
  k.org.release("sheet", 4, sheet);
  k.apply();
  k.cache("deck", 1, deck);
  k.cache("sheet", 4, sheet);
  k.org.revoke("sheet", 4);
  k.apply();

  auto opened = k.home->open_asset("deck");
  REQUIRE(opened.is_ok());
  REQUIRE(opened->decision.allowed);
  auto revoked = k.home->open_asset("sheet");
  REQUIRE(revoked.is_ok());
  REQUIRE_FALSE(revoked->decision.allowed);
  auto missing = k.home->open_asset("deck", 9);
  REQUIRE(missing.is_ok());
  REQUIRE_FALSE(missing->decision.allowed);
  (void)k.home->decide("nothing-here");

  const auto opens = k.events_of("asset.opened");
  REQUIRE(opens.size() == 1);
  json o = payload_of(opens[0]);
  CHECK(o["asset"] == "deck");
  CHECK(o["version"] == 1);
  CHECK_FALSE(o.contains("notice"));

  const auto blocks = k.events_of("asset.blocked");
  REQUIRE(blocks.size() == 3);
  json b0 = payload_of(blocks[0]);
  CHECK(b0["asset"] == "sheet");
  CHECK(b0["version"] == 4);
  CHECK(b0["reason"] == "revoked");
  json b1 = payload_of(blocks[1]);
  CHECK(b1["asset"] == "deck");
  CHECK(b1["version"] == 9);
  CHECK(b1["reason"] == "not-in-catalog");
  json b2 = payload_of(blocks[2]);
  CHECK(b2["asset"] == "nothing-here");
  CHECK_FALSE(b2.contains("version"));
  CHECK(b2["reason"] == "not-in-catalog");
  // In the order they were made.
  CHECK(opens[0].seq < blocks[0].seq);
  CHECK(blocks[0].seq < blocks[1].seq);

  // A search shows badges, which are not opens.
  REQUIRE(k.home->search({"title", {}, 20}).is_ok());
  CHECK(k.events_of("asset.opened").size() == 1);
  CHECK(k.events_of("asset.blocked").size() == 3);
}

TEST_CASE("Kiosk: an open in a replacement's grace is journaled with its notice", "[leads]") {
  Kiosk k;
  const Bytes v1 = random_bytes(3000, 3);
  k.org.release("deck", 1, v1);
  k.apply();
  k.cache("deck", 1, v1);
  catalog::Release r2 = k.org.release_of("deck", 2, random_bytes(3000, 4));
  r2.valid_from = k.org.clock.now();
  r2.grace = std::chrono::hours(1);
  k.org.publish(r2);
  k.apply();
  auto opened = k.home->open_asset("deck");
  REQUIRE(opened.is_ok());
  REQUIRE(opened->decision.allowed);
  const auto opens = k.events_of("asset.opened");
  REQUIRE(opens.size() == 1);
  json o = payload_of(opens[0]);
  CHECK(o["version"] == 1);
  CHECK(o["notice"] == "grace");
}

TEST_CASE("Kiosk: every search and every pick from its results is journaled", "[leads]") {
  Kiosk k;
  k.org.release("pricing-deck", 1, random_bytes(100, 1));
  k.org.release("pricing-sheet", 1, random_bytes(100, 2));
  k.apply();

  auto found = k.home->search({"titl", {}, 20});
  REQUIRE(found.is_ok());
  REQUIRE(found->results.total == 2);
  auto none = k.home->search({"zzzz", {}, 20});
  REQUIRE(none.is_ok());
  CHECK(none->results.total == 0);
  k.home->record_search_choice({"titl", {}, 20}, 2, "pricing-deck");

  const auto searches = k.events_of("search.performed");
  REQUIRE(searches.size() == 3);
  json s0 = payload_of(searches[0]);
  CHECK(s0["query"] == "titl");
  CHECK(s0["results"] == 2);
  CHECK_FALSE(s0.contains("chosen"));
  json s1 = payload_of(searches[1]);
  CHECK(s1["query"] == "zzzz");
  CHECK(s1["results"] == 0);
  json s2 = payload_of(searches[2]);
  CHECK(s2["query"] == "titl");
  CHECK(s2["results"] == 2);
  CHECK(s2["chosen"] == "pricing-deck");
}

TEST_CASE("Kiosk: a very long search is journaled too, its query cut short", "[leads]") {
  Kiosk k;
  k.org.release("pricing-deck", 1, random_bytes(100, 1));
  k.apply();
  std::string query = "pric";
  while (query.size() < 600) query += " \xc3\xa4rger";  // multi-byte characters across the cut
  REQUIRE(k.home->search({query, {}, 20}).is_ok());
  k.home->record_search_choice({query, {}, 20}, 1, "pricing-deck");
  const auto searches = k.events_of("search.performed");
  REQUIRE(searches.size() == 2);
  for (const auto& e : searches) {
    json s = payload_of(e);
    const std::string logged = s["query"];
    CHECK(logged.size() <= 512);
    CHECK(logged.size() > 500);
    CHECK(query.starts_with(logged));
    // Cut on a character boundary: the last byte is not half of "ä".
    CHECK(static_cast<unsigned char>(logged.back()) != 0xc3);
  }
  CHECK(payload_of(searches[1])["chosen"] == "pricing-deck");
}
