#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include "outpost/search/search_index.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;

namespace {

// A device master key (the index derives its own keys from it).
crypto::SecretKey test_master(std::uint8_t fill = 7) { return crypto::SecretKey::from_bytes(Bytes(32, fill)); }

struct Index {
  TempDir dir;
  crypto::SecretKey master = test_master();
  std::unique_ptr<search::SearchIndex> index = open();
  std::uint64_t seq = 0;
  std::int64_t now_ms = 1'700'000'000'000;

  std::unique_ptr<search::SearchIndex> open() {
    auto i = search::SearchIndex::open(dir / "search.db", master);
    REQUIRE(i.is_ok());
    return std::move(i).value();
  }

  catalog::Release release(const std::string& asset, const std::string& title, std::uint64_t version = 1) {
    catalog::Release r;
    r.asset = asset;
    r.version = version;
    r.title = title;
    r.kind = "pdf";
    r.published_at = from_unix_ms(now_ms += 1000);
    return r;
  }

  void add(const std::vector<catalog::Release>& releases) { REQUIRE(index->index(releases, ++seq).is_ok()); }

  search::Results find(const std::string& text, std::map<std::string, std::string> facets = {}) {
    auto r = index->search({text, std::move(facets), 20});
    INFO(r.status().to_string());
    REQUIRE(r.is_ok());
    return std::move(r).value();
  }

  static std::vector<std::string> assets(const search::Results& r) {
    std::vector<std::string> out;
    for (const auto& h : r.hits) out.push_back(h.asset);
    return out;
  }
};

}  // namespace

TEST_CASE("Search: the word being typed matches as a prefix, all words required, case and accents ignored",
          "[search]") {
  Index ix;
  auto a = ix.release("a", "Pricing sheet Europe");
  auto b = ix.release("b", "Product brochure");
  b.description = "Une présentation générale";
  ix.add({a, b});
  CHECK(Index::assets(ix.find("pri")) == std::vector<std::string>{"a"});
  CHECK(Index::assets(ix.find("PRICING eur")) == std::vector<std::string>{"a"});
  CHECK(Index::assets(ix.find("presentation")) == std::vector<std::string>{"b"});
  CHECK(ix.find("pricing brochure").hits.empty());
  // Abbreviated words: every word a prefix when the exact ones find nothing.
  CHECK(Index::assets(ix.find("pri she eu")) == std::vector<std::string>{"a"});
  CHECK(Index::assets(ix.find("prod broch")) == std::vector<std::string>{"b"});
  CHECK(ix.find("pri broch").hits.empty());
  CHECK(ix.find("zzz").total == 0);
  CHECK(ix.find("\"; DROP TABLE assets; --").hits.empty());  // quotes and SQL are just words
}

TEST_CASE("Search: the fts expression quotes every word, the last one as a prefix", "[search]") {
  CHECK(search::fts_expression("Price she") == "\"price\" AND \"she*\"");
  CHECK(search::fts_expression("  \"x\" OR y* ") == "\"x\" AND \"or\" AND \"y*\"");
  CHECK(search::fts_expression("!!").empty());
  CHECK(search::fts_expression("hosp plat", true) == "\"hosp*\" AND \"plat*\"");
}

TEST_CASE("Search: facets filter and are counted", "[search]") {
  Index ix;
  auto a = ix.release("a", "Router deck");
  a.facets.region = "EMEA";
  a.facets.product = "Router X";
  auto b = ix.release("b", "Router price sheet");
  b.facets.region = "APAC";
  b.kind = "price-sheet";
  auto c = ix.release("c", "Switch deck");
  c.facets.region = "EMEA";
  ix.add({a, b, c});

  CHECK(Index::assets(ix.find("router", {{"region", "EMEA"}})) == std::vector<std::string>{"a"});
  CHECK(Index::assets(ix.find("", {{"kind", "price-sheet"}})) == std::vector<std::string>{"b"});
  CHECK(Index::assets(ix.find("", {{"product", "router x"}})) == std::vector<std::string>{"a"});
  const auto all = ix.find("");
  CHECK(all.total == 3);
  std::size_t emea = 0;
  for (const auto& f : all.facets) {
    if (f.facet == "region" && f.value == "EMEA") emea = f.count;
  }
  CHECK(emea == 2);
  auto bad = ix.index->search({"x", {{"colour", "red"}}, 20});
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == Errc::invalid_argument);
}

TEST_CASE("Search: a title match ranks above a description match, and use breaks ties", "[search]") {
  Index ix;
  auto in_title = ix.release("title", "Onboarding guide");
  auto in_desc = ix.release("desc", "Quarterly report");
  in_desc.description = "includes an onboarding section among many other things";
  ix.add({in_title, in_desc});
  CHECK(Index::assets(ix.find("onboarding")) == std::vector<std::string>{"title", "desc"});

  auto x = ix.release("x", "Battery spec");
  auto y = ix.release("y", "Battery spec");
  ix.add({x, y});
  for (int i = 0; i < 5; ++i) REQUIRE(ix.index->record_use("x").is_ok());
  CHECK(Index::assets(ix.find("battery")).front() == "x");
}

TEST_CASE("Search: a new version replaces the old entry and re-indexing an old one is ignored", "[search]") {
  Index ix;
  ix.add({ix.release("doc", "Old title", 1)});
  ix.add({ix.release("doc", "New title", 2)});
  CHECK(ix.find("old").hits.empty());
  REQUIRE(ix.find("new").hits.size() == 1);
  CHECK(ix.find("new").hits[0].version == 2);
  ix.add({ix.release("doc", "Old title", 1)});
  CHECK(ix.find("old").hits.empty());
  CHECK(ix.index->indexed_seq() == 3);
  ix.index.reset();
  ix.index = ix.open();
  CHECK(ix.index->indexed_seq() == 3);
  CHECK(ix.find("new").total == 1);
}

TEST_CASE("Search: a word in most assets is answered from bounded candidates, title matches first", "[search]") {
  Index ix;
  std::vector<catalog::Release> many;
  for (int i = 0; i < 1000; ++i) {
    auto r = ix.release("common-" + std::to_string(i), "Document " + std::to_string(i));
    r.description = "solution overview";
    many.push_back(r);
  }
  auto titled = ix.release("titled", "Solution catalogue");
  many.insert(many.begin(), titled);  // the oldest: found only through the title tier
  ix.add(many);
  const auto r = ix.find("solution");
  CHECK(r.total_is_estimate);
  CHECK(r.total >= search::SearchIndex::candidate_limit);
  REQUIRE_FALSE(r.hits.empty());
  CHECK(r.hits.front().asset == "titled");
  CHECK(r.hits.size() == 20);
}

TEST_CASE("Search: an index from schema 1 (facets inside FTS5) is started over and re-filled", "[search]") {
  TempDir dir;
  {
    SQLite::Database v1((dir / "search.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    v1.exec(R"sql(
      CREATE TABLE meta(key TEXT PRIMARY KEY, value);
      CREATE TABLE assets(rowid INTEGER PRIMARY KEY, asset TEXT UNIQUE NOT NULL, version INTEGER NOT NULL,
        title TEXT NOT NULL, kind TEXT NOT NULL, product TEXT NOT NULL, persona TEXT NOT NULL, stage TEXT NOT NULL,
        region TEXT NOT NULL, language TEXT NOT NULL, published_at INTEGER NOT NULL, opens INTEGER NOT NULL DEFAULT 0);
      CREATE VIRTUAL TABLE fts USING fts5(title, tags, description, note, body, facets,
        tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '1 2 3 4 5 6');
      CREATE VIRTUAL TABLE titles USING fts5(title, facets,
        tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '1 2 3');
      INSERT INTO meta VALUES('seq', 7);
      INSERT INTO assets VALUES(1, 'old', 1, 'Old brochure', 'pdf', '', '', '', 'north', '', 0, 3);
      INSERT INTO fts(rowid, title, facets) VALUES(1, 'Old brochure', 'f_region_north');
      PRAGMA application_id = 0x4f505358;
      PRAGMA user_version = 1;)sql");
  }
  auto opened = search::SearchIndex::open(dir / "search.db", test_master());
  INFO(opened.status().to_string());
  REQUIRE(opened.is_ok());
  auto& index = *opened.value();
  CHECK(index.indexed_seq() == 0);  // the device's catch-up re-indexes everything
  CHECK(index.search({"brochure", {}, 20}).value().hits.empty());

  catalog::Release r;
  r.asset = "old";
  r.version = 1;
  r.title = "Old brochure";
  r.kind = "pdf";
  r.facets.region = "North";
  REQUIRE(index.index({r}, 7).is_ok());
  const auto found = index.search({"brochure", {{"region", "north"}}, 20});
  REQUIRE(found.is_ok());
  REQUIRE(found.value().hits.size() == 1);
  CHECK(found.value().hits[0].asset == "old");
}

TEST_CASE("Search: search.db names no document: words, prefixes, ids and facets are keyed hashes",
          "[search][attack]") {
  Index ix;
  auto r = ix.release("zebra-merger-2027", "Quokka acquisition memo");
  r.description = "Confidential: the wombatcorp takeover terms";
  r.change_note = "numbat figures corrected";
  r.search_text = "platypuses echidnas";
  r.tags = {"kangaroo"};
  r.facets.product = "Bilby Suite";
  r.facets.region = "Tasmania";
  ix.add({r});
  // What a thief with the files would read: nothing of it (the words, in
  // any case, nor their first letters as a prefix index would keep them).
  const std::string raw = database_text(ix.dir / "search.db");
  for (const char* word : {"zebra", "quokka", "acquisition", "wombatcorp", "takeover", "numbat", "platypus", "echidna",
                           "kangaroo", "bilby", "tasmania", "confidential", "memo"}) {
    INFO(word);
    CHECK(raw.find(word) == std::string::npos);
  }
  // ... while search still finds it by every field, prefix and facet.
  for (const char* query : {"quokka", "quo", "acquisition memo", "wombatcorp", "numbat", "platypuses", "echid",
                            "kangaroo"}) {
    INFO(query);
    CHECK(Index::assets(ix.find(query)) == std::vector<std::string>{"zebra-merger-2027"});
  }
  CHECK(Index::assets(ix.find("", {{"region", "TASMANIA"}})) == std::vector<std::string>{"zebra-merger-2027"});
  const auto counted = ix.find("quokka");
  REQUIRE(counted.hits.size() == 1);
  CHECK(counted.hits[0].title == "Quokka acquisition memo");
  bool region_counted = false;
  for (const auto& f : counted.facets) region_counted = region_counted || (f.facet == "region" && f.value == "Tasmania");
  CHECK(region_counted);
}

TEST_CASE("Search: prefixes are whole characters, and a prefix past 24 characters still matches", "[search]") {
  Index ix;
  ix.add({ix.release("a", "Präsentation Überblick"), ix.release("b", "Pneumonoultramicroscopicsilicovolcanoconiosis"),
          ix.release("c", "Pneumonoultramicroscopicsilicone")});
  CHECK(Index::assets(ix.find("pras")) == std::vector<std::string>{"a"});  // diacritics folded
  CHECK(Index::assets(ix.find("Über")) == std::vector<std::string>{"a"});
  CHECK(Index::assets(ix.find("ü")) == std::vector<std::string>{"a"});
  // Exact words are exact at any length (only the last word typed is a
  // prefix); a prefix is judged on its first 24 characters, so both long
  // words share the 31-character one.
  CHECK(Index::assets(ix.find("pneumonoultramicroscopicsilicovolcanoconiosis pneu")) ==
        std::vector<std::string>{"b"});
  CHECK(Index::assets(ix.find("pneumonoultramicroscopics")).size() == 2);
  CHECK(Index::assets(ix.find("pneumonoultramicroscopicsilicov")).size() == 2);
}

TEST_CASE("Search: an index is readable only with the key it was made with", "[search][attack]") {
  Index ix;
  ix.add({ix.release("doc", "Pricing sheet")});
  ix.index.reset();
  auto other = search::SearchIndex::open(ix.dir / "search.db", test_master(9));
  REQUIRE(other.is_ok());
  // Another key hashes the words to other terms: nothing is found ...
  const auto words = other.value()->search({"pricing", {}, 20});
  REQUIRE(words.is_ok());
  CHECK(words.value().hits.empty());
  // ... and the entries do not decrypt: a clear error, no garbage.
  const auto listed = other.value()->search({"", {}, 20});
  REQUIRE_FALSE(listed.is_ok());
  CHECK(listed.status().code() == Errc::corrupt);
  CHECK_THAT(listed.status().message(), Catch::Contains("remove search.db"));
}

TEST_CASE("Search: an index from schema 2 (words in clear) is started over", "[search]") {
  TempDir dir;
  {
    SQLite::Database v2((dir / "search.db").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    v2.exec(R"sql(
      CREATE TABLE meta(key TEXT PRIMARY KEY, value);
      CREATE TABLE assets(rowid INTEGER PRIMARY KEY, asset TEXT UNIQUE NOT NULL, version INTEGER NOT NULL,
        title TEXT NOT NULL, kind TEXT NOT NULL, product TEXT NOT NULL, persona TEXT NOT NULL, stage TEXT NOT NULL,
        region TEXT NOT NULL, language TEXT NOT NULL, published_at INTEGER NOT NULL, opens INTEGER NOT NULL DEFAULT 0);
      CREATE VIRTUAL TABLE fts USING fts5(title, tags, description, note, body,
        tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3 4 5 6');
      CREATE VIRTUAL TABLE titles USING fts5(title, tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3 4 5 6');
      INSERT INTO meta VALUES('seq', 4);
      INSERT INTO assets VALUES(1, 'secret-plan', 1, 'Secret plan', 'pdf', '', '', '', '', '', 0, 0);
      INSERT INTO fts(rowid, title) VALUES(1, 'Secret plan');
      INSERT INTO titles(rowid, title) VALUES(1, 'Secret plan');
      PRAGMA application_id = 0x4f505358;
      PRAGMA user_version = 2;)sql");
  }
  {
    auto opened = search::SearchIndex::open(dir / "search.db", test_master());
    INFO(opened.status().to_string());
    REQUIRE(opened.is_ok());
    CHECK(opened.value()->indexed_seq() == 0);
    CHECK(opened.value()->search({"secret", {}, 20}).value().hits.empty());
  }
  SQLite::Database check((dir / "search.db").string(), SQLite::OPEN_READWRITE);
  check.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  check.exec("VACUUM");
  CHECK(database_text(dir / "search.db").find("secret") == std::string::npos);
}
