#include "outpost/search/search_index.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "outpost/base/guard.hpp"
#include "outpost/storage/database.hpp"

namespace outpost::search {

namespace {

constexpr std::string_view migrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value);
-- rowid order is recency order: re-indexing an asset gives it a new, higher rowid.
CREATE TABLE assets(
  rowid INTEGER PRIMARY KEY,
  asset TEXT UNIQUE NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL, kind TEXT NOT NULL,
  product TEXT NOT NULL, persona TEXT NOT NULL, stage TEXT NOT NULL, region TEXT NOT NULL, language TEXT NOT NULL,
  published_at INTEGER NOT NULL, opens INTEGER NOT NULL DEFAULT 0);
CREATE VIRTUAL TABLE fts USING fts5(
  title, tags, description, note, body, facets,
  tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '1 2 3 4 5 6');
CREATE VIRTUAL TABLE titles USING fts5(
  title, facets, tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", prefix = '1 2 3');
)sql",
    // 2: facets leave FTS5 and become plain column tests on assets, so a
    // user's words need no column filter (which made FTS5 read the position
    // list of every candidate). The index is derived from the catalog: start
    // it over and let the device's catch-up re-index (use counts restart).
    R"sql(
DROP TABLE fts;
DROP TABLE titles;
DELETE FROM assets;
DELETE FROM meta WHERE key = 'seq';
CREATE VIRTUAL TABLE fts USING fts5(
  title, tags, description, note, body,
  tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3 4 5 6');
-- Titles again, on their own: the title tier of a common word reads this
-- short doclist instead of filtering the word's whole doclist by column.
CREATE VIRTUAL TABLE titles USING fts5(title, tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3 4 5 6');
)sql",
};

constexpr storage::Schema schema{"search index", 0x4f505358 /* "OPSX" */, migrations};

// BM25 column weights: title, tags, description, note, body.
constexpr const char* bm25_call = "bm25(fts, 10.0, 5.0, 2.0, 1.0, 1.0)";

bool word_char(unsigned char c) { return std::isalnum(c) != 0 || c >= 0x80; }

std::string joined(const std::vector<std::string>& words, const char* sep) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

struct Candidate {
  std::int64_t rowid;
  double bm25;
  Hit hit;
  std::int64_t published_at;
  std::int64_t opens;
  std::map<std::string, std::string> facet_values;
};

}  // namespace

const std::vector<std::string>& SearchIndex::facet_names() {
  static const std::vector<std::string> names{"kind", "product", "persona", "stage", "region", "language"};
  return names;
}

std::string fts_expression(const std::string& text, bool every_word_prefix) {
  std::vector<std::string> words;
  std::string word;
  for (unsigned char c : text) {
    if (word_char(c)) {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      words.push_back("\"" + word + "\"");
      word.clear();
    }
  }
  if (!word.empty()) words.push_back("\"" + word + "\"");
  // Only the word being typed is a prefix: a prefix query on a long common
  // word makes FTS5 merge every term it starts, which is what is slow. The
  // search falls back to every word as a prefix when that finds nothing.
  const std::size_t first_prefix = every_word_prefix || words.empty() ? 0 : words.size() - 1;
  for (std::size_t i = first_prefix; i < words.size(); ++i) words[i] += "*";
  return joined(words, " AND ");
}

struct SearchIndex::Impl {
  explicit Impl(const std::filesystem::path& path)
      // NORMAL: the index is derived data, rebuilt from the catalog if lost.
      : db(storage::open_database(path, schema, true, storage::Durability::normal)) {
    // Read the index through the page cache of the OS rather than one
    // pread per SQLite cache miss.
    db.exec("PRAGMA mmap_size = 268435456");
  }

  mutable SQLite::Database db;

  // Hits newest first, at most limit, with facets (name -> value) as
  // filters. BM25 costs a visit to every matching row, so it is asked for
  // only when the hits are known to be few. table is "fts" or "titles".
  std::vector<Candidate> candidates(const std::string& table, const std::string& match,
                                    const std::map<std::string, std::string>& facets, std::size_t limit,
                                    bool rank) const {
    std::vector<Candidate> out;
    std::string sql = "SELECT a.rowid, " + std::string(match.empty() || !rank ? "0.0" : bm25_call) +
                      ", a.asset, a.version, a.title, a.kind, a.published_at, a.opens, a.product, a.persona, "
                      "a.stage, a.region, a.language FROM ";
    std::vector<std::string> where;
    if (match.empty()) {
      sql += "assets a";
    } else {
      sql += table + " JOIN assets a ON a.rowid = " + table + ".rowid";
      where.push_back(table + " MATCH ?");
    }
    for (const auto& facet : facets) where.push_back("a." + facet.first + " = ? COLLATE NOCASE");  // names checked
    if (!where.empty()) sql += " WHERE " + joined(where, " AND ");
    // Order by the FTS table's own rowid: FTS5 then walks its doclists
    // backwards and stops at the limit (by a.rowid it would sort every hit).
    sql += " ORDER BY " + (match.empty() ? std::string("a") : table) + ".rowid DESC LIMIT ?";
    SQLite::Statement st(db, sql);
    int arg = 1;
    if (!match.empty()) st.bind(arg++, match);
    for (const auto& facet : facets) st.bind(arg++, facet.second);
    st.bind(arg, static_cast<std::int64_t>(limit));
    while (st.executeStep()) {
      Candidate c;
      c.rowid = st.getColumn(0).getInt64();
      c.bm25 = st.getColumn(1).getDouble();
      c.hit.asset = st.getColumn(2).getString();
      c.hit.version = static_cast<std::uint64_t>(st.getColumn(3).getInt64());
      c.hit.title = st.getColumn(4).getString();
      c.hit.kind = st.getColumn(5).getString();
      c.published_at = st.getColumn(6).getInt64();
      c.opens = st.getColumn(7).getInt64();
      c.facet_values["kind"] = c.hit.kind;
      const char* names[] = {"product", "persona", "stage", "region", "language"};
      for (int i = 0; i < 5; ++i) c.facet_values[names[i]] = st.getColumn(8 + i).getString();
      out.push_back(std::move(c));
    }
    return out;
  }
};

SearchIndex::SearchIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SearchIndex::~SearchIndex() = default;

Result<std::unique_ptr<SearchIndex>> SearchIndex::open(const std::filesystem::path& path) {
  return guarded([&]() -> Result<std::unique_ptr<SearchIndex>> {
    return std::unique_ptr<SearchIndex>(new SearchIndex(std::make_unique<Impl>(path)));
  });
}

std::uint64_t SearchIndex::indexed_seq() const {
  return static_cast<std::uint64_t>(storage::meta_int(impl_->db, "seq").value_or(0));
}

Status SearchIndex::index(const std::vector<catalog::Release>& releases, std::uint64_t seq) {
  return guarded([&]() -> Status {
    SQLite::Database& db = impl_->db;
    storage::Transaction tx(db);
    SQLite::Statement find(db, "SELECT rowid, version FROM assets WHERE asset = ?");
    SQLite::Statement drop_fts(db, "DELETE FROM fts WHERE rowid = ?");
    SQLite::Statement drop_title(db, "DELETE FROM titles WHERE rowid = ?");
    SQLite::Statement drop_asset(db, "DELETE FROM assets WHERE rowid = ?");
    SQLite::Statement add_asset(db,
                                "INSERT INTO assets(asset, version, title, kind, product, persona, stage, region, "
                                "language, published_at, opens) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    SQLite::Statement add_fts(db,
                              "INSERT INTO fts(rowid, title, tags, description, note, body) VALUES(?, ?, ?, ?, ?, ?)");
    SQLite::Statement add_title(db, "INSERT INTO titles(rowid, title) VALUES(?, ?)");
    for (const catalog::Release& r : releases) {
      find.reset();
      find.bind(1, r.asset);
      std::int64_t opens = 0;
      if (find.executeStep()) {
        const std::int64_t rowid = find.getColumn(0).getInt64();
        if (static_cast<std::uint64_t>(find.getColumn(1).getInt64()) >= r.version) continue;
        SQLite::Statement used(db, "SELECT opens FROM assets WHERE rowid = ?");
        used.bind(1, rowid);
        if (used.executeStep()) opens = used.getColumn(0).getInt64();
        for (SQLite::Statement* st : {&drop_fts, &drop_title, &drop_asset}) {
          st->reset();
          st->bind(1, rowid);
          st->exec();
        }
      }
      add_asset.reset();
      add_asset.bind(1, r.asset);
      add_asset.bind(2, static_cast<std::int64_t>(r.version));
      add_asset.bind(3, r.title);
      add_asset.bind(4, r.kind);
      add_asset.bind(5, r.facets.product);
      add_asset.bind(6, r.facets.persona);
      add_asset.bind(7, r.facets.stage);
      add_asset.bind(8, r.facets.region);
      add_asset.bind(9, r.facets.language);
      add_asset.bind(10, to_unix_ms(r.published_at));
      add_asset.bind(11, opens);
      add_asset.exec();
      const std::int64_t rowid = db.getLastInsertRowid();

      add_fts.reset();
      add_fts.bind(1, rowid);
      add_fts.bind(2, r.title);
      add_fts.bind(3, joined(r.tags, " "));
      add_fts.bind(4, r.description);
      add_fts.bind(5, r.change_note);
      add_fts.bind(6, r.search_text);
      add_fts.exec();
      add_title.reset();
      add_title.bind(1, rowid);
      add_title.bind(2, r.title);
      add_title.exec();
    }
    storage::set_meta(db, "seq", static_cast<std::int64_t>(seq));
    tx.commit();
    return Status::ok();
  });
}

Status SearchIndex::record_use(const std::string& asset) {
  return guarded([&]() -> Status {
    SQLite::Statement st(impl_->db, "UPDATE assets SET opens = opens + 1 WHERE asset = ?");
    st.bind(1, asset);
    st.exec();
    return Status::ok();
  });
}

Result<Results> SearchIndex::search(const Query& query) const {
  return guarded([&]() -> Result<Results> {
    for (const auto& [name, value] : query.facets) {
      if (std::find(facet_names().begin(), facet_names().end(), name) == facet_names().end()) {
        return Status(Errc::invalid_argument, "unknown facet '" + name + "' (known: kind, product, persona, stage, "
                                              "region, language)");
      }
    }
    std::string words = fts_expression(query.text);

    // Newest-first candidates without ranking; one more than the limit tells
    // whether that was all of them.
    std::vector<Candidate> found = impl_->candidates("fts", words, query.facets, candidate_limit + 1, false);
    if (found.empty()) {
      // Abbreviated words ("hosp plat"): every word as a prefix, only when
      // the exact words found nothing, so the common query stays cheap.
      const std::string prefixes = fts_expression(query.text, true);
      if (prefixes != words) {
        words = prefixes;
        found = impl_->candidates("fts", words, query.facets, candidate_limit + 1, false);
      }
    }
    Results results;
    results.total_is_estimate = found.size() > candidate_limit;
    if (!results.total_is_estimate) {
      if (!words.empty()) found = impl_->candidates("fts", words, query.facets, candidate_limit, true);  // few: rank all
    } else {
      found.pop_back();
      // A common word: BM25 over all hits would visit every one. Rank the
      // newest candidates, with the best title matches added, by tier:
      // a title match counts double.
      for (Candidate& c : found) c.bm25 = -1.0;
      if (!words.empty()) {
        for (Candidate& c : impl_->candidates("titles", words, query.facets, candidate_limit, false)) {
          auto same = std::find_if(found.begin(), found.end(), [&](const Candidate& f) { return f.rowid == c.rowid; });
          if (same != found.end()) {
            same->bm25 = -2.0;
          } else {
            c.bm25 = -2.0;
            found.push_back(std::move(c));
          }
        }
      }
    }
    results.total = found.size();

    const std::int64_t newest = found.empty() ? 0
                                              : std::max_element(found.begin(), found.end(), [](const auto& a, const auto& b) {
                                                  return a.published_at < b.published_at;
                                                })->published_at;
    for (Candidate& c : found) {
      const double relevance = words.empty() ? 1.0 : -c.bm25;  // FTS5's bm25 is negative; lower is better
      const double age_days = static_cast<double>(newest - c.published_at) / 86'400'000.0;
      const double recency = 1.0 + 0.5 * std::exp(-age_days / 90.0);
      const double use = 1.0 + 0.2 * std::log1p(static_cast<double>(c.opens));
      c.hit.score = relevance * recency * use;
    }
    std::stable_sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) { return a.hit.score > b.hit.score; });

    std::map<std::pair<std::string, std::string>, std::size_t> counts;
    for (const Candidate& c : found) {
      for (const auto& [name, value] : c.facet_values) {
        if (!value.empty()) ++counts[{name, value}];
      }
    }
    for (const auto& [key, n] : counts) results.facets.push_back({key.first, key.second, n});
    std::stable_sort(results.facets.begin(), results.facets.end(),
                     [](const FacetCount& a, const FacetCount& b) { return a.count > b.count; });

    for (std::size_t i = 0; i < found.size() && i < query.limit; ++i) results.hits.push_back(std::move(found[i].hit));
    return results;
  });
}

}  // namespace outpost::search
