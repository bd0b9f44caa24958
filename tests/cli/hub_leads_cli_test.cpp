// `outpost-hub leads` as the admin runs it: the real binary over a hub home
// whose running hub took in a kiosk's sealed leads (and absorbed them into
// the lead book right after the ingest).
#include <sys/stat.h>

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
  "fields": [{"name": "email", "type": "email", "required": true}, {"name": "name"}, {"name": "region"}],
  "consent": {"text": "You may contact me.", "version": "2027-01"}
})";

struct LeadsCli {
  HubFixture f;
  HubFixture::Device kiosk = f.device("kiosk-1", "kiosk");
  HubFixture::Device rep1 = f.device("rep-1");
  HubFixture::Device rep2 = f.device("rep-2");

  LeadsCli() {
    sync::PublisherClient publisher(f.hub_address(), f.publisher_key);
    (void)must(publisher.publish(as_bytes(booth_form), f.release("booth-form", 1, "form"), f.publisher_key));
    must(f.sync(kiosk));
    for (const auto& [email, region] : {std::pair{"ann@example.com", "emea"}, std::pair{"bob@example.com", "us"}}) {
      leads::CaptureRequest r;
      r.fields = {{"email", email}, {"name", "Visitor, \"VIP\""}, {"region", region}};
      r.consent = true;
      (void)must(kiosk.home->capture_lead("booth-form", r));
    }
    must(f.sync(kiosk));
  }

  Output hub(const std::string& args) const { return run_cli("'" OUTPOST_HUB_PATH "'", f.hub_home, args); }

  fs::path file(const std::string& name, const std::string& text) const {
    const fs::path p = f.dir / name;
    write_file(p, as_bytes(text));
    return p;
  }
};

}  // namespace

TEST_CASE("CLI: the hub absorbs synced leads into the lead book on its own", "[cli][hub][leads]") {
  LeadsCli c;
  auto admin = c.f.admin();
  auto book = must(hub::LeadBook::open(admin->backend(), admin->keys().lead, c.f.random));
  // The writer absorbs right after the commit it replied to: wait for it.
  std::size_t seen = 0;
  CHECK(eventually([&] { return (seen = must(book->list()).size()) >= 2; }));
  CHECK(seen == 2);
}

TEST_CASE("CLI: outpost-hub leads route, list, show, sla, export and erase", "[cli][hub][leads]") {
  LeadsCli c;
  const fs::path rules = c.file("rules.json", R"({
    "teams": {"emea": ["rep-1"], "us": ["rep-2"]},
    "rules": [{"name": "emea", "match": {"region": "emea"}, "team": "emea"}],
    "default_team": "us"
  })");

  const Output listed = c.hub("leads list --json");
  INFO(listed.err);
  REQUIRE(listed.code == 0);
  const json leads = json::parse(listed.out);
  REQUIRE(leads.size() == 2);
  CHECK(leads[0]["state"] == "unassigned");
  CHECK_THAT(listed.out, !Contains("@example.com"));

  const Output routed = c.hub("leads route --rules '" + rules.string() + "'");
  INFO(routed.err);
  REQUIRE(routed.code == 0);
  CHECK_THAT(routed.out, Contains("rep-1") && Contains("rep-2") && Contains("routed 2 of 2"));
  CHECK_THAT(routed.out, !Contains("@example.com"));

  const json after = json::parse(c.hub("leads list --json --state assigned").out);
  REQUIRE(after.size() == 2);
  std::string ann;
  for (const auto& l : after) {
    const Output shown = c.hub("leads show " + l["lead"].get<std::string>() + " --json");
    REQUIRE(shown.code == 0);
    if (json::parse(shown.out)["fields"]["email"] == "ann@example.com") ann = l["lead"];
  }
  REQUIRE_FALSE(ann.empty());
  const Output shown = c.hub("leads show " + ann);
  CHECK_THAT(shown.out, Contains("ann@example.com") && Contains("rep-1") && Contains("2027-01"));

  const Output sla = c.hub("leads sla --json");
  REQUIRE(sla.code == 0);
  const json report = json::parse(sla.out);
  REQUIRE(report["by_show"].size() == 1);
  CHECK(report["by_show"][0]["captured"] == 2);
  CHECK(report["by_show"][0]["assigned"] == 2);
  CHECK(report["overdue"].empty());
  // Marketing's leads report carries the same follow-up figures, no PII.
  const Output leads_report = c.hub("report leads --json");
  INFO(leads_report.err);
  REQUIRE(leads_report.code == 0);
  const json report_doc = json::parse(leads_report.out);
  const json follow_up = report_doc["follow_up"];
  REQUIRE(follow_up["by_show"].size() == 1);
  CHECK(follow_up["by_show"][0]["show"] == report_doc["by_show"][0]["show"]);
  CHECK(follow_up["by_show"][0]["assigned"] == 2);
  CHECK(follow_up["by_rep"].size() == 2);
  const Output report_text = c.hub("report leads");
  CHECK_THAT(report_text.out, Contains("Follow-up against the SLA") && Contains("nothing overdue"));
  CHECK_THAT(report_text.out, !Contains("@example.com"));
  const Output sla_csv = c.hub("leads sla --csv");
  CHECK_THAT(sla_csv.out, Contains("group,key,captured,assigned,within,late,overdue,escalated\r\nshow,rsa-2027,2,2,"));

  // The window is checked as the reports check theirs.
  const Output backwards = c.hub("leads sla --since 2027-03-02 --until 2027-03-01");
  CHECK(backwards.code == 2);
  CHECK_THAT(backwards.err, Contains("must be after --since"));
  const Output not_a_date = c.hub("leads sla --since yesterday");
  CHECK(not_a_date.code == 2);
  CHECK_THAT(not_a_date.err, Contains("--since: 'yesterday' is not a date"));

  CHECK(c.hub("leads escalate " + ann).code == 0);
  CHECK(json::parse(c.hub("leads sla --json").out)["by_show"][0]["escalated"] == 1);

  // rep-2's device reported its lead key (the device side does it at hello).
  const crypto::BoxKeyPair rep2_box = crypto::BoxKeyPair::generate(c.f.random);
  {
    auto admin = c.f.admin();
    auto book = must(hub::LeadBook::open(admin->backend(), admin->keys().lead, c.f.random));
    must(book->set_lead_box("rep-2", rep2_box.public_key(), c.f.clock.now()));
  }
  const Output moved = c.hub("leads assign " + ann + " --rep rep-2");
  CHECK(moved.code == 0);
  CHECK_THAT(moved.out, Contains("withdrawn from rep-1"));
  const Output kiosk = c.hub("leads assign " + ann + " --rep kiosk-1");
  CHECK(kiosk.code == 1);
  CHECK_THAT(kiosk.err, Contains("not a rep device"));

  const fs::path out = c.f.dir / "export.csv";
  const Output exported = c.hub("leads export --csv --out '" + out.string() + "'");
  INFO(exported.err);
  REQUIRE(exported.code == 0);
  struct stat st {};
  REQUIRE(::stat(out.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const Bytes csv = read_file(out);
  const std::string text(csv.begin(), csv.end());
  CHECK_THAT(text, Contains("consent_version,consent_accepted_at") && Contains("ann@example.com") &&
                       Contains("\"Visitor, \"\"VIP\"\"\""));
  CHECK(c.hub("leads export --csv --out '" + out.string() + "'").code == 1);  // never replaces a file
  CHECK_THAT(c.hub("leads export --csv --show other-show").out, !Contains("@example.com"));

  const Output erased = c.hub("leads erase --email ANN@example.com --json");
  INFO(erased.err);
  REQUIRE(erased.code == 0);
  const json e = json::parse(erased.out);
  CHECK(e["lead"] == ann);
  CHECK(e["events_cleared"] == 1);
  CHECK(e["withdrawn_from"] == "rep-2");
  CHECK(json::parse(c.hub("leads list --json").out).size() == 1);
  {
    auto admin = c.f.admin();
    auto book = must(hub::LeadBook::open(admin->backend(), admin->keys().lead, c.f.random));
    const auto sent = must(book->deliveries("rep-2", 0, 100));
    REQUIRE(sent.size() == 3);  // bob (routed, waited for the key), ann, ann withdrawn
    CHECK(sent[2].kind == "withdraw");
    CHECK(sent[2].lead == ann);
    const auto doc = crypto::open_sealed(rep2_box, *sent[1].sealed);
    REQUIRE(doc);
    CHECK(json::parse(doc->begin(), doc->end())["lead"] == ann);
  }
  CHECK(c.hub("leads show " + ann).code == 1);
}

TEST_CASE("CLI: outpost-hub leads refuses a bad rules file naming the entry", "[cli][hub][leads]") {
  LeadsCli c;
  const Output bad = c.hub("leads route --rules '" + c.file("bad.json", R"({"teams": {"a": []}})").string() + "'");
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Contains("team 'a' has no reps"));
  const Output missing = c.hub("leads route --rules /nonexistent/rules.json");
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Contains("/nonexistent/rules.json"));
  CHECK(c.hub("leads show L-NOSUCHLEAD").code == 1);
}
