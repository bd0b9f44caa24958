// The outpost CLI as a user runs it: the real binary against a temp home.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using nlohmann::json;

namespace {

std::vector<fs::path> chunk_files(const fs::path& home) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(home / "cache" / "chunks")) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  return files;
}

}  // namespace

TEST_CASE("CLI: init, import, cat, stats, list and verify work together", "[cli]") {
  Cli cli;
  REQUIRE(cli("init").code == 0);
  const Bytes data = random_bytes(700'000, 1);
  const fs::path file = cli.file("deck.pdf", data);

  auto imported = cli("--json cache import '" + file.string() + "' --asset deck-q3 --version 1");
  REQUIRE(imported.code == 0);
  const json info = json::parse(imported.out);
  CHECK(info["size"] == data.size());
  CHECK(info["asset"] == "deck-q3");

  auto cat = cli("cache cat deck-q3@1");
  REQUIRE(cat.code == 0);
  CHECK(Bytes(cat.out.begin(), cat.out.end()) == data);

  auto range = cli("cache cat deck-q3 --offset 1000 --length 50");
  REQUIRE(range.code == 0);
  CHECK(Bytes(range.out.begin(), range.out.end()) == Bytes(data.begin() + 1000, data.begin() + 1050));

  auto stats = cli("--json cache stats");
  REQUIRE(stats.code == 0);
  const json s = json::parse(stats.out);
  CHECK(s["versions"] == 1);
  CHECK(s["logical_bytes"] == data.size());

  auto list = cli("cache list");
  CHECK(list.code == 0);
  CHECK(list.out.find("deck-q3@1") != std::string::npos);

  auto verify = cli("cache verify");
  CHECK(verify.code == 0);
  CHECK(verify.out.find("all good") != std::string::npos);
}

TEST_CASE("CLI: a tampered chunk makes verify and cat fail with a clear message", "[cli][integrity]") {
  Cli cli;
  REQUIRE(cli("init").code == 0);
  const fs::path file = cli.file("doc", random_bytes(300'000, 2));
  REQUIRE(cli("cache import '" + file.string() + "' --asset doc --version 1").code == 0);
  const auto files = chunk_files(cli.home);
  REQUIRE_FALSE(files.empty());
  Bytes bytes = read_file(files.front());
  bytes[40] ^= 0xff;
  write_file(files.front(), bytes);

  auto verify = cli("--json cache verify");
  CHECK(verify.code == 1);
  const json report = json::parse(verify.out);
  CHECK(report["bad_chunks"].size() == 1);
  CHECK(report["damaged_versions"][0] == "doc@1");

  auto cat = cli("cache cat doc");
  CHECK(cat.code == 1);
  CHECK(cat.out.empty());
  CHECK(cat.err.find("integrity") != std::string::npos);
}

TEST_CASE("CLI: user mistakes get one-line errors and non-zero exit codes", "[cli]") {
  Cli cli;
  auto missing = cli("cache stats");
  CHECK(missing.code == 1);
  CHECK(missing.err.find("no Outpost home") != std::string::npos);
  CHECK(missing.err.find("init") != std::string::npos);

  REQUIRE(cli("init").code == 0);
  auto twice = cli("init");
  CHECK(twice.code == 1);
  CHECK(twice.err.find("already exists") != std::string::npos);

  auto unknown = cli("cache cat nothing-here");
  CHECK(unknown.code == 1);
  CHECK(unknown.err.find("not in the cache") != std::string::npos);

  auto no_file = cli("cache import /nonexistent/file --asset a --version 1");
  CHECK(no_file.code == 1);
  CHECK(no_file.err.find("/nonexistent/file") != std::string::npos);

  auto bad_ref = cli("cache pin deck");
  CHECK(bad_ref.code == 1);
  CHECK(bad_ref.err.find("ID@N") != std::string::npos);

  auto bad_size = cli("cache evict --to lots");
  CHECK(bad_size.code == 1);
  CHECK(bad_size.err.find("not a size") != std::string::npos);

  auto usage = cli("cache frobnicate");
  CHECK(usage.code == 2);

  auto help = cli("cache import --help");
  CHECK(help.code == 0);
  CHECK(help.out.find("Example") != std::string::npos);
}

TEST_CASE("CLI: a key file readable by others is refused", "[cli][keys]") {
  Cli cli;
  REQUIRE(cli("init").code == 0);
  const fs::path key = cli.home / "keys" / "master.key";
  REQUIRE(::chmod(key.c_str(), 0644) == 0);
  auto r = cli("cache stats");
  CHECK(r.code == 1);
  CHECK(r.err.find("chmod 600") != std::string::npos);
}

TEST_CASE("CLI: a passphrase-protected home needs the right passphrase", "[cli][keys]") {
  Cli cli;
  cli.env = "OUTPOST_PASSPHRASE='correct horse' ";
  REQUIRE(cli("init").code == 0);
  const fs::path file = cli.file("doc", random_bytes(10'000, 3));
  REQUIRE(cli("cache import '" + file.string() + "' --asset doc --version 1").code == 0);

  cli.env = "OUTPOST_PASSPHRASE='wrong horse' ";
  auto wrong = cli("cache stats");
  CHECK(wrong.code == 1);
  CHECK(wrong.err.find("wrong passphrase") != std::string::npos);

  cli.env = "";
  auto none = cli("cache stats");
  CHECK(none.code == 1);
  CHECK(none.err.find("passphrase") != std::string::npos);

  const fs::path pass = cli.file("pass.txt", as_bytes("correct horse\n"));
  auto from_file = cli("--passphrase-file '" + pass.string() + "' cache cat doc@1");
  CHECK(from_file.code == 0);
  CHECK(from_file.out.size() == 10'000);
}

TEST_CASE("CLI: pin, evict, quota and shred", "[cli][evict]") {
  Cli cli;
  REQUIRE(cli("init").code == 0);
  const fs::path a = cli.file("a", random_bytes(200'000, 4));
  const fs::path b = cli.file("b", random_bytes(200'000, 5));
  REQUIRE(cli("cache import '" + a.string() + "' --asset a --version 1").code == 0);
  REQUIRE(cli("cache import '" + b.string() + "' --asset b --version 1").code == 0);
  REQUIRE(cli("cache pin a@1").code == 0);

  auto evict = cli("--json cache evict --to 0");
  CHECK(evict.code == 1);  // a@1 is pinned
  const json r = json::parse(evict.out);
  CHECK(r["evicted"] == json::array({"b@1"}));
  CHECK(r["reached_target"] == false);
  CHECK(cli("cache cat a@1").code == 0);

  REQUIRE(cli("cache unpin a@1").code == 0);
  REQUIRE(cli("cache quota 100K").code == 0);
  CHECK(cli("cache cat a@1").code == 1);  // evicted to meet the quota
  auto stats = json::parse(cli("--json cache stats").out);
  CHECK(stats["quota"] == 100 * 1024);
  CHECK(stats["versions"] == 0);

  REQUIRE(cli("cache quota none").code == 0);
  REQUIRE(cli("cache import '" + a.string() + "' --asset a --version 2").code == 0);
  REQUIRE(cli("cache shred a@2").code == 0);
  CHECK(chunk_files(cli.home).empty());
  CHECK(cli("cache shred a@2").code == 1);
}

TEST_CASE("CLI: a file too large for the disk fails the import and keeps the cache intact", "[cli][faults]") {
  Cli cli;
  REQUIRE(cli("init").code == 0);
  const fs::path small = cli.file("small", random_bytes(50'000, 6));
  REQUIRE(cli("cache import '" + small.string() + "' --asset small --version 1").code == 0);
  const fs::path big = cli.file("big", random_bytes(5'000'000, 7));

  // prlimit caps the size of any file the CLI writes, as a full disk would.
  const CliOutput full = run_cli("prlimit --fsize=100000 '" OUTPOST_CLI_PATH "'", cli.home,
                                 "cache import '" + big.string() + "' --asset big --version 1");
  CHECK(full.code == 1);
  CHECK(full.err.find("disk full") != std::string::npos);

  CHECK(cli("cache verify").code == 0);
  CHECK(cli("cache cat big").code == 1);
  auto cat = cli("cache cat small");
  CHECK(cat.code == 0);
  CHECK(cat.out.size() == 50'000);
}

TEST_CASE("CLI: a cache opened with another device's key is refused, not reported as corrupt", "[cli][keys]") {
  Cli cli;
  REQUIRE(cli("init").code == 0);
  const fs::path file = cli.file("doc", random_bytes(20'000, 8));
  REQUIRE(cli("cache import '" + file.string() + "' --asset doc --version 1").code == 0);

  Cli other;
  REQUIRE(other("init").code == 0);
  fs::copy_file(other.home / "keys" / "master.key", cli.home / "keys" / "master.key",
                fs::copy_options::overwrite_existing);
  auto r = cli("cache cat doc");
  CHECK(r.code == 1);
  CHECK(r.err.find("different master key") != std::string::npos);
  CHECK(r.out.empty());
}
