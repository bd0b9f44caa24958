// The hub dashboard (`outpost-hub serve --http`): the bytes a browser sends
// on one connection, read by the server's own parser and limits
// (web::read_requests), then answered by the dashboard's routes
// (web::DashboardApp) over an empty hub home. Input: the raw HTTP/1.1
// bytes. The harness logs in first, so a session exists; in the input,
// 64 x 'L' stands for the login form's CSRF token, 'S' for the session id,
// 'C' for the session's CSRF token and 'T' is the admin token itself.
// Invariants: no handler throws; every response, and the error page of a
// request the parser refused, passes check_response (http_check.hpp).
#include <filesystem>

#include "dashboard_app.hpp"
#include "outpost/hub/hub_admin.hpp"
#include "outpost/web/http_util.hpp"
#include "support/fuzz.hpp"
#include "support/http_check.hpp"

using namespace outpost;

namespace {

constexpr std::uint16_t port = 8080;
const std::string admin_token(64, 'T');

const std::filesystem::path& hub_home() {
  static const std::filesystem::path home = [] {
    const std::filesystem::path h = fuzz::scratch() / "hub";
    fuzz::FixedRandom random(4);
    const ManualClock clock(fuzz::world().now);
    const Status s = hub::HubAdmin::init(h, random, clock, sync::HubAddress{});
    OUTPOST_FUZZ_CHECK_MSG(s.is_ok(), s.to_string());
    return h;
  }();
  return home;
}

// The tokens a DashboardApp on FixedRandom(21) draws: the login form's CSRF
// token, then a session's id and CSRF token.
struct Secrets {
  std::string login_csrf, session, session_csrf;
};

const Secrets& secrets() {
  static const Secrets s = [] {
    fuzz::FixedRandom same(21);
    Secrets out;
    out.login_csrf = web::random_hex_token(same);
    out.session = web::random_hex_token(same);
    out.session_csrf = web::random_hex_token(same);
    return out;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ManualClock clock(fuzz::world().now);
  web::DashboardOptions options;
  options.hub_home = hub_home();
  options.admin_token = admin_token;
  fuzz::FixedRandom random(21);
  web::DashboardApp app(options, clock, random);
  app.set_port(port);

  web::Request login;
  login.method = "POST";
  login.target = "/login";
  login.host = "127.0.0.1:8080";
  login.content_type = "application/x-www-form-urlencoded";
  login.body = "csrf=" + secrets().login_csrf + "&token=" + admin_token;
  const web::Response opened = app.handle(login);
  OUTPOST_FUZZ_CHECK_MSG(opened.status == 303 && !opened.headers.empty() &&
                             opened.headers.back().second.starts_with("outpost_dashboard=" + secrets().session + ";"),
                         "the harness could not log in: its secrets no longer match the dashboard's draws");

  std::string bytes = fuzz::text({data, size});
  fuzz::put_secret(bytes, 'L', secrets().login_csrf);
  fuzz::put_secret(bytes, 'S', secrets().session);
  fuzz::put_secret(bytes, 'C', secrets().session_csrf);
  for (const web::ReadOutcome& read : fuzz::no_throw("read_requests", [&] { return web::read_requests(bytes, {}); })) {
    if (!read.request && read.status == 0) break;
    web::Response response = fuzz::no_throw("DashboardApp::handle", [&] {
      return read.request ? app.handle(*read.request) : app.error(read.target, read.status, read.message);
    });
    fuzz::check_response(response);
  }
  return 0;
}
