// The event journal and durable lead capture, measured in one run against
// what they cannot avoid:
//
//   1. append  Batched telemetry (page.viewed 50 %, asset.opened 30 %,
//              search.performed 20 %, seeded values) made with the typed
//              constructors, appended with Journal::append into a fresh
//              journal (flush_batch 4096, background_flush off and on), then
//              flush(): the clock stops when the last event is on disk.
//              Baseline: the same rows - the same bytes, sealed and hashed
//              here with libsodium as the journal does - inserted into a
//              fresh plain SQLite table of the journal's `events` shape with
//              one prepared statement, in transactions of the same 4096
//              rows, WAL + synchronous=FULL like the journal.
//              Goal: >= 0.7x raw and >= 100,000 events/s.
//              The per-event cost breakdown times each step of the append
//              path alone over the same events: typed constructor (build,
//              validate, MessagePack), BLAKE2b of the payload + chain hash,
//              XChaCha20-Poly1305 seal as the journal does it (allocate the
//              blob, draw a random nonce, encrypt), and the SQLite insert
//              (from the raw run, with its commits timed apart).
//              What-if rows (not library behaviour): the same steps done by
//              this file, with the commits on a writer thread so they
//              overlap the CPU work, with a counter or a random nonce.
//   2. lead    leads::capture with a real form into a fresh Journal (default
//              options), a dedupe key and a hub X25519 lead key: per-call
//              p50/p95/p99 (about one capture in ten is a repeat visit).
//              Baselines in the same loop, in rotating order: write() of as
//              many bytes as a stored lead row, appended to a file, then
//              fsync(); and a single-row INSERT of a row of that size,
//              autocommit, WAL + synchronous=FULL. It runs first, so the
//              append runs' gigabyte of writes and deletes cannot disturb it.
//              Goal: capture <= 2x the raw write+fsync.
//
// Everything lives in temporary directories /tmp/outpost-bench-jnl-XXXXXX
// (same filesystem as /tmp), removed at the end; syncfs is called before
// every timed part so one part's dirty pages are not paid by the next.
// Inputs are seeded; keys are random (they change no size).
//
// Usage (see BENCHMARKS.md for the figures and how they were taken):
//   outpost_bench_journal [--parts=append,lead] [--events=200000] [--reps=5] [--captures=400]
// --variants=off,on,prebuilt,raw,steps,pipe,pipe-rand (default: all)
// repeats only some of the append runs, e.g. to profile one alone.

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/sealed_box.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/journal/event.hpp"
#include "outpost/journal/hlc.hpp"
#include "outpost/journal/journal.hpp"
#include "outpost/leads/lead_capture.hpp"
#include "outpost/leads/lead_form.hpp"

namespace {

using namespace outpost::bench;

namespace fs = std::filesystem;
using namespace outpost;

constexpr std::size_t batch = 4096;  // JournalOptions::flush_batch, and the raw transactions
constexpr std::uint64_t big_quota = 4ull << 30;  // nothing is dropped for quota in this benchmark

// ------------------------------------------------------------------ helpers

// CPU time of the whole process (the journal's flusher thread included).
double process_cpu() { return cpu_seconds(CLOCK_PROCESS_CPUTIME_ID); }

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
  return buf;
}

std::uintmax_t file_size_or_zero(const fs::path& path) {
  std::error_code ec;
  const auto n = fs::file_size(path, ec);
  return ec ? 0 : n;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The journal's `events` table (core/src/journal/journal.cpp), for the raw baselines.
constexpr const char* events_table =
    "CREATE TABLE events(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, type INTEGER NOT NULL, "
    "durable INTEGER NOT NULL, payload BLOB, payload_hash BLOB NOT NULL, hash BLOB NOT NULL)";
constexpr const char* events_insert =
    "INSERT INTO events(seq, time, type, durable, payload, payload_hash, hash) VALUES(?, ?, ?, ?, ?, ?, ?)";

std::unique_ptr<SQLite::Database> open_raw_db(const fs::path& path) {
  auto db = std::make_unique<SQLite::Database>(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db->exec("PRAGMA journal_mode=WAL");
  db->exec("PRAGMA synchronous=FULL");  // as the journal (storage::Durability::full)
  db->exec(events_table);
  return db;
}

// ------------------------------------------------------------ telemetry mix

struct Spec {
  enum Kind { page, opened, searched } kind;
  std::string a;  // presentation / asset / query
  std::string b;  // notice / chosen asset (may be empty)
  std::uint64_t x = 0, y = 0;
};

std::vector<Spec> make_specs(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::uint64_t lo, std::uint64_t hi) { return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng); };
  static constexpr const char* regions[] = {"emea", "amer", "apac", "dach", "nordics", "uk"};
  static constexpr const char* topics[] = {"pricing", "roadmap", "security", "case-study", "onboarding", "datasheet"};
  static constexpr const char* words[] = {"pricing", "emea",  "roadmap",  "security", "deck",  "q3",
                                          "partner", "case",  "study",    "onboard",  "sla",   "compliance",
                                          "demo",    "kiosk", "brochure", "retail",   "bank",  "healthcare"};
  auto asset = [&] {
    char buf[64];
    std::snprintf(buf, sizeof buf, "deck-%s-%s-%04u", regions[pick(0, 5)], topics[pick(0, 5)],
                  static_cast<unsigned>(pick(0, 2999)));
    return std::string(buf);
  };
  std::vector<std::string> presentations;
  for (int i = 0; i < 64; ++i) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "pres-%016llx", static_cast<unsigned long long>(rng()));
    presentations.emplace_back(buf);
  }
  std::vector<Spec> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto roll = pick(0, 99);
    Spec s{};
    if (roll < 50) {
      s.kind = Spec::page;
      s.a = presentations[pick(0, presentations.size() - 1)];
      s.x = pick(1, 60);          // page
      s.y = pick(500, 120'000);   // dwell_ms
    } else if (roll < 80) {
      s.kind = Spec::opened;
      s.a = asset();
      s.x = pick(1, 20);  // version
      if (pick(0, 9) == 0) s.b = "superseded in 3 days";
    } else {
      s.kind = Spec::searched;
      const auto nwords = pick(1, 3);
      for (std::uint64_t w = 0; w < nwords; ++w) s.a += (w ? " " : "") + std::string(words[pick(0, 17)]);
      s.x = pick(0, 400);  // results
      if (pick(0, 1) == 0) s.b = asset();
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<journal::Event> make_event(const Spec& s) {
  switch (s.kind) {
    case Spec::page: return journal::page_viewed(s.a, s.x, s.y);
    case Spec::opened: return journal::asset_opened(s.a, s.x, s.b);
    case Spec::searched: return journal::search_performed(s.a, s.x, s.b);
  }
  die("unknown spec kind");
}

// ------------------------------------------------------- 1. batched appends

// One row as the journal stores it (the same bytes, made here the way the journal makes them).
struct RawRow {
  std::int64_t time;
  int type;
  Bytes blob;  // nonce || ciphertext || tag
  crypto::Digest payload_hash;
  crypto::Digest hash;
};

// What the journal does to seal a payload (Journal::Impl::seal_payload):
// a blob of random nonce + ciphertext + tag, encrypted under the journal
// key with "OPJP" || be64(seq) || be16(type code) as associated data.
Bytes seal_like_journal(const crypto::SecretKey& key, Random& random, std::uint64_t seq, std::uint16_t code,
                        ByteView payload) {
  Bytes blob(24 + payload.size() + crypto::aead_tag_size);
  const crypto::AeadNonce nonce = crypto::random_nonce(random);
  std::memcpy(blob.data(), nonce.data(), nonce.size());
  std::array<std::uint8_t, 14> ad{'O', 'P', 'J', 'P'};
  store_be64(ad.data() + 4, seq);
  ad[12] = static_cast<std::uint8_t>(code >> 8);
  ad[13] = static_cast<std::uint8_t>(code);
  const crypto::AeadTag tag =
      crypto::aead_encrypt(key, nonce, payload, ad, MutableByteView(blob.data() + 24, payload.size()));
  std::memcpy(blob.data() + 24 + payload.size(), tag.data(), tag.size());
  return blob;
}

struct RunTimes {
  double wall = 0;    // seconds
  double cpu = 0;     // process CPU seconds
  double commit = 0;  // raw only: seconds inside COMMIT (the fsyncs)
  double insert = 0;  // raw only: seconds inside the INSERTs
};

struct AppendEnv {
  TempRoot root{"jnl"};
  SystemClock clock;
  SystemRandom random;
  crypto::SecretKey journal_key = crypto::SecretKey::random(random, 32);
  std::vector<Spec> specs;
  std::vector<journal::Event> events;  // the specs, built once (append-only variant and breakdown)
  std::vector<RawRow> rows;            // the same events as stored rows
  std::size_t payload_bytes = 0;       // total plain payload
  std::size_t blob_bytes = 0;          // total stored payload blobs
  int fresh = 0;

  fs::path fresh_path(const char* stem) { return root.path / (std::string(stem) + "-" + std::to_string(fresh++) + ".db"); }
};

// construct: build each event from its spec inside the timed loop (else use
// the prebuilt events). verify: check the chain afterwards (untimed).
RunTimes run_journal(AppendEnv& e, bool background, bool construct, bool verify) {
  const fs::path path = e.fresh_path(background ? "journal-bg" : "journal");
  journal::JournalOptions options;
  options.quota_bytes = big_quota;
  options.flush_batch = batch;
  options.background_flush = background;
  auto j = must(journal::Journal::open(path, e.journal_key, e.clock, e.random, options), "open journal");
  flush_filesystem(e.root.path);

  const std::size_t n = e.specs.size();
  RunTimes t;
  const double cpu0 = process_cpu();
  const auto start = Steady::now();
  if (construct) {
    for (std::size_t i = 0; i < n; ++i) {
      Result<journal::Event> ev = make_event(e.specs[i]);
      if (!ev) die("typed constructor: " + ev.status().to_string());
      if (auto a = j->append(*ev); !a) die("append: " + a.status().to_string());
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      if (auto a = j->append(e.events[i]); !a) die("append: " + a.status().to_string());
    }
  }
  must(j->flush(), "flush");
  t.wall = seconds_since(start);
  t.cpu = process_cpu() - cpu0;

  const journal::JournalStats st = j->stats();
  if (st.stored_seq != n || st.head_seq != n || st.events != n) {
    die("journal stored " + std::to_string(st.stored_seq) + " of " + std::to_string(n) + " events");
  }
  if (verify) {
    const journal::VerifyReport report = must(j->verify(), "verify");
    if (!report.ok() || report.checked != n) die("journal verify: " + report.problem);
  }
  j.reset();
  remove_db(path);
  return t;
}

// What-if, not library behaviour: the journal's append path done by this
// file instead - typed constructor, HLC time, BLAKE2b + chain hash, seal -
// on the calling thread, while a writer thread inserts and commits the
// previous batch of 4096 rows (double buffering, so the CPU work overlaps
// the fsync). random_nonce: draw each nonce with randombytes_buf, as the
// journal does; else 16 random bytes per run || a 64-bit counter.
RunTimes run_pipelined(AppendEnv& e, bool random_nonce) {
  const fs::path path = e.fresh_path(random_nonce ? "pipe-rand" : "pipe");
  auto db = open_raw_db(path);
  flush_filesystem(e.root.path);

  struct Row {
    std::uint64_t seq;
    journal::HlcTime time;
    int type;
    Bytes blob;
    crypto::Digest payload_hash, hash;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Row> handoff;
  bool full = false, done = false;
  std::optional<std::string> writer_error;

  const std::size_t n = e.specs.size();
  RunTimes t;
  const double cpu0 = process_cpu();
  const auto start = Steady::now();
  std::thread writer([&] {
    try {
      SQLite::Statement insert(*db, events_insert);
      std::vector<Row> work;
      for (;;) {
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return full || done; });
          if (!full) break;
          work.swap(handoff);
          full = false;
        }
        cv.notify_all();
        db->exec("BEGIN IMMEDIATE");
        for (const Row& r : work) {
          insert.reset();
          insert.bind(1, static_cast<std::int64_t>(r.seq));
          insert.bind(2, static_cast<std::int64_t>(r.time.value));
          insert.bind(3, r.type);
          insert.bind(4, 0);
          insert.bindNoCopy(5, r.blob.data(), static_cast<int>(r.blob.size()));
          insert.bindNoCopy(6, r.payload_hash.bytes.data(), 32);
          insert.bindNoCopy(7, r.hash.bytes.data(), 32);
          insert.exec();
        }
        db->exec("COMMIT");
        work.clear();
      }
    } catch (const std::exception& ex) {
      writer_error = ex.what();
    }
  });

  journal::Hlc hlc(e.clock);
  std::array<std::uint8_t, 16> salt{};
  e.random.fill(salt);
  std::uint64_t counter = 0;
  crypto::Digest prev;
  std::vector<Row> current;
  current.reserve(batch);
  auto hand_off = [&] {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return !full; });
      handoff.swap(current);
      full = true;
    }
    cv.notify_all();
    current.clear();
  };
  for (std::size_t i = 0; i < n; ++i) {
    Result<journal::Event> ev = make_event(e.specs[i]);
    if (!ev) die("typed constructor: " + ev.status().to_string());
    const std::uint64_t seq = i + 1;
    const journal::HlcTime time = hlc.now();
    const crypto::Digest payload_hash = crypto::blake2b(ev->payload());
    prev = journal::chain_hash(prev, seq, time, ev->type().name, payload_hash);
    const ByteView payload = ev->payload();
    Bytes blob(24 + payload.size() + crypto::aead_tag_size);
    crypto::AeadNonce nonce;
    if (random_nonce) {
      nonce = crypto::random_nonce(e.random);
    } else {
      std::memcpy(nonce.data(), salt.data(), salt.size());
      store_be64(nonce.data() + 16, ++counter);
    }
    std::memcpy(blob.data(), nonce.data(), nonce.size());
    std::array<std::uint8_t, 14> ad{'O', 'P', 'J', 'P'};
    store_be64(ad.data() + 4, seq);
    ad[12] = static_cast<std::uint8_t>(ev->type().code >> 8);
    ad[13] = static_cast<std::uint8_t>(ev->type().code);
    const crypto::AeadTag tag =
        crypto::aead_encrypt(e.journal_key, nonce, payload, ad, MutableByteView(blob.data() + 24, payload.size()));
    std::memcpy(blob.data() + 24 + payload.size(), tag.data(), tag.size());
    current.push_back({seq, time, ev->type().code, std::move(blob), payload_hash, prev});
    if (current.size() == batch) hand_off();
  }
  if (!current.empty()) hand_off();
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return !full; });
    done = true;
  }
  cv.notify_all();
  writer.join();  // the last commit has returned: everything is on disk
  t.wall = seconds_since(start);
  t.cpu = process_cpu() - cpu0;
  if (writer_error) die("what-if writer: " + *writer_error);
  if (db->execAndGet("SELECT count(*) FROM events").getInt64() != static_cast<std::int64_t>(n)) die("what-if lost rows");
  db.reset();
  remove_db(path);
  return t;
}

RunTimes run_raw(AppendEnv& e) {
  const fs::path path = e.fresh_path("raw");
  auto db = open_raw_db(path);
  flush_filesystem(e.root.path);

  const std::size_t n = e.rows.size();
  RunTimes t;
  const double cpu0 = process_cpu();
  const auto start = Steady::now();
  {
    SQLite::Statement insert(*db, events_insert);
    for (std::size_t i = 0; i < n; ++i) {
      if (i % batch == 0) db->exec("BEGIN IMMEDIATE");
      const auto t0 = Steady::now();
      const RawRow& r = e.rows[i];
      insert.reset();
      insert.bind(1, static_cast<std::int64_t>(i + 1));
      insert.bind(2, r.time);
      insert.bind(3, r.type);
      insert.bind(4, 0);
      insert.bindNoCopy(5, r.blob.data(), static_cast<int>(r.blob.size()));
      insert.bindNoCopy(6, r.payload_hash.bytes.data(), 32);
      insert.bindNoCopy(7, r.hash.bytes.data(), 32);
      insert.exec();
      t.insert += seconds_since(t0);
      if ((i + 1) % batch == 0 || i + 1 == n) {
        const auto c0 = Steady::now();
        db->exec("COMMIT");
        t.commit += seconds_since(c0);
      }
    }
  }
  t.wall = seconds_since(start);
  t.cpu = process_cpu() - cpu0;
  if (db->execAndGet("SELECT count(*) FROM events").getInt64() != static_cast<std::int64_t>(n)) die("raw insert lost rows");
  db.reset();
  remove_db(path);
  return t;
}

struct Breakdown {
  double construct = 0, hash = 0, seal = 0;  // seconds over all events
  double nonce = 0;                          // the random nonce alone (part of seal)
};

// Each step of the append path alone, over the same events. Fills e.rows
// (the raw baseline's rows) the first time.
Breakdown run_breakdown(AppendEnv& e) {
  const std::size_t n = e.specs.size();
  Breakdown b;

  {  // typed constructors: build the MessagePack map, validate, encode
    std::size_t sink = 0;
    const auto start = Steady::now();
    for (std::size_t i = 0; i < n; ++i) {
      Result<journal::Event> ev = make_event(e.specs[i]);
      if (!ev) die("typed constructor: " + ev.status().to_string());
      sink += ev->payload().size();
    }
    b.construct = seconds_since(start);
    if (sink != e.payload_bytes) die("constructors are not deterministic");
  }

  const std::uint64_t time0 = static_cast<std::uint64_t>(to_unix_ms(e.clock.now())) << 16;
  std::vector<crypto::Digest> payload_hashes(n), hashes(n);
  {  // BLAKE2b of the payload + chain hash, as the journal's enqueue
    crypto::Digest prev;
    const auto start = Steady::now();
    for (std::size_t i = 0; i < n; ++i) {
      const journal::Event& ev = e.events[i];
      payload_hashes[i] = crypto::blake2b(ev.payload());
      prev = journal::chain_hash(prev, i + 1, journal::HlcTime{time0 + i}, ev.type().name, payload_hashes[i]);
      hashes[i] = prev;
    }
    b.hash = seconds_since(start);
  }

  std::vector<Bytes> blobs(n);
  {  // seal: allocate the blob, draw a nonce and encrypt, as seal_payload
    const auto start = Steady::now();
    for (std::size_t i = 0; i < n; ++i) {
      blobs[i] = seal_like_journal(e.journal_key, e.random, i + 1, e.events[i].type().code, e.events[i].payload());
    }
    b.seal = seconds_since(start);
  }
  {  // the nonce alone: crypto::random_nonce through SystemRandom (libsodium randombytes_buf)
    const auto start = Steady::now();
    for (std::size_t i = 0; i < n; ++i) (void)crypto::random_nonce(e.random);  // an external call: not elided
    b.nonce = seconds_since(start);
  }

  if (e.rows.empty()) {
    e.rows.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      e.blob_bytes += blobs[i].size();
      e.rows.push_back({static_cast<std::int64_t>(time0 + i), e.events[i].type().code, std::move(blobs[i]),
                        payload_hashes[i], hashes[i]});
    }
  }
  return b;
}

struct AppendResults {
  std::size_t events = 0;
  std::size_t payload_bytes = 0, blob_bytes = 0;
  std::vector<RunTimes> j_off, j_on, j_prebuilt, raw, pipe, pipe_rand;
  std::vector<Breakdown> parts;
};

// variants: which runs to repeat ("off,on,prebuilt,raw,steps,pipe,pipe-rand"), for profiling one alone.
AppendResults run_append_study(std::size_t n, int reps, const std::string& variants) {
  auto wants = [&](const char* v) { return ("," + variants + ",").find("," + std::string(v) + ",") != std::string::npos; };
  AppendEnv e;
  e.specs = make_specs(n, 0x4f504a4e42454e43ULL);
  e.events.reserve(n);
  for (const Spec& s : e.specs) {
    e.events.push_back(must(make_event(s), "typed constructor"));
    e.payload_bytes += e.events.back().payload().size();
  }

  AppendResults r;
  r.events = n;
  std::printf("\n1. batched appends: %zu telemetry events (page.viewed 50 %%, asset.opened 30 %%, "
              "search.performed 20 %%), batch %zu, %d repetitions\n",
              n, batch, reps);

  // One untimed warm-up pass of each path (page cache, allocator, code).
  r.parts.push_back(run_breakdown(e));  // also builds e.rows; its figures are discarded below
  r.parts.clear();
  (void)run_journal(e, false, true, true);  // and checks the chain once
  (void)run_raw(e);
  r.payload_bytes = e.payload_bytes;
  r.blob_bytes = e.blob_bytes;
  std::printf("   payload %.1f B/event plain, %.1f B/event stored (nonce + ciphertext + tag); temp dir %s\n",
              static_cast<double>(e.payload_bytes) / static_cast<double>(n),
              static_cast<double>(e.blob_bytes) / static_cast<double>(n), e.root.path.c_str());

  // The variants in a rotating order, so a burst of load from another
  // process does not always land on the same one.
  constexpr int kinds = 7;
  for (int rep = 0; rep < reps; ++rep) {
    for (int k = 0; k < kinds; ++k) {
      switch ((rep + k) % kinds) {
        case 0: if (wants("off")) r.j_off.push_back(run_journal(e, false, true, false)); break;
        case 1: if (wants("on")) r.j_on.push_back(run_journal(e, true, true, false)); break;
        case 2: if (wants("prebuilt")) r.j_prebuilt.push_back(run_journal(e, false, false, false)); break;
        case 3: if (wants("raw")) r.raw.push_back(run_raw(e)); break;
        case 4: if (wants("steps")) r.parts.push_back(run_breakdown(e)); break;
        case 5: if (wants("pipe")) r.pipe.push_back(run_pipelined(e, false)); break;
        case 6: if (wants("pipe-rand")) r.pipe_rand.push_back(run_pipelined(e, true)); break;
      }
    }
    auto rate = [&](const std::vector<RunTimes>& v) {
      return v.empty() ? 0.0 : static_cast<double>(n) / v.back().wall / 1000;
    };
    std::printf("   rep %d: journal bg off %.0fk/s, bg on %.0fk/s, prebuilt %.0fk/s; raw %.0fk/s; what-if %.0fk/s, "
                "%.0fk/s   (load %s)\n",
                rep + 1, rate(r.j_off), rate(r.j_on), rate(r.j_prebuilt), rate(r.raw), rate(r.pipe), rate(r.pipe_rand),
                load_average().c_str());
    std::fflush(stdout);
  }
  return r;
}

// ------------------------------------------------------------ 2. lead capture

constexpr std::string_view form_json = R"json({
  "show": "rsa-2027",
  "fields": [
    {"name": "email", "label": "Email", "type": "email", "required": true},
    {"name": "first_name", "label": "First name", "type": "text", "required": true, "max_length": 80},
    {"name": "last_name", "label": "Last name", "type": "text", "required": true, "max_length": 80},
    {"name": "company", "label": "Company", "type": "text", "required": true, "max_length": 120},
    {"name": "job_title", "label": "Job title", "type": "text", "max_length": 120},
    {"name": "phone", "label": "Phone", "type": "phone"},
    {"name": "country", "label": "Country", "type": "select", "options": ["DE", "FR", "GB", "US", "JP", "other"]},
    {"name": "seats", "label": "Seats", "type": "number", "min": 1, "max": 100000},
    {"name": "newsletter", "label": "Send me the newsletter", "type": "checkbox"}
  ],
  "consent": {"text": "I agree that ACME Corp may store the details above and contact me about its products. I can withdraw this consent at any time at the ACME stand or by email to privacy@acme.example.", "version": "2027-01"},
  "qualification": [
    {"name": "timeline", "question": "When do you plan to buy?", "required": true,
     "options": [{"value": "now", "score": 30}, {"value": "quarter", "score": 20}, {"value": "year", "score": 10}, {"value": "later", "score": 0}]},
    {"name": "budget", "question": "Is there a budget?", "options": [{"value": "yes", "score": 25}, {"value": "no", "score": 0}]},
    {"name": "role", "question": "Your role in the decision?",
     "options": [{"value": "decides", "score": 25}, {"value": "influences", "score": 10}, {"value": "neither", "score": 0}]}
  ]
})json";

std::vector<leads::CaptureRequest> make_requests(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::uint64_t lo, std::uint64_t hi) { return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng); };
  static constexpr const char* first[] = {"Anna", "Jonas", "Mei", "Olivier", "Priya", "Kenji", "Sofia", "Liam"};
  static constexpr const char* last[] = {"Schmidt", "Dubois", "Tanaka", "Okafor", "Novak", "Garcia", "Berg", "Khan"};
  static constexpr const char* companies[] = {"Northwind Traders", "Contoso Bank", "Fabrikam Health", "Tailspin Retail",
                                              "Wingtip Logistics", "Adventure Works"};
  static constexpr const char* titles[] = {"Head of IT", "CISO", "Procurement Manager", "CTO", "Security Architect"};
  static constexpr const char* countries[] = {"DE", "FR", "GB", "US", "JP", "other"};
  static constexpr const char* timelines[] = {"now", "quarter", "year", "later"};
  static constexpr const char* budgets[] = {"yes", "no"};
  static constexpr const char* roles[] = {"decides", "influences", "neither"};
  std::vector<leads::CaptureRequest> out;
  for (std::size_t i = 0; i < n; ++i) {
    // About one visitor in ten comes back: the same person (same email,
    // typed in upper case this time) at the same show, a repeat visit.
    if (i >= 10 && pick(0, 9) == 0) {
      leads::CaptureRequest again = out[static_cast<std::size_t>(pick(0, i - 1))];
      for (char& ch : again.fields["email"]) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      again.answers["timeline"] = timelines[pick(0, 3)];
      out.push_back(std::move(again));
      continue;
    }
    leads::CaptureRequest r;
    const std::string f = first[pick(0, 7)], l = last[pick(0, 7)];
    const std::string company = companies[pick(0, 5)];
    r.fields["email"] = "  " + f + "." + l + "." + std::to_string(i) + "@" + company.substr(0, company.find(' ')) +
                        ".example ";
    r.fields["first_name"] = f;
    r.fields["last_name"] = l;
    r.fields["company"] = company;
    r.fields["job_title"] = titles[pick(0, 4)];
    r.fields["phone"] = "+49 (30) " + std::to_string(pick(1000000, 9999999));
    r.fields["country"] = countries[pick(0, 5)];
    r.fields["seats"] = std::to_string(pick(1, 5000));
    r.fields["newsletter"] = pick(0, 1) ? "yes" : "no";
    r.answers["timeline"] = timelines[pick(0, 3)];
    r.answers["budget"] = budgets[pick(0, 1)];
    r.answers["role"] = roles[pick(0, 2)];
    r.consent = true;
    out.push_back(std::move(r));
  }
  return out;
}

struct LeadResults {
  std::size_t captures = 0, repeats = 0;
  std::size_t row_bytes = 0;  // what the raw baselines write per sample
  std::size_t blob_bytes = 0;
  Latencies capture, raw_fsync, raw_sqlite;
  Latencies diag_normalise, diag_seal, diag_event;
  double journal_wal_per_capture = 0, raw_wal_per_insert = 0;  // median WAL growth, bytes
};

LeadResults run_lead_study(std::size_t n) {
  TempRoot root{"jnl"};
  SystemClock clock;
  SystemRandom random;
  const crypto::SecretKey journal_key = crypto::SecretKey::random(random, 32);
  const crypto::SecretKey dedupe = crypto::SecretKey::random(random, 32);
  const crypto::BoxKeyPair hub = crypto::BoxKeyPair::generate(random);
  const leads::LeadKeys keys{dedupe, hub.public_key()};
  const leads::LeadForm form = must(
      leads::LeadForm::parse(ByteView(reinterpret_cast<const std::uint8_t*>(form_json.data()), form_json.size())),
      "parse the lead form");
  const leads::FormRef ref{"form-rsa-2027-badge-scan", 3};

  constexpr std::size_t warmup = 20;
  const std::vector<leads::CaptureRequest> requests = make_requests(warmup + n, 0x4c454144ULL);

  std::printf("\n2. durable lead capture: %zu captures (after %zu untimed), each next to a raw write+fsync and a raw "
              "SQLite 1-row commit, in rotating order\n",
              n, warmup);

  // The journal as a device opens it (default options: background flush on).
  const fs::path journal_path = root.path / "leads-journal.db";
  journal::JournalOptions options;
  options.quota_bytes = big_quota;
  auto j = must(journal::Journal::open(journal_path, journal_key, clock, random, options), "open journal");

  LeadResults r;
  r.captures = n;
  for (std::size_t i = 0; i < warmup; ++i) {
    (void)must(leads::capture(*j, form, ref, requests[i], keys, clock.now()), "capture");
  }
  // The size of a stored lead row: payload blob + two hashes + 4 integers
  // (8 bytes each, an upper bound of SQLite's varints).
  {
    const auto stored = must(j->read_after(0, warmup), "read_after");
    std::size_t payload = 0;
    for (const auto& ev : stored) payload += ev.payload ? ev.payload->size() : 0;
    r.blob_bytes = payload / stored.size() + 24 + crypto::aead_tag_size;
    r.row_bytes = r.blob_bytes + 2 * crypto::Digest::size + 4 * 8;
  }

  const fs::path raw_file = root.path / "raw-fsync.bin";
  const int fd = ::open(raw_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) die(std::string("cannot create ") + raw_file.string() + ": " + std::strerror(errno));
  Bytes record(r.row_bytes);
  random.fill(record);
  auto raw_write_fsync = [&] {
    const auto start = Steady::now();
    if (::write(fd, record.data(), record.size()) != static_cast<ssize_t>(record.size())) die("raw write failed");
    if (::fsync(fd) != 0) die("raw fsync failed");
    return micros_since(start);
  };

  const fs::path raw_db_path = root.path / "raw-sqlite.db";
  auto raw_db = open_raw_db(raw_db_path);
  SQLite::Statement raw_insert(*raw_db, events_insert);
  Bytes raw_blob(r.blob_bytes), raw_hash(32), raw_chain(32);
  random.fill(raw_blob);
  random.fill(raw_hash);
  random.fill(raw_chain);
  std::int64_t raw_seq = 0;
  auto raw_sqlite = [&] {
    const auto start = Steady::now();
    raw_insert.reset();
    raw_insert.bind(1, ++raw_seq);
    raw_insert.bind(2, to_unix_ms(clock.now()) << 16);
    raw_insert.bind(3, 10);
    raw_insert.bind(4, 1);
    raw_insert.bindNoCopy(5, raw_blob.data(), static_cast<int>(raw_blob.size()));
    raw_insert.bindNoCopy(6, raw_hash.data(), 32);
    raw_insert.bindNoCopy(7, raw_chain.data(), 32);
    raw_insert.exec();  // autocommit: one transaction, synchronous=FULL
    return micros_since(start);
  };
  for (std::size_t i = 0; i < warmup; ++i) {
    (void)raw_write_fsync();
    (void)raw_sqlite();
  }
  flush_filesystem(root.path);

  const std::string journal_wal = journal_path.string() + "-wal", raw_wal = raw_db_path.string() + "-wal";
  std::vector<double> journal_growth, raw_growth;
  for (std::size_t i = 0; i < n; ++i) {
    const leads::CaptureRequest& req = requests[warmup + i];
    for (int k = 0; k < 3; ++k) {
      switch ((i + static_cast<std::size_t>(k)) % 3) {
        case 0: {
          const auto before = file_size_or_zero(journal_wal);
          const auto start = Steady::now();
          const leads::Captured c = must(leads::capture(*j, form, ref, req, keys, clock.now()), "capture");
          r.capture.add(micros_since(start));
          r.repeats += c.repeat ? 1 : 0;
          const auto after = file_size_or_zero(journal_wal);
          if (after > before) journal_growth.push_back(static_cast<double>(after - before));
          break;
        }
        case 1: r.raw_fsync.add(raw_write_fsync()); break;
        case 2: {
          const auto before = file_size_or_zero(raw_wal);
          r.raw_sqlite.add(raw_sqlite());
          const auto after = file_size_or_zero(raw_wal);
          if (after > before) raw_growth.push_back(static_cast<double>(after - before));
          break;
        }
      }
    }
  }
  ::close(fd);
  r.journal_wal_per_capture = median(journal_growth);
  r.raw_wal_per_insert = median(raw_growth);

  // Where a capture's CPU time goes (no I/O): normalise the request, seal
  // a message of the lead's size to the hub key, build the lead event.
  const std::size_t sealed_size = r.blob_bytes;  // upper bound of the sealed lead's plaintext + 48
  Bytes message(sealed_size > 300 ? sealed_size - 200 : 100);
  random.fill(message);
  for (std::size_t i = 0; i < std::min<std::size_t>(n, 200); ++i) {
    auto start = Steady::now();
    const leads::NormalisedLead lead = must(leads::normalise(form, requests[warmup + i]), "normalise");
    r.diag_normalise.add(micros_since(start));
    start = Steady::now();
    Bytes sealed = crypto::seal(hub.public_key(), message);
    r.diag_seal.add(micros_since(start));
    start = Steady::now();
    const journal::LeadRecord rec{ref.asset, ref.version, lead.show, crypto::Digest{}, lead.score, form.consent_version,
                                  std::move(sealed)};
    const journal::Event ev = must(journal::lead_captured(rec), "lead_captured");
    r.diag_event.add(micros_since(start));
  }
  return r;
}

// ------------------------------------------------------------------ report

void print_append(const AppendResults& r) {
  const double n = static_cast<double>(r.events);
  auto rates = [&](const std::vector<RunTimes>& v) {
    std::vector<double> out;
    for (const auto& t : v) out.push_back(n / t.wall);
    return out;
  };
  auto cpu_wall = [&](const std::vector<RunTimes>& v) {
    std::vector<double> out;
    for (const auto& t : v) out.push_back(t.cpu / t.wall);
    return out;
  };
  const double raw_rate = median(rates(r.raw));
  std::printf("\n== 1. Batched appends: %zu events per run, transactions of %zu, median of %zu runs [min-max] ==\n",
              r.events, batch, r.raw.size());
  std::printf("%-52s %20s %9s %13s %9s %10s\n", "", "events/s", "us/event", "ratio to raw", "CPU/wall",
              "CPU us/ev");
  auto row = [&](const char* label, const std::vector<RunTimes>& v) {
    if (v.empty()) {
      std::printf("%-52s (not run)\n", label);
      return;
    }
    auto rs = rates(v);
    const double med = median(rs);
    const auto [lo, hi] = std::minmax_element(rs.begin(), rs.end());
    char range[48];
    std::snprintf(range, sizeof range, "%.0fk [%.0f-%.0fk]", med / 1000, *lo / 1000, *hi / 1000);
    std::vector<double> cpu_us;
    for (const auto& t : v) cpu_us.push_back(t.cpu / n * 1e6);
    std::printf("%-52s %20s %9.2f %12.2fx %9.2f %10.2f\n", label, range, 1e6 / med, med / raw_rate,
                median(cpu_wall(v)), median(cpu_us));
  };
  row("journal: construct + append + flush, bg flush off", r.j_off);
  row("journal: construct + append + flush, bg flush on", r.j_on);
  row("journal: append + flush (events prebuilt), bg off", r.j_prebuilt);
  row("raw SQLite: same rows, prepared INSERT, same batches", r.raw);
  row("what-if: commits on a writer thread, counter nonce", r.pipe);
  row("what-if: commits on a writer thread, random nonce", r.pipe_rand);

  if (r.parts.empty() || r.raw.empty() || r.j_off.empty() || r.j_prebuilt.empty()) {
    std::printf("\n(per-event breakdown: needs the off, prebuilt, raw and steps runs)\n");
    return;
  }
  std::vector<double> c, h, s, nz, ins, com, rw;
  for (const auto& b : r.parts) {
    c.push_back(b.construct / n * 1e6);
    h.push_back(b.hash / n * 1e6);
    s.push_back(b.seal / n * 1e6);
    nz.push_back(b.nonce / n * 1e6);
  }
  for (const auto& t : r.raw) {
    ins.push_back(t.insert / n * 1e6);
    com.push_back(t.commit / n * 1e6);
    rw.push_back(t.wall / n * 1e6);
  }
  const double journal_us = 1e6 / median(rates(r.j_off));
  const double prebuilt_us = 1e6 / median(rates(r.j_prebuilt));
  const double sum = median(c) + median(h) + median(s) + median(rw);
  std::printf("\n-- per-event cost of each step, timed alone over the same events (us/event, median) --\n");
  auto line = [&](const char* label, double us, const std::vector<double>* v) {
    if (v != nullptr && !v->empty()) {
      std::printf("%-58s %7.3f  [%.3f-%.3f]  %5.1f %%\n", label, us, *std::min_element(v->begin(), v->end()),
                  *std::max_element(v->begin(), v->end()), 100 * us / journal_us);
    } else {
      std::printf("%-58s %7.3f                  %5.1f %%\n", label, us, 100 * us / journal_us);
    }
  };
  line("typed constructor (json map, validate, MessagePack)", median(c), &c);
  line("BLAKE2b(payload) + chain hash", median(h), &h);
  line("XChaCha20-Poly1305 seal (allocate blob, nonce, encrypt)", median(s), &s);
  line("  of which the random nonce (randombytes_buf)", median(nz), &nz);
  line("SQLite insert, raw run (whole)", median(rw), &rw);
  line("  of which INSERT statements", median(ins), &ins);
  line("  of which COMMIT (WAL write + fsync, checkpoints)", median(com), &com);
  line("sum of the steps", sum, nullptr);
  line("journal measured, construct + append + flush, bg off", journal_us, nullptr);
  line("journal's own overhead (measured - sum)", journal_us - sum, nullptr);
  line("journal append + flush alone (events prebuilt)", prebuilt_us, nullptr);
  line("  minus hash + seal + raw insert", prebuilt_us - median(h) - median(s) - median(rw), nullptr);
  std::printf("(percentages are of the measured journal cost, bg off)\n");
}

void print_lead(const LeadResults& r) {
  std::printf("\n== 2. Durable lead capture: %zu captures (%zu repeat visits), microseconds ==\n", r.captures,
              r.repeats);
  std::printf("%-52s %9s %9s %9s %9s %9s\n", "", "p50", "p95", "p99", "max", "mean");
  auto row = [](const std::string& label, const Latencies& l) {
    std::printf("%-52s %9.0f %9.0f %9.0f %9.0f %9.0f\n", label.c_str(), l.pct(50), l.pct(95), l.pct(99), l.max(),
                l.mean());
  };
  row("leads::capture (durable, synchronous=FULL)", r.capture);
  row("raw write() + fsync(), " + std::to_string(r.row_bytes) + " B appended", r.raw_fsync);
  row("raw SQLite 1-row INSERT commit (WAL, FULL)", r.raw_sqlite);
  std::printf("%-52s %9.2f %9.2f %9.2f\n", "ratio capture / raw write+fsync", r.capture.pct(50) / r.raw_fsync.pct(50),
              r.capture.pct(95) / r.raw_fsync.pct(95), r.capture.pct(99) / r.raw_fsync.pct(99));
  std::printf("%-52s %9.2f %9.2f %9.2f\n", "ratio capture / raw SQLite commit", r.capture.pct(50) / r.raw_sqlite.pct(50),
              r.capture.pct(95) / r.raw_sqlite.pct(95), r.capture.pct(99) / r.raw_sqlite.pct(99));
  std::printf("WAL appended per commit (median of those that grew the file): capture %.0f B, raw SQLite insert %.0f B\n",
              r.journal_wal_per_capture, r.raw_wal_per_insert);
  std::printf("CPU parts of a capture (no I/O), p50: normalise %.1f us, crypto::seal to the hub key %.1f us, "
              "lead_captured event %.1f us\n",
              r.diag_normalise.pct(50), r.diag_seal.pct(50), r.diag_event.pct(50));
}

}  // namespace

int main(int argc, char** argv) {
  std::string parts = "append,lead";
  std::string variants = "off,on,prebuilt,raw,steps,pipe,pipe-rand";
  std::size_t events = 200'000, captures = 400;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::string_view flag) { return std::string(arg.substr(flag.size())); };
    if (arg.starts_with("--parts=")) {
      parts = value("--parts=");
    } else if (arg.starts_with("--variants=")) {
      variants = value("--variants=");
    } else if (arg.starts_with("--events=")) {
      events = std::stoul(value("--events="));
    } else if (arg.starts_with("--reps=")) {
      reps = std::stoi(value("--reps="));
    } else if (arg.starts_with("--captures=")) {
      captures = std::stoul(value("--captures="));
    } else {
      std::fprintf(stderr,
                   "usage: outpost_bench_journal [--parts=append,lead] [--events=N] [--reps=N] [--captures=N]\n"
                   "       [--variants=off,on,prebuilt,raw,steps,pipe,pipe-rand] (the append runs to repeat)\n");
      return 2;
    }
  }
  if (events == 0 || reps < 1 || captures < 1) die("--events, --reps and --captures must be positive");
  auto wants = [&](const char* part) { return ("," + parts + ",").find("," + std::string(part) + ",") != std::string::npos; };
  if (sodium_init() < 0) die("libsodium could not be initialised");

  std::printf("outpost_bench_journal: %s, SQLite %s, libsodium %s, load average %s\n", utc_now().c_str(),
              SQLite::getLibVersion(), sodium_version_string(), load_average().c_str());
  const auto start = Steady::now();
  try {
    std::optional<AppendResults> append;
    std::optional<LeadResults> lead;
    // Lead capture first: its fsync latencies are then not disturbed by the
    // ~1.5 GB the append runs write and delete.
    if (wants("lead")) lead = run_lead_study(captures);
    if (wants("append")) append = run_append_study(events, reps, variants);

    std::printf("\n================================ summary ================================\n");
    if (append) print_append(*append);
    if (lead) print_lead(*lead);

    std::printf("\n== goals ==\n");
    if (append && !append->j_off.empty() && !append->j_on.empty() && !append->raw.empty()) {
      std::vector<double> j, raw;
      for (const auto& t : append->j_off) j.push_back(static_cast<double>(append->events) / t.wall);
      for (const auto& t : append->raw) raw.push_back(static_cast<double>(append->events) / t.wall);
      std::vector<double> on;
      for (const auto& t : append->j_on) on.push_back(static_cast<double>(append->events) / t.wall);
      const double ratio = median(j) / median(raw), ratio_on = median(on) / median(raw);
      std::printf("appends (bg off) / raw SQLite inserts   %6.2fx   goal >= 0.70x    %s\n", ratio,
                  ratio >= 0.7 ? "goal met" : "goal MISSED");
      std::printf("appends (bg on)  / raw SQLite inserts   %6.2fx   goal >= 0.70x    %s\n", ratio_on,
                  ratio_on >= 0.7 ? "goal met" : "goal MISSED");
      std::printf("appends (bg off) per second             %6.0fk   goal >= 100k     %s\n", median(j) / 1000,
                  median(j) >= 100'000 ? "goal met" : "goal MISSED");
      std::printf("appends (bg on)  per second             %6.0fk   goal >= 100k     %s\n", median(on) / 1000,
                  median(on) >= 100'000 ? "goal met" : "goal MISSED");
    }
    if (lead) {
      for (const double p : {50.0, 95.0, 99.0}) {
        const double ratio = lead->capture.pct(p) / lead->raw_fsync.pct(p);
        std::printf("lead capture p%.0f / raw write+fsync p%.0f %6.2fx   goal <= 2x       %s\n", p, p, ratio,
                    ratio <= 2.0 ? "goal met" : "goal MISSED");
      }
    }
  } catch (const std::exception& e) {
    die(std::string("unexpected exception: ") + e.what());
  }
  std::printf("\ntotal %.1f s, load average at the end %s\n", seconds_since(start), load_average().c_str());
  return 0;
}
