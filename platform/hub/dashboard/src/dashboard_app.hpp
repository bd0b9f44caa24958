// The dashboard's logic, free of HTTP plumbing: a parsed request in, a
// response out - routes, sessions and the login (dashboard.cpp serves it on
// an HttpServer; the fuzz harness drives it without a socket). Runs on one
// thread, the server's; borrows clock and random.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "outpost/crypto/hash.hpp"
#include "outpost/web/dashboard.hpp"
#include "outpost/web/http.hpp"

namespace outpost::web {

class DashboardApp {
 public:
  DashboardApp(DashboardOptions options, const Clock& clock, Random& random);

  // The port the Host header must name (DNS rebinding).
  void set_port(std::uint16_t port) { port_ = port; }
  Response handle(const Request& request);
  // An error page (HTML) or, under /reports/, plain text.
  Response error(const std::string& target, unsigned status, const std::string& message) const;

 private:
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  struct Session {
    std::string csrf;
    TimePoint expires;
    crypto::Digest token;  // of the admin token it was opened with
  };

  // The admin token in force now; "" when it cannot be read.
  std::string token() const;
  Session* session_of(const Request& request);
  Response login(const Pairs& form);
  Response dashboard(const Pairs& params, const Session& session);
  Response csv(const std::string& name, const Pairs& params);

  DashboardOptions options_;
  const Clock& clock_;
  Random& random_;
  std::uint16_t port_ = 0;
  std::string login_csrf_;  // per server run: the login form has no session yet
  std::map<std::string, Session> sessions_;
};

}  // namespace outpost::web
