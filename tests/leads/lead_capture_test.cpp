// Lead capture: normalise() checks and normalises a request against its form
// and reports every problem at once; capture() tells a repeat visit from a
// new lead, journals only metadata and seals the lead to the hub's lead key;
// withdraw_consent() journals a withdrawal the hub can match to the lead.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "outpost/base/utf8.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/sealed_box.hpp"
#include "outpost/journal/journal.hpp"
#include "outpost/leads/lead_capture.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::leads;
using namespace outpost::test;
using Catch::Matchers::Contains;
using json = nlohmann::json;

namespace {

constexpr const char* form_json = R"({
  "show": "rsa-2027",
  "fields": [
    { "name": "email", "type": "email", "required": true },
    { "name": "name", "required": true, "max_length": 40 },
    { "name": "phone", "type": "phone" },
    { "name": "company", "type": "text", "max_length": 120 },
    { "name": "size", "type": "select", "options": ["1-50", "51-500"] },
    { "name": "seats", "type": "number", "min": 1, "max": 100000 },
    { "name": "newsletter", "type": "checkbox" },
    { "name": "terms", "type": "checkbox", "required": true }
  ],
  "consent": { "text": "I agree that ACME may contact me about its products.", "version": "2027-01" },
  "qualification": [
    { "name": "timeline", "question": "When will you buy?", "required": true,
      "options": [ { "value": "now", "score": 30 }, { "value": "later", "score": 5 } ] },
    { "name": "budget", "question": "Budget approved?",
      "options": [ { "value": "yes", "score": 40 }, { "value": "no", "score": 0 } ] }
  ]
})";

LeadForm parse_form(const std::string& text = form_json) {
  auto form = LeadForm::parse(as_bytes(text));
  INFO(form.status().to_string());
  REQUIRE(form.is_ok());
  return std::move(form).value();
}

// A request every check passes, typed as a visitor might.
CaptureRequest good_request() {
  CaptureRequest r;
  r.fields = {{"email", "  Zebulon.Q@Example.ORG "},
              {"name", "  Zebulon Quixotic\t"},
              {"phone", "+49 (30) 123-4567"},
              {"company", "Quixotic Widgets GmbH"},
              {"size", "51-500"},
              {"seats", " 250 "},
              {"newsletter", "Yes"},
              {"terms", "on"}};
  r.answers = {{"timeline", "now"}, {"budget", "yes"}};
  r.consent = true;
  return r;
}

// The field names a FieldError list names, sorted.
std::vector<std::string> named(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const FieldError& e : errors) out.push_back(e.field);
  std::sort(out.begin(), out.end());
  return out;
}

bool contains_bytes(ByteView haystack, const std::string& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

struct Kiosk {
  TempDir dir;
  SeededRandom random{31};
  ManualClock clock;
  crypto::SecretKey journal_key = crypto::SecretKey::random(random, 32);
  crypto::SecretKey dedupe = crypto::SecretKey::random(random, 32);
  crypto::BoxKeyPair hub = crypto::BoxKeyPair::generate(random);
  LeadForm form = parse_form();
  FormRef ref{"lead-form", 3};
  std::unique_ptr<journal::Journal> journal = open();

  std::unique_ptr<journal::Journal> open(journal::JournalOptions options = quiet()) {
    auto j = journal::Journal::open(dir / "journal.db", journal_key, clock, random, options);
    INFO(j.status().to_string());
    REQUIRE(j.is_ok());
    return std::move(j).value();
  }

  static journal::JournalOptions quiet() {
    journal::JournalOptions o;
    o.background_flush = false;
    return o;
  }

  LeadKeys keys() const { return {dedupe, hub.public_key()}; }

  Result<Captured> capture(const CaptureRequest& request) {
    return leads::capture(*journal, form, ref, request, keys(), clock.now());
  }

  Captured capture_ok(const CaptureRequest& request) {
    auto c = capture(request);
    INFO(c.status().to_string());
    REQUIRE(c.is_ok());
    return *c;
  }

  std::vector<journal::StoredEvent> events() {
    REQUIRE(journal->flush().is_ok());
    auto e = journal->read_after(0, 1000);
    INFO(e.status().to_string());
    REQUIRE(e.is_ok());
    return std::move(e).value();
  }
};

std::string type_of(const journal::StoredEvent& e) { return std::string(e.type->name); }

json payload_of(const journal::StoredEvent& e) {
  REQUIRE(e.payload.has_value());
  // The event is one its readers accept.
  auto parsed = journal::Event::parse(e.type->name, *e.payload);
  INFO(parsed.status().to_string());
  REQUIRE(parsed.is_ok());
  return json::parse(journal::payload_json(*e.payload));
}

Bytes sealed_of(const journal::StoredEvent& e) {
  REQUIRE(e.payload.has_value());
  const json raw = json::from_msgpack(*e.payload);
  REQUIRE(raw.at("sealed").is_binary());
  const auto& bin = raw.at("sealed").get_binary();
  return Bytes(bin.begin(), bin.end());
}

json open_lead(const crypto::BoxKeyPair& hub, const Bytes& sealed) {
  auto plain = crypto::open_sealed(hub, sealed);
  REQUIRE(plain.has_value());
  return json::from_msgpack(*plain);
}

}  // namespace

// ------------------------------------------------------------------ normalise

TEST_CASE("Leads: normalise trims, lower-cases the email, keeps phone digits and scores the answers", "[leads]") {
  const LeadForm form = parse_form();
  std::vector<FieldError> errors{{"stale", "left from before"}};
  auto lead = normalise(form, good_request(), &errors);
  INFO(lead.status().to_string());
  REQUIRE(lead.is_ok());
  CHECK(errors.empty());
  const std::map<std::string, std::string> expected = {
      {"email", "zebulon.q@example.org"}, {"name", "Zebulon Quixotic"}, {"phone", "+49301234567"},
      {"company", "Quixotic Widgets GmbH"}, {"size", "51-500"},         {"seats", "250"},
      {"newsletter", "true"},              {"terms", "true"}};
  CHECK(lead->fields == expected);
  CHECK(lead->answers == std::map<std::string, std::string>{{"timeline", "now"}, {"budget", "yes"}});
  CHECK(lead->score == 70);
  CHECK(lead->show == "rsa-2027");  // the form's show
}

TEST_CASE("Leads: normalise leaves out optional fields and questions left empty", "[leads]") {
  const LeadForm form = parse_form();
  CaptureRequest r;
  r.fields = {{"email", "a@b.co"}, {"name", "Ann"}, {"terms", "true"}, {"phone", "   "}, {"company", ""}};
  r.answers = {{"timeline", " later "}, {"budget", ""}};
  auto lead = normalise(form, r);
  INFO(lead.status().to_string());
  REQUIRE(lead.is_ok());
  CHECK(lead->fields == std::map<std::string, std::string>{{"email", "a@b.co"}, {"name", "Ann"}, {"terms", "true"}});
  CHECK(lead->answers == std::map<std::string, std::string>{{"timeline", "later"}});
  CHECK(lead->score == 5);
}

TEST_CASE("Leads: normalise accepts the usual spellings of phones, numbers and checkboxes", "[leads]") {
  const LeadForm form = parse_form();
  struct Case {
    std::string field, typed, normal;
  };
  const std::vector<Case> cases = {
      {"phone", "+49 (30) 123-4567", "+49301234567"},
      {"phone", "030 / 123.45.67", "0301234567"},
      {"phone", "123456", "123456"},                     // 6 digits: the fewest
      {"phone", "+123 456 789 012 345", "+123456789012345"},  // 15 digits: the most
      {"seats", "1", "1"},
      {"seats", "100000", "100000"},
      {"seats", "007", "7"},
      {"newsletter", "TRUE", "true"},
      {"newsletter", "1", "true"},
      {"newsletter", "off", "false"},
      {"newsletter", "No", "false"},
      {"email", "O'Brien+kiosk@Sub.Example-Mail.COM", "o'brien+kiosk@sub.example-mail.com"},
  };
  for (const Case& c : cases) {
    CaptureRequest r = good_request();
    r.fields[c.field] = c.typed;
    auto lead = normalise(form, r);
    INFO(c.field << " = '" << c.typed << "': " << lead.status().to_string());
    REQUIRE(lead.is_ok());
    CHECK(lead->fields.at(c.field) == c.normal);
  }
}

TEST_CASE("Leads: normalise refuses each bad value, naming the field", "[leads]") {
  const LeadForm form = parse_form();
  struct Case {
    std::string field, typed, problem;
  };
  const std::vector<Case> cases = {
      {"email", "zebulon.q", "valid email"},
      {"email", "zebulon@example", "valid email"},
      {"email", "@example.org", "valid email"},
      {"email", "a@b@example.org", "valid email"},
      {"email", "zeb ulon@example.org", "valid email"},
      {"email", "zebulon@exa_mple.org", "valid email"},
      {"email", "zebulon@.example.org", "valid email"},
      {"email", "zebulon@example..org", "valid email"},
      {"email", std::string(65, 'a') + "@example.org", "valid email"},
      {"phone", "+49 30 CALL-ME", "phone number"},
      {"phone", "12345", "phone number"},               // too few digits
      {"phone", "1234567890123456", "phone number"},    // too many (E.164: 15)
      {"phone", "49+301234567", "phone number"},        // + only in front
      {"seats", "0", "from 1 to 100000"},
      {"seats", "100001", "from 1 to 100000"},
      {"seats", "-5", "from 1 to 100000"},
      {"seats", "12.5", "whole number"},
      {"seats", "twelve", "whole number"},
      {"seats", "99999999999999999999", "whole number"},
      {"size", "1-49", "must be one of: 1-50, 51-500"},
      {"terms", "false", "must be ticked"},
      {"terms", "no", "must be ticked"},
      {"newsletter", "maybe", "true or false"},
      {"name", std::string(41, 'x'), "longer than 40"},
      {"name", "Zebulon\nQuixotic", "control characters"},
      {"name", "Bad\xff\xfeName", "valid UTF-8"},
      {"company", "Acme \xc0\xaf Corp", "valid UTF-8"},     // an overlong '/'
      {"company", "Acme \xed\xa0\x80 Corp", "valid UTF-8"}, // a lone surrogate
      {"email", "zeb\xffulon@example.org", "valid UTF-8"},
  };
  for (const Case& c : cases) {
    CaptureRequest r = good_request();
    r.fields[c.field] = c.typed;
    std::vector<FieldError> errors;
    auto lead = normalise(form, r, &errors);
    INFO(c.field << " = '" << c.typed << "': " << lead.status().to_string());
    REQUIRE_FALSE(lead.is_ok());
    CHECK(lead.status().code() == Errc::invalid_argument);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == c.field);
    CHECK_THAT(errors[0].problem, Contains(c.problem));
    CHECK_THAT(lead.status().message(), Contains(c.field + " " + errors[0].problem));
    // The message names the problem, never the value typed (it may be personal).
    if (c.typed.size() > 3) CHECK_THAT(lead.status().message(), !Contains(c.typed));
  }
  // Length counts characters, not bytes.
  CaptureRequest r = good_request();
  std::string umlauts;
  for (int i = 0; i < 40; ++i) umlauts += "\xc3\xa4";  // 40 x U+00E4: 80 bytes
  r.fields["name"] = umlauts;
  CHECK(normalise(form, r).is_ok());
  r.fields["name"] = umlauts + "a";
  CHECK_FALSE(normalise(form, r).is_ok());
}

TEST_CASE("Leads: normalise refuses unknown fields and answers and missing required ones", "[leads]") {
  const LeadForm form = parse_form();
  struct Case {
    const char* what;
    std::function<void(CaptureRequest&)> change;
    std::string field, problem;
  };
  const std::vector<Case> cases = {
      {"unknown field", [](CaptureRequest& r) { r.fields["fax"] = "123456"; }, "fax", "not a field of this form"},
      {"unknown question",
       [](CaptureRequest& r) { r.answers["mood"] = "happy"; }, "mood", "not a qualification question"},
      {"unknown answer",
       [](CaptureRequest& r) { r.answers["timeline"] = "never"; }, "timeline", "must be one of: now, later"},
      {"missing email", [](CaptureRequest& r) { r.fields.erase("email"); }, "email", "is required"},
      {"blank email", [](CaptureRequest& r) { r.fields["email"] = " \t "; }, "email", "is required"},
      {"missing name", [](CaptureRequest& r) { r.fields.erase("name"); }, "name", "is required"},
      {"unticked box", [](CaptureRequest& r) { r.fields.erase("terms"); }, "terms", "is required"},
      {"missing answer", [](CaptureRequest& r) { r.answers.erase("timeline"); }, "timeline", "needs an answer"},
  };
  for (const Case& c : cases) {
    CaptureRequest r = good_request();
    c.change(r);
    std::vector<FieldError> errors;
    auto lead = normalise(form, r, &errors);
    INFO(c.what << ": " << lead.status().to_string());
    REQUIRE_FALSE(lead.is_ok());
    CHECK(lead.status().code() == Errc::invalid_argument);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == c.field);
    CHECK_THAT(errors[0].problem, Contains(c.problem));
  }
}

TEST_CASE("Leads: normalise reports every problem at once", "[leads]") {
  const LeadForm form = parse_form();
  CaptureRequest r;
  r.fields = {{"email", "not-an-email"}, {"phone", "call me"},  {"seats", "0"},  {"size", "huge"},
              {"terms", "no"},           {"fax", "0301234567"}, {"name", ""}};
  r.answers = {{"budget", "maybe"}, {"mood", "happy"}};
  std::vector<FieldError> errors;
  auto lead = normalise(form, r, &errors);
  REQUIRE_FALSE(lead.is_ok());
  CHECK(lead.status().code() == Errc::invalid_argument);
  const std::vector<std::string> expected = {"budget", "email", "fax",  "mood", "name",
                                             "phone",  "seats", "size", "terms", "timeline"};
  CHECK(named(errors) == expected);
  for (const FieldError& e : errors) {
    CHECK_FALSE(e.problem.empty());
    CHECK_THAT(lead.status().message(), Contains(e.field + " " + e.problem));
  }
}

TEST_CASE("Leads: the show comes from the request, else the form, else it is an error", "[leads]") {
  LeadForm form = parse_form();
  CaptureRequest r = good_request();
  r.show = "  cebit-2027 ";
  auto lead = normalise(form, r);
  REQUIRE(lead.is_ok());
  CHECK(lead->show == "cebit-2027");
  r.show = "   ";
  CHECK(normalise(form, r)->show == "rsa-2027");

  form.show.clear();
  r.show = "cebit-2027";
  CHECK(normalise(form, r)->show == "cebit-2027");
  r.show.clear();
  std::vector<FieldError> errors;
  auto none = normalise(form, r, &errors);
  REQUIRE_FALSE(none.is_ok());
  CHECK(none.status().code() == Errc::invalid_argument);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].field == "show");
  CHECK_THAT(none.status().message(), Contains("trade show"));

  // A show padded with spaces in the form is the same show as typed bare.
  form.show = " rsa-2027 ";
  CHECK(normalise(form, r)->show == "rsa-2027");
}

// -------------------------------------------------------------------- capture

TEST_CASE("Leads: the first capture is a lead, the same email again at the show a repeat visit", "[leads]") {
  Kiosk k;
  const Captured first = k.capture_ok(good_request());
  CHECK_FALSE(first.repeat);
  CHECK(first.seq == 1);
  CHECK(first.score == 70);
  CHECK(first.show == "rsa-2027");

  CaptureRequest again = good_request();
  again.fields["email"] = "ZEBULON.q@example.org\n";  // cased and spaced differently
  again.fields["name"] = "Zeb";
  again.answers = {{"timeline", "later"}};
  const Captured second = k.capture_ok(again);
  CHECK(second.repeat);
  CHECK(second.seq == 2);
  CHECK(second.score == 5);

  CaptureRequest elsewhere = good_request();
  elsewhere.show = "cebit-2027";
  const Captured third = k.capture_ok(elsewhere);
  CHECK_FALSE(third.repeat);
  CHECK(third.show == "cebit-2027");

  CaptureRequest someone_else = good_request();
  someone_else.fields["email"] = "zebulon.r@example.org";
  CHECK_FALSE(k.capture_ok(someone_else).repeat);

  const auto events = k.events();
  REQUIRE(events.size() == 4);
  CHECK(type_of(events[0]) == "lead.captured");
  CHECK(type_of(events[1]) == "lead.repeat_visit");
  CHECK(type_of(events[2]) == "lead.captured");
  CHECK(type_of(events[3]) == "lead.captured");
  CHECK(payload_of(events[0])["dedupe_key"] == payload_of(events[1])["dedupe_key"]);
  CHECK(payload_of(events[0])["dedupe_key"] != payload_of(events[2])["dedupe_key"]);
  CHECK(open_lead(k.hub, sealed_of(events[1]))["repeat"] == true);
  CHECK(open_lead(k.hub, sealed_of(events[0]))["repeat"] == false);

  // Repeats are recognised across a restart.
  k.journal.reset();
  k.journal = k.open();
  CHECK(k.capture_ok(good_request()).repeat);
}

TEST_CASE("Leads: a lead is on disk when capture returns", "[leads]") {
  Kiosk k;
  const Captured c = k.capture_ok(good_request());
  CHECK(k.journal->stats().stored_seq == c.seq);  // durable: no flush needed
  auto events = k.journal->read_after(0, 10);
  REQUIRE(events.is_ok());
  REQUIRE(events->size() == 1);
  CHECK(type_of(events->front()) == "lead.captured");
}

TEST_CASE("Leads: without consent, or with a bad field, nothing is stored", "[leads]") {
  Kiosk k;
  REQUIRE(k.journal->append(*journal::search_performed("pricing", 2)).is_ok());
  REQUIRE(k.journal->flush().is_ok());
  const auto head = k.journal->head();
  const auto stats = k.journal->stats();

  CaptureRequest no_consent = good_request();
  no_consent.consent = false;
  auto refused = k.capture(no_consent);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::invalid_argument);
  CHECK_THAT(refused.status().message(), Contains("consent"));
  CHECK_THAT(refused.status().message(), Contains("2027-01"));

  CaptureRequest bad = good_request();
  bad.fields["email"] = "nope";
  auto invalid = k.capture(bad);
  REQUIRE_FALSE(invalid.is_ok());
  CHECK(invalid.status().code() == Errc::invalid_argument);
  CHECK_THAT(invalid.status().message(), Contains("email"));

  CHECK(k.journal->head().seq == head.seq);
  CHECK(k.journal->head().hash == head.hash);
  const auto after = k.journal->stats();
  CHECK(after.head_seq == stats.head_seq);
  CHECK(after.events == stats.events);
  CHECK(after.bytes == stats.bytes);
  CHECK(k.events().size() == 1);
  auto scopes = k.journal->scope_counts();
  REQUIRE(scopes.is_ok());
  CHECK(scopes->empty());

  // The refused visitor was not remembered: consenting now makes a new lead.
  CHECK_FALSE(k.capture_ok(good_request()).repeat);
}

TEST_CASE("Leads: the journaled event holds metadata only, the lead itself is sealed", "[leads]") {
  Kiosk k;
  k.capture_ok(good_request());
  const auto events = k.events();
  REQUIRE(events.size() == 1);
  json p = payload_of(events[0]);
  std::set<std::string> keys;
  for (const auto& [key, value] : p.items()) keys.insert(key);
  CHECK(keys == std::set<std::string>{"form", "form_version", "show", "dedupe_key", "score", "consent_version",
                                      "sealed"});
  CHECK(p["form"] == "lead-form");
  CHECK(p["form_version"] == 3);
  CHECK(p["show"] == "rsa-2027");
  CHECK(p["score"] == 70);
  CHECK(p["consent_version"] == "2027-01");
  CHECK(p["dedupe_key"] == dedupe_key(k.dedupe, "rsa-2027", "zebulon.q@example.org").hex());
  CHECK(sealed_of(events[0]).size() > crypto::sealed_box_overhead);

  const std::string text = journal::payload_json(*events[0].payload);
  for (const char* pii : {"Zebulon", "zebulon", "Quixotic", "example.org", "Example.ORG", "49301234567",
                           "123-4567", "Widgets", "51-500"}) {
    INFO(pii);
    CHECK_FALSE(contains_bytes(*events[0].payload, pii));
    CHECK(text.find(pii) == std::string::npos);
  }
}

TEST_CASE("Leads: the hub's lead key opens the sealed lead, no other key does", "[leads]") {
  Kiosk k;
  k.clock.set(from_unix_ms(1'800'000'000'123));
  k.capture_ok(good_request());
  const auto events = k.events();
  REQUIRE(events.size() == 1);
  const Bytes sealed = sealed_of(events[0]);

  json lead = open_lead(k.hub, sealed);
  CHECK(lead["form"] == "lead-form");
  CHECK(lead["form_version"] == 3);
  CHECK(lead["show"] == "rsa-2027");
  CHECK(lead["captured_at"] == 1'800'000'000'123);
  const json expected_fields = {{"email", "zebulon.q@example.org"}, {"name", "Zebulon Quixotic"},
                                {"phone", "+49301234567"},          {"company", "Quixotic Widgets GmbH"},
                                {"size", "51-500"},                 {"seats", "250"},
                                {"newsletter", "true"},             {"terms", "true"}};
  CHECK(lead["fields"] == expected_fields);
  CHECK(lead["answers"] == json({{"timeline", "now"}, {"budget", "yes"}}));
  CHECK(lead["score"] == 70);
  CHECK(lead["repeat"] == false);
  json& consent = lead["consent"];
  CHECK(consent["version"] == "2027-01");
  CHECK(consent["text_hash"] == crypto::blake2b(as_bytes(k.form.consent_text)).hex());
  CHECK(consent["accepted_at"] == 1'800'000'000'123);

  SeededRandom other_random(99);
  const crypto::BoxKeyPair other = crypto::BoxKeyPair::generate(other_random);
  CHECK_FALSE(crypto::open_sealed(other, sealed).has_value());
  // Each lead is sealed afresh: the same visitor twice gives unrelated boxes.
  k.capture_ok(good_request());
  const auto both = k.events();
  REQUIRE(both.size() == 2);
  CHECK(sealed_of(both[1]) != sealed);
}

TEST_CASE("Leads: the dedupe key is a keyed hash of show and email, distinct per device", "[leads]") {
  SeededRandom random(5);
  const crypto::SecretKey device_a = crypto::SecretKey::random(random, 32);
  const crypto::SecretKey device_b = crypto::SecretKey::random(random, 32);
  const crypto::Digest a = dedupe_key(device_a, "rsa-2027", "zebulon.q@example.org");
  CHECK(a == dedupe_key(device_a, "rsa-2027", "zebulon.q@example.org"));
  CHECK(a != dedupe_key(device_b, "rsa-2027", "zebulon.q@example.org"));
  CHECK(a != dedupe_key(device_a, "cebit-2027", "zebulon.q@example.org"));
  CHECK(a != dedupe_key(device_a, "rsa-2027", "zebulon.r@example.org"));
  // The separator keeps show and email apart.
  CHECK(dedupe_key(device_a, "ab", "c@d.io") != dedupe_key(device_a, "a", "bc@d.io"));
  std::string message = "rsa-2027";
  message.push_back('\0');
  message += "zebulon.q@example.org";
  CHECK(a == crypto::keyed_blake2b(device_a, as_bytes(message)));
  CHECK(a != crypto::blake2b(as_bytes(message)));

  // A kiosk with another dedupe key journals another key for the same person.
  Kiosk k1;
  Kiosk k2;
  k2.dedupe = crypto::SecretKey::random(k2.random, 32);
  k1.capture_ok(good_request());
  k2.capture_ok(good_request());
  CHECK(payload_of(k1.events()[0])["dedupe_key"] != payload_of(k2.events()[0])["dedupe_key"]);
}

TEST_CASE("Leads: a lead the journal has no room for fails as disk_full and is not remembered", "[leads]") {
  Kiosk k;
  k.journal.reset();
  journal::JournalOptions tight = Kiosk::quiet();
  tight.quota_bytes = 64 << 10;  // the smallest quota allowed
  k.journal = k.open(tight);
  // Fill the journal with durable events (never dropped for quota).
  journal::Feedback feedback{"deck", 1, 4, std::string(3500, 'c'), false};
  std::uint64_t filled = 0;
  for (int i = 0; i < 100; ++i) {
    auto appended = k.journal->append(*journal::asset_feedback(feedback));
    if (!appended) {
      CHECK(appended.status().code() == Errc::disk_full);
      break;
    }
    filled = appended->seq;
  }
  REQUIRE(filled > 0);
  REQUIRE(filled < 100);
  // Then with small ones, until not even those fit.
  feedback.comment = "x";
  while (k.journal->append(*journal::asset_feedback(feedback)).is_ok() && filled < 300) ++filled;
  REQUIRE(filled < 300);
  const auto head = k.journal->head();

  auto full = k.capture(good_request());
  INFO(full.status().to_string());
  REQUIRE_FALSE(full.is_ok());
  CHECK(full.status().code() == Errc::disk_full);
  CHECK(k.journal->head().seq == head.seq);
  CHECK(k.journal->head().hash == head.hash);
  auto scopes = k.journal->scope_counts();
  REQUIRE(scopes.is_ok());
  CHECK(scopes->empty());

  k.journal.reset();
  k.journal = k.open();
  const Captured c = k.capture_ok(good_request());
  CHECK_FALSE(c.repeat);
  CHECK(c.seq == head.seq + 1);
}

// --------------------------------------------------------- consent withdrawal

TEST_CASE("Leads: a consent withdrawal carries the captured lead's dedupe key", "[leads]") {
  Kiosk k;
  k.clock.set(from_unix_ms(1'800'000'000'000));
  k.capture_ok(good_request());
  k.clock.advance(std::chrono::hours(3));
  auto withdrawn = withdraw_consent(*k.journal, " rsa-2027 ", "  ZEBULON.Q@example.org", k.keys(), k.clock.now());
  INFO(withdrawn.status().to_string());
  REQUIRE(withdrawn.is_ok());
  CHECK(withdrawn->seq == 2);
  CHECK(withdrawn->stored);  // durable, like the lead

  const auto events = k.events();
  REQUIRE(events.size() == 2);
  CHECK(type_of(events[1]) == "consent.withdrawn");
  json p = payload_of(events[1]);
  CHECK(p["show"] == "rsa-2027");
  CHECK(p["dedupe_key"] == payload_of(events[0])["dedupe_key"]);
  const json sealed = open_lead(k.hub, sealed_of(events[1]));
  CHECK(sealed == json({{"email", "zebulon.q@example.org"}, {"show", "rsa-2027"},
                        {"withdrawn_at", 1'800'000'000'000 + 3 * 3600 * 1000}}));
  CHECK_FALSE(contains_bytes(*events[1].payload, "zebulon"));
}

TEST_CASE("Leads: a withdrawal matches a lead captured under a form show padded with spaces", "[leads]") {
  Kiosk k;
  k.form.show = " rsa-2027 ";
  const Captured c = k.capture_ok(good_request());
  CHECK(c.show == "rsa-2027");
  REQUIRE(withdraw_consent(*k.journal, "rsa-2027", "zebulon.q@example.org", k.keys(), k.clock.now()).is_ok());
  const auto events = k.events();
  REQUIRE(events.size() == 2);
  CHECK(payload_of(events[0])["show"] == "rsa-2027");
  CHECK(payload_of(events[0])["dedupe_key"] == payload_of(events[1])["dedupe_key"]);
}

TEST_CASE("Leads: a withdrawal without a valid email or a show is refused and stores nothing", "[leads]") {
  Kiosk k;
  for (const char* email : {"", "zebulon", "zebulon@", "zeb ulon@example.org", "a@b@example.org"}) {
    auto r = withdraw_consent(*k.journal, "rsa-2027", email, k.keys(), k.clock.now());
    INFO("email '" << email << "': " << r.status().to_string());
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Errc::invalid_argument);
    CHECK_THAT(r.status().message(), Contains("email"));
  }
  auto no_show = withdraw_consent(*k.journal, "  ", "zebulon.q@example.org", k.keys(), k.clock.now());
  REQUIRE_FALSE(no_show.is_ok());
  CHECK(no_show.status().code() == Errc::invalid_argument);
  CHECK_THAT(no_show.status().message(), Contains("show"));
  CHECK(k.journal->stats().head_seq == 0);
}

TEST_CASE("Leads: invalid UTF-8 anywhere in a request is refused, and the message stays valid UTF-8",
          "[leads][attack]") {
  const LeadForm form = parse_form();
  CaptureRequest unknown = good_request();
  unknown.fields["bad\xff"] = "x";
  std::vector<FieldError> errors;
  auto r = normalise(form, unknown, &errors);
  REQUIRE_FALSE(r.is_ok());
  REQUIRE(errors.size() == 1);
  CHECK(valid_utf8(errors[0].field));
  CHECK(valid_utf8(r.status().message()));

  CaptureRequest show = good_request();
  show.show = "rsa\xff";
  r = normalise(form, show, &errors);
  REQUIRE_FALSE(r.is_ok());
  CHECK_THAT(r.status().message(), Contains("show") && Contains("UTF-8"));
  CHECK(valid_utf8(r.status().message()));

  CaptureRequest badge = good_request();
  badge.badge = "B\xff";
  CHECK_FALSE(normalise(form, badge).is_ok());

  Kiosk k;
  auto bad_show = withdraw_consent(*k.journal, "rsa\xfe", "zebulon.q@example.org", k.keys(), k.clock.now());
  REQUIRE_FALSE(bad_show.is_ok());
  CHECK_THAT(bad_show.status().message(), Contains("UTF-8"));
  CHECK_FALSE(withdraw_consent(*k.journal, "rsa-2027", "zeb\xffq@example.org", k.keys(), k.clock.now()).is_ok());
  CHECK(k.journal->stats().head_seq == 0);
}
