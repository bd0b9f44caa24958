// Journal events: every typed constructor yields a payload Event::parse
// accepts; values out of bounds, unknown types and fields, missing fields,
// wrong kinds and bytes that are not MessagePack are refused with
// invalid_argument naming the type and field; payload_json renders fields.
#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "outpost/base/status.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/journal/event.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::journal;
using outpost::test::random_bytes;

namespace {

// The hub lead key a follow-up's note is sealed to.
crypto::BoxPublicKey hub_lead_key() {
  outpost::test::SeededRandom random{9};
  return crypto::BoxKeyPair::generate(random).public_key();
}

// A minimal MessagePack writer, so the tests build payloads byte by byte
// without trusting the library under test.
class Pack {
 public:
  Pack& map(std::size_t n) {
    if (n < 16) {
      out_.push_back(static_cast<std::uint8_t>(0x80 | n));
    } else {
      out_.push_back(0xde);
      be(n, 2);
    }
    return *this;
  }
  Pack& array(std::size_t n) {
    out_.push_back(static_cast<std::uint8_t>(0x90 | n));
    return *this;
  }
  Pack& str(std::string_view s) {
    if (s.size() < 32) {
      out_.push_back(static_cast<std::uint8_t>(0xa0 | s.size()));
    } else if (s.size() < 256) {
      out_.push_back(0xd9);
      be(s.size(), 1);
    } else {
      out_.push_back(0xda);
      be(s.size(), 2);
    }
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }
  Pack& uint(std::uint64_t v) {
    if (v < 128) {
      out_.push_back(static_cast<std::uint8_t>(v));
    } else if (v < 256) {
      out_.push_back(0xcc);
      be(v, 1);
    } else if (v < 65536) {
      out_.push_back(0xcd);
      be(v, 2);
    } else if (v < (1ull << 32)) {
      out_.push_back(0xce);
      be(v, 4);
    } else {
      out_.push_back(0xcf);
      be(v, 8);
    }
    return *this;
  }
  Pack& negative_one() {
    out_.push_back(0xff);
    return *this;
  }
  Pack& boolean(bool b) {
    out_.push_back(b ? 0xc3 : 0xc2);
    return *this;
  }
  Pack& nil() {
    out_.push_back(0xc0);
    return *this;
  }
  Pack& bin(ByteView b) {
    out_.push_back(0xc4);
    be(b.size(), 1);
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }
  const Bytes& bytes() const { return out_; }

 private:
  void be(std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  Bytes out_;
};

crypto::Digest dedupe(std::string_view email) { return crypto::blake2b(as_bytes(email)); }

LeadRecord lead() {
  LeadRecord l;
  l.form = "kiosk-form";
  l.form_version = 3;
  l.show = "show-berlin-2024";
  l.dedupe_key = dedupe("ana@example.com");
  l.score = 42;
  l.consent_version = "c-2";
  l.sealed = random_bytes(120, 5);
  return l;
}

// The message of a failed Result, failing the test if it did not fail with
// invalid_argument.
template <class T>
std::string rejection(const Result<T>& r) {
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Errc::invalid_argument);
  return r.status().message();
}

Pack page_viewed_map() {
  Pack p;
  p.map(3).str("presentation").str("pres-1").str("page").uint(2).str("dwell_ms").uint(1500);
  return p;
}

}  // namespace

TEST_CASE("Event types: closed set ordered by code, found by name and code, with durability classes", "[journal]") {
  const auto types = event_types();
  REQUIRE(types.size() == 15);
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < types.size(); ++i) {
    const EventType& t = types[i];
    INFO(t.name);
    if (i > 0) CHECK(types[i - 1].code < t.code);
    CHECK(names.insert(t.name).second);
    CHECK(find_type(t.name) == &t);
    CHECK(find_type(t.code) == &t);
    CHECK(t.name.size() < 256);  // the chain hash stores its length in one byte
    CHECK_FALSE(t.fields.empty());
  }
  CHECK(find_type("no.such") == nullptr);
  CHECK(find_type(std::uint16_t{0}) == nullptr);
  CHECK(find_type(std::uint16_t{999}) == nullptr);

  // Leads and feedback are durable; telemetry is batched; leads are personal.
  CHECK(find_type("lead.captured")->durability == Durability::durable);
  CHECK(find_type("lead.captured")->personal);
  CHECK(find_type("consent.withdrawn")->durability == Durability::durable);
  CHECK(find_type("asset.feedback")->durability == Durability::durable);
  CHECK(find_type("content.request")->durability == Durability::durable);
  CHECK(find_type("page.viewed")->durability == Durability::batched);
  CHECK_FALSE(find_type("page.viewed")->personal);
  CHECK(find_type("asset.opened")->durability == Durability::batched);
  CHECK(find_type("search.performed")->durability == Durability::batched);
}

TEST_CASE("Event: every typed constructor makes an event Event::parse accepts as the same type", "[journal]") {
  const LeadRecord l = lead();
  Feedback fb;
  fb.asset = "deck";
  fb.version = 4;
  fb.rating = 5;
  fb.comment = "great deck, pricing slide is stale";
  fb.needs_update = true;
  const Bytes sealed = random_bytes(64, 9);

  std::vector<std::pair<std::string_view, Result<Event>>> made;
  made.emplace_back("asset.opened", asset_opened("deck", 3, "offline-grace"));
  made.emplace_back("asset.opened", asset_opened("deck", 3));
  made.emplace_back("asset.blocked", asset_blocked("deck", 2, "superseded"));
  made.emplace_back("asset.blocked", asset_blocked("deck", std::nullopt, "not-downloaded"));
  made.emplace_back("presentation.started", presentation_started("pres-1", "deck", 3));
  made.emplace_back("page.viewed", page_viewed("pres-1", 1, 0));
  made.emplace_back("presentation.ended", presentation_ended("pres-1", 60000, 12));
  made.emplace_back("asset.shared", asset_shared("deck", 3, "email"));
  made.emplace_back("asset.feedback", asset_feedback(fb));
  made.emplace_back("asset.feedback", asset_feedback(Feedback{"deck", std::nullopt, 1, "", false}));
  made.emplace_back("content.request", content_request("need a deck for retail", "deck"));
  made.emplace_back("content.request", content_request("need a deck for retail"));
  made.emplace_back("search.performed", search_performed("pric eur", 7, "pricing"));
  made.emplace_back("search.performed", search_performed("", 0));
  made.emplace_back("lead.captured", lead_captured(l));
  made.emplace_back("lead.repeat_visit", lead_repeat_visit(l));
  made.emplace_back("lead.followed_up", lead_followed_up("lead-1", "meeting", "call back in May", hub_lead_key()));
  made.emplace_back("lead.followed_up", lead_followed_up("lead-1", "no-interest", "", hub_lead_key()));
  made.emplace_back("consent.withdrawn", consent_withdrawn("show-berlin-2024", l.dedupe_key, sealed));
  made.emplace_back("sync.completed", sync_completed(SyncSummary{10, 20, 30, 40, 50}));
  made.emplace_back("journal.dropped", journal_dropped(3, 10, 12));

  std::set<std::string_view> covered;
  for (auto& [name, result] : made) {
    INFO(name);
    REQUIRE(result.is_ok());
    const Event& e = *result;
    CHECK(e.type().name == name);
    CHECK(&e.type() == find_type(name));
    CHECK_FALSE(e.payload().empty());
    auto parsed = Event::parse(name, e.payload());
    REQUIRE(parsed.is_ok());
    CHECK(&parsed->type() == &e.type());
    CHECK(Bytes(parsed->payload().begin(), parsed->payload().end()) == Bytes(e.payload().begin(), e.payload().end()));
    covered.insert(name);
  }
  // Every known type has a constructor and was exercised.
  CHECK(covered.size() == event_types().size());
}

TEST_CASE("Event: values out of bounds are refused with invalid_argument naming the field", "[journal]") {
  SECTION("rating 0 and 6") {
    for (std::uint64_t rating : {0, 6}) {
      const std::string m = rejection(asset_feedback(Feedback{"deck", 1, rating, "", false}));
      CHECK_THAT(m, Catch::Contains("rating"));
      CHECK_THAT(m, Catch::Contains("asset.feedback"));
    }
    CHECK(asset_feedback(Feedback{"deck", 1, 1, "", false}).is_ok());
    CHECK(asset_feedback(Feedback{"deck", 1, 5, "", false}).is_ok());
  }
  SECTION("empty asset") {
    CHECK_THAT(rejection(asset_opened("", 1)), Catch::Contains("'asset'"));
    CHECK_THAT(rejection(asset_feedback(Feedback{"", 1, 3, "", false})), Catch::Contains("'asset'"));
    CHECK_THAT(rejection(presentation_started("p", "", 1)), Catch::Contains("'asset'"));
    CHECK_THAT(rejection(asset_shared("", 1, "email")), Catch::Contains("'asset'"));
  }
  SECTION("oversized comment, note and request; the limit itself is accepted") {
    CHECK(asset_feedback(Feedback{"deck", 1, 3, std::string(4000, 'c'), false}).is_ok());
    CHECK_THAT(rejection(asset_feedback(Feedback{"deck", 1, 3, std::string(4001, 'c'), false})),
               Catch::Contains("'comment'"));
    CHECK_THAT(rejection(lead_followed_up("lead-1", "meeting", std::string(4001, 'n'), hub_lead_key())), Catch::Contains("'note'"));
    CHECK_THAT(rejection(content_request(std::string(4001, 't'))), Catch::Contains("'text'"));
    CHECK_THAT(rejection(asset_opened(std::string(257, 'a'), 1)), Catch::Contains("'asset'"));
  }
  SECTION("numbers out of range") {
    CHECK_THAT(rejection(asset_opened("deck", 0)), Catch::Contains("'version'"));
    CHECK_THAT(rejection(asset_blocked("deck", 0, "revoked")), Catch::Contains("'version'"));
    CHECK_THAT(rejection(page_viewed("p", 0, 10)), Catch::Contains("'page'"));
    CHECK_THAT(rejection(page_viewed("p", 1, 24ull * 3600 * 1000 + 1)), Catch::Contains("'dwell_ms'"));
    CHECK_THAT(rejection(journal_dropped(0, 1, 1)), Catch::Contains("'count'"));
    LeadRecord l = lead();
    l.score = 1'000'001;
    CHECK_THAT(rejection(lead_captured(l)), Catch::Contains("'score'"));
  }
  SECTION("empty required texts") {
    CHECK_THAT(rejection(asset_blocked("deck", 1, "")), Catch::Contains("'reason'"));
    CHECK_THAT(rejection(content_request("")), Catch::Contains("'text'"));
    CHECK_THAT(rejection(lead_followed_up("", "meeting", "", hub_lead_key())), Catch::Contains("'lead'"));
    LeadRecord l = lead();
    l.consent_version.clear();
    CHECK_THAT(rejection(lead_captured(l)), Catch::Contains("'consent_version'"));
  }
  SECTION("sealed lead too small to be a sealed box, or too large") {
    LeadRecord l = lead();
    l.sealed = random_bytes(48, 1);  // a crypto_box_seal of nothing is 48 bytes
    CHECK_THAT(rejection(lead_captured(l)), Catch::Contains("'sealed'"));
    l.sealed = random_bytes(64 * 1024 + 1, 1);
    CHECK_THAT(rejection(lead_repeat_visit(l)), Catch::Contains("'sealed'"));
    CHECK_THAT(rejection(consent_withdrawn("show", l.dedupe_key, random_bytes(10, 1))), Catch::Contains("'sealed'"));
  }
  SECTION("dedupe_key of the wrong size (from outside)") {
    const LeadRecord l = lead();
    for (std::size_t size : {31, 33, 0}) {
      Pack p;
      p.map(7)
          .str("form").str(l.form)
          .str("form_version").uint(l.form_version)
          .str("show").str(l.show)
          .str("dedupe_key").bin(random_bytes(size, 3))
          .str("score").uint(l.score)
          .str("consent_version").str(l.consent_version)
          .str("sealed").bin(l.sealed);
      INFO(size);
      CHECK_THAT(rejection(Event::parse("lead.captured", p.bytes())), Catch::Contains("'dedupe_key'"));
    }
    Pack ok;
    ok.map(7)
        .str("form").str(l.form)
        .str("form_version").uint(l.form_version)
        .str("show").str(l.show)
        .str("dedupe_key").bin(random_bytes(32, 3))
        .str("score").uint(l.score)
        .str("consent_version").str(l.consent_version)
        .str("sealed").bin(l.sealed);
    CHECK(Event::parse("lead.captured", ok.bytes()).is_ok());
  }
}

TEST_CASE("Event::parse refuses unknown types, non-MessagePack, unknown and missing fields, wrong kinds",
          "[journal]") {
  REQUIRE(Event::parse("page.viewed", page_viewed_map().bytes()).is_ok());

  SECTION("unknown type") {
    CHECK_THAT(rejection(Event::parse("page.scrolled", page_viewed_map().bytes())), Catch::Contains("page.scrolled"));
    CHECK_FALSE(Event::parse("", page_viewed_map().bytes()).is_ok());
  }
  SECTION("bytes that are not MessagePack") {
    CHECK_THAT(rejection(Event::parse("page.viewed", Bytes{0xc1})), Catch::Contains("MessagePack"));
    CHECK_FALSE(Event::parse("page.viewed", Bytes{}).is_ok());
    CHECK_FALSE(Event::parse("page.viewed", as_bytes("{\"page\": 1}")).is_ok());
    // A map cut short.
    Bytes cut = page_viewed_map().bytes();
    cut.resize(cut.size() - 3);
    CHECK(Event::parse("page.viewed", cut).status().code() == Errc::invalid_argument);
    // Trailing bytes after a valid map.
    Bytes trailing = page_viewed_map().bytes();
    trailing.push_back(0x01);
    CHECK(Event::parse("page.viewed", trailing).status().code() == Errc::invalid_argument);
  }
  SECTION("not a map") {
    Pack p;
    p.array(2).uint(1).uint(2);
    CHECK(Event::parse("page.viewed", p.bytes()).status().code() == Errc::invalid_argument);
    Pack s;
    s.str("page.viewed");
    CHECK(Event::parse("page.viewed", s.bytes()).status().code() == Errc::invalid_argument);
  }
  SECTION("a text field that is not valid UTF-8") {
    Pack p;
    p.map(3).str("presentation").str("pres-\xff").str("page").uint(2).str("dwell_ms").uint(1500);
    const std::string m = rejection(Event::parse("page.viewed", p.bytes()));
    CHECK_THAT(m, Catch::Contains("'presentation'") && Catch::Contains("UTF-8"));
    CHECK_FALSE(search_performed("pric\xc3", 2).is_ok());  // cut in the middle of a character
    CHECK(search_performed("pr\xc3\xa9" "cis", 2).is_ok());
  }
  SECTION("a map with an unknown field") {
    Pack p;
    p.map(4).str("presentation").str("pres-1").str("page").uint(2).str("dwell_ms").uint(1500).str("email").str(
        "ana@example.com");
    const std::string m = rejection(Event::parse("page.viewed", p.bytes()));
    CHECK_THAT(m, Catch::Contains("'email'"));
    CHECK_THAT(m, Catch::Contains("page.viewed"));
  }
  SECTION("a missing required field") {
    Pack p;
    p.map(2).str("presentation").str("pres-1").str("page").uint(2);
    CHECK_THAT(rejection(Event::parse("page.viewed", p.bytes())), Catch::Contains("'dwell_ms'"));
    Pack fb;  // needs_update is required even though it is a boolean
    fb.map(2).str("asset").str("deck").str("rating").uint(3);
    CHECK_THAT(rejection(Event::parse("asset.feedback", fb.bytes())), Catch::Contains("'needs_update'"));
  }
  SECTION("wrong kinds") {
    Pack text_for_uint;
    text_for_uint.map(3).str("presentation").str("pres-1").str("page").str("2").str("dwell_ms").uint(1500);
    CHECK_THAT(rejection(Event::parse("page.viewed", text_for_uint.bytes())), Catch::Contains("'page'"));
    Pack negative;
    negative.map(3).str("presentation").str("pres-1").str("page").uint(2).str("dwell_ms").negative_one();
    CHECK_THAT(rejection(Event::parse("page.viewed", negative.bytes())), Catch::Contains("'dwell_ms'"));
    Pack uint_for_text;
    uint_for_text.map(3).str("presentation").uint(7).str("page").uint(2).str("dwell_ms").uint(1500);
    CHECK_THAT(rejection(Event::parse("page.viewed", uint_for_text.bytes())), Catch::Contains("'presentation'"));
    Pack nil_for_text;
    nil_for_text.map(3).str("presentation").nil().str("page").uint(2).str("dwell_ms").uint(1500);
    CHECK_THAT(rejection(Event::parse("page.viewed", nil_for_text.bytes())), Catch::Contains("'presentation'"));
    Pack uint_for_bool;
    uint_for_bool.map(3).str("asset").str("deck").str("rating").uint(3).str("needs_update").uint(1);
    CHECK_THAT(rejection(Event::parse("asset.feedback", uint_for_bool.bytes())), Catch::Contains("'needs_update'"));
    Pack text_for_bytes;
    text_for_bytes.map(3)
        .str("show").str("s")
        .str("dedupe_key").str(std::string(32, 'k'))
        .str("sealed").bin(random_bytes(60, 1));
    CHECK_THAT(rejection(Event::parse("consent.withdrawn", text_for_bytes.bytes())), Catch::Contains("'dedupe_key'"));
  }
  SECTION("out of bounds from outside") {
    Pack p;
    p.map(3).str("asset").str("deck").str("rating").uint(6).str("needs_update").boolean(false);
    CHECK_THAT(rejection(Event::parse("asset.feedback", p.bytes())), Catch::Contains("'rating'"));
  }
  SECTION("optional fields may be left out") {
    Pack p;
    p.map(3).str("asset").str("deck").str("rating").uint(4).str("needs_update").boolean(true);
    CHECK(Event::parse("asset.feedback", p.bytes()).is_ok());
  }
}

TEST_CASE("payload_json renders every field, bytes as hex, and survives a malformed payload", "[journal]") {
  auto opened = asset_opened("deck", 3, "offline-grace");
  REQUIRE(opened.is_ok());
  const std::string j = payload_json(opened->payload());
  CHECK_THAT(j, Catch::Contains("\"asset\":\"deck\""));
  CHECK_THAT(j, Catch::Contains("\"version\":3"));
  CHECK_THAT(j, Catch::Contains("\"notice\":\"offline-grace\""));

  // Absent optional values are left out, not rendered empty.
  auto bare = asset_opened("deck", 3);
  REQUIRE(bare.is_ok());
  CHECK_THAT(payload_json(bare->payload()), !Catch::Contains("notice"));

  auto fb = asset_feedback(Feedback{"deck", std::nullopt, 2, "", true});
  REQUIRE(fb.is_ok());
  CHECK_THAT(payload_json(fb->payload()), Catch::Contains("\"needs_update\":true"));
  CHECK_THAT(payload_json(fb->payload()), !Catch::Contains("version"));

  const LeadRecord l = lead();
  auto captured = lead_captured(l);
  REQUIRE(captured.is_ok());
  const std::string lj = payload_json(captured->payload());
  CHECK_THAT(lj, Catch::Contains("\"dedupe_key\":\"" + l.dedupe_key.hex() + "\""));
  CHECK_THAT(lj, Catch::Contains("\"sealed\":\"" + to_hex(l.sealed) + "\""));
  CHECK_THAT(lj, Catch::Contains("\"score\":42"));

  // Text that is not UTF-8 is never built now, but a journal written by an
  // earlier build may hold it: rendered with replacement characters.
  CHECK_FALSE(asset_opened("deck\xff\xfe", 1).is_ok());
  Pack odd;
  odd.map(2).str("asset").str("deck\xff\xfe").str("version").uint(1);
  CHECK_THAT(payload_json(odd.bytes()), Catch::Contains("\"version\":1") && Catch::Contains("deck\xef\xbf\xbd"));

  CHECK_FALSE(payload_json(Bytes{0xc1, 0x00}).empty());
  CHECK_THAT(payload_json(Bytes{0xc1, 0x00}), Catch::Contains("malformed"));
}

TEST_CASE("Event::parse takes a non-negative integer in MessagePack's signed encoding, and refuses a negative one",
          "[journal][events]") {
  // {"asset": "a", "version": int8 5} and the same with int8 -5.
  const Bytes positive{0x82, 0xa5, 'a', 's', 's', 'e', 't', 0xa1, 'a', 0xa7, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0xd0, 0x05};
  Bytes negative = positive;
  negative.back() = 0xfb;
  auto ok = journal::Event::parse("asset.opened", positive);
  INFO(ok.status().to_string());
  CHECK(ok.is_ok());
  auto bad = journal::Event::parse("asset.opened", negative);
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == Errc::invalid_argument);
  CHECK(bad.status().message().find("version") != std::string::npos);
}
