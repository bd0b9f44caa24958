#include "hub_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "text.hpp"

namespace outpost::sim {

namespace {

bool port_free(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

}  // namespace

std::uint16_t pick_hub_port(std::uint64_t salt) {
  // A seed of its own (not the scenario's): ports are not part of the plan.
  std::mt19937_64 rng(salt ^ static_cast<std::uint64_t>(::getpid()) ^
                      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  int lo = 20000, hi = 50000;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    int eph = 0;
    if (std::fscanf(f, "%d", &eph) == 1 && eph - 4 > lo + 1000 && eph - 4 < hi) hi = eph - 4;
    std::fclose(f);
  }
  for (int attempt = 0; attempt < 200; ++attempt) {
    const auto p = static_cast<std::uint16_t>(lo + static_cast<int>(rng() % static_cast<std::uint64_t>(hi - lo)));
    if (port_free(p) && port_free(static_cast<std::uint16_t>(p + 1)) && port_free(static_cast<std::uint16_t>(p + 2)) &&
        port_free(static_cast<std::uint16_t>(p + 3))) {
      return p;
    }
  }
  throw std::runtime_error("no 4 consecutive free ports on 127.0.0.1");
}

HubProcess::HubProcess(Children& children, Binaries bins, std::string dir)
    : children_(children), bins_(std::move(bins)), dir_(std::move(dir)) {}

HubProcess::~HubProcess() {
  if (pid_ > 0) stop();
}

std::string HubProcess::home() const { return cat(dir_, "/hub"); }

std::string HubProcess::run(std::vector<std::string> argv, const char* what) {
  Command c;
  c.argv = std::move(argv);
  const Captured r = run_captured(children_, c, dir_, std::chrono::seconds(60));
  if (!r.finished.ok()) {
    throw std::runtime_error(cat(what, " failed (exit ", r.finished.code, ", signal ", r.finished.signal, "): ",
                                 trim(r.err.substr(0, 400))));
  }
  return r.out;
}

void HubProcess::account(const Finished& f) {
  cpu_s_ += seconds_of(f.usage.ru_utime) + seconds_of(f.usage.ru_stime);
  peak_rss_kib_ = std::max<std::uint64_t>(peak_rss_kib_, static_cast<std::uint64_t>(f.usage.ru_maxrss));
}

void HubProcess::init() {
  port_ = pick_hub_port(0);
  run({bins_.hub, "--home", home(), "--json", "init", "--bind", "127.0.0.1", "--port", std::to_string(port_)},
      "outpost-hub init");
  address_ = trim(run({bins_.hub, "--home", home(), "address"}, "outpost-hub address"));
  const std::string key = cat(dir_, "/marketing.key");
  const std::string pub = trim(run({bins_.publish, "keygen", "--out", key}, "outpost-publish keygen"));
  run({bins_.hub, "--home", home(), "publishers", "add", "marketing", pub}, "outpost-hub publishers add");
}

void HubProcess::serve() {
  Command c;
  c.argv = {bins_.hub, "--home", home(), "serve"};
  const std::string log = cat(dir_, "/hub-", ++serve_count_, ".log");
  c.stdout_path = log;
  c.stderr_path = cat(log, ".err");
  pid_ = children_.start(c);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_text(log).find("hub serving") != std::string::npos) return;
    if (auto f = children_.poll(pid_)) {
      account(*f);
      pid_ = 0;
      throw std::runtime_error(cat("the hub exited at start: ", trim(read_text(c.stderr_path).substr(0, 400))));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("the hub did not start within 30 s");
}

// The end of the running hub's stderr: what it did last, and why it died.
std::string HubProcess::last_words() const {
  const std::string text = read_text(cat(dir_, "/hub-", serve_count_, ".log.err"));
  return trim(text.size() > 600 ? "..." + text.substr(text.size() - 600) : text);
}

void HubProcess::stop() {
  if (pid_ <= 0) return;
  if (auto early = children_.poll(pid_)) {  // it ended on its own
    crash_ = cat("the hub exited by itself (exit ", early->code, ", signal ", early->signal, "): ", last_words());
    account(*early);
    pid_ = 0;
    return;
  }
  ::kill(pid_, SIGTERM);
  // A sanitizer build on a loaded machine (its leak check runs at exit) can
  // take a while; a hub that hangs is still caught.
  const Finished f = children_.wait(pid_, std::chrono::seconds(60));
  if (f.code != 0) {
    crash_ = cat("the hub did not stop cleanly on SIGTERM within 60 s (exit ", f.code, ", signal ", f.signal,
                 "): ", last_words());
  }
  account(f);
  pid_ = 0;
}

void HubProcess::restart() {
  stop();
  serve();
}

std::string HubProcess::enroll_token(const std::string& device, const std::string& role) {
  return trim(run({bins_.hub, "--home", home(), "enroll-token", "--device", device, "--role", role},
                  "outpost-hub enroll-token"));
}

void HubProcess::publish(const std::string& file, const std::string& asset, const std::string& title,
                         const std::string& kind, std::int64_t grace_s, const std::string& expires_iso) {
  std::vector<std::string> argv = {bins_.publish, "--key", cat(dir_, "/marketing.key"), "--hub", address_,
                                   "publish",     file,    "--asset", asset, "--title", title, "--kind", kind};
  if (kind == "price-sheet") argv.insert(argv.end(), {"--critical", "price-sheet"});
  if (grace_s > 0) argv.insert(argv.end(), {"--grace", cat(grace_s, "s")});
  if (!expires_iso.empty()) argv.insert(argv.end(), {"--expires", expires_iso});
  run(std::move(argv), "outpost-publish publish");
}

void HubProcess::revoke(const std::string& asset, std::uint64_t version) {
  run({bins_.publish, "--key", cat(dir_, "/marketing.key"), "--hub", address_, "revoke", cat(asset, "@", version),
       "--reason", "withdrawn by the field simulator"},
      "outpost-publish revoke");
}

std::string HubProcess::lead_book() {
  return run({bins_.hub, "--home", home(), "--json", "leads", "list"}, "outpost-hub leads list");
}

}  // namespace outpost::sim
