// `outpost lead list | show | followup` as a rep runs them: the real binary
// over a rep device home that synced its assigned leads from a real hub.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "hub_fixture.hpp"
#include "outpost/hub/lead_book.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

using Output = CliOutput;

const std::string booth_form = R"({
  "show": "rsa-2027",
  "fields": [{"name": "email", "type": "email", "required": true}, {"name": "name"}],
  "consent": {"text": "You may contact me.", "version": "2027-01"}
})";

struct RepCli {
  HubFixture f;
  HubFixture::Device kiosk = f.device("kiosk-1", "kiosk");
  HubFixture::Device rep = f.device("rep-1");
  std::string lead;

  RepCli() {
    sync::PublisherClient publisher(f.hub_address(), f.publisher_key);
    (void)must(publisher.publish(as_bytes(booth_form), f.release("booth-form", 1, "form"), f.publisher_key));
    (void)must(f.sync(kiosk));
    leads::CaptureRequest r;
    r.fields = {{"email", "ana@example.com"}, {"name", "Ana Lima"}};
    r.consent = true;
    (void)must(kiosk.home->capture_lead("booth-form", r));
    (void)must(f.sync(kiosk));
    auto book = this->book();
    REQUIRE(eventually([&] {  // the hub absorbs just after its reply
      const auto leads = must(book->list());
      if (!leads.empty()) lead = leads.front().id;
      return !lead.empty();
    }));
    must(book->assign(lead, "rep-1", f.clock.now()));
    // The CLI opens the homes itself from here on.
    kiosk.home.reset();
    rep.home.reset();
  }

  std::unique_ptr<hub::LeadBook> book() { return must(hub::LeadBook::open(f.admin()->backend(), f.admin()->keys().lead, f.random)); }

  Output outpost(const HubFixture::Device& d, const std::string& args) const {
    return run_cli("'" OUTPOST_CLI_PATH "' --quiet", d.root, args);
  }
};

}  // namespace

TEST_CASE("CLI: a rep lists, shows and follows up the leads assigned to the device", "[cli][leads][rep]") {
  RepCli c;
  Output o = c.outpost(c.rep, "lead list");
  CHECK(o.code == 0);
  CHECK_THAT(o.out, Contains("no leads assigned"));

  o = c.outpost(c.rep, "sync");
  REQUIRE(o.code == 0);
  CHECK_THAT(o.out, Contains("leads: 1 assigned"));

  o = c.outpost(c.rep, "--json lead list");
  REQUIRE(o.code == 0);
  const json list = json::parse(o.out);
  REQUIRE(list["leads"].size() == 1);
  const json& l = list["leads"][0];
  CHECK(l["lead"] == c.lead);
  CHECK(l["email"] == "ana@example.com");
  CHECK(l["name"] == "Ana Lima");
  CHECK(l["shows"] == json::array({"rsa-2027"}));
  CHECK(l["overdue"] == false);
  CHECK(l["follow_up"].is_null());
  CHECK(l["due_at"].is_string());

  o = c.outpost(c.rep, "lead list");
  CHECK_THAT(o.out, Contains(c.lead));
  CHECK_THAT(o.out, Contains("ana@example.com"));
  CHECK_THAT(o.out, Contains("open"));

  o = c.outpost(c.rep, "lead show " + c.lead);
  REQUIRE(o.code == 0);
  CHECK_THAT(o.out, Contains("name: Ana Lima"));
  CHECK_THAT(o.out, Contains("visit: rsa-2027 at kiosk-1"));
  o = c.outpost(c.rep, "--json lead show " + c.lead);
  REQUIRE(o.code == 0);
  CHECK(json::parse(o.out)["fields"]["email"] == "ana@example.com");

  // Bad follow-ups: an unknown outcome is a usage error, an unknown lead is refused.
  o = c.outpost(c.rep, "lead followup " + c.lead + " --outcome maybe");
  CHECK(o.code == 2);
  CHECK_THAT(o.err, Contains("not one of called, meeting, disqualified, no-answer"));
  o = c.outpost(c.rep, "lead followup L-NOTMINE --outcome called");
  CHECK(o.code == 1);
  CHECK_THAT(o.err, Contains("no lead L-NOTMINE is assigned to this device"));
  o = c.outpost(c.rep, "lead show L-NOTMINE");
  CHECK(o.code == 1);

  o = c.outpost(c.rep, "lead followup " + c.lead + " --outcome meeting --note 'demo on Tuesday'");
  REQUIRE(o.code == 0);
  CHECK_THAT(o.out, Contains("recorded (meeting"));
  o = c.outpost(c.rep, "--json lead list");
  CHECK(json::parse(o.out)["leads"][0]["follow_up"]["outcome"] == "meeting");
  o = c.outpost(c.rep, "journal show");
  CHECK_THAT(o.out, Contains("lead.followed_up"));
  CHECK_THAT(o.out, !Contains("demo on Tuesday"));  // personal: not shown

  // The follow-up reaches the hub's book at the next sync.
  REQUIRE(c.outpost(c.rep, "sync").code == 0);
  auto book = c.book();
  hub::Lead at_hub;
  REQUIRE(eventually([&] {
    at_hub = must(book->lead(c.lead));
    return !at_hub.follow_ups.empty();
  }));
  REQUIRE(at_hub.follow_ups.size() == 1);
  CHECK(at_hub.follow_ups[0].outcome == "meeting");
}

TEST_CASE("CLI: a kiosk says clearly it has no assigned leads, and every lead command has an example",
          "[cli][leads][rep]") {
  RepCli c;
  Output o = c.outpost(c.kiosk, "lead list");
  CHECK(o.code == 0);
  CHECK_THAT(o.out, Contains("this device is a kiosk"));
  o = c.outpost(c.kiosk, "lead followup " + c.lead + " --outcome called");
  CHECK(o.code == 1);
  CHECK_THAT(o.err, Contains("this device is a kiosk"));
  o = c.outpost(c.kiosk, "lead show " + c.lead);
  CHECK(o.code == 1);
  for (const std::string cmd : {"list", "show", "followup"}) {
    o = c.outpost(c.rep, "lead " + cmd + " --help");
    CHECK(o.code == 0);
    CHECK_THAT(o.out, Contains("Example: outpost lead " + cmd));
  }
}
