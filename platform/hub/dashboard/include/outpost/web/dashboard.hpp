// The hub's marketing dashboard: the hub reports (outpost/hub/hub_reports.hpp) as
// one page of server-drawn SVG charts, each with its table and a CSV
// download, served on 127.0.0.1 by the shared HttpServer (http.hpp). Every
// route but the login page and the static files needs a session, opened by
// POSTing the admin token (see platform/device/web/README.md and docs/security.md).
//
// Threading: run() serves on the calling thread, which alone opens report
// connections and keeps the sessions; stop() from any thread. The dashboard
// borrows clock and random (used on the run() thread), which must outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "outpost/hub/lead_book.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/base/status.hpp"

namespace outpost::web {

struct DashboardOptions {
  std::filesystem::path hub_home;
  std::uint16_t port = 0;    // 0: a free port the system picks (see Dashboard::port())
  std::string admin_token;   // what the login form must be given (dashboard_token())
  // When set, the token is read through this at every request instead: a
  // token rotated meanwhile (by `outpost-hub dashboard-token --rotate` in
  // another process) takes effect at once and ends the sessions opened with
  // the old one. A failure refuses every login and session (fails closed).
  std::function<Result<std::string>()> current_token;
  std::chrono::minutes session_lifetime{8 * 60};
  std::chrono::milliseconds idle_timeout{30'000};
  // Follow-up against the SLA from the hub's lead book (which needs the
  // hub's lead key, so the caller that holds it provides this); unset: the
  // leads section shows counts only and says where the SLA is.
  std::function<Result<hub::SlaReport>(TimePoint now, const hub::SlaWindow& window)> lead_sla;
};

class Dashboard {
 public:
  // Binds 127.0.0.1:port (io when taken; invalid_argument without a token).
  static Result<std::unique_ptr<Dashboard>> create(DashboardOptions options, const Clock& clock, Random& random);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  std::uint16_t port() const noexcept;
  void run();
  void stop();

  struct Impl;

 private:
  explicit Dashboard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The admin token lives in HOME/dashboard-token (64 hex digits, mode 0600),
// made on first use and kept across restarts until rotated. io when the
// file cannot be written, or is readable by group or others (permission).
std::filesystem::path dashboard_token_path(const std::filesystem::path& hub_home);
Result<std::string> dashboard_token(const std::filesystem::path& hub_home, Random& random);
// A new token replaces the old one; a dashboard reading it through
// current_token ends the sessions opened with the old one at once.
Result<std::string> rotate_dashboard_token(const std::filesystem::path& hub_home, Random& random);

}  // namespace outpost::web
