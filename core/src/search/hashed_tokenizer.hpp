// The search index's words at rest: an FTS5 tokenizer that indexes keyed
// hashes instead of words, so search.db names no document without the
// device's master key (docs/security.md, "What a stolen device reveals").
//
// "outpost_hashed" wraps FTS5's unicode61 (its arguments are passed on):
// each token unicode61 finds (case-folded, diacritics removed) becomes
//  - in a document: the hash of the word, and colocated with it the hash of
//    each of its prefixes of 1..max_prefix characters (the whole word
//    included), so a prefix query is one exact term, read like any other;
//  - in a query: the hash of the word, or the hash of the prefix when the
//    query phrase's text ends in '*' (`"hosp*"`, the form fts_expression
//    writes) or FTS5 asks for a prefix (`"hosp"*`); a prefix longer than
//    max_prefix characters is looked up by its first max_prefix.
// A hash is the first 8 bytes of a keyed BLAKE2b of a domain letter and the
// token, in hex: equal words stay equal (the index still works, and shows
// how often each hashed word occurs), and nothing else is revealed.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "outpost/crypto/secret_key.hpp"

namespace outpost::search {

class TokenHasher {
 public:
  static constexpr std::size_t max_prefix = 24;  // characters

  explicit TokenHasher(crypto::SecretKey key) : key_(std::move(key)) {}

  std::string word(std::string_view token) const { return hash('w', token); }
  std::string prefix(std::string_view token) const { return hash('p', token); }
  // An exact value kept for lookups (an asset id, a facet value).
  std::string value(std::string_view text) const { return hash('v', text); }

 private:
  std::string hash(char domain, std::string_view token) const;
  crypto::SecretKey key_;
};

// Registers "outpost_hashed" on the connection; hasher must outlive it.
// Throws outpost::Error when FTS5 or unicode61 is missing.
void register_hashed_tokenizer(sqlite3* db, const TokenHasher& hasher);

}  // namespace outpost::search
