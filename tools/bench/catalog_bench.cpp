// Latency and cost of the catalog, the version gate and search, measured in
// one run, each against what it cannot avoid:
//
//   1. gate    gate::Gate::decide on a signed catalog of 1,000 assets x 3
//              versions (superseded, in grace, revoked, expired, not yet
//              valid, cached or not), 20,000 random decisions with and
//              without a version, from a freshly opened catalog and cache.
//              Per-call p50/p95/p99 (steady_clock, timed here, not by Google
//              Benchmark), plus the catalog and cache calls a decision makes.
//              Goal: p99 < 50 us.
//   2. search  search::SearchIndex::search over 100,000 synthetic assets
//              (Zipf vocabulary of 20,000 words, s = 1.1) for a mix of query
//              classes, and the same queries as raw FTS5 SQL (SELECT rowid
//              ... ORDER BY bm25(fts) LIMIT 20) as the baseline, on a plain
//              FTS5 database of the same rows in clear (unicode61, prefix
//              indexes 1-6: what search.db held before it hashed its words).
//              Goal: p95 < 5 ms over the whole mix.
//   3. delta   DeviceCatalog::apply of a 10,000-release delta from seq 0 into
//              a fresh catalog (Google Benchmark), against its unavoidable
//              costs in the same run: 10,000 Ed25519 verifications
//              (crypto::verify) and 10,000 inserts of the same envelopes into
//              a plain SQLite table in one transaction (same WAL +
//              synchronous=FULL as the catalog). No goal; the ratio is printed.
//              diag/* only explain where apply's time goes.
//
// Everything lives in temporary directories /tmp/outpost-bench-cat-XXXXXX,
// removed at the end. All generated data is seeded, so every run builds the
// same catalogs, index and queries (keys are random; they change nothing).
//
// Usage (see BENCHMARKS.md for the figures and how they were taken):
//   outpost_bench_catalog --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
// --parts=gate,search,delta (default: all) runs only some of the three.

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "bench_support.hpp"
#include "outpost/cache/asset_cache.hpp"
#include "outpost/cache/content_digest.hpp"
#include "outpost/catalog/catalog_authority.hpp"
#include "outpost/catalog/catalog_state.hpp"
#include "outpost/catalog/device_catalog.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/crypto/sign.hpp"
#include "outpost/gate/gate.hpp"
#include "outpost/search/search_index.hpp"
#include "outpost/storage/byte_source.hpp"

namespace {

using namespace outpost::bench;

namespace fs = std::filesystem;
using namespace outpost;
using namespace std::chrono_literals;
using Days = std::chrono::days;

// ------------------------------------------------------------------ helpers

// Reproducible pseudo-random bytes (SplitMix64).
Bytes pseudo_random_bytes(std::size_t size, std::uint64_t seed) {
  Bytes out(size);
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < size;) {
    state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    const std::size_t n = std::min<std::size_t>(8, size - i);
    std::memcpy(out.data() + i, &z, n);
    i += n;
  }
  return out;
}

// Zipf(s) over ranks 0..n-1 (rank 0 the most frequent).
class Zipf {
 public:
  Zipf(std::size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
      cdf_[i] = sum;
    }
    for (double& c : cdf_) c /= sum;
  }
  std::size_t operator()(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    const auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
    return std::min(static_cast<std::size_t>(it - cdf_.begin()), cdf_.size() - 1);
  }

 private:
  std::vector<double> cdf_;
};

// n distinct lower-case words of 3 to 9 random letters; vocab[r] is the
// word of Zipf rank r + 1.
std::vector<std::string> make_vocabulary(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> length(3, 9);
  std::uniform_int_distribution<int> letter(0, 25);
  std::unordered_set<std::string> seen;
  std::vector<std::string> words;
  while (words.size() < n) {
    std::string w;
    const int len = length(rng);
    for (int i = 0; i < len; ++i) w += static_cast<char>('a' + letter(rng));
    if (seen.insert(w).second) words.push_back(std::move(w));
  }
  return words;
}

// Zipf-distributed text over a vocabulary.
class TextGen {
 public:
  TextGen(const std::vector<std::string>& vocab, double s, std::uint64_t seed)
      : vocab_(vocab), zipf_(vocab.size(), s), rng_(seed) {}

  std::string words(int lo, int hi) {
    std::string out;
    const int n = std::uniform_int_distribution<int>(lo, hi)(rng_);
    for (int i = 0; i < n; ++i) {
      if (!out.empty()) out += ' ';
      out += vocab_[zipf_(rng_)];
    }
    return out;
  }
  std::vector<std::string> list(int lo, int hi) {
    std::vector<std::string> out;
    const int n = std::uniform_int_distribution<int>(lo, hi)(rng_);
    for (int i = 0; i < n; ++i) out.push_back(vocab_[zipf_(rng_)]);
    return out;
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  const std::vector<std::string>& vocab_;
  Zipf zipf_;
  std::mt19937_64 rng_;
};

const char* const regions[] = {"north", "south", "east", "west", "central", "islands"};
const char* const kinds[] = {"pdf", "deck", "video", "form", "price-sheet"};
constexpr std::size_t product_count = 50;

std::string product_name(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "product-%02zu", i);
  return buf;
}

std::string numbered(const char* prefix, std::size_t i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%06zu", prefix, i);
  return buf;
}

// A release with Zipf text (title 3-8 words, description 20-60, tags 2-5)
// and random region, kind and product facets.
catalog::Release text_release(TextGen& text, const std::string& asset, std::uint64_t version, TimePoint published) {
  auto& rng = text.rng();
  catalog::Release r;
  r.asset = asset;
  r.version = version;
  r.title = text.words(3, 8);
  r.description = text.words(20, 60);
  r.tags = text.list(2, 5);
  r.kind = kinds[std::uniform_int_distribution<std::size_t>(0, std::size(kinds) - 1)(rng)];
  r.facets.region = regions[std::uniform_int_distribution<std::size_t>(0, std::size(regions) - 1)(rng)];
  r.facets.product = product_name(std::uniform_int_distribution<std::size_t>(0, product_count - 1)(rng));
  r.facets.language = "en";
  r.valid_from = published;
  r.published_at = published;
  return r;
}

// The root, publisher and hub keys of one organisation, and the hub's
// CatalogAuthority, on a manual clock (as tests/support/catalog_world.hpp).
struct SignedWorld {
  ManualClock clock;
  SystemRandom random;
  crypto::SigningKey root = crypto::SigningKey::generate(random);
  crypto::SigningKey publisher = crypto::SigningKey::generate(random);
  crypto::SigningKey hub = crypto::SigningKey::generate(random);
  crypto::SecretKey master = crypto::SecretKey::random(random, 32);
  catalog::SignedStatement trust_statement = make_trust();
  catalog::CatalogAuthority authority =
      must(catalog::CatalogAuthority::create(trust_statement, root.public_key()), "create the catalog authority");

  catalog::SignedStatement make_trust() {
    catalog::TrustList t;
    t.version = 1;
    t.publishers.push_back({"publisher-1", publisher.public_key()});
    t.hub_key = hub.public_key();
    t.offline_budget = catalog::default_offline_budget();
    t.issued_at = clock.now();
    return catalog::sign_statement(t.to_body(), root);
  }

  void publish(const catalog::Release& r) {
    (void)must(authority.submit(catalog::sign_statement(r.to_body(), publisher)), "submit a release");
  }
  void revoke(const std::string& asset, std::uint64_t version, TimePoint at) {
    const catalog::Revocation rev{asset, version, "withdrawn for the benchmark", at};
    (void)must(authority.submit(catalog::sign_statement(rev.to_body(), publisher)), "submit a revocation");
  }
  catalog::CatalogDelta delta_from(std::uint64_t seq) {
    return must(authority.delta(seq, hub, clock.now(), std::chrono::hours(24)), "make a delta");
  }
  std::unique_ptr<catalog::DeviceCatalog> open_device(const fs::path& path) {
    auto device = must(catalog::DeviceCatalog::open(path, clock, master), "open the device catalog");
    must(device->pin_root(root.public_key()), "pin the root key");
    return device;
  }
};

void print_latency_row(const char* label, const Latencies& l, double scale, const char* unit) {
  std::printf("  %-34s %6zu %9.1f %9.1f %9.1f %9.1f %9.1f  %s\n", label, l.us.size(), l.pct(50) / scale,
              l.pct(95) / scale, l.pct(99) / scale, l.max() / scale, l.mean() / scale, unit);
}

// ------------------------------------------------------------- 1. the gate

constexpr std::size_t gate_assets = 1000;
constexpr std::size_t gate_decisions = 20000;

void run_gate_study() {
  std::printf("\n=== 1. Gate decision latency ===\n");
  const auto setup_start = Steady::now();
  TempRoot root{"cat"};
  SignedWorld world;
  const TimePoint t0 = world.clock.now();
  const crypto::SecretKey master = crypto::SecretKey::random(world.random, 32);

  // The catalog: asset i has versions 1-3; its case is i % 20.
  //   v1 valid since t0-60d, v2 since t0-20d (grace 0: v1 superseded), v3 since t0-2d.
  //   0-7  v3 grace 0: v1, v2 superseded, v3 current
  //   8-11 v3 grace 30 days: v2 still in grace
  //   12-13 v3 revoked: v2 current
  //   14-15 v3 valid only from t0+5d: v2 current, v3 not yet valid
  //   16   v3 valid t0-10d..t0-1d: expired (and still supersedes v2)
  //   17   v2 revoked, v3 grace 7 days
  //   18-19 price-sheet criticality (7-day offline budget); v2 expires t0+30d
  // Cached (content imported into the AssetCache): v3 for i%10 < 7, v2 for
  // i%10 < 5 (< 8 when v2 is the current version), v1 for i%10 < 2. For
  // i%50 == 0 the cached v3 is not the released content (integrity).
  struct Content {
    std::string asset;
    std::uint64_t version;
    Bytes bytes;
  };
  std::vector<Content> imports;
  std::vector<std::pair<std::string, std::uint64_t>> revocations;
  std::size_t imported_bytes = 0;
  for (std::size_t i = 0; i < gate_assets; ++i) {
    const std::string asset = numbered("gate-asset", i);
    const std::size_t c = i % 20;
    for (std::uint64_t v = 1; v <= 3; ++v) {
      const std::size_t size = 256 + (i * 37 + v * 11) % 1792;
      const Bytes content = pseudo_random_bytes(size, i * 8 + v);
      catalog::Release r;
      r.asset = asset;
      r.version = v;
      r.title = asset + " version " + std::to_string(v);
      r.description = "Benchmark asset for the version gate";
      r.kind = c >= 18 ? "price-sheet" : "pdf";
      r.criticality = c >= 18 ? "price-sheet" : "general";
      r.facets.region = regions[i % std::size(regions)];
      r.digest = cache::content_digest(content);
      r.size = content.size();
      r.valid_from = t0 - (v == 1 ? Days(60) : v == 2 ? Days(20) : Days(2));
      if (v == 3 && c >= 8 && c <= 11) r.grace = Days(30);
      if (v == 3 && c == 17) r.grace = Days(7);
      if (v == 3 && (c == 14 || c == 15)) r.valid_from = t0 + Days(5);
      if (v == 3 && c == 16) {
        r.valid_from = t0 - Days(10);
        r.expires_at = t0 - Days(1);
      }
      if (v == 2 && c >= 18) r.expires_at = t0 + Days(30);
      r.published_at = std::min(r.valid_from, t0);
      world.publish(r);

      const bool v2_current = c >= 12 && c <= 15;
      const bool cached = (v == 3 && i % 10 < 7) || (v == 2 && i % 10 < (v2_current ? 8u : 5u)) ||
                          (v == 1 && i % 10 < 2);
      if (cached) {
        Bytes stored = (v == 3 && i % 50 == 0) ? pseudo_random_bytes(size, ~(i * 8 + v)) : content;
        imported_bytes += stored.size();
        imports.push_back({asset, v, std::move(stored)});
      }
    }
    if (c == 12 || c == 13) revocations.emplace_back(asset, 3);
    if (c == 17) revocations.emplace_back(asset, 2);
  }
  for (const auto& [asset, version] : revocations) world.revoke(asset, version, t0 - Days(1));

  const fs::path catalog_path = root.path / "catalog.db";
  const fs::path cache_dir = root.path / "cache";
  {
    auto device = world.open_device(catalog_path);
    const catalog::ApplyReport report = must(device->apply(world.delta_from(0)), "apply the gate catalog");
    if (report.releases != 3 * gate_assets) die("the gate catalog has the wrong number of releases");
  }
  const auto import_start = Steady::now();
  {
    auto cache = must(cache::AssetCache::open(cache_dir, master, world.clock, world.random), "open the cache");
    for (const Content& c : imports) {
      storage::MemorySource source(c.bytes);
      (void)must(cache->import({c.asset, c.version}, source), "import a gate asset");
    }
  }
  const double import_s = seconds_since(import_start);
  flush_filesystem(root.path);
  std::printf("  setup: %zu assets, %zu releases, %zu revocations, %zu versions cached (%.1f KiB, imports took %.1f s); "
              "setup %.1f s\n",
              gate_assets, 3 * gate_assets, revocations.size(), imports.size(), static_cast<double>(imported_bytes) / 1024,
              import_s, seconds_since(setup_start));

  // Freshly opened: the catalog's per-asset release cache and both SQLite
  // page caches are empty (the files are in the OS page cache).
  auto device = world.open_device(catalog_path);
  auto cache = must(cache::AssetCache::open(cache_dir, master, world.clock, world.random), "reopen the cache");
  gate::Gate gate(*device, *cache);

  // The mix: a uniformly random asset; 45 % without a version, 50 % with
  // version 1-3, 3 % with a version never released, 2 % an unknown asset.
  struct Ask {
    std::string asset;
    std::optional<std::uint64_t> version;
  };
  std::mt19937_64 rng(0x6a7e);
  std::uniform_int_distribution<std::size_t> pick_asset(0, gate_assets - 1);
  std::uniform_int_distribution<int> pct(0, 99);
  std::uniform_int_distribution<std::uint64_t> pick_version(1, 3);
  std::vector<Ask> asks;
  asks.reserve(gate_decisions);
  for (std::size_t k = 0; k < gate_decisions; ++k) {
    const int p = pct(rng);
    const std::size_t i = pick_asset(rng);
    if (p < 2) {
      asks.push_back({numbered("no-such-asset", i), std::nullopt});
    } else if (p < 5) {
      asks.push_back({numbered("gate-asset", i), 9});
    } else if (p < 55) {
      asks.push_back({numbered("gate-asset", i), pick_version(rng)});
    } else {
      asks.push_back({numbered("gate-asset", i), std::nullopt});
    }
  }

  Latencies all, with_version, without_version, first_touch, repeat;
  std::map<std::string, std::size_t> outcomes;
  std::set<std::string> touched;
  const auto loop_start = Steady::now();
  const double loop_cpu = thread_cpu_seconds();
  for (const Ask& a : asks) {
    const auto start = Steady::now();
    const gate::Decision d = gate.decide(a.asset, a.version);
    const double us = micros_since(start);
    all.add(us);
    (a.version ? with_version : without_version).add(us);
    (touched.insert(a.asset).second ? first_touch : repeat).add(us);
    std::string outcome = d.allowed ? (d.in_grace ? "allowed (in grace)" : "allowed") : std::string(gate::reason_name(*d.reason));
    ++outcomes[outcome];
    benchmark::DoNotOptimize(d);
  }
  const double loop_cpu_wall = (thread_cpu_seconds() - loop_cpu) / seconds_since(loop_start);

  std::printf("  outcomes:");
  for (const auto& [what, n] : outcomes) std::printf(" %s %zu;", what.c_str(), n);
  std::printf("\n\n  Gate::decide latency (us)             calls       p50       p95       p99       max      mean\n");
  print_latency_row("all decisions", all, 1, "");
  print_latency_row("  with a version", with_version, 1, "");
  print_latency_row("  without a version (newest)", without_version, 1, "");
  print_latency_row("  first decision on an asset", first_touch, 1, "");
  print_latency_row("  later decisions on an asset", repeat, 1, "");
  const double p99 = all.pct(99);
  std::printf("  (CPU/wall of the timed loop: %.2f; well below 1 means other processes took the CPU)\n", loop_cpu_wall);
  std::printf("  goal: p99 < 50 us over all decisions: %.1f us, %s\n", p99, p99 < 50 ? "met" : "MISSED");

  // What a decision is made of: the catalog and cache calls Gate::evaluate
  // and judge make (trusted_now and releases once; per version judged
  // is_revoked, and for the versions that get that far verified_as_of and
  // one AssetCache::info), each timed alone, warm, on random assets; then
  // what a first decision on an asset pays extra: releases() on a catalog
  // that has not loaded the asset yet (one SQLite query, then decoding each
  // envelope and parsing each release body).
  std::printf("\n  Calls a decision makes, timed alone (us)  calls       p50       p95       p99       max      mean\n");
  Latencies l_releases, l_revoked, l_verified, l_trusted_now, l_info, l_cold, l_parse, l_sql_prepare, l_sql_once;
  std::mt19937_64 rng2(0x6a7f);
  for (std::size_t k = 0; k < 5000; ++k) {
    const std::string asset = numbered("gate-asset", pick_asset(rng2));
    const cache::VersionRef ref{asset, pick_version(rng2)};
    auto s = Steady::now();
    auto rels = device->releases(asset);
    l_releases.add(micros_since(s));
    benchmark::DoNotOptimize(rels);
    s = Steady::now();
    const bool revoked = device->is_revoked(ref);
    l_revoked.add(micros_since(s));
    benchmark::DoNotOptimize(revoked);
    s = Steady::now();
    auto verified = device->verified_as_of();
    l_verified.add(micros_since(s));
    benchmark::DoNotOptimize(verified);
    s = Steady::now();
    auto now = device->trusted_now();
    l_trusted_now.add(micros_since(s));
    benchmark::DoNotOptimize(now);
    s = Steady::now();
    auto info = cache->info(ref);
    l_info.add(micros_since(s));
    benchmark::DoNotOptimize(info);
  }
  {
    auto fresh = world.open_device(catalog_path);
    for (std::size_t i = 0; i < gate_assets; ++i) {
      const auto s = Steady::now();
      auto rels = fresh->releases(numbered("gate-asset", i));
      l_cold.add(micros_since(s));
      benchmark::DoNotOptimize(rels);
    }
    // The query releases() runs on a miss (device_catalog.cpp), each asset
    // once, on fresh read-only connections (cold SQLite page cache, as for
    // the catalog above): prepared on every call as the library does, and
    // prepared once.
    const char* const sql =
        "SELECT s.envelope FROM releases r JOIN statements s ON s.seq = r.seq WHERE r.asset = ? ORDER BY r.version DESC";
    for (const bool prepare_each : {true, false}) {
      SQLite::Database raw(catalog_path.string(), SQLite::OPEN_READONLY);
      std::optional<SQLite::Statement> once;
      if (!prepare_each) once.emplace(raw, sql);
      std::size_t bytes = 0;
      for (std::size_t i = 0; i < gate_assets; ++i) {
        const std::string asset = numbered("gate-asset", i);
        const auto s = Steady::now();
        std::optional<SQLite::Statement> each;
        SQLite::Statement& st = prepare_each ? each.emplace(raw, sql) : *once;
        st.reset();
        st.bind(1, asset);
        while (st.executeStep()) bytes += static_cast<std::size_t>(st.getColumn(0).getBytes());
        each.reset();
        (prepare_each ? l_sql_prepare : l_sql_once).add(micros_since(s));
      }
      benchmark::DoNotOptimize(bytes);
    }
    for (const catalog::SignedStatement& st : world.delta_from(0).statements) {
      if (st.peek_type().value() != catalog::StatementType::release) continue;
      const Bytes envelope = st.encode();
      const auto s = Steady::now();
      auto decoded = catalog::SignedStatement::decode(envelope);
      auto rel = catalog::Release::from_body(decoded.value().body);
      l_parse.add(micros_since(s));
      benchmark::DoNotOptimize(rel);
    }
  }
  print_latency_row("DeviceCatalog::releases (copy)", l_releases, 1, "");
  print_latency_row("DeviceCatalog::is_revoked", l_revoked, 1, "");
  print_latency_row("DeviceCatalog::verified_as_of", l_verified, 1, "");
  print_latency_row("DeviceCatalog::trusted_now", l_trusted_now, 1, "");
  print_latency_row("AssetCache::info", l_info, 1, "");
  print_latency_row("releases, first call (3 versions)", l_cold, 1, "");
  print_latency_row("  its SQL query, prepared per call", l_sql_prepare, 1, "");
  print_latency_row("  its SQL query, prepared once", l_sql_once, 1, "");
  print_latency_row("  decode + parse one release", l_parse, 1, "");
  std::fflush(stdout);
}

// ------------------------------------------------------------- 2. search

constexpr std::size_t search_assets = 100000;
constexpr std::size_t vocabulary_size = 20000;
constexpr double zipf_s = 1.1;
constexpr std::size_t index_batch = 5000;
constexpr std::size_t runs_per_class = 100;

// The raw baseline for one query: the FTS5 MATCH expression the library
// builds from the text (empty: none) and the facet filters, which are plain
// column tests on the assets table.
struct RawQuery {
  std::string match;
  std::map<std::string, std::string> facets;
};

struct QueryClass {
  std::string name;
  std::vector<search::Query> queries;
  std::vector<RawQuery> raw;  // per query
};

void add_query(QueryClass& qc, std::string text, std::map<std::string, std::string> facets = {}) {
  search::Query q;
  q.text = std::move(text);
  q.facets = std::move(facets);
  // The library marks a prefix inside the quotes, for its tokenizer; plain
  // FTS5 reads it after them.
  std::string match = search::fts_expression(q.text);
  for (std::size_t at = 0; (at = match.find("*\"", at)) != std::string::npos; at += 2) match.replace(at, 2, "\"*");
  qc.raw.push_back({std::move(match), q.facets});
  qc.queries.push_back(std::move(q));
}

// "ORDER BY bm25 LIMIT 20" over the same rows the library may return; with
// no text there is nothing to rank, so the first 20 matching rows.
std::string raw_sql(const RawQuery& q) {
  std::string sql = q.match.empty() ? "SELECT a.rowid FROM assets a"
                                    : "SELECT fts.rowid FROM fts JOIN assets a ON a.rowid = fts.rowid";
  std::vector<std::string> where;
  if (!q.match.empty()) where.push_back("fts MATCH ?");
  for (const auto& facet : q.facets) where.push_back("a." + facet.first + " = ? COLLATE NOCASE");
  for (std::size_t i = 0; i < where.size(); ++i) sql += (i == 0 ? " WHERE " : " AND ") + where[i];
  return sql + (q.match.empty() ? "" : " ORDER BY bm25(fts)") + " LIMIT 20";
}

std::vector<QueryClass> make_query_classes(const std::vector<std::string>& vocab) {
  std::mt19937_64 rng(0x9e7);
  auto rank_word = [&](std::size_t lo, std::size_t hi) {  // a word of Zipf rank lo..hi (1-based)
    return vocab[std::uniform_int_distribution<std::size_t>(lo, hi)(rng) - 1];
  };
  auto random_facet = [&]() -> std::map<std::string, std::string> {
    switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
      case 0: return {{"region", regions[std::uniform_int_distribution<std::size_t>(0, std::size(regions) - 1)(rng)]}};
      case 1: return {{"kind", kinds[std::uniform_int_distribution<std::size_t>(0, std::size(kinds) - 1)(rng)]}};
      default: return {{"product", product_name(std::uniform_int_distribution<std::size_t>(0, product_count - 1)(rng))}};
    }
  };
  std::vector<QueryClass> classes;
  QueryClass common{"common word (rank 1-10)", {}, {}};
  for (std::size_t r = 1; r <= 10; ++r) add_query(common, vocab[r - 1]);
  classes.push_back(std::move(common));

  QueryClass mid{"mid word (rank 100-1000)", {}, {}};
  for (int k = 0; k < 30; ++k) add_query(mid, rank_word(100, 1000));
  classes.push_back(std::move(mid));

  QueryClass rare{"rare word (rank 5000-20000)", {}, {}};
  for (int k = 0; k < 30; ++k) add_query(rare, rank_word(5000, 20000));
  classes.push_back(std::move(rare));

  QueryClass two{"two words", {}, {}};
  for (int k = 0; k < 15; ++k) add_query(two, rank_word(1, 10) + " " + rank_word(100, 1000));
  for (int k = 0; k < 15; ++k) add_query(two, rank_word(50, 500) + " " + rank_word(50, 500));
  classes.push_back(std::move(two));

  // One-letter prefixes: every letter but "f" (left out when facets were
  // FTS5 tokens "f_region_..."; still left out so figures stay comparable).
  QueryClass one{"1-letter prefix", {}, {}};
  for (char c = 'a'; c <= 'z'; ++c) {
    if (c != 'f') add_query(one, std::string(1, c));
  }
  classes.push_back(std::move(one));

  QueryClass two_letters{"2-letter prefix", {}, {}};
  for (int k = 0; k < 30; ++k) {
    std::string w = rank_word(1, 2000);
    if (w[0] == 'f') w[0] = 'e';
    add_query(two_letters, w.substr(0, 2));
  }
  classes.push_back(std::move(two_letters));

  QueryClass faceted{"word + facet filter", {}, {}};
  for (int k = 0; k < 30; ++k) add_query(faceted, rank_word(1, 1000), random_facet());
  classes.push_back(std::move(faceted));

  QueryClass facet_only{"empty text + facet", {}, {}};
  for (int k = 0; k < 30; ++k) add_query(facet_only, "", random_facet());
  classes.push_back(std::move(facet_only));
  return classes;
}

void run_search_study() {
  std::printf("\n=== 2. Search latency, %zu assets ===\n", search_assets);
  TempRoot root{"cat"};
  const fs::path db_path = root.path / "search.db";
  const std::vector<std::string> vocab = make_vocabulary(vocabulary_size, 0x766f6361);
  SystemRandom random;
  const crypto::SecretKey master = crypto::SecretKey::random(random, 32);
  auto index = must(search::SearchIndex::open(db_path, master), "open the search index");
  // The raw baseline's database: the same rows in clear, in plain FTS5.
  const fs::path raw_path = root.path / "raw.db";
  {
    SQLite::Database raw(raw_path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec(R"sql(
      PRAGMA journal_mode = WAL;
      CREATE TABLE assets(rowid INTEGER PRIMARY KEY, asset TEXT UNIQUE NOT NULL, title TEXT NOT NULL,
        kind TEXT NOT NULL, product TEXT NOT NULL, region TEXT NOT NULL);
      CREATE VIRTUAL TABLE fts USING fts5(title, tags, description, note, body,
        tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3 4 5 6');)sql");
  }
  SQLite::Database raw_writer(raw_path.string(), SQLite::OPEN_READWRITE);
  auto add_raw = [&](const std::vector<catalog::Release>& releases) {
    SQLite::Transaction tx(raw_writer);
    SQLite::Statement asset(raw_writer, "INSERT INTO assets(asset, title, kind, product, region) VALUES(?, ?, ?, ?, ?)");
    SQLite::Statement fts(raw_writer, "INSERT INTO fts(rowid, title, tags, description, note, body) VALUES(?, ?, ?, ?, ?, ?)");
    for (const catalog::Release& r : releases) {
      asset.reset();
      asset.bind(1, r.asset);
      asset.bind(2, r.title);
      asset.bind(3, r.kind);
      asset.bind(4, r.facets.product);
      asset.bind(5, r.facets.region);
      asset.exec();
      std::string tags;
      for (const auto& t : r.tags) tags += (tags.empty() ? "" : " ") + t;
      fts.reset();
      fts.bind(1, raw_writer.getLastInsertRowid());
      fts.bind(2, r.title);
      fts.bind(3, tags);
      fts.bind(4, r.description);
      fts.bind(5, r.change_note);
      fts.bind(6, r.search_text);
      fts.exec();
    }
    tx.commit();
  };

  const auto build_start = Steady::now();
  double index_seconds = 0;
  {
    TextGen text(vocab, zipf_s, 0x5ea4c4);
    const TimePoint base = from_unix_ms(1'690'000'000'000);
    std::vector<catalog::Release> batch;
    batch.reserve(index_batch);
    std::size_t words = 0;
    for (std::size_t i = 0; i < search_assets; ++i) {
      batch.push_back(text_release(text, numbered("asset", i), 1, base + std::chrono::minutes(i)));
      const auto& r = batch.back();
      words += static_cast<std::size_t>(std::count(r.title.begin(), r.title.end(), ' ') + 1 +
                                        std::count(r.description.begin(), r.description.end(), ' ') + 1) +
               r.tags.size();
      if (batch.size() == index_batch) {
        const auto s = Steady::now();
        must(index->index(batch, i + 1), "index a batch");
        index_seconds += seconds_since(s);
        add_raw(batch);
        batch.clear();
      }
    }
    if (!batch.empty()) {
      const auto s = Steady::now();
      must(index->index(batch, search_assets), "index the last batch");
      index_seconds += seconds_since(s);
      add_raw(batch);
    }
    auto file_mib = [](const fs::path& db) {
      std::uintmax_t bytes = 0;
      for (const char* suffix : {"", "-wal"}) {
        std::error_code ec;
        const auto n = fs::file_size(db.string() + suffix, ec);
        if (!ec) bytes += n;
      }
      return static_cast<double>(bytes) / (1024.0 * 1024.0);
    };
    std::printf("  index built: %zu assets, %.1f M words, %zu per transaction, in %.1f s (SearchIndex::index; "
                "%.1f s in all with the raw copy); search.db %.1f MiB, raw FTS5 copy %.1f MiB\n",
                search_assets, static_cast<double>(words) / 1e6, index_batch, index_seconds,
                seconds_since(build_start), file_mib(db_path), file_mib(raw_path));
  }

  std::vector<QueryClass> classes = make_query_classes(vocab);
  SQLite::Database raw_db(raw_path.string(), SQLite::OPEN_READONLY);
  std::map<std::string, std::unique_ptr<SQLite::Statement>> raw_statements;  // by SQL text

  struct Run {
    std::size_t cls;
    std::size_t query;
  };
  std::vector<Run> runs;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    for (std::size_t k = 0; k < runs_per_class; ++k) runs.push_back({c, k % classes[c].queries.size()});
  }
  std::mt19937_64 rng(0x5eed);
  std::shuffle(runs.begin(), runs.end(), rng);

  struct ClassStats {
    Latencies lib, raw;
    std::size_t lib_hits = 0, raw_rows = 0, estimates = 0;
  };
  std::vector<ClassStats> stats(classes.size());
  std::int64_t checksum = 0;
  auto run_lib = [&](const search::Query& q, ClassStats* s) {
    const auto start = Steady::now();
    const search::Results res = must(index->search(q), "search");
    const double us = micros_since(start);
    if (s != nullptr) {
      s->lib.add(us);
      s->lib_hits += res.hits.size();
      s->estimates += res.total_is_estimate ? 1 : 0;
    }
    benchmark::DoNotOptimize(res);
  };
  auto run_raw = [&](const RawQuery& q, ClassStats* s) {
    const std::string sql = raw_sql(q);
    auto& slot = raw_statements[sql];
    if (!slot) slot = std::make_unique<SQLite::Statement>(raw_db, sql);
    SQLite::Statement& raw = *slot;
    const auto start = Steady::now();
    raw.reset();
    int arg = 1;
    if (!q.match.empty()) raw.bind(arg++, q.match);
    for (const auto& facet : q.facets) raw.bind(arg++, facet.second);
    std::size_t rows = 0;
    while (raw.executeStep()) {
      checksum += raw.getColumn(0).getInt64();
      ++rows;
    }
    const double us = micros_since(start);
    if (s != nullptr) {
      s->raw.add(us);
      s->raw_rows += rows;
    }
  };

  // One untimed pass over every distinct query, both ways, then the timed
  // runs in shuffled order, library and raw back to back, alternating which
  // goes first.
  const auto query_start = Steady::now();
  for (const QueryClass& qc : classes) {
    for (std::size_t k = 0; k < qc.queries.size(); ++k) {
      run_lib(qc.queries[k], nullptr);
      run_raw(qc.raw[k], nullptr);
    }
  }
  const auto timed_start = Steady::now();
  const double timed_cpu = thread_cpu_seconds();
  for (std::size_t n = 0; n < runs.size(); ++n) {
    const Run& r = runs[n];
    ClassStats* s = &stats[r.cls];
    if (n % 2 == 0) {
      run_lib(classes[r.cls].queries[r.query], s);
      run_raw(classes[r.cls].raw[r.query], s);
    } else {
      run_raw(classes[r.cls].raw[r.query], s);
      run_lib(classes[r.cls].queries[r.query], s);
    }
  }
  const double timed_cpu_wall = (thread_cpu_seconds() - timed_cpu) / seconds_since(timed_start);
  benchmark::DoNotOptimize(checksum);
  std::size_t distinct = 0;
  for (const QueryClass& qc : classes) distinct += qc.queries.size();
  std::printf("  %zu query classes (%zu distinct queries), %zu timed runs per class each way; queries took %.1f s; "
              "CPU/wall of the timed runs %.2f\n",
              classes.size(), distinct, runs_per_class, seconds_since(query_start), timed_cpu_wall);

  std::printf("\n  Latency (ms)                 |   SearchIndex::search (library)     |   raw FTS5, ORDER BY bm25 LIMIT 20  | lib/raw     | avg hits\n");
  std::printf("  class                        |    p50     p95     p99     max      |    p50     p95     p99     max      | p50   p95   | lib  raw  est\n");
  Latencies lib_all, raw_all;
  auto row = [](const char* name, const Latencies& l, const Latencies& r, double lib_hits, double raw_rows, double est) {
    std::printf("  %-28s | %6.2f  %6.2f  %6.2f  %7.2f     | %6.2f  %6.2f  %6.2f  %7.2f     | %4.2f  %4.2f | %4.1f %4.1f %3.0f%%\n", name,
                l.pct(50) / 1000, l.pct(95) / 1000, l.pct(99) / 1000, l.max() / 1000, r.pct(50) / 1000,
                r.pct(95) / 1000, r.pct(99) / 1000, r.max() / 1000, l.pct(50) / r.pct(50), l.pct(95) / r.pct(95),
                lib_hits, raw_rows, est * 100);
  };
  for (std::size_t c = 0; c < classes.size(); ++c) {
    const ClassStats& s = stats[c];
    const auto n = static_cast<double>(s.lib.us.size());
    row(classes[c].name.c_str(), s.lib, s.raw, static_cast<double>(s.lib_hits) / n, static_cast<double>(s.raw_rows) / n,
        static_cast<double>(s.estimates) / n);
    lib_all.add_all(s.lib);
    raw_all.add_all(s.raw);
  }
  std::printf("  %-28s | %6.2f  %6.2f  %6.2f  %7.2f     | %6.2f  %6.2f  %6.2f  %7.2f     | %4.2f  %4.2f |\n",
              "whole mix (equal shares)", lib_all.pct(50) / 1000, lib_all.pct(95) / 1000, lib_all.pct(99) / 1000,
              lib_all.max() / 1000, raw_all.pct(50) / 1000, raw_all.pct(95) / 1000, raw_all.pct(99) / 1000,
              raw_all.max() / 1000, lib_all.pct(50) / raw_all.pct(50), lib_all.pct(95) / raw_all.pct(95));
  std::printf("  (est = share of library queries whose total is an estimate: more than %zu candidates)\n",
              search::SearchIndex::candidate_limit);
  const double p95 = lib_all.pct(95) / 1000;
  std::printf("  goal: p95 < 5 ms over the whole mix: %.2f ms, %s\n", p95, p95 < 5 ? "met" : "MISSED");
  std::fflush(stdout);
}

// ------------------------------------------------------------- 3. the delta

constexpr std::size_t delta_releases = 10000;
constexpr std::string_view signing_prefix{"OutpostStatement/1\0", 19};  // statement.cpp: what a signature covers

struct DeltaEnv {
  TempRoot dir{"cat"};
  SignedWorld world;
  catalog::CatalogDelta delta;
  std::vector<Bytes> messages;   // signing prefix || body, per statement
  std::vector<Bytes> envelopes;  // SignedStatement::encode(), what apply stores
  std::size_t envelope_bytes = 0;
  std::size_t round = 0;

  DeltaEnv() {
    const auto start = Steady::now();
    const std::vector<std::string> vocab = make_vocabulary(vocabulary_size, 0x766f6361);
    TextGen text(vocab, zipf_s, 0xde17a);
    const TimePoint now = world.clock.now();
    for (std::size_t i = 0; i < delta_releases; ++i) {
      catalog::Release r = text_release(text, numbered("delta-asset", i), 1, now - std::chrono::minutes(delta_releases - i));
      r.digest = crypto::blake2b(pseudo_random_bytes(32, i));
      r.size = 4096 + i;
      world.publish(r);
    }
    delta = world.delta_from(0);
    for (const catalog::SignedStatement& s : delta.statements) {
      Bytes m(signing_prefix.begin(), signing_prefix.end());
      m.insert(m.end(), s.body.begin(), s.body.end());
      messages.push_back(std::move(m));
      envelopes.push_back(s.encode());
      envelope_bytes += envelopes.back().size();
    }
    std::printf("\n=== 3. Applying a %zu-release delta ===\n  delta: %zu statements, envelopes %.0f bytes on average "
                "(%.1f MiB); encoded delta %.1f MiB; setup %.1f s\n",
                delta_releases, delta.statements.size(),
                static_cast<double>(envelope_bytes) / static_cast<double>(envelopes.size()),
                static_cast<double>(envelope_bytes) / (1024.0 * 1024.0),
                static_cast<double>(delta.encode().size()) / (1024.0 * 1024.0), seconds_since(start));
    std::fflush(stdout);
  }
  fs::path fresh_path(const char* what) { return dir.path / (std::string(what) + "-" + std::to_string(round++)); }
};

std::unique_ptr<DeltaEnv> g_delta;

DeltaEnv& delta_env() {
  if (!g_delta) g_delta = std::make_unique<DeltaEnv>();
  return *g_delta;
}

void bm_delta_apply(benchmark::State& state) {
  DeltaEnv& e = delta_env();
  for (auto _ : state) {
    state.PauseTiming();
    const fs::path path = e.fresh_path("catalog");
    auto device = e.world.open_device(path);
    flush_filesystem(e.dir.path);
    state.ResumeTiming();

    Result<catalog::ApplyReport> report = device->apply(e.delta);

    state.PauseTiming();
    if (!report.is_ok() || report->releases != delta_releases) {
      state.SkipWithError(report.is_ok() ? "apply applied the wrong number of releases"
                                         : ("apply failed: " + report.status().to_string()).c_str());
    }
    device.reset();
    remove_db(path);
    flush_filesystem(e.dir.path);
    state.ResumeTiming();
    if (state.error_occurred()) break;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(delta_releases));
}

void bm_raw_verify(benchmark::State& state) {
  DeltaEnv& e = delta_env();
  const crypto::PublicKey& key = e.world.publisher.public_key();
  for (auto _ : state) {
    std::size_t good = 0;
    for (std::size_t i = 0; i < e.messages.size(); ++i) {
      good += crypto::verify(key, e.messages[i], e.delta.statements[i].signature) ? 1 : 0;
    }
    if (good != e.messages.size()) {
      state.SkipWithError("a signature did not verify");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(delta_releases));
}

void bm_raw_sqlite_insert(benchmark::State& state) {
  DeltaEnv& e = delta_env();
  for (auto _ : state) {
    state.PauseTiming();
    const fs::path path = e.fresh_path("plain");
    auto db = std::make_unique<SQLite::Database>(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->exec("PRAGMA journal_mode=WAL");
    db->exec("PRAGMA synchronous=FULL");  // as the device catalog
    db->exec("CREATE TABLE statements(seq INTEGER PRIMARY KEY, envelope BLOB NOT NULL)");
    flush_filesystem(e.dir.path);
    state.ResumeTiming();

    db->exec("BEGIN IMMEDIATE");
    {
      SQLite::Statement put(*db, "INSERT INTO statements(seq, envelope) VALUES(?, ?)");
      for (std::size_t i = 0; i < e.envelopes.size(); ++i) {
        put.reset();
        put.bind(1, static_cast<std::int64_t>(i + 1));
        put.bind(2, e.envelopes[i].data(), static_cast<int>(e.envelopes[i].size()));
        put.exec();
      }
    }
    db->exec("COMMIT");

    state.PauseTiming();
    db.reset();
    remove_db(path);
    flush_filesystem(e.dir.path);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(delta_releases));
}

// The rule checks apply runs before writing anything: CatalogState::add per
// statement (signer lookup, Ed25519 verify, peek_type, Release::from_body,
// version rule, chain digest = encode + BLAKE2b), in memory.
void bm_diag_state_add(benchmark::State& state) {
  DeltaEnv& e = delta_env();
  const catalog::TrustList& trust = e.world.authority.trust();
  for (auto _ : state) {
    catalog::CatalogState s;
    for (const catalog::SignedStatement& st : e.delta.statements) {
      if (!s.add(st, trust).is_ok()) {
        state.SkipWithError("CatalogState::add refused a statement");
        break;
      }
    }
    benchmark::DoNotOptimize(s.digest());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(delta_releases));
}

void bm_diag_release_parse(benchmark::State& state) {
  DeltaEnv& e = delta_env();
  for (auto _ : state) {
    for (const catalog::SignedStatement& st : e.delta.statements) {
      auto r = catalog::Release::from_body(st.body);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(delta_releases));
}

void bm_diag_peek_type(benchmark::State& state) {
  DeltaEnv& e = delta_env();
  for (auto _ : state) {
    for (const catalog::SignedStatement& st : e.delta.statements) {
      auto t = st.peek_type();
      benchmark::DoNotOptimize(t);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(delta_releases));
}

void bm_diag_envelope_encode(benchmark::State& state) {
  DeltaEnv& e = delta_env();
  for (auto _ : state) {
    for (const catalog::SignedStatement& st : e.delta.statements) {
      Bytes b = st.encode();
      benchmark::DoNotOptimize(b.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(delta_releases));
}

// ------------------------------------------------------------ the reporter

// The console output, plus the seconds per iteration of every repetition,
// so the ratio can be printed at the end from medians (wall clock).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred || run.iterations == 0) continue;
      const std::string& name = run.run_name.function_name;
      if (run.run_type == Run::RT_Iteration) {
        wall_[name].push_back(run.real_accumulated_time / static_cast<double>(run.iterations));
        cpu_[name].push_back(run.cpu_accumulated_time / static_cast<double>(run.iterations));
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void print_summary(std::ostream& os) const {
    char line[256];
    os << "\nDelta of " << delta_releases << " releases, median of repetitions (wall clock)\n";
    os << "  benchmark                          per 10k      per statement    CPU/wall\n";
    for (const char* name : order_) {
      const auto w = median(wall_, name);
      if (!w) continue;
      const auto c = median(cpu_, name);
      std::snprintf(line, sizeof line, "  %-32s %8.1f ms   %8.1f us       %5.2f\n", name, *w * 1e3,
                    *w * 1e6 / static_cast<double>(delta_releases), c ? *c / *w : 0.0);
      os << line;
    }
    const auto apply = median(wall_, "delta/apply_10k");
    const auto verify = median(wall_, "raw/ed25519_verify_10k");
    const auto insert = median(wall_, "raw/sqlite_insert_10k");
    if (apply && verify && insert) {
      std::snprintf(line, sizeof line,
                    "  ratio apply / (verify + insert) = %.1f ms / (%.1f + %.1f) ms = %.2fx the unavoidable cost\n",
                    *apply * 1e3, *verify * 1e3, *insert * 1e3, *apply / (*verify + *insert));
      os << line;
      if (const auto add = median(wall_, "diag/state_add_10k")) {
        std::snprintf(line, sizeof line,
                      "  of apply: rule checks (CatalogState::add) %.1f ms, the rest (SQLite writes and copies) %.1f ms\n",
                      *add * 1e3, (*apply - *add) * 1e3);
        os << line;
      }
    } else {
      os << "  ratio apply / (verify + insert): not measured in this run\n";
    }
  }

 private:
  using Series = std::map<std::string, std::vector<double>>;
  static std::optional<double> median(const Series& series, const std::string& name) {
    const auto it = series.find(name);
    if (it == series.end() || it->second.empty()) return std::nullopt;
    std::vector<double> v = it->second;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  static constexpr const char* order_[] = {"delta/apply_10k",        "raw/ed25519_verify_10k", "raw/sqlite_insert_10k",
                                           "diag/state_add_10k",     "diag/release_parse_10k", "diag/peek_type_10k",
                                           "diag/envelope_encode_10k"};
  Series wall_;
  Series cpu_;
};

void register_benchmarks() {
  using benchmark::kMillisecond;
  benchmark::RegisterBenchmark("delta/apply_10k", bm_delta_apply)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("raw/ed25519_verify_10k", bm_raw_verify)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("raw/sqlite_insert_10k", bm_raw_sqlite_insert)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("diag/state_add_10k", bm_diag_state_add)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("diag/release_parse_10k", bm_diag_release_parse)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("diag/peek_type_10k", bm_diag_peek_type)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("diag/envelope_encode_10k", bm_diag_envelope_encode)->Unit(kMillisecond)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  // --parts=gate,search,delta (ours; removed before Google Benchmark sees argv).
  std::string parts = "gate,search,delta";
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--parts=")) {
      parts = std::string(arg.substr(8));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  auto wants = [&](const char* part) { return ("," + parts + ",").find("," + std::string(part) + ",") != std::string::npos; };

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::printf("outpost_bench_catalog: SQLite %s, parts %s\n", SQLite::getLibVersion(), parts.c_str());

  try {
    if (wants("gate")) run_gate_study();
    if (wants("search")) run_search_study();
    if (wants("delta")) {
      delta_env();  // builds and signs the delta before any benchmark runs
      register_benchmarks();
      const bool color = ::isatty(STDOUT_FILENO) != 0;
      RatioReporter reporter(color ? benchmark::ConsoleReporter::OO_Color : benchmark::ConsoleReporter::OO_None);
      std::cout << "\n";
      std::cout.flush();
      benchmark::RunSpecifiedBenchmarks(&reporter);
      reporter.print_summary(std::cout);
      std::cout.flush();
    }
  } catch (const std::exception& e) {
    die(std::string("unexpected exception: ") + e.what());
  }

  benchmark::Shutdown();
  g_delta.reset();  // removes the delta's temp directory
  return 0;
}
