// Throughput of the encrypted asset cache, measured in one run against the
// physical limits of its own cryptography (raw libsodium on the same
// buffers), so the ratios printed at the end compare like with like:
//
//   raw/decrypt_64KiB          XChaCha20-Poly1305 decrypt, 64 KiB chunks: the read limit
//   raw/hash+encrypt_64KiB     BLAKE2b-256 + XChaCha20-Poly1305 encrypt: the import limit
//   raw/blake2b_64KiB, raw/encrypt_64KiB   the two halves, for attribution
//   raw/files_64KiB            64 KiB plain files, temp + rename + one syncfs: the file-system limit
//   reader/sequential_1MiB     AssetReader over a 64 MiB cached asset, 1 MiB reads
//   reader/random_4KiB, reader/random_1MiB   read_at at seeded random offsets
//   cache/import_64MiB         AssetCache::import into a fresh cache (fsync included)
//   chunker/find_cut, chunker/stream   content-defined chunking alone
//   diag/import_cpu            import's CPU work alone (chunk, hash, encrypt), no I/O
//   diag/stage_only, diag/stage_publish   ChunkStore writes without / with publish + sync
//   diag/read_chunk_files      the reader's file access alone (name, open, read, close)
// The diag/ runs only explain where time goes; they have no goals.
//
// All data is pseudo-random (nothing deduplicates: the worst case). Chunk
// files are read back from the page cache, so the reader figures are CPU
// cost, not disk speed. Times are wall-clock (UseRealTime): an import waits
// for fsync, and that wait is part of what a user sees.
//
// Usage (see BENCHMARKS.md for the figures and how they were taken):
//   outpost_bench_cache --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "outpost/cache/asset_cache.hpp"
#include "outpost/cache/asset_reader.hpp"
#include "outpost/cache/chunk_store.hpp"
#include "outpost/cache/chunker.hpp"
#include "outpost/cache/content_digest.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/storage/byte_source.hpp"

namespace {

using namespace outpost::bench;

namespace fs = std::filesystem;
using namespace outpost;

constexpr std::size_t KiB = 1024;
constexpr std::size_t MiB = 1024 * KiB;
constexpr std::size_t asset_size = 64 * MiB;
constexpr std::size_t raw_chunk = 64 * KiB;  // the chunker's average size
constexpr std::size_t raw_chunks = asset_size / raw_chunk;
constexpr std::size_t ad_size = 4 + crypto::Digest::size;  // "OPC1" || chunk id, as ChunkStore binds it
constexpr std::uint64_t import_batch_bytes = 8 * MiB;      // AssetCache publishes in batches of this size
const std::string bench_asset = "bench-asset";

// Reproducible pseudo-random bytes (SplitMix64).
void fill_pseudo_random(MutableByteView out, std::uint64_t seed) {
  std::uint64_t state = seed;
  std::size_t i = 0;
  while (i < out.size()) {
    state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    const std::size_t n = std::min<std::size_t>(8, out.size() - i);
    std::memcpy(out.data() + i, &z, n);
    i += n;
  }
}

struct ChunkSpan {
  std::size_t offset;
  std::size_t size;
  crypto::Digest id;
};

// Everything the benchmarks share, built once, on first use, outside any
// timed region.
struct Env {
  fs::path root;  // a fresh directory under /tmp, removed at the end
  Bytes plain;    // the 64 MiB asset every benchmark works on

  // raw/*: fixed 64 KiB chunks of plain, encrypted once for the decrypt limit.
  std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_KEYBYTES> raw_key{};
  Bytes raw_cipher;  // ciphertexts, chunk i at i * raw_chunk
  std::vector<crypto::AeadTag> raw_tags;
  std::vector<crypto::AeadNonce> raw_nonces;
  std::vector<std::array<std::uint8_t, ad_size>> raw_ads;
  Bytes out;  // output buffer for the raw benchmarks

  // The content-defined chunks of plain (as the cache cuts them).
  std::vector<ChunkSpan> cdc_chunks;

  SystemClock clock;
  SystemRandom random;
  crypto::SecretKey master = crypto::SecretKey::random(random, 32);
  std::unique_ptr<cache::AssetCache> cache;  // holds bench_asset@1 = plain

  Env() {
    char templ[] = "/tmp/outpost-bench-XXXXXX";
    if (::mkdtemp(templ) == nullptr) die(std::string("cannot create a temp dir: ") + std::strerror(errno));
    root = templ;

    plain.resize(asset_size);
    fill_pseudo_random(plain, 0x4f7574706f737442ULL);
    out.resize(asset_size);

    randombytes_buf(raw_key.data(), raw_key.size());
    raw_cipher.resize(asset_size);
    raw_tags.resize(raw_chunks);
    raw_nonces.resize(raw_chunks);
    raw_ads.resize(raw_chunks);
    for (std::size_t i = 0; i < raw_chunks; ++i) {
      const std::uint8_t* p = plain.data() + i * raw_chunk;
      crypto::Digest id;
      crypto_generichash(id.bytes.data(), id.size, p, raw_chunk, nullptr, 0);
      std::memcpy(raw_ads[i].data(), "OPC1", 4);
      std::memcpy(raw_ads[i].data() + 4, id.bytes.data(), id.size);
      randombytes_buf(raw_nonces[i].data(), raw_nonces[i].size());
      crypto_aead_xchacha20poly1305_ietf_encrypt_detached(raw_cipher.data() + i * raw_chunk, raw_tags[i].data(),
                                                          nullptr, p, raw_chunk, raw_ads[i].data(), ad_size,
                                                          nullptr, raw_nonces[i].data(), raw_key.data());
    }

    const cache::ChunkerParams params;
    for (std::size_t pos = 0; pos < plain.size();) {
      const std::size_t cut = cache::find_cut(ByteView(plain).subspan(pos), params);
      cdc_chunks.push_back({pos, cut, crypto::blake2b(ByteView(plain).subspan(pos, cut))});
      pos += cut;
    }

    auto opened = cache::AssetCache::open(root / "cache", master, clock, random);
    if (!opened.is_ok()) die("cannot open the cache: " + opened.status().to_string());
    cache = std::move(opened).value();
    storage::MemorySource source(plain);
    auto imported = cache->import({bench_asset, 1}, source);
    if (!imported.is_ok()) die("cannot import the asset: " + imported.status().to_string());
    flush_filesystem(root);
  }

  ~Env() {
    cache.reset();
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
};

std::unique_ptr<Env> g_env;

Env& env() {
  if (!g_env) g_env = std::make_unique<Env>();
  return *g_env;
}

void set_bytes(benchmark::State& state, std::size_t per_iteration) {
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(per_iteration));
}

// ---------------------------------------------------------------- raw limits

void bm_raw_decrypt(benchmark::State& state) {
  Env& e = env();
  for (auto _ : state) {
    for (std::size_t i = 0; i < raw_chunks; ++i) {
      const std::size_t off = i * raw_chunk;
      if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(e.out.data() + off, nullptr, e.raw_cipher.data() + off,
                                                              raw_chunk, e.raw_tags[i].data(), e.raw_ads[i].data(),
                                                              ad_size, e.raw_nonces[i].data(),
                                                              e.raw_key.data()) != 0) {
        state.SkipWithError("raw decrypt failed to authenticate");
        break;
      }
    }
    benchmark::DoNotOptimize(e.out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state, asset_size);
}

void bm_raw_hash_encrypt(benchmark::State& state) {
  Env& e = env();
  std::array<std::uint8_t, ad_size> ad{};
  std::memcpy(ad.data(), "OPC1", 4);
  crypto::AeadNonce nonce;
  crypto::AeadTag tag;
  for (auto _ : state) {
    for (std::size_t i = 0; i < raw_chunks; ++i) {
      const std::size_t off = i * raw_chunk;
      crypto_generichash(ad.data() + 4, crypto::Digest::size, e.plain.data() + off, raw_chunk, nullptr, 0);
      randombytes_buf(nonce.data(), nonce.size());
      crypto_aead_xchacha20poly1305_ietf_encrypt_detached(e.out.data() + off, tag.data(), nullptr,
                                                          e.plain.data() + off, raw_chunk, ad.data(), ad_size,
                                                          nullptr, nonce.data(), e.raw_key.data());
      benchmark::DoNotOptimize(tag.data());
    }
    benchmark::DoNotOptimize(e.out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state, asset_size);
}

void bm_raw_blake2b(benchmark::State& state) {
  Env& e = env();
  crypto::Digest d;
  for (auto _ : state) {
    for (std::size_t i = 0; i < raw_chunks; ++i) {
      crypto_generichash(d.bytes.data(), d.size, e.plain.data() + i * raw_chunk, raw_chunk, nullptr, 0);
      benchmark::DoNotOptimize(d.bytes.data());
    }
  }
  set_bytes(state, asset_size);
}

void bm_raw_encrypt(benchmark::State& state) {
  Env& e = env();
  crypto::AeadTag tag;
  for (auto _ : state) {
    for (std::size_t i = 0; i < raw_chunks; ++i) {
      const std::size_t off = i * raw_chunk;
      crypto_aead_xchacha20poly1305_ietf_encrypt_detached(e.out.data() + off, tag.data(), nullptr,
                                                          e.plain.data() + off, raw_chunk, e.raw_ads[i].data(),
                                                          ad_size, nullptr, e.raw_nonces[i].data(),
                                                          e.raw_key.data());
      benchmark::DoNotOptimize(tag.data());
    }
    benchmark::DoNotOptimize(e.out.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state, asset_size);
}

// The file-system half of the import limit, with no crypto: the same 64 MiB
// written as 64 KiB files through a temp directory, renamed into 256 fan-out
// directories, and made durable with one syncfs - what any one-file-per-chunk
// store must pay here.
void bm_raw_files(benchmark::State& state) {
  Env& e = env();
  std::size_t round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const fs::path dir = e.root / ("files-" + std::to_string(round++));
    fs::create_directories(dir / "tmp");
    for (int i = 0; i < 256; ++i) fs::create_directory(dir / std::to_string(i));
    flush_filesystem(e.root);
    state.ResumeTiming();

    bool ok = true;
    for (std::size_t off = 0, n = 0; off < e.plain.size() && ok; off += 64 * KiB, ++n) {
      const std::string name = std::to_string(n);
      const fs::path temp = dir / "tmp" / name;
      const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      ok = fd >= 0 && ::write(fd, e.plain.data() + off, 64 * KiB) == static_cast<ssize_t>(64 * KiB);
      if (fd >= 0) ::close(fd);
      ok = ok && ::rename(temp.c_str(), (dir / std::to_string(n % 256) / name).c_str()) == 0;
    }
    flush_filesystem(dir);

    state.PauseTiming();
    if (!ok) state.SkipWithError("writing the files failed");
    std::error_code ec;
    fs::remove_all(dir, ec);
    flush_filesystem(e.root);
    state.ResumeTiming();
    if (!ok) break;
  }
  set_bytes(state, asset_size);
}

// -------------------------------------------------------------- AssetReader

std::optional<cache::AssetReader> open_bench_reader(benchmark::State& state) {
  auto reader = env().cache->open_reader(bench_asset, 1);
  if (!reader.is_ok()) {
    state.SkipWithError(("open_reader failed: " + reader.status().to_string()).c_str());
    return std::nullopt;
  }
  return std::move(reader).value();
}

void bm_reader_sequential(benchmark::State& state) {
  auto reader = open_bench_reader(state);
  if (!reader) return;
  Bytes buffer(MiB);
  std::uint64_t total = 0;
  for (auto _ : state) {
    reader->seek(0);
    for (;;) {
      auto n = reader->read(buffer);
      if (!n.is_ok()) {
        state.SkipWithError(("read failed: " + n.status().to_string()).c_str());
        break;
      }
      if (*n == 0) break;
      total += *n;
    }
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  if (total != state.iterations() * reader->size() && !state.error_occurred()) {
    state.SkipWithError("sequential read returned the wrong number of bytes");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(total));
}

void bm_reader_random(benchmark::State& state, std::size_t read_size) {
  auto reader = open_bench_reader(state);
  if (!reader) return;
  Bytes buffer(read_size);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint64_t> offset(0, reader->size() - read_size);
  for (auto _ : state) {
    auto n = reader->read_at(offset(rng), buffer);
    if (!n.is_ok() || *n != read_size) {
      state.SkipWithError(n.is_ok() ? "short read" : ("read failed: " + n.status().to_string()).c_str());
      break;
    }
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state, read_size);
  state.SetItemsProcessed(state.iterations());  // reads per second
}

// ---------------------------------------------------------------- import

void bm_import(benchmark::State& state) {
  Env& e = env();
  std::size_t round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const fs::path dir = e.root / ("import-" + std::to_string(round++));
    auto opened = cache::AssetCache::open(dir, e.master, e.clock, e.random);
    if (!opened.is_ok()) {
      state.SkipWithError(("open failed: " + opened.status().to_string()).c_str());
      break;
    }
    storage::MemorySource source(e.plain);
    flush_filesystem(e.root);
    state.ResumeTiming();

    auto imported = opened.value()->import({"bench-import", 1}, source);

    state.PauseTiming();
    if (!imported.is_ok()) {
      state.SkipWithError(("import failed: " + imported.status().to_string()).c_str());
      break;
    }
    opened.value().reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
    flush_filesystem(e.root);
    state.ResumeTiming();
  }
  set_bytes(state, asset_size);
}

// ---------------------------------------------------------------- chunker

void bm_chunker_find_cut(benchmark::State& state) {
  Env& e = env();
  const cache::ChunkerParams params;
  std::size_t chunks = 0;
  for (auto _ : state) {
    chunks = 0;
    for (std::size_t pos = 0; pos < e.plain.size(); ++chunks) {
      pos += cache::find_cut(ByteView(e.plain).subspan(pos), params);
    }
    benchmark::DoNotOptimize(chunks);
  }
  set_bytes(state, asset_size);
  state.counters["chunks"] = static_cast<double>(chunks);
}

void bm_chunker_stream(benchmark::State& state) {
  Env& e = env();
  std::size_t chunks = 0;
  for (auto _ : state) {
    storage::MemorySource source(e.plain);
    cache::ChunkStream stream(source);
    ByteView chunk;
    chunks = 0;
    while (stream.next(chunk)) ++chunks;
    benchmark::DoNotOptimize(chunks);
  }
  set_bytes(state, asset_size);
  state.counters["chunks"] = static_cast<double>(chunks);
}

// ------------------------------------------------------------- diagnostics
// Where import time goes. None of these has a goal.

// The CPU work AssetCache::import does per byte, without any I/O: chunking
// (ChunkStream over a MemorySource), the per-chunk BLAKE2b (chunk id, which
// also feeds the content digest), and the chunk encryption, through
// Outpost's own crypto wrappers.
void bm_diag_import_cpu(benchmark::State& state) {
  Env& e = env();
  const crypto::SecretKey key = crypto::SecretKey::random(e.random, crypto::aead_key_size);
  Bytes scratch;
  for (auto _ : state) {
    storage::MemorySource source(e.plain);
    cache::ChunkStream stream(source);
    cache::RecipeHasher content;
    ByteView chunk;
    while (stream.next(chunk)) {
      const crypto::Digest id = crypto::blake2b(chunk);
      content.add(id, static_cast<std::uint32_t>(chunk.size()));
      std::array<std::uint8_t, ad_size> ad{};
      std::memcpy(ad.data(), "OPC1", 4);
      std::memcpy(ad.data() + 4, id.bytes.data(), id.size);
      scratch.resize(chunk.size());
      const crypto::AeadTag tag = crypto::aead_encrypt(key, crypto::random_nonce(e.random), chunk, ad, scratch);
      benchmark::DoNotOptimize(tag.data());
    }
    const crypto::Digest digest = content.finish();
    benchmark::DoNotOptimize(digest.bytes.data());
  }
  set_bytes(state, asset_size);
}

// ChunkStore::stage (encrypt + write to a temp file) of every chunk of the
// asset, in the import's 8 MiB batches. publish=false discards each batch
// (no rename, no sync); publish=true renames each batch into place and makes
// it durable (ChunkStore::sync). The difference is the cost of durability.
void bm_diag_chunk_store(benchmark::State& state, bool publish) {
  Env& e = env();
  std::size_t round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const fs::path dir = e.root / ("store-" + std::to_string(round++));
    auto store = std::make_unique<cache::ChunkStore>(dir, e.master, e.random);
    store->prepare();
    flush_filesystem(e.root);
    state.ResumeTiming();

    std::vector<cache::ChunkStore::Staged> staged;
    std::uint64_t staged_bytes = 0;
    auto flush = [&] {
      if (publish) {
        store->publish(staged);
        store->sync();
        staged.clear();
      } else {
        store->discard(staged);
      }
      staged_bytes = 0;
    };
    try {
      for (const ChunkSpan& c : e.cdc_chunks) {
        staged.push_back(store->stage(c.id, ByteView(e.plain).subspan(c.offset, c.size)));
        staged_bytes += c.size;
        if (staged_bytes >= import_batch_bytes) flush();
      }
      flush();
    } catch (const std::exception& ex) {
      state.SkipWithError(ex.what());
      store->discard(staged);
    }

    state.PauseTiming();
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
    flush_filesystem(e.root);
    state.ResumeTiming();
    if (state.error_occurred()) break;
  }
  set_bytes(state, asset_size);
}

// The file-access half of AssetReader's work: for every chunk of the cached
// asset, name the file (keyed BLAKE2b), open, read it whole (from the page
// cache) and close it, without decrypting. A ChunkStore on the cache's own
// directory derives the same file names from the master key.
void bm_diag_read_chunk_files(benchmark::State& state) {
  Env& e = env();
  const cache::ChunkStore names(e.root / "cache" / "chunks", e.master, e.random);
  Bytes buffer(cache::ChunkerParams{}.max_size + cache::chunk_file_overhead + 1);
  std::uint64_t total = 0;
  for (auto _ : state) {
    for (const ChunkSpan& c : e.cdc_chunks) {
      const fs::path path = names.path_for(c.id);
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        state.SkipWithError(("cannot open a chunk file: " + path.string()).c_str());
        break;
      }
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      ::close(fd);
      if (n != static_cast<ssize_t>(c.size + cache::chunk_file_overhead)) {
        state.SkipWithError("a chunk file has an unexpected size");
        break;
      }
      total += c.size;
    }
    if (state.error_occurred()) break;
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(total));
}

// ------------------------------------------------------------ the reporter

// The console output, plus the bytes/second of every repetition, so the
// ratios can be printed at the end from medians. Two bases: wall clock (what
// the benchmarks report, and what the goals are judged on) and the
// benchmark thread's CPU time, which shrugs off other processes competing
// for the CPU but hides time spent waiting (fsync).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const auto it = run.counters.find("bytes_per_second");
      if (it == run.counters.end()) continue;
      const std::string& name = run.run_name.function_name;
      if (run.run_type == Run::RT_Iteration) {
        Samples& s = samples_[name];
        s.wall.push_back(it->second.value);
        if (run.cpu_accumulated_time > 0) {
          s.cpu.push_back(it->second.value * run.real_accumulated_time / run.cpu_accumulated_time);
        }
      } else if (run.aggregate_name == "median") {
        aggregate_medians_[name] = it->second.value;  // used when only aggregates are reported
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  enum class Basis { wall, cpu };

  std::optional<double> rate(const std::string& name, Basis basis) const {
    if (auto it = samples_.find(name); it != samples_.end()) {
      if (auto m = median(basis == Basis::wall ? it->second.wall : it->second.cpu)) return m;
    }
    if (basis == Basis::wall) {
      if (auto it = aggregate_medians_.find(name); it != aggregate_medians_.end()) return it->second;
    }
    return std::nullopt;
  }

  void print_summary(std::ostream& os) const {
    os << "\nThroughput, median of repetitions (MiB/s = 2^20 bytes/s)\n";
    os << "  benchmark                     wall clock    CPU time   CPU/wall\n";
    for (const char* name : order_) {
      const auto w = rate(name, Basis::wall);
      if (!w) continue;
      const auto c = rate(name, Basis::cpu);
      char line[200];
      if (c) {
        std::snprintf(line, sizeof line, "  %-28s %10.1f  %10.1f   %6.2f\n", name, *w / MiBd, *c / MiBd, *w / *c);
      } else {
        std::snprintf(line, sizeof line, "  %-28s %10.1f  %10s\n", name, *w / MiBd, "-");
      }
      os << line;
    }
    os << "  (CPU/wall well below 1 for a CPU-bound run means the machine was shared;\n"
          "   for import and diag/stage_* it is time spent waiting for the disk)\n";
    os << "\nRatios against the physical limits measured in this run (goals judged on wall clock)\n";
    os << "  ratio                                 wall    CPU time  goal\n";
    ratio(os, "sequential read / raw decrypt", "reader/sequential_1MiB", "raw/decrypt_64KiB", 0.8);
    ratio(os, "import / raw hash+encrypt", "cache/import_64MiB", "raw/hash+encrypt_64KiB", 0.6);
    ratio(os, "random 1 MiB read / raw decrypt", "reader/random_1MiB", "raw/decrypt_64KiB", std::nullopt);
    ratio(os, "random 4 KiB read / raw decrypt", "reader/random_4KiB", "raw/decrypt_64KiB", std::nullopt);
    ratio(os, "import CPU work / raw hash+encrypt", "diag/import_cpu", "raw/hash+encrypt_64KiB", std::nullopt);
    ratio(os, "import / raw 64 KiB file writes", "cache/import_64MiB", "raw/files_64KiB", std::nullopt);
    serial_ratio(os);
  }

 private:
  struct Samples {
    std::vector<double> wall;
    std::vector<double> cpu;
  };
  static constexpr double MiBd = static_cast<double>(MiB);

  static std::optional<double> median(std::vector<double> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  void ratio(std::ostream& os, const char* label, const char* num, const char* den,
             std::optional<double> goal) const {
    const auto a = rate(num, Basis::wall);
    const auto b = rate(den, Basis::wall);
    char line[240];
    if (!a || !b || *b <= 0) {
      std::snprintf(line, sizeof line, "  %-36s (not measured in this run)\n", label);
      os << line;
      return;
    }
    const double r = *a / *b;
    char cpu_part[32] = "     -";
    const auto ac = rate(num, Basis::cpu);
    const auto bc = rate(den, Basis::cpu);
    if (ac && bc && *bc > 0) std::snprintf(cpu_part, sizeof cpu_part, "%6.2fx", *ac / *bc);
    if (goal) {
      std::snprintf(line, sizeof line, "  %-36s %6.2fx   %s   >= %.1fx  %s\n", label, r, cpu_part, *goal,
                    r >= *goal ? "met" : "MISSED");
    } else {
      std::snprintf(line, sizeof line, "  %-36s %6.2fx   %s   -\n", label, r, cpu_part);
    }
    os << line;
  }

  // Import against both limits paid one after the other (hash+encrypt the
  // bytes, then write them as files): 1 / (1/crypto + 1/files).
  void serial_ratio(std::ostream& os) const {
    const auto import = rate("cache/import_64MiB", Basis::wall);
    const auto crypto = rate("raw/hash+encrypt_64KiB", Basis::wall);
    const auto files = rate("raw/files_64KiB", Basis::wall);
    if (!import || !crypto || !files || *crypto <= 0 || *files <= 0) return;
    const double limit = 1.0 / (1.0 / *crypto + 1.0 / *files);
    char line[160];
    std::snprintf(line, sizeof line, "  %-36s %6.2fx        -   -\n", "import / (hash+encrypt, then files)", *import / limit);
    os << line;
  }

  static constexpr const char* order_[] = {
      "raw/decrypt_64KiB",      "raw/hash+encrypt_64KiB", "raw/blake2b_64KiB",  "raw/encrypt_64KiB", "raw/files_64KiB",
      "reader/sequential_1MiB", "reader/random_1MiB",     "reader/random_4KiB", "cache/import_64MiB",
      "chunker/find_cut",       "chunker/stream",         "diag/import_cpu",    "diag/stage_only",
      "diag/stage_publish",     "diag/read_chunk_files"};

  std::map<std::string, Samples> samples_;
  std::map<std::string, double> aggregate_medians_;
};

void register_benchmarks() {
  using benchmark::kMillisecond;
  using benchmark::kMicrosecond;
  benchmark::RegisterBenchmark("raw/decrypt_64KiB", bm_raw_decrypt)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("raw/hash+encrypt_64KiB", bm_raw_hash_encrypt)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("raw/blake2b_64KiB", bm_raw_blake2b)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("raw/encrypt_64KiB", bm_raw_encrypt)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("raw/files_64KiB", bm_raw_files)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("reader/sequential_1MiB", bm_reader_sequential)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("reader/random_1MiB", bm_reader_random, MiB)->Unit(kMicrosecond)->UseRealTime();
  benchmark::RegisterBenchmark("reader/random_4KiB", bm_reader_random, 4 * KiB)->Unit(kMicrosecond)->UseRealTime();
  benchmark::RegisterBenchmark("cache/import_64MiB", bm_import)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("chunker/find_cut", bm_chunker_find_cut)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("chunker/stream", bm_chunker_stream)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("diag/import_cpu", bm_diag_import_cpu)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("diag/stage_only", bm_diag_chunk_store, false)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("diag/stage_publish", bm_diag_chunk_store, true)->Unit(kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("diag/read_chunk_files", bm_diag_read_chunk_files)->Unit(kMillisecond)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) {
    std::fprintf(stderr, "outpost_bench_cache: libsodium could not be initialised\n");
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_benchmarks();

  const bool color = ::isatty(STDOUT_FILENO) != 0;
  RatioReporter reporter(color ? benchmark::ConsoleReporter::OO_Color : benchmark::ConsoleReporter::OO_None);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_summary(std::cout);
  std::cout.flush();

  benchmark::Shutdown();
  g_env.reset();  // closes the cache and removes the temp directory
  return 0;
}
