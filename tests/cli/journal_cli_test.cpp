// Lead capture, feedback, requests and the journal through the real outpost
// binary: what is shown, what is hidden, what is exported to the hub, and
// that a tampered journal is caught by `journal verify`.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "org.hpp"
#include "outpost/journal/journal_export.hpp"
#include "cli_runner.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Catch::Matchers::Contains;

namespace {

constexpr const char* booth_form = R"({
  "show": "rsa-2027",
  "fields": [
    { "name": "email", "label": "Email", "type": "email", "required": true },
    { "name": "name", "label": "Full name", "required": true, "max_length": 40 },
    { "name": "company", "type": "text", "max_length": 120 }
  ],
  "consent": { "text": "I agree that ACME may contact me about its products.", "version": "2027-01" }
})";

const std::vector<std::string> pii = {"Ana Lima", "ana@example.com", "Ana@Example.com", "Bo Berg", "bo@example.org"};

json parse_json(const Cli::Output& o) {
  INFO("stdout: " << o.out << "\nstderr: " << o.err);
  REQUIRE(o.code == 0);
  return json::parse(o.out);
}

// A home with the catalog applied and the booth form imported.
void set_up(Org& org, Cli& cli) {
  REQUIRE(cli("init --root " + org.root.public_key().hex()).code == 0);
  const Bytes form = org.release_form("booth-form", 1, booth_form);
  const fs::path form_file = cli.dir / "booth-form.json";
  write_file(form_file, form);
  org.release("deck", 1, random_bytes(3000, 11));
  auto applied = cli("catalog apply '" + org.bundle(cli.dir, "u1").string() + "'");
  INFO(applied.err);
  REQUIRE(applied.code == 0);
  auto imported = cli("cache import '" + form_file.string() + "' --asset booth-form --version 1");
  INFO(imported.err);
  REQUIRE(imported.code == 0);
}

const std::string ana = "--form booth-form --field email=Ana@Example.com --field name='Ana Lima'";

json count(const Cli& cli) { return parse_json(cli("--json lead count")); }

json show_of(const json& counts, const std::string& show) {
  for (const auto& s : counts["shows"]) {
    if (s["show"] == show) return s;
  }
  FAIL("no show " << show << " in " << counts.dump());
  return {};
}

// Every file under root that contains one of the strings, with the string.
std::vector<std::string> files_containing(const fs::path& root, const std::vector<std::string>& needles) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const Bytes bytes = read_file(entry.path());
    for (const auto& n : needles) {
      if (std::search(bytes.begin(), bytes.end(), n.begin(), n.end()) != bytes.end()) {
        found.push_back(entry.path().string() + ": " + n);
      }
    }
  }
  return found;
}

}  // namespace

TEST_CASE("CLI: leads, feedback and requests go to the journal, personal data never shows or stays in clear",
          "[cli][journal]") {
  Org org;
  Cli cli;
  set_up(org, cli);

  // The form's fields.
  auto form = cli("lead form booth-form");
  INFO(form.err);
  REQUIRE(form.code == 0);
  CHECK(form.out.find("--field email=") != std::string::npos);
  CHECK(form.out.find("--field name=") != std::string::npos);
  CHECK(form.out.find("--field company=") != std::string::npos);
  const json fj = parse_json(cli("--json lead form booth-form"));
  REQUIRE(fj["fields"].size() == 3);
  CHECK(fj["fields"][0]["name"] == "email");
  CHECK(fj["fields"][0]["type"] == "email");
  CHECK(fj["fields"][0]["required"] == true);
  CHECK(fj["fields"][1]["name"] == "name");
  CHECK(fj["show"] == "rsa-2027");
  CHECK(fj["version"] == 1);

  // First capture, then the same person (email in another case) again.
  const json first = parse_json(cli("--json lead capture " + ana + " --consent"));
  CHECK(first["repeat"] == false);
  CHECK(first["show"] == "rsa-2027");
  const std::uint64_t lead_seq = first["seq"];
  const json again =
      parse_json(cli("--json lead capture --form booth-form --field email=ana@example.com --field name='Ana Lima' --consent"));
  CHECK(again["repeat"] == true);
  CHECK(again["seq"].get<std::uint64_t>() > lead_seq);
  CHECK(parse_json(cli("--json lead capture --form booth-form --field email=bo@example.org --field name='Bo Berg' "
                       "--consent"))["repeat"] == false);

  const json before = count(cli);
  CHECK(before["leads"] == 2);
  CHECK(before["undelivered"] == 3);
  REQUIRE(before["shows"].size() == 1);
  CHECK(show_of(before, "rsa-2027")["leads"] == 2);
  CHECK(show_of(before, "rsa-2027")["repeat_visits"] == 1);

  // No consent: refused, nothing recorded.
  auto no_consent = cli("lead capture --form booth-form --field email=cy@example.net --field name='Cy' ");
  CHECK(no_consent.code == 1);
  CHECK(no_consent.err.find("consent") != std::string::npos);
  CHECK(count(cli) == before);

  // An invalid email: refused, naming the field.
  auto bad_email = cli("lead capture --form booth-form --field email=not-an-email --field name='Cy' --consent");
  CHECK(bad_email.code == 1);
  CHECK(bad_email.err.find("email") != std::string::npos);
  CHECK(count(cli) == before);

  // A name that is not valid UTF-8 (bash's $'Bad\xff\xfeName'): refused, nothing recorded.
  auto bad_text = cli("lead capture --form booth-form --field email=cy@example.net "
                      "--field \"name=$(printf 'Bad\\377\\376Name')\" --consent");
  CHECK(bad_text.code == 1);
  CHECK(bad_text.err.find("UTF-8") != std::string::npos);
  CHECK(count(cli) == before);

  // Feedback on a cataloged asset; unknown asset and out-of-range rating refused.
  const json fb = parse_json(cli("--json feedback deck --rating 4 --comment 'Prices look right'"));
  const std::uint64_t feedback_seq = fb["seq"];
  auto unknown = cli("feedback no-such-deck --rating 4");
  CHECK(unknown.code == 1);
  CHECK(unknown.err.find("no-such-deck") != std::string::npos);
  CHECK(cli("feedback deck --rating 6").code == 2);
  CHECK(cli("feedback deck --rating 0").code == 2);

  const json req = parse_json(cli("--json request 'Need X for hospitals'"));
  const std::uint64_t request_seq = req["seq"];

  // journal show: personal payloads hidden, the others shown.
  const auto shown_raw = cli("--json journal show --limit 1000");
  const json shown = parse_json(shown_raw);
  REQUIRE(shown.is_array());
  bool saw_lead = false, saw_repeat = false, saw_request = false, saw_feedback = false;
  std::uint64_t prev = 0;
  for (const auto& e : shown) {
    INFO(e.dump());
    CHECK(e["seq"].get<std::uint64_t>() > prev);
    prev = e["seq"];
    if (e["type"] == "lead.captured" || e["type"] == "lead.repeat_visit") {
      REQUIRE(e["payload"].is_string());
      CHECK(e["payload"].get<std::string>().rfind("(personal data", 0) == 0);
      (e["type"] == "lead.captured" ? saw_lead : saw_repeat) = true;
      if (e["type"] == "lead.captured" && e["seq"] == lead_seq) saw_lead = true;
    }
    if (e["type"] == "content.request") {
      CHECK(e["seq"] == request_seq);
      CHECK(e["payload"].dump().find("Need X for hospitals") != std::string::npos);
      saw_request = true;
    }
    if (e["type"] == "asset.feedback") {
      CHECK(e["seq"] == feedback_seq);
      CHECK(e["payload"].dump().find("deck") != std::string::npos);
      CHECK(e["payload"].dump().find("Prices look right") != std::string::npos);
      saw_feedback = true;
    }
  }
  CHECK(saw_lead);
  CHECK(saw_repeat);
  CHECK(saw_request);
  CHECK(saw_feedback);
  for (const auto& p : pii) CHECK(shown_raw.out.find(p) == std::string::npos);
  auto shown_text = cli("journal show --limit 1000");
  REQUIRE(shown_text.code == 0);
  CHECK(shown_text.out.find("Need X for hospitals") != std::string::npos);
  for (const auto& p : pii) CHECK(shown_text.out.find(p) == std::string::npos);

  auto verify = cli("journal verify");
  INFO(verify.err);
  CHECK(verify.code == 0);
  CHECK(parse_json(cli("--json journal verify"))["ok"] == true);

  // Export to the hub: the hub's lead key opens it and finds every undelivered event.
  const fs::path exported = cli.dir / "kiosk.opjx";
  const json ex = parse_json(cli("--json journal export --out '" + exported.string() + "'"));
  REQUIRE(fs::exists(exported));
  auto read = journal::read_export(exported, org.lead);
  INFO(read.status().to_string());
  REQUIRE(read.is_ok());
  CHECK(read->anchor.seq == 0);
  REQUIRE(read->events.size() == ex["events"].get<std::size_t>());
  CHECK(read->events.size() >= shown.size());
  CHECK(read->events.front().seq == 1);
  CHECK(read->events.back().seq == ex["last_seq"].get<std::uint64_t>());
  std::vector<std::string> types;
  for (const auto& e : read->events) types.emplace_back(e.type->name);
  for (const auto& e : shown) {
    const auto seq = e["seq"].get<std::uint64_t>();
    REQUIRE(seq <= read->events.size());
    CHECK(read->events[seq - 1].seq == seq);
    CHECK(types[seq - 1] == e["type"].get<std::string>());
  }
  CHECK(std::count(types.begin(), types.end(), "lead.captured") == 2);
  CHECK(std::count(types.begin(), types.end(), "lead.repeat_visit") == 1);
  CHECK(std::count(types.begin(), types.end(), "content.request") == 1);
  auto existing = cli("journal export --out '" + exported.string() + "'");
  CHECK(existing.code == 1);

  // No personal data in clear anywhere under the home, nor in the export.
  CHECK(files_containing(cli.home, pii).empty());
  CHECK(files_containing(cli.dir.path(), pii).empty());
}

TEST_CASE("CLI: journal verify names the event whose payload was altered on disk", "[cli][journal]") {
  Org org;
  Cli cli;
  set_up(org, cli);
  REQUIRE(cli("lead capture " + ana + " --consent").code == 0);
  const json req = parse_json(cli("--json request 'Need X'"));
  REQUIRE(cli("feedback deck --rating 3").code == 0);
  REQUIRE(cli("journal verify").code == 0);
  const std::uint64_t seq = req["seq"];

  {
    SQLite::Database db((cli.home / "journal.db").string(), SQLite::OPEN_READWRITE);
    SQLite::Statement get(db, "SELECT payload FROM events WHERE seq = ?");
    get.bind(1, static_cast<std::int64_t>(seq));
    REQUIRE(get.executeStep());
    const auto* p = static_cast<const std::uint8_t*>(get.getColumn(0).getBlob());
    Bytes payload(p, p + get.getColumn(0).getBytes());
    REQUIRE(payload.size() > 30);
    payload[payload.size() / 2] ^= 0x01;
    SQLite::Statement put(db, "UPDATE events SET payload = ? WHERE seq = ?");
    put.bind(1, payload.data(), static_cast<int>(payload.size()));
    put.bind(2, static_cast<std::int64_t>(seq));
    REQUIRE(put.exec() == 1);
  }

  auto broken = cli("journal verify");
  INFO(broken.err);
  CHECK(broken.code == 1);
  CHECK(broken.err.find("event " + std::to_string(seq)) != std::string::npos);
  auto broken_json = cli("--json journal verify");
  CHECK(broken_json.code == 1);
  CHECK(json::parse(broken_json.out)["broken_at"] == seq);
  CHECK(json::parse(broken_json.out)["ok"] == false);
}

TEST_CASE("CLI: journal verify fails when delivery is recorded past the newest event", "[cli][journal]") {
  Org org;
  Cli cli;
  set_up(org, cli);
  REQUIRE(cli("request 'Need X'").code == 0);
  REQUIRE(cli("request 'Need Y'").code == 0);
  const json stats = parse_json(cli("--json journal stats"));
  const std::uint64_t head = stats["head_seq"];
  REQUIRE(head >= 2);
  REQUIRE(cli("journal verify").code == 0);
  {
    SQLite::Database db((cli.home / "journal.db").string(), SQLite::OPEN_READWRITE);
    SQLite::Statement put(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('acked', ?)");
    put.bind(1, static_cast<std::int64_t>(head + 5));
    put.exec();
  }
  auto broken = cli("journal verify");
  INFO(broken.err);
  CHECK(broken.code == 1);
  CHECK(broken.err.find("delivered up to seq " + std::to_string(head + 5)) != std::string::npos);
  CHECK(broken.err.find("ends at seq " + std::to_string(head)) != std::string::npos);
  auto broken_json = cli("--json journal verify");
  CHECK(broken_json.code == 1);
  CHECK(json::parse(broken_json.out)["broken_at"] == head + 1);
}

TEST_CASE("CLI: a deleted or emptied journal.db is refused with the way to recover, never silently started anew",
          "[cli][journal]") {
  Org org;
  Cli cli;
  set_up(org, cli);
  REQUIRE(cli("request 'Need X'").code == 0);  // undelivered: it would vanish with the journal
  const fs::path journal = cli.home / "journal.db";
  // Nothing to reset while the journal is intact, and nothing changes.
  auto intact = cli("journal reset");
  CHECK(intact.code == 1);
  CHECK_THAT(intact.err, Contains("intact"));
  const std::uint64_t head = parse_json(cli("--json journal stats"))["head_seq"];
  REQUIRE(head >= 1);

  bool emptied = false;
  SECTION("deleted") {
    for (const char* part : {"", "-wal", "-shm"}) fs::remove(journal.string() + part);
  }
  SECTION("emptied") {
    write_file(journal, Bytes{});
    emptied = true;
  }
  for (const char* command : {"journal stats", "status", "request 'Need Y'"}) {
    INFO(command);
    auto refused = cli(command);
    CHECK(refused.code == 1);
    CHECK_THAT(refused.err, Contains(journal.string()) && Contains(emptied ? "is empty" : "is missing"));
    CHECK_THAT(refused.err, Contains("not yet delivered") && Contains("journal reset"));
  }
  // Nothing was made in its place.
  CHECK(fs::exists(journal) == emptied);
  if (emptied) CHECK(fs::file_size(journal) == 0);

  // The explicit way on: a new journal, what was left of the old kept aside.
  auto reset = cli("journal reset");
  INFO(reset.err);
  REQUIRE(reset.code == 0);
  CHECK_THAT(reset.out, Contains("new journal"));
  CHECK(parse_json(cli("--json journal stats"))["head_seq"] == 0);
  REQUIRE(cli("request 'Need Z'").code == 0);
  CHECK(cli("journal verify").code == 0);
  std::size_t kept = 0;
  for (const auto& entry : fs::directory_iterator(cli.home)) {
    kept += entry.path().filename().string().starts_with("journal.db.lost-") ? 1 : 0;
  }
  CHECK(kept == (emptied ? 1 : 0));
}

TEST_CASE("CLI: a scanned badge is captured offline with the details from the attendee list published for the show",
          "[cli][journal][badge]") {
  Org org;
  Cli cli;
  set_up(org, cli);
  // Marketing turns the registration export into the list asset.
  const std::string csv = "badge,email,name,company\r\n"
                          "RSA-7Q4K-9XW2,ines.okafor@example.com,Ines Okafor,\"Northwind Clinics, Inc.\"\r\n"
                          "RSA-M3P8-2VC6,tomas.berg@example.net,Tomas Berg,\r\n";
  const fs::path registrations = cli.file("registrations.csv", Bytes(csv.begin(), csv.end()));
  const fs::path list = cli.dir / "attendees.json";
  std::string out, err;
  const std::string publish = "'" OUTPOST_PUBLISH_PATH "' --json attendees --show rsa-2027 --in '";
  REQUIRE(run(publish + registrations.string() + "' --out '" + list.string() + "'", &out, &err) == 0);
  CHECK(json::parse(out)["attendees"] == 2);
  CHECK((fs::status(list).permissions() & fs::perms::others_read) == fs::perms::none);
  const Bytes content = read_file(list);
  for (const std::string secret : {"ines.okafor@example.com", "Ines Okafor", "RSA-7Q4K-9XW2"}) {
    CHECK(std::search(content.begin(), content.end(), secret.begin(), secret.end()) == content.end());
  }
  // Not overwritten, and a broken CSV is refused with its line.
  CHECK(run(publish + registrations.string() + "' --out '" + list.string() + "'", &out, &err) != 0);
  const std::string broken = "badge,email\nRSA-1,\"open\n";
  const fs::path bad = cli.file("broken.csv", Bytes(broken.begin(), broken.end()));
  CHECK(run(publish + bad.string() + "' --out '" + (cli.dir / "x.json").string() + "'", &out, &err) != 0);
  CHECK(err.find("CSV line 2") != std::string::npos);

  // The device gets it through the signed catalog, like any asset.
  org.publish(org.release_of("rsa-2027-attendees", 1, content, "attendees"));
  REQUIRE(cli("catalog apply '" + org.bundle(cli.dir, "u2").string() + "'").code == 0);
  REQUIRE(cli("cache import '" + list.string() + "' --asset rsa-2027-attendees --version 1").code == 0);

  const json scanned = parse_json(cli("--json lead capture --form booth-form --badge rsa-7q4k-9xw2 --consent"));
  CHECK(scanned["repeat"] == false);
  const json unknown = parse_json(cli("--json lead capture --form booth-form --badge RSA-LATE-0001 --consent"));
  CHECK(unknown["repeat"] == false);
  CHECK(parse_json(cli("--json lead capture --form booth-form --badge RSA-LATE-0001 --consent"))["repeat"] == true);
  CHECK(show_of(count(cli), "rsa-2027")["leads"] == 2);
  // The kiosk keeps nothing of Ines in clear.
  CHECK(files_containing(cli.home, {"ines.okafor@example.com", "Ines Okafor", "Northwind"}).empty());
}
