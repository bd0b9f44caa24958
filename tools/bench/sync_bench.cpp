// The sync layer (hub, device engine, publisher) measured end to end over
// real CURVE sockets on 127.0.0.1, each figure against a limit measured in
// the same run:
//
//   1. cold     A cold sync of --mb MB (10^6 bytes) of assets: --files seeded
//               random files published as releases of their own, one
//               enrolled device, sync_once timed (hello, catalog, recipes,
//               chunks). Limits in the same run: the same number of bytes
//               over a raw CURVE ROUTER (server) / DEALER (client) pair on
//               tcp://127.0.0.1 - 256 KiB frames, 2 MiB replies, 16 MiB
//               asked and not yet received, no disk (the engine's window and
//               request size), median of 3 runs around the sync; and what
//               the device must do with what it receives: write + fsync of
//               the same bytes in 2 MiB batches, the same bytes as 64 KiB
//               files with a syncfs every 2 MiB (the cache's file shape),
//               and BLAKE2b + XChaCha20-Poly1305 of the same bytes in 64 KiB
//               pieces. Goal: >= 0.7x the raw transfer.
//   2. edit     Bytes on the wire re-syncing a --edit-mb MB file after an
//               edit: 1 MB overwritten in the middle and 100 bytes inserted
//               at three places (seeded, so the same files every run). v1 is
//               published and synced, then v2: the second session's wire
//               bytes (SyncReport, both ways; ZeroMQ/CURVE framing not
//               counted) against `rsync -a --stats` of the same two files
//               from a loopback rsync daemon ("Total bytes sent" + "Total
//               bytes received"). Goal: no more than rsync. Skipped (said so)
//               when rsync is not installed.
//   3. ingest   Hub journal ingest with --devices concurrent devices: each an
//               enrolled device home holding --events content.request
//               events; one thread per device runs sync_once at once (no
//               content is published: journal work only); events/s at the
//               hub from the start to the last session's end. Limit: the
//               rows the hub stored, read back from hub.db and inserted
//               (interleaved by device in pushes of 512, as they arrived)
//               into a fresh table of the hub's `events` shape with one
//               prepared INSERT, WAL + synchronous=FULL, in transactions of
//               the hub's mean commit size in this run (and of 512 rows).
//               The hub runs in a child process (this program,
//               --serve-hub=HOME), so its CPU time is told apart from the
//               devices', which run in this process on the same cores.
//               content.request is a durable event: filling the journals
//               costs one fsync per event (on one thread per device).
//   4. devices  How many CURVE-connected devices one hub holds. The hub runs
//               in a child process, as in 3, so its RSS is its own. Up to
//               --max-devices device keys are registered in the store
//               beforehand (tokens created and redeemed in one transaction,
//               not through enroll: thousands of enrollments would be
//               slow). Steps of 250, 500, 1000, 2000, 4000 connections
//               (cumulative; up to --max-devices): the new DEALERs (one
//               context, 2 I/O threads, the devices' socket tuning)
//               connect and send hello; the step's time runs until
//               the last hello.ok. Then a ping to every connection held so
//               far must come back. Stops at the first step with a failure.
//               The hub's CPU time, RSS, threads and descriptors are read
//               from /proc after each step.
//
// Everything lives in temporary directories /tmp/outpost-bench-sync-XXXXXX,
// removed at the end; syncfs is called before every timed part. Content is
// seeded; keys are random (they change no size). The soft limit on open
// files is raised to the hard limit at start.
//
// Usage (see BENCHMARKS.md for how figures are reported):
//   outpost_bench_sync [--parts=cold,edit,ingest,devices] [--mb=200] [--files=4] [--edit-mb=100]
//                      [--devices=50] [--events=2000] [--max-devices=4000] [--step-timeout=60]
// A small validation run: --mb=20 --edit-mb=10 --devices=10 --events=200 --max-devices=500

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "bench_support.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/crypto/sign.hpp"
#include "outpost/device/home.hpp"
#include "outpost/journal/event.hpp"
#include "outpost/sync/device_sync.hpp"
#include "outpost/sync/envelope.hpp"
#include "outpost/hub/hub.hpp"
#include "outpost/hub/hub_admin.hpp"
#include "outpost/sync/messages.hpp"
#include "outpost/sync/publisher.hpp"
#include "outpost/sync/transport.hpp"

namespace {

using namespace outpost::bench;
using namespace outpost;
using namespace std::chrono_literals;

constexpr double MB = 1e6;                       // figures are in MB = 10^6 bytes
constexpr std::size_t frame_bytes = 256 << 10;   // raw transfer: one data frame
constexpr std::size_t request_bytes = 2u << 20;  // SyncOptions::request_bytes
constexpr std::size_t window_bytes = 16u << 20;  // SyncOptions::window_bytes
constexpr std::size_t piece_bytes = 64 << 10;    // ChunkerParams::avg_size

// ------------------------------------------------------------------ helpers

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

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string commas(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// Seeded bytes (ChaCha20 keystream): the same content in every run.
void fill_seeded(MutableByteView out, std::uint64_t seed) {
  std::uint8_t key[randombytes_SEEDBYTES] = {};
  std::memcpy(key, &seed, sizeof seed);
  randombytes_buf_deterministic(out.data(), out.size(), key);
}

void write_file(const fs::path& path, ByteView bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) die("cannot write " + path.string());
}

// True if nothing listens on 127.0.0.1:port now.
bool port_free(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// The first of count consecutive free ports, from a per-process start so
// programs running side by side do not collide.
std::uint16_t pick_ports(int count) {
  static std::uint16_t next = static_cast<std::uint16_t>(30000 + (::getpid() % 1500) * 16);
  for (int attempt = 0; attempt < 2000; ++attempt) {
    const std::uint16_t base = next;
    next = static_cast<std::uint16_t>(next + count > 60000 ? 30000 : next + count);
    bool all = true;
    for (int i = 0; i < count && all; ++i) all = port_free(static_cast<std::uint16_t>(base + i));
    if (all) return base;
  }
  die("no free ports on 127.0.0.1");
}

bool port_accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// VmRSS (kB) and Threads of a process, from /proc/<pid>/status.
struct ProcStatus {
  std::uint64_t rss_kb = 0, threads = 0;
};
ProcStatus proc_status(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  ProcStatus s;
  std::string line;
  while (std::getline(in, line)) {
    auto value = [&](std::string_view key) -> std::optional<std::uint64_t> {
      if (!line.starts_with(key)) return std::nullopt;
      return std::strtoull(line.c_str() + key.size(), nullptr, 10);
    };
    if (auto v = value("VmRSS:")) s.rss_kb = *v;
    if (auto v = value("Threads:")) s.threads = *v;
  }
  return s;
}

// User + system CPU seconds of a process, from /proc/<pid>/stat.
double proc_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  const auto close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::stringstream fields(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::size_t open_fds(pid_t pid) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

// Waits up to `seconds` for a child, then kills it. Returns its status.
int reap(pid_t pid, double seconds) {
  int status = 0;
  const auto start = Steady::now();
  while (seconds_since(start) < seconds) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;
    std::this_thread::sleep_for(20ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return status;
}

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

// ------------------------------------------------------------ hub + devices

// A hub home in a temp dir with a registered publisher, to be served on four
// free ports in this process (start()) or by a HubChild, and enrolled device
// homes next to it.
struct HubEnv {
  TempRoot root{"sync"};
  SystemClock clock;
  SystemRandom random;
  fs::path home = root.path / "hub";
  sync::HubAddress address{"127.0.0.1", pick_ports(4)};
  crypto::SigningKey publisher_key = crypto::SigningKey::generate(random);
  std::unique_ptr<hub::HubAdmin> admin;
  std::unique_ptr<hub::Hub> hub;

  HubEnv() {
    must(hub::HubAdmin::init(home, random, clock, address), "init the hub");
    admin = must(hub::HubAdmin::open(home, random, clock), "open the hub admin");
    must(admin->add_publisher("marketing", publisher_key.public_key()), "add the publisher");
  }

  void start() { hub = must(hub::Hub::start(home, clock, random), "start the hub"); }

  sync::ParsedHubAddress hub_address() const { return {address, admin->keys().curve.public_key()}; }

  catalog::Release release(const std::string& asset, std::uint64_t version) const {
    catalog::Release r;
    r.asset = asset;
    r.version = version;
    r.title = "Title of " + asset;
    r.kind = "pdf";
    r.valid_from = clock.now() - 1h;
    r.published_at = clock.now();
    return r;
  }

  sync::PublishReport publish(const fs::path& content, const std::string& asset, std::uint64_t version) {
    sync::PublisherClient client(hub_address(), publisher_key, 60s);
    return must(client.publish(content, release(asset, version), publisher_key), "publish");
  }

  struct Device {
    fs::path root;
    std::unique_ptr<device::DeviceHome> home;
    sync::DeviceLink link;
  };

  // A new home enrolled with token; touches no state of this object but the
  // clock and random (both thread-safe), so devices can be made in parallel.
  Device device(const std::string& name, const sync::EnrollToken& token) {
    Device d;
    d.root = root.path / ("device-" + name);
    must(device::DeviceHome::init(d.root, random, {}), "init a device home");
    d.home = must(device::DeviceHome::open(d.root, clock, random, {}), "open a device home");
    d.link = must(sync::enroll(*d.home, token, 30s), "enroll a device");
    return d;
  }

  Device device(const std::string& name) {
    return device(name, must(admin->enroll_token(name, "rep"), "make an enrollment token"));
  }
};

// ------------------------------------------------------------ 1. cold sync

// The same number of bytes over a raw CURVE ROUTER/DEALER pair on loopback:
// the client asks for 2 MiB at a time with up to 16 MiB outstanding, the
// server answers each request with a small header frame and 256 KiB frames
// from memory. Each side has its own context (one I/O thread), as the hub
// and the device do; the server checks clients through a ZAP handler, as the
// hub does. Seconds from connect to the last byte.
double raw_curve_transfer(std::uint64_t total, Random& random, std::size_t frame = frame_bytes) {
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(pick_ports(1));
  const sync::CurveKeyPair server_keys = sync::CurveKeyPair::generate(random);
  const sync::CurveKeyPair client_keys = sync::CurveKeyPair::generate(random);
  Bytes payload(request_bytes);
  random.fill(payload);

  zmq::context_t server_context;
  sync::ZapHandler zap(server_context, [](const std::string&, const sync::CurvePublicKey&) {
    return std::optional<std::string>("bench");
  });
  zmq::socket_t router(server_context, zmq::socket_type::router);
  sync::make_curve_server(router, server_keys, "sync");
  router.set(zmq::sockopt::router_mandatory, true);
  router.bind(endpoint);

  std::atomic<bool> stop{false};
  std::string server_error;
  std::thread server([&] {
    try {
      while (!stop) {
        zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, 50ms) == 0) continue;
        while (auto frames = sync::recv_frames(router, zmq::recv_flags::dontwait)) {
          if (frames->size() != 2 || (*frames)[1].size() != sizeof(std::uint64_t)) continue;
          std::uint64_t want = 0;
          std::memcpy(&want, (*frames)[1].data(), sizeof want);
          want = std::min<std::uint64_t>(want, payload.size());
          const Bytes& id = (*frames)[0];
          router.send(zmq::const_buffer(id.data(), id.size()), zmq::send_flags::sndmore);
          router.send(zmq::const_buffer(&want, sizeof want), zmq::send_flags::sndmore);
          for (std::uint64_t at = 0; at < want; at += frame) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(frame, want - at));
            router.send(zmq::const_buffer(payload.data() + at, n),
                        at + n < want ? zmq::send_flags::sndmore : zmq::send_flags::none);
          }
        }
      }
    } catch (const std::exception& e) {
      server_error = e.what();
    }
  });

  double seconds = 0;
  {
    zmq::context_t client_context;
    zmq::socket_t dealer(client_context, zmq::socket_type::dealer);
    sync::make_curve_client(dealer, client_keys, server_keys.public_key());
    const auto start = Steady::now();
    dealer.connect(endpoint);
    std::uint64_t requested = 0, received = 0, outstanding = 0;
    while (received < total) {
      while (requested < total && outstanding < window_bytes) {
        const std::uint64_t ask = std::min<std::uint64_t>(request_bytes, total - requested);
        dealer.send(zmq::const_buffer(&ask, sizeof ask), zmq::send_flags::none);
        requested += ask;
        outstanding += ask;
      }
      zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, 10s) == 0) die("raw CURVE transfer: no reply within 10 s");
      zmq::message_t part;
      std::uint64_t got = 0;
      bool header = true;
      do {
        (void)dealer.recv(part, zmq::recv_flags::none);
        if (!header) got += part.size();
        header = false;
      } while (part.more());
      received += got;
      outstanding -= got;
    }
    seconds = seconds_since(start);
  }
  stop = true;
  server.join();
  if (!server_error.empty()) die("raw CURVE server: " + server_error);
  return seconds;
}

// write() + fsync() of total bytes to one file, fsync every 2 MiB.
double raw_write_fsync(const fs::path& dir, std::uint64_t total, Random& random) {
  Bytes block(request_bytes);
  random.fill(block);
  const fs::path path = dir / "raw-write-fsync.bin";
  flush_filesystem(dir);
  const auto start = Steady::now();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) die("cannot create " + path.string());
  for (std::uint64_t at = 0; at < total; at += block.size()) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), total - at));
    if (::write(fd, block.data(), n) != static_cast<ssize_t>(n)) die("raw write failed");
    if (::fsync(fd) != 0) die("raw fsync failed");
  }
  ::close(fd);
  const double s = seconds_since(start);
  fs::remove(path);
  return s;
}

// The cache's file shape: total bytes as 64 KiB files (256 per directory),
// a syncfs after every 2 MiB.
double raw_files_syncfs(const fs::path& dir, std::uint64_t total, Random& random) {
  Bytes block(piece_bytes);
  random.fill(block);
  const fs::path files = dir / "raw-files";
  fs::create_directories(files);
  flush_filesystem(dir);
  const auto start = Steady::now();
  std::uint64_t since_sync = 0;
  std::size_t index = 0;
  for (std::uint64_t at = 0; at < total; at += block.size(), ++index) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), total - at));
    const fs::path sub = files / std::to_string(index / 256);
    if (index % 256 == 0) fs::create_directories(sub);
    const fs::path path = sub / std::to_string(index);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) die("cannot create " + path.string());
    if (::write(fd, block.data(), n) != static_cast<ssize_t>(n)) die("raw write failed");
    ::close(fd);
    since_sync += n;
    if (since_sync >= request_bytes || at + n >= total) {
      flush_filesystem(files);
      since_sync = 0;
    }
  }
  const double s = seconds_since(start);
  fs::remove_all(files);
  return s;
}

// What the device's cache does to each received chunk, without I/O:
// BLAKE2b of the bytes (the id check) and XChaCha20-Poly1305 with a random
// nonce, over total bytes in 64 KiB pieces.
double raw_device_crypto(std::uint64_t total, Random& random) {
  Bytes source(16u << 20), out(piece_bytes);
  random.fill(source);
  const crypto::SecretKey key = crypto::SecretKey::random(random, 32);
  const std::uint8_t ad[32] = {};
  const auto start = Steady::now();
  std::size_t at = 0;
  for (std::uint64_t done = 0; done < total; done += piece_bytes) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(piece_bytes, total - done));
    if (at + n > source.size()) at = 0;
    const ByteView piece(source.data() + at, n);
    (void)crypto::blake2b(piece);  // external calls: not elided
    const crypto::AeadNonce nonce = crypto::random_nonce(random);
    (void)crypto::aead_encrypt(key, nonce, piece, ad, MutableByteView(out.data(), n));
    at += n;
  }
  return seconds_since(start);
}

struct ColdResults {
  std::uint64_t bytes = 0;
  std::size_t files = 0;
  double publish_s = 0;
  sync::SyncReport report;
  double sync_s = 0, chunks_s = 0, sync_cpu = 0;
  std::uint64_t dropped_replies = 0;
  std::vector<double> raw_s;
  double raw_small_s = 0;  // 64 KiB frames
  double disk_s = 0, files_s = 0, crypto_s = 0;
};

ColdResults run_cold(double mb, std::size_t files) {
  std::printf("\n1. cold sync: %.0f MB in %zu seeded random files, one device\n", mb, files);
  std::fflush(stdout);
  HubEnv env;
  env.start();
  ColdResults r;
  r.files = files;
  const std::uint64_t total = static_cast<std::uint64_t>(mb * MB);
  const fs::path content = env.root.path / "content";
  fs::create_directories(content);
  {
    const auto start = Steady::now();
    for (std::size_t i = 0; i < files; ++i) {
      const std::uint64_t size = total / files + (i + 1 == files ? total % files : 0);
      Bytes bytes(size);
      fill_seeded(bytes, 0xc01d0000 + i);
      const fs::path path = content / ("asset-" + std::to_string(i) + ".bin");
      write_file(path, bytes);
      (void)env.publish(path, "cold-asset-" + std::to_string(i), 1);
      r.bytes += size;
    }
    r.publish_s = seconds_since(start);
  }
  std::printf("   published in %.1f s (includes writing the files); hub %s; temp dir %s\n", r.publish_s,
              env.address.sync().c_str(), env.root.path.c_str());
  HubEnv::Device dev = env.device("cold-device");

  const double mb_total = static_cast<double>(r.bytes) / MB;
  r.crypto_s = raw_device_crypto(r.bytes, env.random);
  r.disk_s = raw_write_fsync(env.root.path, r.bytes, env.random);
  r.files_s = raw_files_syncfs(env.root.path, r.bytes, env.random);
  r.raw_s.push_back(raw_curve_transfer(r.bytes, env.random));
  std::printf(
      "   limits: raw CURVE %.0f MB/s, write+fsync %.0f MB/s, 64 KiB files+syncfs %.0f MB/s, "
      "BLAKE2b+XChaCha20 %.0f MB/s   (load %s)\n",
      mb_total / r.raw_s.back(), mb_total / r.disk_s, mb_total / r.files_s, mb_total / r.crypto_s,
      load_average().c_str());
  std::fflush(stdout);

  flush_filesystem(env.root.path);
  const std::uint64_t dropped0 = env.hub->counters().dropped_replies;
  std::optional<Steady::time_point> chunks_start;
  auto progress = [&](const sync::SyncProgress& p) {
    if (p.phase == "chunks" && !chunks_start) chunks_start = Steady::now();
  };
  const double cpu0 = process_cpu();
  const auto start = Steady::now();
  r.report = must(sync::sync_once(*dev.home, dev.link, env.random, {}, progress), "cold sync");
  const auto end = Steady::now();
  r.sync_cpu = process_cpu() - cpu0;
  r.sync_s = std::chrono::duration<double>(end - start).count();
  r.chunks_s = chunks_start ? std::chrono::duration<double>(end - *chunks_start).count() : r.sync_s;
  r.dropped_replies = env.hub->counters().dropped_replies - dropped0;
  if (r.report.bytes_fetched != r.bytes || r.report.versions_fetched != files) {
    die("cold sync fetched " + std::to_string(r.report.bytes_fetched) + " bytes in " +
        std::to_string(r.report.versions_fetched) + " versions, expected " + std::to_string(r.bytes) + " in " +
        std::to_string(files));
  }
  std::printf("   sync_once %.2f s (%.0f MB/s), chunks phase %.2f s, CPU/wall %.2f   (load %s)\n", r.sync_s,
              mb_total / r.sync_s, r.chunks_s, r.sync_cpu / r.sync_s, load_average().c_str());
  for (int i = 0; i < 2; ++i) r.raw_s.push_back(raw_curve_transfer(r.bytes, env.random));
  r.raw_small_s = raw_curve_transfer(r.bytes, env.random, piece_bytes);
  std::printf("   raw CURVE after: %.0f, %.0f MB/s; with 64 KiB frames %.0f MB/s\n", mb_total / r.raw_s[1],
              mb_total / r.raw_s[2], mb_total / r.raw_small_s);
  return r;
}

// ------------------------------------------------------------ 2. edit

struct EditResults {
  std::uint64_t size_v1 = 0, size_v2 = 0;
  sync::SyncReport first, second;
  sync::PublishReport publish_v2;
  std::optional<std::uint64_t> rsync_sent, rsync_received;
  std::string rsync_note;
};

// v2 from v1: 1 MB overwritten in the middle, 100 bytes inserted at 15 %,
// 35 % and 80 % of v1.
Bytes make_edit(const Bytes& v1) {
  const std::size_t n = v1.size();
  const std::size_t over_at = n / 2 - 500'000, over_len = 1'000'000;
  Bytes overwrite(over_len);
  fill_seeded(overwrite, 0xed170001);
  Bytes v2 = v1;
  std::memcpy(v2.data() + over_at, overwrite.data(), over_len);
  const std::size_t inserts[] = {n * 80 / 100, n * 35 / 100, n * 15 / 100};  // from the back: offsets stay v1's
  for (std::size_t k = 0; k < 3; ++k) {
    Bytes ins(100);
    fill_seeded(ins, 0xed170010 + k);
    v2.insert(v2.begin() + static_cast<std::ptrdiff_t>(inserts[k]), ins.begin(), ins.end());
  }
  return v2;
}

// rsync of v2 onto v1 from a loopback daemon: "Total bytes sent/received".
void run_rsync(const fs::path& dir, const fs::path& v1, const fs::path& v2, EditResults& r) {
  const std::string rsync = find_program("rsync");
  if (rsync.empty()) {
    r.rsync_note = "rsync is not installed: column skipped";
    return;
  }
  const fs::path served = dir / "rsync-module", client = dir / "rsync-client", config = dir / "rsyncd.conf";
  fs::create_directories(served);
  fs::create_directories(client);
  fs::copy_file(v2, served / "doc.bin", fs::copy_options::overwrite_existing);
  fs::copy_file(v1, client / "doc.bin", fs::copy_options::overwrite_existing);
  {
    std::ofstream conf(config);
    conf << "use chroot = no\n"
         << "uid = " << ::getuid() << "\n"
         << "gid = " << ::getgid() << "\n"
         << "pid file = " << (dir / "rsyncd.pid").string() << "\n"
         << "log file = " << (dir / "rsyncd.log").string() << "\n"
         << "[mod]\n"
         << "path = " << served.string() << "\n"
         << "read only = yes\n";
  }
  const std::uint16_t port = pick_ports(1);
  const std::string config_arg = "--config=" + config.string(), port_arg = "--port=" + std::to_string(port);
  const pid_t daemon = ::fork();
  if (daemon < 0) die("fork for the rsync daemon failed");
  if (daemon == 0) {
    const int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::execl(rsync.c_str(), "rsync", "--daemon", "--no-detach", config_arg.c_str(), port_arg.c_str(),
            "--address=127.0.0.1", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto start = Steady::now();
  while (!port_accepts(port) && seconds_since(start) < 10) std::this_thread::sleep_for(20ms);
  if (!port_accepts(port)) {
    r.rsync_note = "the rsync daemon did not listen within 10 s (see " + (dir / "rsyncd.log").string() + ")";
  } else {
    const std::string command = rsync + " -a --stats rsync://127.0.0.1:" + std::to_string(port) + "/mod/doc.bin " +
                                (client / "doc.bin").string() + " 2>&1";
    FILE* out = ::popen(command.c_str(), "r");
    std::string text;
    if (out != nullptr) {
      char buf[4096];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, out)) > 0) text.append(buf, n);
      const int rc = ::pclose(out);
      if (rc != 0) r.rsync_note = "rsync exited with status " + std::to_string(rc) + ": " + text;
    }
    auto total = [&](std::string_view label) -> std::optional<std::uint64_t> {
      const auto at = text.find(label);
      if (at == std::string::npos) return std::nullopt;
      std::string digits;
      for (std::size_t i = at + label.size(); i < text.size() && text[i] != '\n'; ++i) {
        if (std::isdigit(static_cast<unsigned char>(text[i])))
          digits += text[i];
        else if (text[i] != ',' && text[i] != ' ' && !digits.empty())
          break;
      }
      if (digits.empty()) return std::nullopt;
      return std::stoull(digits);
    };
    r.rsync_sent = total("Total bytes sent:");
    r.rsync_received = total("Total bytes received:");
    if ((!r.rsync_sent || !r.rsync_received) && r.rsync_note.empty()) r.rsync_note = "unreadable --stats: " + text;
    // The result must be v2, or the figure means nothing.
    std::ifstream a(client / "doc.bin", std::ios::binary), b(v2, std::ios::binary);
    const std::string ca((std::istreambuf_iterator<char>(a)), {}), cb((std::istreambuf_iterator<char>(b)), {});
    if (ca != cb && r.rsync_note.empty()) r.rsync_note = "rsync's result differs from v2";
  }
  ::kill(daemon, SIGTERM);
  (void)reap(daemon, 5);
}

EditResults run_edit(double mb) {
  std::printf("\n2. edit: a %.0f MB file, v2 = 1 MB overwritten in the middle + 100 bytes inserted at 3 places\n", mb);
  std::fflush(stdout);
  HubEnv env;
  env.start();
  EditResults r;
  const fs::path dir = env.root.path / "edit";
  fs::create_directories(dir);
  const fs::path v1_path = dir / "v1.bin", v2_path = dir / "v2.bin";
  {
    Bytes v1(static_cast<std::size_t>(mb * MB));
    fill_seeded(v1, 0xed170000);
    const Bytes v2 = make_edit(v1);
    r.size_v1 = v1.size();
    r.size_v2 = v2.size();
    write_file(v1_path, v1);
    write_file(v2_path, v2);
  }
  (void)env.publish(v1_path, "edit-doc", 1);
  HubEnv::Device dev = env.device("edit-device");
  r.first = must(sync::sync_once(*dev.home, dev.link, env.random), "sync v1");
  r.publish_v2 = env.publish(v2_path, "edit-doc", 2);
  r.second = must(sync::sync_once(*dev.home, dev.link, env.random), "sync v2");
  if (r.second.versions_fetched != 1) die("the v2 sync did not complete v2");
  std::printf("   v1 sync: %s wire bytes; v2 sync: %s wire bytes (%zu chunks, %s chunk bytes)\n",
              commas(r.first.wire_bytes_sent + r.first.wire_bytes_received).c_str(),
              commas(r.second.wire_bytes_sent + r.second.wire_bytes_received).c_str(), r.second.chunks_fetched,
              commas(r.second.bytes_fetched).c_str());
  run_rsync(dir, v1_path, v2_path, r);
  if (r.rsync_sent && r.rsync_received) {
    std::printf("   rsync: sent %s, received %s\n", commas(*r.rsync_sent).c_str(), commas(*r.rsync_received).c_str());
  }
  if (!r.rsync_note.empty()) std::printf("   rsync: %s\n", r.rsync_note.c_str());
  return r;
}

// ------------------------------------------------------------ hub in a child

std::string counters_line(const hub::HubCounters& k) {
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "requests %llu refused %llu dropped_replies %llu commits %llu events_ingested %llu chunks_sent %llu",
      static_cast<unsigned long long>(k.requests.load()), static_cast<unsigned long long>(k.refused.load()),
      static_cast<unsigned long long>(k.dropped_replies.load()), static_cast<unsigned long long>(k.commits.load()),
      static_cast<unsigned long long>(k.events_ingested.load()), static_cast<unsigned long long>(k.chunks_sent.load()));
  return buf;
}

// The child side: a hub serving home. Each line "counters" on stdin is
// answered with its counters on stdout; it stops when stdin closes.
int serve_hub(const fs::path& home) {
  SystemClock clock;
  SystemRandom random;
  auto hub = hub::Hub::start(home, clock, random);
  if (!hub) {
    std::fprintf(stderr, "serve-hub: %s\n", hub.status().to_string().c_str());
    return 2;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  char line[64];
  while (std::fgets(line, sizeof line, stdin) != nullptr) {
    std::printf("%s\n", counters_line((*hub)->counters()).c_str());
    std::fflush(stdout);
  }
  (*hub)->stop();
  std::printf("%s\n", counters_line((*hub)->counters()).c_str());
  std::fflush(stdout);
  return 0;
}

// This program as a child serving a hub (see serve_hub), so the hub's CPU
// time and memory are its own.
struct HubChild {
  pid_t pid = -1;
  int to_child = -1, from_child = -1;

  explicit HubChild(const fs::path& home) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) die("pipe failed");
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    const std::string arg = "--serve-hub=" + home.string();
    pid = ::fork();
    if (pid < 0) die("fork failed");
    if (pid == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::execl(self.c_str(), self.c_str(), arg.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_child = in[1];
    from_child = out[0];
    if (read_line(30) != "ready") die("the hub child did not start");
  }
  HubChild(const HubChild&) = delete;
  HubChild& operator=(const HubChild&) = delete;

  // A line from the child, or "" after `seconds`.
  std::string read_line(double seconds) {
    std::string line;
    const auto start = Steady::now();
    while (seconds_since(start) < seconds) {
      pollfd p{from_child, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char c;
      if (::read(from_child, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }

  // The hub's counters now, by name.
  std::map<std::string, std::uint64_t> counters() {
    if (::write(to_child, "counters\n", 9) != 9) die("the hub child is gone");
    return parse(read_line(10));
  }

  static std::map<std::string, std::uint64_t> parse(const std::string& line) {
    std::map<std::string, std::uint64_t> out;
    std::stringstream in(line);
    std::string name;
    std::uint64_t value = 0;
    while (in >> name >> value) out[name] = value;
    return out;
  }

  double cpu_seconds() const { return proc_cpu_seconds(pid); }

  // Stops the child; its last counters line.
  std::string stop() {
    if (pid < 0) return {};
    ::close(to_child);
    const std::string counters = read_line(20);
    ::close(from_child);
    (void)reap(pid, 10);
    pid = -1;
    return counters;
  }
  ~HubChild() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      (void)reap(pid, 5);
    }
  }
};

// ------------------------------------------------------------ 3. ingest

struct HubRow {
  Bytes journal_id;
  std::int64_t seq = 0, time = 0, received_at = 0;
  std::string type, device;
  std::optional<Bytes> payload;
  Bytes payload_hash, hash;
};

constexpr const char* hub_events_schema =
    "CREATE TABLE events(journal_id BLOB NOT NULL, seq INTEGER NOT NULL, time INTEGER NOT NULL, "
    "type TEXT NOT NULL, payload BLOB, payload_hash BLOB NOT NULL, hash BLOB NOT NULL, device TEXT NOT NULL, "
    "received_at INTEGER NOT NULL, PRIMARY KEY(journal_id, seq)) WITHOUT ROWID;"
    "CREATE INDEX events_by_type ON events(type, time);";

// The hub's rows, ordered as concurrent pushes of 512 bring them.
std::vector<HubRow> read_hub_rows(const fs::path& home) {
  SQLite::Database db(hub::HubStore::db_path(home).string(), SQLite::OPEN_READONLY);
  SQLite::Statement st(db,
                       "SELECT journal_id, seq, time, type, payload, payload_hash, hash, device, received_at "
                       "FROM events ORDER BY journal_id, seq");
  std::vector<std::vector<HubRow>> by_journal;
  Bytes last;
  auto bytes = [](const SQLite::Column& c) {
    const auto* p = static_cast<const std::uint8_t*>(c.getBlob());
    return Bytes(p, p + c.getBytes());
  };
  while (st.executeStep()) {
    HubRow row;
    row.journal_id = bytes(st.getColumn(0));
    row.seq = st.getColumn(1).getInt64();
    row.time = st.getColumn(2).getInt64();
    row.type = st.getColumn(3).getString();
    if (!st.getColumn(4).isNull()) row.payload = bytes(st.getColumn(4));
    row.payload_hash = bytes(st.getColumn(5));
    row.hash = bytes(st.getColumn(6));
    row.device = st.getColumn(7).getString();
    row.received_at = st.getColumn(8).getInt64();
    if (by_journal.empty() || row.journal_id != last) {
      by_journal.emplace_back();
      last = row.journal_id;
    }
    by_journal.back().push_back(std::move(row));
  }
  std::vector<HubRow> out;
  for (std::size_t push = 0;; ++push) {
    bool any = false;
    for (auto& rows : by_journal) {
      for (std::size_t i = push * 512; i < std::min(rows.size(), (push + 1) * 512); ++i) {
        out.push_back(std::move(rows[i]));
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

// Seconds to insert rows into a fresh table of the hub's shape, WAL +
// synchronous=FULL, `batch` rows per transaction.
double raw_hub_inserts(const fs::path& dir, const std::vector<HubRow>& rows, std::size_t batch) {
  const fs::path path = dir / ("raw-ingest-" + std::to_string(batch) + ".db");
  remove_db(path);
  double seconds = 0;
  {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");
    db.exec(hub_events_schema);
    SQLite::Statement insert(db,
                             "INSERT INTO events(journal_id, seq, time, type, payload, payload_hash, hash, device, "
                             "received_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    flush_filesystem(dir);
    const auto start = Steady::now();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i % batch == 0) db.exec("BEGIN IMMEDIATE");
      const HubRow& row = rows[i];
      insert.reset();
      insert.bindNoCopy(1, row.journal_id.data(), static_cast<int>(row.journal_id.size()));
      insert.bind(2, row.seq);
      insert.bind(3, row.time);
      insert.bindNoCopy(4, row.type);
      if (row.payload) {
        insert.bindNoCopy(5, row.payload->data(), static_cast<int>(row.payload->size()));
      } else {
        insert.bind(5);
      }
      insert.bindNoCopy(6, row.payload_hash.data(), static_cast<int>(row.payload_hash.size()));
      insert.bindNoCopy(7, row.hash.data(), static_cast<int>(row.hash.size()));
      insert.bindNoCopy(8, row.device);
      insert.bind(9, row.received_at);
      insert.exec();
      if ((i + 1) % batch == 0 || i + 1 == rows.size()) db.exec("COMMIT");
    }
    seconds = seconds_since(start);
    if (db.execAndGet("SELECT count(*) FROM events").getInt64() != static_cast<std::int64_t>(rows.size())) {
      die("raw ingest lost rows");
    }
  }
  remove_db(path);
  return seconds;
}

struct IngestResults {
  std::size_t devices = 0, events = 0;
  std::uint64_t ingested = 0, commits = 0, pushed = 0;
  double wall = 0, setup_s = 0;
  double hub_cpu = 0, devices_cpu = 0;  // CPU seconds of the hub (child) and of the devices (this process)
  double slowest = 0, fastest = 0;      // per-session seconds
  std::size_t row_bytes = 0;            // mean stored row (blobs and texts)
  std::size_t mean_batch = 0;
  double raw_mean_s = 0, raw_512_s = 0;
};

IngestResults run_ingest(std::size_t devices, std::size_t events) {
  std::printf("\n3. ingest: %zu devices x %zu content.request events, all syncing at once\n", devices, events);
  std::fflush(stdout);
  HubEnv env;
  HubChild hub(env.home);
  IngestResults r;
  r.devices = devices;
  r.events = events;
  // content.request is a durable event (one commit each): every device is
  // enrolled and filled on a thread of its own, so the fsyncs overlap.
  std::vector<HubEnv::Device> devs(devices);
  const auto setup = Steady::now();
  std::vector<sync::EnrollToken> tokens;
  for (std::size_t d = 0; d < devices; ++d) {
    tokens.push_back(must(env.admin->enroll_token("ingest-" + std::to_string(d), "rep"), "make an enrollment token"));
  }
  {
    std::vector<std::thread> fillers;
    for (std::size_t d = 0; d < devices; ++d) {
      fillers.emplace_back([&, d] {
        static constexpr const char* topics[] = {"pricing sheet", "security whitepaper", "case study",
                                                 "roadmap deck",  "onboarding guide",    "datasheet"};
        static constexpr const char* regions[] = {"EMEA", "DACH", "APAC", "Nordics", "UK", "LATAM"};
        devs[d] = env.device("ingest-" + std::to_string(d), tokens[d]);
        device::DeviceHome& home = *devs[d].home;
        for (std::size_t i = 0; i < events; ++i) {
          const std::size_t k = d * 7919 + i;
          const std::string text = std::string("Customer asked for the ") + regions[k % 6] + " " + topics[(k / 6) % 6] +
                                   " for retail banks, 2027 edition (visit " + std::to_string(k) + ")";
          const std::string asset = "deck-" + std::to_string(k % 3000);
          (void)must(home.record(journal::content_request(text, asset)), "record an event");
        }
        must(home.journal().flush(), "flush a device journal");
      });
    }
    for (auto& t : fillers) t.join();
  }
  r.setup_s = seconds_since(setup);
  std::printf("   %zu devices enrolled and filled in %.1f s; hub %s (child process %d); temp dir %s\n", devices,
              r.setup_s, env.address.sync().c_str(), static_cast<int>(hub.pid), env.root.path.c_str());
  std::fflush(stdout);

  flush_filesystem(env.root.path);
  const auto counters0 = hub.counters();
  std::latch go(1);
  std::vector<std::optional<Result<sync::SyncReport>>> results(devices);
  std::vector<double> ends(devices);
  std::vector<std::thread> threads;
  Steady::time_point start;
  for (std::size_t d = 0; d < devices; ++d) {
    threads.emplace_back([&, d] {
      go.wait();
      results[d] = sync::sync_once(*devs[d].home, devs[d].link, env.random);
      ends[d] = seconds_since(start);
    });
  }
  const double cpu0 = process_cpu(), hub_cpu0 = hub.cpu_seconds();
  start = Steady::now();
  go.count_down();
  for (auto& t : threads) t.join();
  r.wall = seconds_since(start);
  r.devices_cpu = process_cpu() - cpu0;
  r.hub_cpu = hub.cpu_seconds() - hub_cpu0;
  auto counters1 = hub.counters();
  r.ingested = counters1["events_ingested"] - counters0.at("events_ingested");
  r.commits = counters1["commits"] - counters0.at("commits");
  r.slowest = *std::max_element(ends.begin(), ends.end());
  r.fastest = *std::min_element(ends.begin(), ends.end());
  for (std::size_t d = 0; d < devices; ++d) {
    if (!*results[d]) die("ingest: device " + std::to_string(d) + ": " + results[d]->status().to_string());
    r.pushed += (*results[d])->events_pushed;
  }
  if (r.pushed != devices * events || r.ingested != devices * events) {
    die("ingest: " + std::to_string(r.pushed) + " events acknowledged, " + std::to_string(r.ingested) +
        " ingested, expected " + std::to_string(devices * events));
  }
  std::printf(
      "   %s events in %.2f s: %.0f events/s at the hub, %s commits; CPU s: hub %.2f, devices %.2f   "
      "(load %s)\n",
      commas(r.ingested).c_str(), r.wall, static_cast<double>(r.ingested) / r.wall, commas(r.commits).c_str(),
      r.hub_cpu, r.devices_cpu, load_average().c_str());
  std::fflush(stdout);

  const std::vector<HubRow> rows = read_hub_rows(env.home);
  if (rows.size() != r.ingested) die("ingest: hub.db holds " + std::to_string(rows.size()) + " events");
  std::size_t bytes = 0;
  for (const HubRow& row : rows) {
    bytes += row.journal_id.size() + row.type.size() + (row.payload ? row.payload->size() : 0) +
             row.payload_hash.size() + row.hash.size() + row.device.size() + 3 * 8;
  }
  r.row_bytes = bytes / rows.size();
  // The hub's commits include hellos (one per device) besides the pushes.
  r.mean_batch = std::max<std::size_t>(1, static_cast<std::size_t>(r.ingested / std::max<std::uint64_t>(1, r.commits)));
  r.raw_mean_s = raw_hub_inserts(env.root.path, rows, r.mean_batch);
  r.raw_512_s = raw_hub_inserts(env.root.path, rows, 512);
  std::printf("   raw SQLite: %.0f rows/s in batches of %zu, %.0f rows/s in batches of 512\n",
              static_cast<double>(rows.size()) / r.raw_mean_s, r.mean_batch,
              static_cast<double>(rows.size()) / r.raw_512_s);
  (void)hub.stop();
  return r;
}

// ------------------------------------------------------------ 4. devices

struct Step {
  std::size_t target = 0, connected = 0, ok = 0;
  std::size_t pinged = 0, pongs = 0;
  double open_s = 0, hello_s = 0, ping_s = 0;
  double hub_cpu = 0, client_cpu = 0;  // CPU seconds over connect + hello
  ProcStatus hub;
  std::size_t hub_fds = 0;
  std::string failure;
};

struct DevicesResults {
  std::size_t registered = 0;
  double register_s = 0;
  ProcStatus idle;
  std::size_t idle_fds = 0;
  std::vector<Step> steps;
  std::string hub_counters;
};

// Waits for one reply of type `type` on each socket in pending (indexes);
// returns how many came, the first other outcome in `failure`. Watches the
// sockets' ZMQ_FDs with epoll, so each wake costs only the sockets that
// became ready (zmq_poll over thousands of sockets would make this loop,
// not the hub, the bottleneck).
std::size_t await_replies(std::vector<zmq::socket_t>& sockets, const std::vector<std::size_t>& pending,
                          const char* type, double timeout_s, std::string& failure) {
  std::size_t ok = 0, remaining = 0;
  // One message at most per socket is expected: read it if there is one.
  auto try_read = [&](std::size_t i) {
    while ((sockets[i].get(zmq::sockopt::events) & ZMQ_POLLIN) != 0) {
      auto frames = sync::recv_frames(sockets[i], zmq::recv_flags::dontwait);
      if (!frames) break;
      auto envelope = sync::decode(*frames);
      if (envelope && envelope->type == type) {
        ++ok;
      } else if (failure.empty()) {
        failure = envelope ? "got '" + envelope->type + "' " + envelope->body.dump() : envelope.status().to_string();
      }
      return true;
    }
    return false;
  };
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1 failed");
  std::vector<int> fds(sockets.size(), -1);
  for (std::size_t i : pending) {
    if (try_read(i)) continue;
    fds[i] = sockets[i].get(zmq::sockopt::fd);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0) die("epoll_ctl failed");
    ++remaining;
  }
  const auto start = Steady::now();
  std::vector<epoll_event> ready(1024);
  while (remaining > 0 && seconds_since(start) < timeout_s) {
    const int n = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 200);
    for (int k = 0; k < n; ++k) {
      const std::size_t i = ready[static_cast<std::size_t>(k)].data.u64;
      if (fds[i] < 0 || !try_read(i)) continue;
      ::epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], nullptr);
      fds[i] = -1;
      --remaining;
    }
  }
  ::close(ep);
  if (remaining > 0 && failure.empty()) {
    failure = std::to_string(remaining) + " without a '" + type + "' reply within " + fmt("%.0f", timeout_s) + " s";
  }
  return ok;
}

DevicesResults run_devices(std::size_t max_devices, double step_timeout) {
  std::printf("\n4. devices: up to %zu CURVE connections to one hub (hub in a child process)\n", max_devices);
  std::fflush(stdout);
  HubEnv env;
  DevicesResults r;
  std::vector<std::array<std::uint8_t, 32>> secrets(max_devices);
  {
    std::vector<sync::CurvePublicKey> keys;
    for (auto& s : secrets) {
      env.random.fill(s);
      keys.push_back(sync::CurveKeyPair::from_secret(s).public_key());
    }
    const auto start = Steady::now();
    hub::HubStore& store = env.admin->store();
    must(store.in_transaction([&]() -> Status {
      for (std::size_t i = 0; i < max_devices; ++i) {
        const sync::EnrollToken token = must(env.admin->enroll_token("held-" + std::to_string(i), "rep"), "token");
        (void)must(store.redeem_token(token.secret, keys[i], env.clock.now()), "redeem a token");
      }
      return {};
    }),
         "register device keys");
    r.register_s = seconds_since(start);
    r.registered = max_devices;
  }
  std::printf("   %zu device keys registered in %.1f s (one transaction); hub %s\n", r.registered, r.register_s,
              env.address.sync().c_str());
  std::fflush(stdout);

  const sync::CurvePublicKey hub_key = env.admin->keys().curve.public_key();
  env.admin.reset();  // the child opens the store
  HubChild child(env.home);
  std::this_thread::sleep_for(200ms);
  r.idle = proc_status(child.pid);
  r.idle_fds = open_fds(child.pid);

  zmq::context_t context;
  context.set(zmq::ctxopt::io_threads, 2);
  context.set(zmq::ctxopt::max_sockets, static_cast<int>(max_devices + 64));
  std::vector<zmq::socket_t> sockets;
  sockets.reserve(max_devices);
  std::uint64_t next_id = 1;

  std::vector<std::size_t> targets;
  for (std::size_t k : {250, 500, 1000, 2000, 4000}) {
    if (k <= max_devices) targets.push_back(k);
  }
  if (targets.empty() || targets.back() != max_devices) targets.push_back(max_devices);

  for (std::size_t target : targets) {
    Step step;
    step.target = target;
    const std::size_t from = sockets.size();
    std::vector<std::size_t> fresh;
    const double hub_cpu0 = child.cpu_seconds(), client_cpu0 = process_cpu();
    const auto start = Steady::now();
    try {
      for (std::size_t i = from; i < target; ++i) {
        sockets.emplace_back(context, zmq::socket_type::dealer);
        sync::make_curve_client(sockets.back(), sync::CurveKeyPair::from_secret(secrets[i]), hub_key);
        sockets.back().connect(env.address.sync());
        sync::msg::Hello hello;
        hello.journal_id.resize(16);
        env.random.fill(hello.journal_id);
        if (!sync::send_frames(sockets.back(), sync::encode(hello.to_envelope(next_id++)))) {
          throw std::runtime_error("cannot queue hello on socket " + std::to_string(i));
        }
        fresh.push_back(i);
      }
    } catch (const std::exception& e) {
      step.failure = std::string("opening sockets: ") + e.what();
    }
    step.connected = sockets.size();
    step.open_s = seconds_since(start);
    step.ok = await_replies(sockets, fresh, sync::msg::HelloOk::type, step_timeout, step.failure);
    step.hello_s = seconds_since(start);
    step.hub_cpu = child.cpu_seconds() - hub_cpu0;
    step.client_cpu = process_cpu() - client_cpu0;
    if (step.failure.empty()) {
      std::vector<std::size_t> all(sockets.size());
      for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
      const auto ping_start = Steady::now();
      for (std::size_t i : all) {
        sync::Envelope ping;
        ping.type = "ping";
        ping.id = next_id++;
        if (!sync::send_frames(sockets[i], sync::encode(ping))) {
          step.failure = "cannot queue a ping";
          break;
        }
      }
      step.pinged = all.size();
      if (step.failure.empty()) step.pongs = await_replies(sockets, all, "pong", step_timeout, step.failure);
      step.ping_s = seconds_since(ping_start);
    }
    step.hub = proc_status(child.pid);
    step.hub_fds = open_fds(child.pid);
    std::printf(
        "   %5zu connections: %zu/%zu hello.ok in %.2f s (sockets opened in %.2f s; CPU s hub %.2f, "
        "clients %.2f), %zu/%zu pongs in %.2f s; hub RSS %.1f MB, %llu threads, %zu fds%s%s   (load %s)\n",
        target, step.ok, target - from, step.hello_s, step.open_s, step.hub_cpu, step.client_cpu, step.pongs,
        step.pinged, step.ping_s, static_cast<double>(step.hub.rss_kb) / 1024,
        static_cast<unsigned long long>(step.hub.threads), step.hub_fds,
        step.failure.empty() ? "" : "; FAILED: ", step.failure.c_str(), load_average().c_str());
    std::fflush(stdout);
    r.steps.push_back(step);
    if (!step.failure.empty()) break;
  }
  sockets.clear();
  context.close();
  r.hub_counters = child.stop();
  return r;
}

// ------------------------------------------------------------------ report

void print_cold(const ColdResults& r) {
  const double mb = static_cast<double>(r.bytes) / MB;
  const double raw = median(r.raw_s);
  const double sync_rate = mb / r.sync_s, raw_rate = mb / raw;
  const double disk_rate = mb / r.disk_s, files_rate = mb / r.files_s, crypto_rate = mb / r.crypto_s;
  const double serial_rate = 1 / (1 / crypto_rate + 1 / files_rate);
  std::printf("\n### 1. Cold sync of %.0f MB (%zu assets), MB/s (MB = 10^6 bytes)\n\n", mb, r.files);
  std::printf("| figure | MB/s | seconds | sync / this |\n|---|---:|---:|---:|\n");
  std::printf("| **sync_once, cold** (hello, catalog, %zu recipes, %s chunks) | **%.0f** | %.2f | 1 |\n", r.files,
              commas(r.report.chunks_fetched).c_str(), sync_rate, r.sync_s);
  std::printf("| … its chunks phase alone | %.0f | %.2f | |\n", mb / r.chunks_s, r.chunks_s);
  std::printf(
      "| raw CURVE ROUTER/DEALER, 256 KiB frames, 2 MiB replies, 16 MiB window, median of %zu [%.0f–%.0f] "
      "| %.0f | %.2f | **%.2fx** |\n",
      r.raw_s.size(), mb / *std::max_element(r.raw_s.begin(), r.raw_s.end()),
      mb / *std::min_element(r.raw_s.begin(), r.raw_s.end()), raw_rate, raw, sync_rate / raw_rate);
  std::printf("| raw CURVE, same but 64 KiB frames (the chunker's average chunk), one run | %.0f | %.2f | %.2fx |\n",
              mb / r.raw_small_s, r.raw_small_s, sync_rate / (mb / r.raw_small_s));
  std::printf("| raw write + fsync, 2 MiB batches, one file | %.0f | %.2f | %.2fx |\n", disk_rate, r.disk_s,
              sync_rate / disk_rate);
  std::printf("| raw 64 KiB files, syncfs every 2 MiB | %.0f | %.2f | %.2fx |\n", files_rate, r.files_s,
              sync_rate / files_rate);
  std::printf("| raw BLAKE2b + XChaCha20-Poly1305, 64 KiB pieces (no I/O) | %.0f | %.2f | %.2fx |\n", crypto_rate,
              r.crypto_s, sync_rate / crypto_rate);
  std::printf("| crypto then 64 KiB files, in series: 1/(1/crypto + 1/files) | %.0f | | %.2fx |\n", serial_rate,
              sync_rate / serial_rate);
  std::printf(
      "\nWire: %s bytes received, %s sent. Process CPU during the sync: %.2f s (CPU/wall %.2f; hub and "
      "device share this process). Hub replies dropped: %llu. Publishing took %.1f s.\n",
      commas(r.report.wire_bytes_received).c_str(), commas(r.report.wire_bytes_sent).c_str(), r.sync_cpu,
      r.sync_cpu / r.sync_s, static_cast<unsigned long long>(r.dropped_replies), r.publish_s);
}

void print_edit(const EditResults& r) {
  const std::uint64_t wire = r.second.wire_bytes_sent + r.second.wire_bytes_received;
  std::printf(
      "\n### 2. Re-sync after an edit: %s-byte file, 1 MB overwritten in the middle, 100 B inserted at 15 %%, "
      "35 %%, 80 %% (v2: %s bytes)\n\n",
      commas(r.size_v1).c_str(), commas(r.size_v2).c_str());
  std::printf("| figure | bytes | vs rsync |\n|---|---:|---:|\n");
  const std::optional<std::uint64_t> rsync =
      r.rsync_sent && r.rsync_received ? std::optional(*r.rsync_sent + *r.rsync_received) : std::nullopt;
  auto vs = [&](std::uint64_t v) {
    return rsync ? fmt("%.2fx", static_cast<double>(v) / static_cast<double>(*rsync)) : std::string("–");
  };
  std::printf("| **sync of v2: wire bytes, both ways** | **%s** | **%s** |\n", commas(wire).c_str(), vs(wire).c_str());
  std::printf("| … received | %s | |\n", commas(r.second.wire_bytes_received).c_str());
  std::printf("| … sent | %s | |\n", commas(r.second.wire_bytes_sent).c_str());
  std::printf("| … chunk bytes (%zu chunks) | %s | %s |\n", r.second.chunks_fetched,
              commas(r.second.bytes_fetched).c_str(), vs(r.second.bytes_fetched).c_str());
  std::printf("| … v2's recipe (%zu chunks × 36 B) | %s | |\n", r.publish_v2.chunks,
              commas(r.publish_v2.chunks * 36).c_str());
  if (rsync) {
    std::printf("| rsync -a from a loopback daemon: sent + received | %s | 1 |\n", commas(*rsync).c_str());
    std::printf("| … sent / received | %s / %s | |\n", commas(*r.rsync_sent).c_str(),
                commas(*r.rsync_received).c_str());
  } else {
    std::printf("| rsync | %s | |\n", r.rsync_note.c_str());
  }
  std::printf("| bytes that changed (1 MB + 3 × 100 B) | %s | |\n", commas(1'000'300).c_str());
  std::printf("| first sync (v1, cold): wire bytes | %s | |\n",
              commas(r.first.wire_bytes_sent + r.first.wire_bytes_received).c_str());
  std::printf(
      "\nThe publisher uploaded %zu of v2's %zu chunks (%s bytes). Wire bytes are the sync messages' "
      "frames (ZeroMQ and CURVE framing not counted); rsync's totals are its protocol's bytes.%s%s\n",
      r.publish_v2.chunks_sent, r.publish_v2.chunks, commas(r.publish_v2.bytes_sent).c_str(),
      r.rsync_note.empty() ? "" : " rsync: ", r.rsync_note.c_str());
}

void print_ingest(const IngestResults& r) {
  const double n = static_cast<double>(r.ingested);
  const double rate = n / r.wall, raw_mean = n / r.raw_mean_s, raw_512 = n / r.raw_512_s;
  std::printf("\n### 3. Hub journal ingest, %zu devices syncing at once, %zu events each\n\n", r.devices, r.events);
  std::printf("| figure | events/s | seconds | hub / this |\n|---|---:|---:|---:|\n");
  std::printf("| **hub ingest, first session start to last session end** | **%.0f** | %.2f | 1 |\n", rate, r.wall);
  std::printf(
      "| raw SQLite, same rows, hub's `events` shape, WAL + FULL, %zu rows per commit (the hub's mean) | %.0f "
      "| %.2f | **%.2fx** |\n",
      r.mean_batch, raw_mean, r.raw_mean_s, rate / raw_mean);
  std::printf("| raw SQLite, same, 512 rows per commit (one push) | %.0f | %.2f | %.2fx |\n", raw_512, r.raw_512_s,
              rate / raw_512);
  std::printf(
      "\n%s events in %s hub commits (hellos included); sessions ended between %.2f and %.2f s; mean "
      "stored row %zu B. CPU: hub %.2f s (%.1f us/event; it runs in a child process), the %zu devices %.2f s "
      "(this process, on the same cores). Setup (enroll + durable appends) took %.1f s.\n",
      commas(r.ingested).c_str(), commas(r.commits).c_str(), r.fastest, r.slowest, r.row_bytes, r.hub_cpu,
      r.hub_cpu / n * 1e6, r.devices, r.devices_cpu, r.setup_s);
}

void print_devices(const DevicesResults& r) {
  std::printf("\n### 4. CURVE-connected devices held by one hub (hub in a child process)\n\n");
  std::printf(
      "| connections | hello.ok (new) | connect + hello, s | hub CPU s (connect + hello) | pongs (all held) | "
      "ping round, s | hub RSS MB | hub threads | hub fds | outcome |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  std::printf("| 0 | | | | | | %.1f | %llu | %zu | idle |\n", static_cast<double>(r.idle.rss_kb) / 1024,
              static_cast<unsigned long long>(r.idle.threads), r.idle_fds);
  std::size_t prev = 0;
  for (const Step& s : r.steps) {
    std::printf("| %zu | %zu / %zu | %.2f | %.2f | %zu / %zu | %.2f | %.1f | %llu | %zu | %s |\n", s.target, s.ok,
                s.target - prev, s.hello_s, s.hub_cpu, s.pongs, s.pinged, s.ping_s,
                static_cast<double>(s.hub.rss_kb) / 1024, static_cast<unsigned long long>(s.hub.threads), s.hub_fds,
                s.failure.empty() ? "ok" : s.failure.c_str());
    prev = s.target;
  }
  if (!r.steps.empty()) {
    const Step& last = r.steps.back();
    const std::size_t fresh = last.target - (r.steps.size() >= 2 ? r.steps[r.steps.size() - 2].target : 0);
    if (fresh > 0) {
      std::printf(
          "\nLast step: %.2f ms of hub CPU and %.2f ms of client CPU per new connection (CURVE handshake, ZAP, "
          "hello); %.0f hellos/s.",
          last.hub_cpu * 1e3 / static_cast<double>(fresh), last.client_cpu * 1e3 / static_cast<double>(fresh),
          static_cast<double>(fresh) / last.hello_s);
    }
  }
  if (r.steps.size() >= 2) {
    const Step& a = r.steps.front();
    const Step& b = r.steps.back();
    if (b.target > a.target) {
      std::printf("\nHub memory per held connection (RSS growth from %zu to %zu): %.1f KB.", a.target, b.target,
                  static_cast<double>(b.hub.rss_kb - std::min(b.hub.rss_kb, a.hub.rss_kb)) /
                      static_cast<double>(b.target - a.target));
    }
  }
  std::printf("\nKeys registered beforehand in %.1f s (one transaction). Hub counters at the end: %s\n", r.register_s,
              r.hub_counters.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]).starts_with("--serve-hub=")) {
    return serve_hub(std::string(argv[1] + std::strlen("--serve-hub=")));
  }
  std::string parts = "cold,edit,ingest,devices";
  double mb = 200, edit_mb = 100, step_timeout = 60;
  std::size_t files = 4, devices = 50, events = 2000, max_devices = 4000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::string_view flag) { return std::string(arg.substr(flag.size())); };
    if (arg.starts_with("--parts=")) {
      parts = value("--parts=");
    } else if (arg.starts_with("--mb=")) {
      mb = std::stod(value("--mb="));
    } else if (arg.starts_with("--files=")) {
      files = std::stoul(value("--files="));
    } else if (arg.starts_with("--edit-mb=")) {
      edit_mb = std::stod(value("--edit-mb="));
    } else if (arg.starts_with("--devices=")) {
      devices = std::stoul(value("--devices="));
    } else if (arg.starts_with("--events=")) {
      events = std::stoul(value("--events="));
    } else if (arg.starts_with("--max-devices=")) {
      max_devices = std::stoul(value("--max-devices="));
    } else if (arg.starts_with("--step-timeout=")) {
      step_timeout = std::stod(value("--step-timeout="));
    } else {
      std::fprintf(stderr,
                   "usage: outpost_bench_sync [--parts=cold,edit,ingest,devices] [--mb=200] [--files=4] "
                   "[--edit-mb=100]\n"
                   "       [--devices=50] [--events=2000] [--max-devices=4000] [--step-timeout=60]\n");
      return 2;
    }
  }
  if (mb <= 0 || files < 1 || edit_mb < 4 || devices < 1 || events < 1 || max_devices < 1 || step_timeout <= 0) {
    die("--mb, --files, --devices, --events, --max-devices, --step-timeout must be positive; --edit-mb at least 4");
  }
  auto wants = [&](const char* part) {
    return ("," + parts + ",").find("," + std::string(part) + ",") != std::string::npos;
  };
  if (sodium_init() < 0) die("libsodium could not be initialised");
  // Thousands of connections need thousands of descriptors (the child hub inherits this).
  rlimit files_limit{};
  if (::getrlimit(RLIMIT_NOFILE, &files_limit) == 0 && files_limit.rlim_cur < files_limit.rlim_max) {
    files_limit.rlim_cur = files_limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &files_limit);
  }
  ::signal(SIGPIPE, SIG_IGN);

  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  int major = 0, minor = 0, patch = 0;
  zmq_version(&major, &minor, &patch);
  std::printf("command: %s\n", command.c_str());
  std::printf(
      "outpost_bench_sync: %s, libzmq %d.%d.%d, SQLite %s, libsodium %s, %u CPUs, open files limit %llu, "
      "load average %s\n",
      utc_now().c_str(), major, minor, patch, SQLite::getLibVersion(), sodium_version_string(),
      std::thread::hardware_concurrency(), static_cast<unsigned long long>(files_limit.rlim_cur),
      load_average().c_str());
  std::fflush(stdout);
  const auto start = Steady::now();
  try {
    std::optional<ColdResults> cold;
    std::optional<EditResults> edit;
    std::optional<IngestResults> ingest;
    std::optional<DevicesResults> held;
    if (wants("cold")) cold = run_cold(mb, files);
    if (wants("edit")) edit = run_edit(edit_mb);
    if (wants("ingest")) ingest = run_ingest(devices, events);
    if (wants("devices")) held = run_devices(max_devices, step_timeout);

    std::printf("\n================================ summary ================================\n");
    if (cold) print_cold(*cold);
    if (edit) print_edit(*edit);
    if (ingest) print_ingest(*ingest);
    if (held) print_devices(*held);

    std::printf("\n== goals ==\n");
    if (cold) {
      const double ratio = median(cold->raw_s) / cold->sync_s;
      std::printf("cold sync / raw CURVE transfer           %6.2fx   goal >= 0.70x      %s\n", ratio,
                  ratio >= 0.7 ? "goal met" : "goal MISSED");
    }
    if (edit) {
      const std::uint64_t wire = edit->second.wire_bytes_sent + edit->second.wire_bytes_received;
      if (edit->rsync_sent && edit->rsync_received) {
        const std::uint64_t rsync = *edit->rsync_sent + *edit->rsync_received;
        std::printf("edit re-sync wire bytes / rsync          %6.2fx   goal <= 1.00x      %s (%s vs %s bytes)\n",
                    static_cast<double>(wire) / static_cast<double>(rsync), wire <= rsync ? "goal met" : "goal MISSED",
                    commas(wire).c_str(), commas(rsync).c_str());
      } else {
        std::printf("edit re-sync wire bytes                  %s bytes   (no rsync figure: %s)\n", commas(wire).c_str(),
                    edit->rsync_note.c_str());
      }
    }
  } catch (const std::exception& e) {
    die(std::string("unexpected exception: ") + e.what());
  }
  std::printf("\ntotal %.1f s, load average at the end %s\n", seconds_since(start), load_average().c_str());
  return 0;
}
