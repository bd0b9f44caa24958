// Badge scans offline: an event's attendee list, published as an asset of
// kind "attendees", resolves a scanned badge to the visitor's details on a
// kiosk with no network; each entry opens only with its own badge code; a
// badge on no list is captured as-is (incomplete) for the hub to complete.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "home_fixture.hpp"
#include "org.hpp"
#include "outpost/device/home.hpp"
#include "outpost/leads/attendees.hpp"

using namespace outpost;
using namespace outpost::test;
using Catch::Matchers::Contains;
using json = nlohmann::json;

namespace {

const std::vector<leads::Attendee> attendees = {
    {"RSA-7Q4K-9XW2", {{"email", "ines.okafor@example.com"}, {"name", "Ines Okafor"}, {"company", "Northwind Clinics"}}},
    {"RSA-M3P8-2VC6", {{"email", "tomas.berg@example.net"}, {"name", "Tomas Berg"}}},
};

std::string booth_form(const std::string& show = "rsa-2027") {
  return json{{"show", show},
              {"fields",
               {{{"name", "email"}, {"type", "email"}, {"required", true}},
                {{"name", "name"}, {"required", true}},
                {{"name", "company"}}}},
              {"consent", {{"text", "I agree to be contacted."}, {"version", "2027-01"}}}}
      .dump();
}

bool contains_text(const Bytes& haystack, const std::string& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

struct Booth : HomeFixture {
  Booth() {
    const Bytes form = org.release_form("booth-form", 1, booth_form());
    apply();
    cache("booth-form", 1, form);
  }
  void publish_list(const std::string& asset, std::uint64_t version, const Bytes& content) {
    org.publish(org.release_of(asset, version, content, "attendees"));
    apply();
    cache(asset, version, content);
  }
  json sealed_lead(std::uint64_t seq) {
    REQUIRE(home->journal().flush().is_ok());
    auto events = home->journal().read_after(seq - 1, 1);
    REQUIRE(events.is_ok());
    REQUIRE(events->size() == 1);
    const json raw = json::from_msgpack(*(*events)[0].payload);
    const auto& bin = raw.at("sealed").get_binary();
    auto plain = crypto::open_sealed(org.lead, Bytes(bin.begin(), bin.end()));
    REQUIRE(plain.has_value());
    return json::from_msgpack(*plain);
  }
};

leads::CaptureRequest scan(const std::string& badge) {
  leads::CaptureRequest r;
  r.badge = badge;
  r.consent = true;
  return r;
}

}  // namespace

TEST_CASE("Attendees: a list resolves each badge to its details and names nobody without one", "[leads][badge]") {
  SeededRandom random(3);
  const auto made = leads::make_attendee_list("rsa-2027", attendees, random);
  REQUIRE(made.is_ok());
  for (const auto& a : attendees) {
    for (const auto& [name, value] : a.fields) CHECK_FALSE(contains_text(*made, value));
    CHECK_FALSE(contains_text(*made, a.badge));
  }
  const auto list = leads::AttendeeList::parse(*made);
  REQUIRE(list.is_ok());
  CHECK(list->show() == "rsa-2027");
  CHECK(list->size() == 2);
  const auto ines = list->find("  rsa-7q4k-9xw2 ");  // as a scanner or a person types it
  REQUIRE(ines.is_ok());
  REQUIRE(ines->has_value());
  CHECK((**ines).at("email") == "ines.okafor@example.com");
  CHECK((**ines).at("company") == "Northwind Clinics");
  const auto nobody = list->find("RSA-0000-0000");
  REQUIRE(nobody.is_ok());
  CHECK_FALSE(nobody->has_value());
  CHECK(list->find("   ").status().code() == Errc::invalid_argument);
}

TEST_CASE("Attendees: malformed, tampered and duplicate lists are refused with the reason", "[leads][badge]") {
  SeededRandom random(4);
  CHECK(leads::make_attendee_list("", attendees, random).status().code() == Errc::invalid_argument);
  auto twice = attendees;
  twice.push_back({"rsa-7q4k-9xw2", {{"email", "x@example.com"}}});
  const auto dup = leads::make_attendee_list("rsa-2027", twice, random);
  CHECK(dup.status().code() == Errc::invalid_argument);
  CHECK_THAT(dup.status().message(), Contains("appears twice"));
  CHECK(leads::make_attendee_list("rsa-2027", {{" ", {}}}, random).status().code() == Errc::invalid_argument);

  auto parse = [](const std::string& text) { return leads::AttendeeList::parse(Bytes(text.begin(), text.end())).status(); };
  CHECK(parse("not json").code() == Errc::invalid_argument);
  CHECK(parse(R"({"format": "outpost-attendees/9"})").code() == Errc::unsupported);
  CHECK(parse(R"({"format": "outpost-attendees/1", "show": "s", "salt": "00"})").code() == Errc::invalid_argument);
  const std::string salt(64, 'a');
  CHECK(parse(R"({"format": "outpost-attendees/1", "show": "s", "salt": ")" + salt + R"(", "attendees": []})").code() ==
        Errc::invalid_argument);
  CHECK_THAT(parse(R"({"format": "outpost-attendees/1", "show": "s", "salt": ")" + salt +
                   R"(", "attendees": {"xyz": "00"}})")
                 .message(),
             Contains("malformed"));

  // One flipped byte in an entry: that badge reports damage, not wrong details.
  const auto made = leads::make_attendee_list("rsa-2027", attendees, random);
  REQUIRE(made.is_ok());
  json doc = json::parse(std::string(made->begin(), made->end()));
  for (auto& [id, box] : doc["attendees"].items()) {
    std::string hex = box.get<std::string>();
    hex[hex.size() - 1] = hex[hex.size() - 1] == '0' ? '1' : '0';
    box = hex;
  }
  const std::string text = doc.dump();
  const auto tampered = leads::AttendeeList::parse(Bytes(text.begin(), text.end()));
  REQUIRE(tampered.is_ok());
  CHECK(tampered->find("RSA-7Q4K-9XW2").status().code() == Errc::integrity);
}

TEST_CASE("Attendees: a kiosk captures a scanned badge pre-filled from the list, offline", "[leads][badge]") {
  Booth b;
  SeededRandom random(5);
  b.publish_list("rsa-2027-attendees", 1, *leads::make_attendee_list("rsa-2027", attendees, random));
  // A list of another show is never used for this one.
  b.publish_list("other-show-attendees", 1,
                 *leads::make_attendee_list("other-show", {{"RSA-M3P8-2VC6", {{"email", "wrong@example.org"}}}}, random));

  auto captured = b.home->capture_lead("booth-form", scan("RSA-7Q4K-9XW2"));
  INFO(captured.status().to_string());
  REQUIRE(captured.is_ok());
  CHECK_FALSE(captured->repeat);
  json lead = b.sealed_lead(captured->seq);
  CHECK(lead["fields"]["email"] == "ines.okafor@example.com");
  CHECK(lead["fields"]["name"] == "Ines Okafor");
  CHECK(lead["badge"] == "RSA-7Q4K-9XW2");
  CHECK(lead["incomplete"] == false);

  // What the visitor types wins over the list.
  auto typed = scan("RSA-M3P8-2VC6");
  typed.fields["company"] = "Berg Consulting";
  auto second = b.home->capture_lead("booth-form", typed);
  REQUIRE(second.is_ok());
  lead = b.sealed_lead(second->seq);
  CHECK(lead["fields"]["email"] == "tomas.berg@example.net");
  CHECK(lead["fields"]["company"] == "Berg Consulting");

  // The same person scanned again is a repeat visit, as with a typed email.
  auto again = b.home->capture_lead("booth-form", scan("rsa-7q4k-9xw2"));
  REQUIRE(again.is_ok());
  CHECK(again->repeat);
}

TEST_CASE("Attendees: a badge on no list is captured as-is, incomplete, and still validated", "[leads][badge]") {
  Booth b;
  auto unknown = b.home->capture_lead("booth-form", scan("RSA-LATE-0001"));
  INFO(unknown.status().to_string());
  REQUIRE(unknown.is_ok());
  json lead = b.sealed_lead(unknown->seq);
  CHECK(lead["badge"] == "RSA-LATE-0001");
  CHECK(lead["incomplete"] == true);
  CHECK(lead["fields"].empty());
  CHECK(b.home->capture_lead("booth-form", scan("RSA-LATE-0001"))->repeat);

  auto bad = scan("RSA-LATE-0002");
  bad.fields["email"] = "not-an-address";
  const auto refused = b.home->capture_lead("booth-form", bad);
  CHECK(refused.status().code() == Errc::invalid_argument);
  CHECK_THAT(refused.status().message(), Contains("email"));
  auto no_consent = scan("RSA-LATE-0003");
  no_consent.consent = false;
  CHECK(b.home->capture_lead("booth-form", no_consent).status().code() == Errc::invalid_argument);
  // Without a badge, required fields are required as before.
  leads::CaptureRequest empty;
  empty.consent = true;
  CHECK(b.home->capture_lead("booth-form", empty).status().code() == Errc::invalid_argument);
}
