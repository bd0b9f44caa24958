// present, pin/unpin and status through the real outpost binary: what a rep
// does in front of a client, and what the journal makes of it.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "cli_runner.hpp"
#include "org.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using nlohmann::json;
using Catch::Matchers::Contains;

namespace {

// A home holding deck@1 (cached) and video@1 (in the catalog, not cached).
struct Rep {
  Org org;
  Cli cli;
  Bytes deck = random_bytes(30'000, 1);

  Rep() {
    REQUIRE(cli("init --root " + org.root.public_key().hex()).code == 0);
    org.release("deck", 1, deck);
    org.release("video", 1, random_bytes(1000, 2));
    REQUIRE(cli("catalog apply '" + org.bundle(cli.dir, "u1").string() + "'").code == 0);
    REQUIRE(cli("cache import '" + cli.file("deck-v1", deck).string() + "' --asset deck --version 1").code == 0);
  }

  // The journal's events of one type, as `journal show --json` prints them.
  std::vector<json> events(const std::string& type) {
    auto shown = cli("--json journal show");
    REQUIRE(shown.code == 0);
    std::vector<json> out;
    for (const json& e : json::parse(shown.out)) {
      if (e["type"] == type) out.push_back(e);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("CLI: present records each page and the time presented", "[cli][present]") {
  Rep r;
  const fs::path shown = r.cli.dir / "shown";
  auto p = r.cli("--json present deck --pages 3 --dwell 40 --out '" + shown.string() + "'");
  INFO(p.err);
  REQUIRE(p.code == 0);
  const json summary = json::parse(p.out);
  CHECK(summary["asset"] == "deck");
  CHECK(summary["version"] == 1);
  CHECK(summary["pages"] == 3);
  CHECK(summary["duration_ms"] == 120'000);
  CHECK(read_file(shown) == r.deck);

  const auto pages = r.events("page.viewed");
  REQUIRE(pages.size() == 3);
  for (std::size_t i = 0; i < pages.size(); ++i) {
    CHECK(pages[i]["payload"]["page"] == i + 1);
    CHECK(pages[i]["payload"]["dwell_ms"] == 40'000);
    CHECK(pages[i]["payload"]["presentation"] == summary["id"]);
  }
  const auto ended = r.events("presentation.ended");
  REQUIRE(ended.size() == 1);
  CHECK(ended[0]["payload"]["duration_ms"] == 120'000);
  CHECK(r.events("presentation.started").size() == 1);
}

TEST_CASE("CLI: present pages through commands on standard input", "[cli][present]") {
  Rep r;
  // next, jump to 5, a typo (reported, ignored), previous, end
  const CliOutput o =
      run_cli("printf 'n\\n5\\nfive\\np\\nq\\n' | '" OUTPOST_CLI_PATH "' --quiet --json", r.cli.home, "present deck");
  INFO(o.err);
  REQUIRE(o.code == 0);
  CHECK(o.err.find("'five' is not a command") != std::string::npos);
  CHECK(json::parse(o.out)["pages"] == 4);
  std::vector<std::uint64_t> order;
  for (const json& e : r.events("page.viewed")) order.push_back(e["payload"]["page"]);
  CHECK(order == std::vector<std::uint64_t>{1, 2, 5, 4});
}

TEST_CASE("CLI: present refuses what the gate blocks, and bad options", "[cli][present]") {
  Rep r;
  auto missing = r.cli("present video --pages 1");
  CHECK(missing.code == 3);
  CHECK(missing.err.find("blocked (not-downloaded)") != std::string::npos);
  auto unknown = r.cli("present nothing-here --pages 1");
  CHECK(unknown.code == 3);
  CHECK(r.events("presentation.started").empty());

  auto dwell_alone = r.cli("present deck --dwell 10");
  CHECK(dwell_alone.code == 2);
  CHECK(dwell_alone.err.find("--dwell needs --pages") != std::string::npos);
  CHECK(r.cli("present deck --pages 0").code == 2);
  CHECK(r.cli("present 'deck@x' --pages 1").code != 0);
  CHECK(r.events("presentation.started").empty());
}

TEST_CASE("CLI: pin keeps an asset for offline use, cached or not, and unpin lets it go", "[cli][pin]") {
  Rep r;
  auto none = r.cli("pin");
  REQUIRE(none.code == 0);
  CHECK(none.out.find("no asset is pinned") != std::string::npos);

  auto deck = r.cli("--json pin deck");
  REQUIRE(deck.code == 0);
  CHECK(json::parse(deck.out)["available_offline"] == true);
  auto video = r.cli("pin video");
  REQUIRE(video.code == 0);
  CHECK(video.out.find("the next sync fetches it") != std::string::npos);

  auto unknown = r.cli("pin no-such-asset");
  CHECK(unknown.code == 1);
  CHECK(unknown.err.find("no asset 'no-such-asset' in the catalog") != std::string::npos);

  auto list = r.cli("--json pin");
  REQUIRE(list.code == 0);
  const json pinned = json::parse(list.out);
  REQUIRE(pinned.size() == 2);
  CHECK(pinned[0]["asset"] == "deck");
  CHECK(pinned[1]["asset"] == "video");

  // A pinned asset's current version survives eviction; unpinned, it goes.
  auto evict = r.cli("cache evict --to 0");
  CHECK(evict.code == 1);  // the target cannot be met: the pinned deck stays
  CHECK(r.cli("open deck").code == 0);
  REQUIRE(r.cli("unpin deck").code == 0);
  CHECK(r.cli("cache evict --to 0").code == 0);
  CHECK(r.cli("open deck").code == 3);

  auto status = r.cli("--json status");
  REQUIRE(status.code == 0);
  const json s = json::parse(status.out);
  CHECK(s["cache"]["pinned_assets"] == json::array({"video"}));
  CHECK(s["link"].is_null());
  CHECK(s["journal"]["head_seq"].get<std::uint64_t>() > 0);
  CHECK(s["journal"]["undelivered"] == s["journal"]["head_seq"]);
  CHECK(r.cli("status").out.find("not enrolled") != std::string::npos);
}

namespace {

// Overwrites one page of an SQLite file with bytes no page starts with: the
// root page of table, or the page after the header page when table is empty.
void damage_page(const fs::path& db_file, const std::string& table) {
  std::int64_t page = 2;
  std::int64_t page_size = 4096;
  {
    SQLite::Database db(db_file.string(), SQLite::OPEN_READONLY);
    page_size = db.execAndGet("PRAGMA page_size").getInt64();
    if (!table.empty()) {
      SQLite::Statement root(db, "SELECT rootpage FROM sqlite_master WHERE name = ?");
      root.bind(1, table);
      REQUIRE(root.executeStep());
      page = root.getColumn(0).getInt64();
    }
  }
  Bytes bytes = read_file(db_file);
  const auto at = static_cast<std::size_t>((page - 1) * page_size);
  REQUIRE(bytes.size() >= at + static_cast<std::size_t>(page_size));
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin() + static_cast<std::ptrdiff_t>(at + page_size),
            std::uint8_t{0xff});
  write_file(db_file, bytes);
}

}  // namespace

TEST_CASE("CLI: a damaged database page is reported as corrupt (exit 1) naming the file, not as an internal error",
          "[cli][faults]") {
  Rep r;
  REQUIRE(r.cli("request 'Need X'").code == 0);
  fs::path damaged;
  std::string command;
  SECTION("catalog.db, read in the middle of a command") {
    damaged = r.cli.home / "catalog.db";
    damage_page(damaged, "releases");
    command = "catalog show";
  }
  SECTION("journal.db, read when the home opens") {
    damaged = r.cli.home / "journal.db";
    damage_page(damaged, "events");
    command = "journal stats";
  }
  for (const std::string& args : {command, "--json " + command}) {
    INFO(args);
    const auto failed = r.cli(args);
    INFO(failed.err);
    CHECK(failed.code == 1);
    CHECK_THAT(failed.err, Contains("outpost: corrupt: " + damaged.string() + " is damaged"));
    CHECK(failed.err.find("internal error") == std::string::npos);
    if (args.starts_with("--json")) CHECK(json::parse(failed.out)["error"]["code"] == "corrupt");
  }
}

TEST_CASE("CLI: a full disk is reported as disk full, not as a damaged file, and nothing stored is lost",
          "[cli][faults]") {
  Rep r;
  REQUIRE(r.cli("request 'Need X'").code == 0);
  const json before = json::parse(r.cli("--json journal stats").out);
  // prlimit caps the size of any file the CLI writes, as a full disk would:
  // 8 KiB leaves no room for the index SQLite makes beside a database in
  // WAL mode when the home opens.
  const CliOutput full = run_cli("prlimit --fsize=8192 '" OUTPOST_CLI_PATH "'", r.cli.home, "request 'Need Y'");
  INFO(full.err);
  CHECK(full.code == 1);
  CHECK_THAT(full.err, Contains("outpost: disk full: no space left to write " + r.cli.home.string()));
  CHECK(full.err.find("not SQLite") == std::string::npos);
  CHECK(full.err.find("corrupt") == std::string::npos);

  // With room again: every event, the catalog and the cache as they were.
  const json after = json::parse(r.cli("--json journal stats").out);
  CHECK(after["head_seq"] == before["head_seq"]);
  CHECK(after["events"] == before["events"]);
  CHECK(r.cli("journal verify").code == 0);
  CHECK(r.cli("cache verify").code == 0);
  auto opened = r.cli("open deck");
  CHECK(opened.code == 0);
  CHECK(Bytes(opened.out.begin(), opened.out.end()) == r.deck);
  CHECK(json::parse(r.cli("--json status").out)["catalog"]["seq"] == 2);
}
