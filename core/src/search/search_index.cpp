#include "outpost/search/search_index.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "hashed_tokenizer.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/kdf.hpp"
#include "outpost/storage/columns.hpp"
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
    // 3: nothing in clear (docs/security.md): the FTS5 tables index keyed
    // hashes of words and prefixes (hashed_tokenizer.hpp) and keep no copy
    // of the text (contentless); an asset and its facet values are keyed
    // hashes; its title and facets, for hits and facet counts, and the text
    // it was indexed with, to delete it from FTS5 again, are encrypted.
    // Started over, re-indexed by the device's catch-up (use counts restart).
    R"sql(
DROP TABLE fts;
DROP TABLE titles;
DROP TABLE assets;
DELETE FROM meta WHERE key = 'seq';
CREATE TABLE assets(
  rowid INTEGER PRIMARY KEY,
  asset TEXT UNIQUE NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL,
  product TEXT NOT NULL, persona TEXT NOT NULL, stage TEXT NOT NULL, region TEXT NOT NULL, language TEXT NOT NULL,
  published_at INTEGER NOT NULL, opens INTEGER NOT NULL DEFAULT 0,
  entry BLOB NOT NULL, text BLOB NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(
  title, tags, description, note, body, content = '', tokenize = "outpost_hashed remove_diacritics 2");
CREATE VIRTUAL TABLE titles USING fts5(title, content = '', tokenize = "outpost_hashed remove_diacritics 2");
)sql",
};

constexpr storage::Schema schema{"search index", 0x4f505358 /* "OPSX" */, migrations};

// BM25 column weights: title, tags, description, note, body.
constexpr const char* bm25_call = "bm25(fts, 10.0, 5.0, 2.0, 1.0, 1.0)";

bool word_char(unsigned char c) { return std::isalnum(c) != 0 || c >= 0x80; }

// Strings, each as a 4-byte big-endian length and its bytes.
Bytes pack(std::initializer_list<std::string_view> fields) {
  Bytes out;
  for (std::string_view f : fields) {
    const auto n = static_cast<std::uint32_t>(f.size());
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(n >> shift));
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

std::vector<std::string> unpack(ByteView bytes, std::size_t count) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (out.size() < count) {
    if (bytes.size() - at < 4) throw Error(Errc::corrupt, "a search index entry is truncated");
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | bytes[at++];
    if (bytes.size() - at < n) throw Error(Errc::corrupt, "a search index entry is truncated");
    out.emplace_back(reinterpret_cast<const char*>(bytes.data() + at), n);
    at += n;
  }
  return out;
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const char* const facet_columns[] = {"kind", "product", "persona", "stage", "region", "language"};

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
      words.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(word);
  // Only the word being typed is a prefix: a prefix query on a long common
  // word makes FTS5 merge every term it starts, which is what is slow. The
  // search falls back to every word as a prefix when that finds nothing.
  const std::size_t first_prefix = every_word_prefix || words.empty() ? 0 : words.size() - 1;
  // The prefix mark goes inside the quotes, where the index's tokenizer
  // reads it (hashed_tokenizer.hpp): the prefix is then one exact term.
  for (std::size_t i = first_prefix; i < words.size(); ++i) words[i] += "*";
  for (std::string& w : words) w = "\"" + w + "\"";
  return joined(words, " AND ");
}

struct SearchIndex::Impl {
  Impl(const std::filesystem::path& path, const crypto::SecretKey& master)
      : hasher(crypto::derive_key(master, crypto::purpose::search_tokens)),
        entry_key(crypto::derive_key(master, crypto::purpose::search_entries)),
        entry_nonce_key(crypto::derive_key(master, crypto::purpose::search_entry_nonces)),
        // NORMAL: the index is derived data, rebuilt from the catalog if lost.
        db(storage::open_database(path, schema, true, storage::Durability::normal,
                                  [this](SQLite::Database& d) { register_hashed_tokenizer(d.getHandle(), hasher); })) {
    // Read the index through the page cache of the OS rather than one
    // pread per SQLite cache miss.
    db.exec("PRAGMA mmap_size = 268435456");
  }

  // Before db: the connection's tokenizer uses the hasher until it closes.
  const TokenHasher hasher;
  const crypto::SecretKey entry_key;
  const crypto::SecretKey entry_nonce_key;
  mutable SQLite::Database db;

  // An entry's two boxes: what a hit shows (entry) and what it was indexed
  // with (text), each bound to the asset's hashed id and its role.
  Bytes seal(std::string_view asset_key, char role, const Bytes& plain) const {
    return crypto::aead_seal_synthetic(entry_key, entry_nonce_key, plain, associated(asset_key, role));
  }
  std::vector<std::string> open(std::string_view asset_key, char role, ByteView box, std::size_t fields) const {
    Bytes plain;
    if (!crypto::aead_open(entry_key, box, associated(asset_key, role), plain)) {
      throw Error(Errc::corrupt, "a search index entry does not decrypt with this device's key (changed outside "
                                 "Outpost): remove search.db and it is rebuilt from the catalog");
    }
    return unpack(plain, fields);
  }
  static Bytes associated(std::string_view asset_key, char role) {
    Bytes ad(asset_key.begin(), asset_key.end());
    ad.push_back(static_cast<std::uint8_t>(role));
    return ad;
  }

  // Hits newest first, at most limit, with facets (name -> value) as
  // filters. BM25 costs a visit to every matching row, so it is asked for
  // only when the hits are known to be few. table is "fts" or "titles".
  std::vector<Candidate> candidates(const std::string& table, const std::string& match,
                                    const std::map<std::string, std::string>& facets, std::size_t limit,
                                    bool rank) const {
    std::vector<Candidate> out;
    std::string sql = "SELECT a.rowid, " + std::string(match.empty() || !rank ? "0.0" : bm25_call) +
                      ", a.asset, a.version, a.published_at, a.opens, a.entry FROM ";
    std::vector<std::string> where;
    if (match.empty()) {
      sql += "assets a";
    } else {
      sql += table + " JOIN assets a ON a.rowid = " + table + ".rowid";
      where.push_back(table + " MATCH ?");
    }
    for (const auto& facet : facets) where.push_back("a." + facet.first + " = ?");  // names checked
    if (!where.empty()) sql += " WHERE " + joined(where, " AND ");
    // Order by the FTS table's own rowid: FTS5 then walks its doclists
    // backwards and stops at the limit (by a.rowid it would sort every hit).
    sql += " ORDER BY " + (match.empty() ? std::string("a") : table) + ".rowid DESC LIMIT ?";
    SQLite::Statement st(db, sql);
    int arg = 1;
    if (!match.empty()) st.bind(arg++, match);
    for (const auto& facet : facets) st.bind(arg++, hasher.value(lower_ascii(facet.second)));
    st.bind(arg, static_cast<std::int64_t>(limit));
    while (st.executeStep()) {
      Candidate c;
      c.rowid = st.getColumn(0).getInt64();
      c.bm25 = st.getColumn(1).getDouble();
      c.hit.version = static_cast<std::uint64_t>(st.getColumn(3).getInt64());
      c.published_at = st.getColumn(4).getInt64();
      c.opens = st.getColumn(5).getInt64();
      // asset, title, then the facets in facet_columns order
      std::vector<std::string> entry = open(st.getColumn(2).getString(), 'e', storage::blob_view(st.getColumn(6)), 8);
      c.hit.asset = std::move(entry[0]);
      c.hit.title = std::move(entry[1]);
      c.hit.kind = entry[2];
      for (std::size_t i = 0; i < std::size(facet_columns); ++i) c.facet_values[facet_columns[i]] = std::move(entry[2 + i]);
      out.push_back(std::move(c));
    }
    return out;
  }
};

SearchIndex::SearchIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SearchIndex::~SearchIndex() = default;

Result<std::unique_ptr<SearchIndex>> SearchIndex::open(const std::filesystem::path& path,
                                                       const crypto::SecretKey& master) {
  return guarded([&]() -> Result<std::unique_ptr<SearchIndex>> {
    return std::unique_ptr<SearchIndex>(new SearchIndex(std::make_unique<Impl>(path, master)));
  });
}

std::uint64_t SearchIndex::indexed_seq() const {
  return static_cast<std::uint64_t>(storage::meta_int(impl_->db, "seq").value_or(0));
}

Status SearchIndex::index(const std::vector<catalog::Release>& releases, std::uint64_t seq) {
  return guarded([&]() -> Status {
    const Impl& impl = *impl_;
    SQLite::Database& db = impl_->db;
    storage::Transaction tx(db);
    SQLite::Statement find(db, "SELECT rowid, version, opens, text FROM assets WHERE asset = ?");
    // Contentless FTS5 tables forget a row by being told what it held.
    SQLite::Statement drop_fts(db, "INSERT INTO fts(fts, rowid, title, tags, description, note, body) "
                                   "VALUES('delete', ?, ?, ?, ?, ?, ?)");
    SQLite::Statement drop_title(db, "INSERT INTO titles(titles, rowid, title) VALUES('delete', ?, ?)");
    SQLite::Statement drop_asset(db, "DELETE FROM assets WHERE rowid = ?");
    SQLite::Statement add_asset(db,
                                "INSERT INTO assets(asset, version, kind, product, persona, stage, region, language, "
                                "published_at, opens, entry, text) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    SQLite::Statement add_fts(db,
                              "INSERT INTO fts(rowid, title, tags, description, note, body) VALUES(?, ?, ?, ?, ?, ?)");
    SQLite::Statement add_title(db, "INSERT INTO titles(rowid, title) VALUES(?, ?)");
    constexpr std::size_t text_fields = 5;  // title, tags, description, note, body
    for (const catalog::Release& r : releases) {
      const std::string key = impl.hasher.value(r.asset);
      find.reset();
      find.bind(1, key);
      std::int64_t opens = 0;
      if (find.executeStep()) {
        const std::int64_t rowid = find.getColumn(0).getInt64();
        if (static_cast<std::uint64_t>(find.getColumn(1).getInt64()) >= r.version) continue;
        opens = find.getColumn(2).getInt64();
        const std::vector<std::string> old = impl.open(key, 't', storage::blob_view(find.getColumn(3)), text_fields);
        find.reset();
        drop_fts.reset();
        drop_fts.bind(1, rowid);
        for (std::size_t i = 0; i < text_fields; ++i) drop_fts.bind(static_cast<int>(2 + i), old[i]);
        drop_fts.exec();
        drop_title.reset();
        drop_title.bind(1, rowid);
        drop_title.bind(2, old[0]);
        drop_title.exec();
        drop_asset.reset();
        drop_asset.bind(1, rowid);
        drop_asset.exec();
      }
      find.reset();
      const std::string tags = joined(r.tags, " ");
      const std::string facets[] = {r.kind, r.facets.product, r.facets.persona, r.facets.stage, r.facets.region,
                                    r.facets.language};
      const Bytes entry = impl.seal(key, 'e', pack({r.asset, r.title, facets[0], facets[1], facets[2], facets[3],
                                                    facets[4], facets[5]}));
      const Bytes text = impl.seal(key, 't', pack({r.title, tags, r.description, r.change_note, r.search_text}));
      add_asset.reset();
      add_asset.bind(1, key);
      add_asset.bind(2, static_cast<std::int64_t>(r.version));
      for (std::size_t i = 0; i < std::size(facets); ++i) {
        add_asset.bind(static_cast<int>(3 + i), impl.hasher.value(lower_ascii(facets[i])));
      }
      add_asset.bind(9, to_unix_ms(r.published_at));
      add_asset.bind(10, opens);
      add_asset.bind(11, entry.data(), static_cast<int>(entry.size()));
      add_asset.bind(12, text.data(), static_cast<int>(text.size()));
      add_asset.exec();
      const std::int64_t rowid = db.getLastInsertRowid();

      add_fts.reset();
      add_fts.bind(1, rowid);
      add_fts.bind(2, r.title);
      add_fts.bind(3, tags);
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
    st.bind(1, impl_->hasher.value(asset));
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
