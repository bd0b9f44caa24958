// The real hub and marketing, driven through their command lines:
// outpost-hub init/publishers/enroll-token/serve and outpost-publish
// keygen/publish/revoke, in a hub home under the work directory. The hub
// serves on 127.0.0.1 at ports picked at run time; a restart serves the same
// home and ports again. CPU time and peak memory are summed over every hub
// process from wait4(). Main thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "process.hpp"

namespace outpost::sim {

struct Binaries {
  std::string outpost, hub, publish;
};

class HubProcess {
 public:
  HubProcess(Children& children, Binaries bins, std::string dir);
  ~HubProcess();

  // init + marketing's key + publisher registration. Throws std::runtime_error.
  void init();
  void serve();    // starts serving and waits (bounded) until it does
  void stop();     // SIGTERM, then SIGKILL after a bounded wait
  void restart();  // stop + serve
  bool serving() const { return pid_ > 0; }

  std::string enroll_token(const std::string& device, const std::string& role);
  // New version of asset from file (version 1 the first time).
  void publish(const std::string& file, const std::string& asset, const std::string& title, const std::string& kind,
               std::int64_t grace_s, const std::string& expires_iso);
  void revoke(const std::string& asset, std::uint64_t version);
  // `outpost-hub leads list --json` (the hub's lead book, after it took in
  // the lead events it holds). Throws std::runtime_error.
  std::string lead_book();

  std::uint16_t port() const { return port_; }
  std::string home() const;
  double cpu_s() const { return cpu_s_; }
  // Why a hub process ended other than by stop(), if one did.
  const std::string& crash() const { return crash_; }
  std::uint64_t peak_rss_kib() const { return peak_rss_kib_; }

 private:
  std::string run(std::vector<std::string> argv, const char* what);
  void account(const Finished& f);
  std::string last_words() const;

  Children& children_;
  Binaries bins_;
  std::string dir_;
  std::uint16_t port_ = 0;
  std::string address_;
  pid_t pid_ = 0;
  int serve_count_ = 0;
  double cpu_s_ = 0;
  std::string crash_;
  std::uint64_t peak_rss_kib_ = 0;
};

// The first of four consecutive free ports on 127.0.0.1 (below the
// ephemeral range when possible). Throws std::runtime_error.
std::uint16_t pick_hub_port(std::uint64_t salt);

}  // namespace outpost::sim
