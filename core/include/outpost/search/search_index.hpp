// SearchIndex: full-text search over the newest release of every asset
// (title, tags, description, change note, extracted text) with SQLite FTS5,
// prefix matching as you type, facet filters and facet counts. At rest it
// holds keyed hashes of words, prefixes, asset ids and facet values, and
// encrypted entries: no title or text in clear (hashed_tokenizer.hpp).
//
// Ranking must stay fast when a word matches most of 100k assets, so it
// never visits every hit: rows are numbered in recency order, and a query
// reads at most `candidate_limit` hits newest-first (FTS5 stops early),
// plus the same again from titles only. When a query has fewer hits than
// that, every hit is ranked (BM25 with field weights, plus boosts for
// recency and local use) and counts are exact; otherwise the ranking and the
// facet counts are over those candidates and the total is flagged as an
// estimate. The index is derived from the catalog and can be rebuilt.
// Used by one thread at a time.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "outpost/catalog/records.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/secret_key.hpp"

namespace outpost::search {

struct Query {
  std::string text;                           // words; each matches as a prefix
  std::map<std::string, std::string> facets;  // product, persona, stage, region, language, kind
  std::size_t limit = 20;
};

struct Hit {
  std::string asset;
  std::uint64_t version = 0;
  std::string title;
  std::string kind;
  double score = 0;
};

struct FacetCount {
  std::string facet;
  std::string value;
  std::size_t count = 0;
};

struct Results {
  std::vector<Hit> hits;
  std::size_t total = 0;
  bool total_is_estimate = false;  // more hits exist than were ranked
  std::vector<FacetCount> facets;
};

class SearchIndex {
 public:
  static constexpr std::size_t candidate_limit = 400;
  static const std::vector<std::string>& facet_names();

  // master is the device's master key: the index derives from it the keys
  // that hash its words and encrypt its entries (nothing in search.db names
  // a document without it).
  static Result<std::unique_ptr<SearchIndex>> open(const std::filesystem::path& path, const crypto::SecretKey& master);
  ~SearchIndex();
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  // The catalog seq the index reflects; the owner re-indexes what is newer.
  std::uint64_t indexed_seq() const;
  // Indexes (or re-indexes) these releases, each replacing any older entry
  // of its asset, and records seq. One transaction.
  Status index(const std::vector<catalog::Release>& releases, std::uint64_t seq);
  // Counts a use of the asset (an allowed open): used assets rank higher.
  Status record_use(const std::string& asset);

  Result<Results> search(const Query& query) const;

 private:
  struct Impl;
  explicit SearchIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The FTS5 expression for what a user typed: each word quoted, all
// required; the last word (the one being typed) is a prefix, marked by a
// '*' inside its quotes, or every word with every_word_prefix ("hosp plat").
// Empty if the text has no words.
std::string fts_expression(const std::string& text, bool every_word_prefix = false);

}  // namespace outpost::search
