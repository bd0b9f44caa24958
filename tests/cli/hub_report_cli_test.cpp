// `outpost-hub report` as marketing runs it: the real binary over a hub home
// seeded through a real hub (which keeps serving while the reports read).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "hub_fixture.hpp"
#include "outpost/journal/event.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;

namespace {

using Output = CliOutput;

const std::string comment = "EMEA prices, \"urgent\"\nsee page 3";

// A hub with one rep who opened, searched and commented.
struct ReportCli {
  HubFixture f;
  HubFixture::Device rep = f.device("rep-1");

  ReportCli() {
    f.publish("deck", 1, random_bytes(30'000, 5));
    must(f.sync(rep));
    (void)must(rep.home->open_asset("deck"));
    (void)must(rep.home->search({"Pricing, \"EMEA\"", {}, 20}));
    must(rep.home->record(journal::asset_feedback({"deck", 1, 2, comment, true})));
    must(f.sync(rep));
  }

  Output hub(const std::string& args) const { return run_cli("'" OUTPOST_HUB_PATH "'", f.hub_home, args); }
};

}  // namespace

TEST_CASE("CLI: outpost-hub report --json parses and says what the store holds", "[cli][hub][reports]") {
  ReportCli c;
  const Output usage = c.hub("report usage --json");
  INFO(usage.err);
  REQUIRE(usage.code == 0);
  const json doc = json::parse(usage.out);
  CHECK(doc["report"] == "usage");
  REQUIRE(doc["rows"].size() == 1);
  CHECK(doc["rows"][0]["asset"] == "deck");
  CHECK(doc["rows"][0]["version"] == 1);
  CHECK(doc["rows"][0]["opens"] == 1);
  CHECK(doc["rows"][0]["devices"] == 1);
  CHECK(doc["window"]["since"].is_null());
  CHECK(doc["skipped"]["malformed"] == 0);

  const json feedback = json::parse(c.hub("report feedback --json").out);
  REQUIRE(feedback["rows"].size() == 1);
  CHECK(feedback["rows"][0]["mean_rating"] == 2.0);
  CHECK(feedback["rows"][0]["items"][0]["comment"] == comment);

  const json adoption = json::parse(c.hub("--json report adoption").out);
  CHECK(adoption["hub_seq"] == 1);
  REQUIRE(adoption["devices"].size() == 1);
  CHECK(adoption["devices"][0]["held"][0]["asset"] == "deck");
  CHECK(adoption["devices"][0]["behind"] == false);

  const json unused = json::parse(c.hub("report unused --days 0 --json").out);
  CHECK(unused["live_assets"] == 1);
  CHECK(unused["never_opened"] == 0);

  // A window after everything: nothing in it.
  const json empty = json::parse(c.hub("report usage --since 2099-01-01 --json").out);
  CHECK(empty["rows"].empty());
  CHECK(empty["window"]["since"] == "2099-01-01T00:00:00Z");

  const Output text = c.hub("report searches");
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Contains("1 search (1 with no result)"));
  CHECK_THAT(text.out, Contains("pricing, \"emea\""));
}

TEST_CASE("CLI: outpost-hub report --csv quotes commas, quotes and line breaks (RFC 4180)", "[cli][hub][reports]") {
  ReportCli c;
  const Output feedback = c.hub("report feedback --csv");
  INFO(feedback.err);
  REQUIRE(feedback.code == 0);
  CHECK_THAT(feedback.out, StartsWith("kind,asset,version,rating,needs_update,device,at,text\r\n"));
  CHECK_THAT(feedback.out, Contains(",\"EMEA prices, \"\"urgent\"\"\nsee page 3\"\r\n"));
  CHECK_THAT(feedback.out, Contains("feedback,deck,1,2,yes,rep-1,"));

  const Output searches = c.hub("report searches --csv");
  REQUIRE(searches.code == 0);
  CHECK(searches.out == "query,searches,no_result,clicks,devices\r\n\"pricing, \"\"emea\"\"\",1,1,0,1\r\n");

  const Output both = c.hub("report usage --csv --json");
  CHECK(both.code == 2);
  CHECK_THAT(both.err, Contains("--csv and --json"));
}

TEST_CASE("CLI: outpost-hub report refuses bad dates and unknown reports with exit 2", "[cli][hub][reports]") {
  ReportCli c;
  const Output bad_since = c.hub("report usage --since 2026-02-30");
  CHECK(bad_since.code == 2);
  CHECK_THAT(bad_since.err, Contains("--since: '2026-02-30' is not a date"));
  CHECK(bad_since.out.empty());

  const Output bad_until = c.hub("report blocked --until yesterday");
  CHECK(bad_until.code == 2);
  CHECK_THAT(bad_until.err, Contains("--until: 'yesterday' is not a date: use 2026-03-01 or 2026-03-01T09:30:00Z"));

  const Output backwards = c.hub("report leads --since 2026-03-02 --until 2026-03-01T00:00:00Z");
  CHECK(backwards.code == 2);
  CHECK_THAT(backwards.err, Contains("must be after --since"));

  const Output unknown = c.hub("report popularity");
  CHECK(unknown.code == 2);
  CHECK_THAT(unknown.err, Contains("unknown report 'popularity'"));
  CHECK_THAT(unknown.err, Contains("usage, unused, adoption, blocked, searches, feedback, leads"));

  const Output none = c.hub("report");
  CHECK(none.code == 2);
  CHECK_THAT(none.err, Contains("name a report"));

  const Output no_window = c.hub("report adoption --since 2026-03-01");
  CHECK(no_window.code == 2);
  CHECK_THAT(no_window.err, Contains("do not apply"));

  const Output help = c.hub("report unused --help");
  CHECK(help.code == 0);
  CHECK_THAT(help.out, Contains("Example: outpost-hub"));
  CHECK_THAT(help.out, Contains("--days"));
}
