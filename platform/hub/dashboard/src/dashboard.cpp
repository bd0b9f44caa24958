// The dashboard's routes, sessions and admin token (dashboard.hpp, dashboard_app.hpp).
#include "outpost/web/dashboard.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>

#include "dashboard_app.hpp"
#include "dashboard_page.hpp"
#include "outpost/base/utf8.hpp"
#include "outpost/cli/text.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/hub/store/backend.hpp"
#include "outpost/report_tables/hub_tables.hpp"
#include "outpost/web/http.hpp"
#include "outpost/web/http_util.hpp"

namespace outpost::web {

namespace fs = std::filesystem;
namespace rep = hub::reports;
namespace rt = report_tables;

namespace {

// The reports of the hub home, on a connection of their own to its backend.
Result<std::unique_ptr<hub::reports::HubReports>> open_reports(const std::filesystem::path& hub_home) {
  auto backend = hub::open_backend(hub_home);
  if (!backend) return backend.status();
  return hub::reports::HubReports::open(**backend);
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

constexpr char cookie_name[] = "outpost_dashboard";
constexpr std::uint64_t max_window_days = 731;
constexpr std::uint64_t unused_days = 30;  // as `outpost-hub report unused` by default

Response page(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response redirect(const std::string& to) {
  Response r = page(303, "");
  r.headers.emplace_back("Location", to);
  return r;
}

std::string first(const Pairs& pairs, std::string_view name) {
  for (const auto& [k, v] : pairs) {
    if (k == name) return v;
  }
  return {};
}

bool has(const Pairs& pairs, std::string_view name) {
  for (const auto& [k, v] : pairs) {
    if (k == name && !v.empty()) return true;
  }
  return false;
}

// The window a page or CSV is asked for: since/until (dates or times, UTC)
// or the last N days (default 30); always bounded, so the daily chart is.
struct ParsedWindow {
  rep::Window window;
  std::string days;  // as the form shows it
};

Result<ParsedWindow> parse_window(const Pairs& params, TimePoint now) {
  ParsedWindow out;
  std::uint64_t days = 30;
  if (has(params, "days")) {
    out.days = first(params, "days");
    const auto [p, ec] = std::from_chars(out.days.data(), out.days.data() + out.days.size(), days);
    if (ec != std::errc() || p != out.days.data() + out.days.size() || days < 1 || days > max_window_days) {
      return Status(Errc::invalid_argument, "days must be a whole number from 1 to 731");
    }
  }
  auto bound = [&](const char* name, bool end_of_day) -> Result<std::optional<TimePoint>> {
    if (!has(params, name)) return std::optional<TimePoint>();
    const std::string text = first(params, name);
    auto t = cli::parse_time(text, end_of_day);
    if (!t) {
      std::string message = name;
      message.append(": '").append(text).append("' is not a date: ").append(cli::time_formats);
      return Status(Errc::invalid_argument, message);
    }
    return std::optional<TimePoint>(*t);
  };
  auto since = bound("since", false);
  if (!since) return since.status();
  auto until = bound("until", true);
  if (!until) return until.status();
  const auto day = std::chrono::hours(24);
  const TimePoint tomorrow = std::chrono::floor<std::chrono::days>(now) + day;
  out.window.until = until->value_or(tomorrow);
  out.window.since = since->value_or(*out.window.until - day * static_cast<int>(days));
  if (!*since && !*until) out.days = std::to_string(days);
  if (*out.window.until <= *out.window.since) {
    std::string message = "until (";
    message.append(cli::iso_time(*out.window.until)).append(") must be after since (");
    message.append(cli::iso_time(*out.window.since)).append(")");
    return Status(Errc::invalid_argument, message);
  }
  if (*out.window.until - *out.window.since > day * static_cast<int>(max_window_days)) {
    return Status(Errc::invalid_argument, "the window is longer than 731 days: pick a shorter one");
  }
  return out;
}

std::string day_text(TimePoint t) { return cli::iso_time(t).substr(0, 10); }

}  // namespace

DashboardApp::DashboardApp(DashboardOptions options, const Clock& clock, Random& random)
    : options_(std::move(options)), clock_(clock), random_(random), login_csrf_(random_hex_token(random)) {}

std::string DashboardApp::token() const {
  if (!options_.current_token) return options_.admin_token;
  auto current = options_.current_token();
  return current && current->size() >= 32 ? *current : std::string();
}

Response DashboardApp::error(const std::string& target, unsigned status, const std::string& message) const {
  if (target.starts_with("/reports/")) {
    // The message may quote the request's path, which can hold any bytes
    // (found by the http_dashboard fuzzer): the body stays valid UTF-8.
    Response r = page(status, sanitize_utf8(message) + "\n");
    r.content_type = "text/plain; charset=utf-8";
    return r;
  }
  return page(status, dashboard_error_html(status, message));
}

DashboardApp::Session* DashboardApp::session_of(const Request& request) {
  const std::string id = cookie_value(request.cookie, cookie_name);
  if (id.empty()) return nullptr;
  const TimePoint now = clock_.now();
  const std::string current = token();
  // A rotated (or unreadable) token ends every session opened with the old one.
  std::erase_if(sessions_, [&](const auto& entry) {
    return current.empty() || entry.second.token != crypto::blake2b(as_bytes(current));
  });
  for (auto& [key, session] : sessions_) {
    // Compared in constant time, one by one: the ids are secrets.
    if (constant_time_equal(key, id)) return session.expires > now ? &session : nullptr;
  }
  return nullptr;
}

Response DashboardApp::handle(const Request& request) {
  if (!loopback_host(request.host, port_)) {
    return error(request.target, 403, "this server answers only to 127.0.0.1 and localhost");
  }
  const std::size_t q = request.target.find('?');
  const std::string path = request.target.substr(0, q);
  const auto params =
      parse_pairs(q == std::string::npos ? std::string_view() : std::string_view(request.target).substr(q + 1));
  if (!params || !path.starts_with('/')) return error(request.target, 400, "malformed request target");
  const bool post = request.method == "POST";
  if (!post && request.method != "GET" && request.method != "HEAD") return error(path, 405, "method not allowed");
  if (path == "/static/dashboard.css") {
    if (post) return error(path, 405, "method not allowed");
    Response r;
    r.content_type = "text/css; charset=utf-8";
    r.body = std::string(dashboard_css);
    return r;
  }
  Pairs form;
  if (post) {
    if (request.content_type.starts_with("application/x-www-form-urlencoded")) {
      auto parsed = parse_pairs(request.body);
      if (!parsed) return error(path, 400, "malformed form data");
      form = std::move(*parsed);
    }
  }
  if (path == "/login") {
    if (!post) return page(200, dashboard_login_html(login_csrf_, false));
    if (!constant_time_equal(first(form, "csrf"), login_csrf_)) {
      return error(path, 403, "missing or wrong CSRF token: reload the login page");
    }
    return login(form);
  }
  Session* session = session_of(request);
  if (!session) {
    if (path == "/") return redirect("/login");
    return error(path, 401, "log in first: open / and give the admin token");
  }
  if (post) {
    const std::string token = request.csrf_header.empty() ? first(form, "csrf") : request.csrf_header;
    if (!constant_time_equal(token, session->csrf)) return error(path, 403, "missing or wrong CSRF token: reload the page");
    if (path == "/logout") {
      sessions_.erase(cookie_value(request.cookie, cookie_name));
      Response r = redirect("/login");
      std::string cookie = cookie_name;
      r.headers.emplace_back("Set-Cookie", cookie.append("=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"));
      return r;
    }
    return error(path, 404, "no such page");
  }
  if (path == "/") return dashboard(*params, *session);
  constexpr std::string_view reports = "/reports/";
  if (path.starts_with(reports) && path.ends_with(".csv")) {
    return csv(path.substr(reports.size(), path.size() - reports.size() - 4), *params);
  }
  return error(path, 404, "no such page");
}

Response DashboardApp::login(const Pairs& form) {
  const std::string current = token();
  if (current.empty() || !constant_time_equal(first(form, "token"), current)) {
    return page(403, dashboard_login_html(login_csrf_, true));
  }
  const TimePoint now = clock_.now();
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.expires <= now; });
  const std::string id = random_hex_token(random_);
  sessions_[id] = Session{random_hex_token(random_), now + options_.session_lifetime, crypto::blake2b(as_bytes(current))};
  Response r = redirect("/");
  std::string cookie = cookie_name;
  cookie.append("=").append(id).append("; HttpOnly; SameSite=Strict; Path=/; Max-Age=");
  cookie.append(std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options_.session_lifetime).count()));
  r.headers.emplace_back("Set-Cookie", std::move(cookie));
  return r;
}

Response DashboardApp::dashboard(const Pairs& params, const Session& session) {
  const TimePoint now = clock_.now();
  auto parsed = parse_window(params, now);
  if (!parsed) return error("/", 400, parsed.status().message());
  auto reports = open_reports(options_.hub_home);
  if (!reports) return error("/", 500, "cannot read the hub store: " + reports.status().message());
  DashboardView v;
  const rep::Window& w = parsed->window;
  v.since = cli::iso_time(*w.since);
  v.until = cli::iso_time(*w.until);
  v.days = parsed->days;
  v.window_text = "from " + day_text(*w.since) + " until " + v.until + " (UTC)";
  v.unused_days = unused_days;
  auto take = [&](auto result, auto& into) -> Status {
    if (!result) return result.status();
    into = std::move(result).value();
    return Status::ok();
  };
  rep::HubReports& r = **reports;
  for (const Status& s : {take(r.usage_by_day(w), v.daily), take(r.usage(w), v.usage),
                          take(r.unused(w, unused_days, now), v.unused), take(r.adoption(now), v.adoption),
                          take(r.blocked(w), v.blocked), take(r.searches(w), v.searches),
                          take(r.feedback(w), v.feedback), take(r.leads(w), v.leads)}) {
    if (!s) return error("/", 500, "a report failed: " + s.to_string());
  }
  if (options_.lead_sla) {
    auto sla = options_.lead_sla(now, {w.since, w.until});
    if (!sla) return error("/", 500, "the lead SLA report failed: " + sla.status().to_string());
    v.sla = std::move(sla).value();
  }
  return page(200, dashboard_html(v, session.csrf));
}

Response DashboardApp::csv(const std::string& name, const Pairs& params) {
  const std::string target = "/reports/" + name + ".csv";
  static const std::vector<std::string> names{"usage",    "usage-by-day", "unused", "adoption",
                                              "blocked",  "searches",     "feedback", "leads",
                                              "leads-sla"};
  if (std::find(names.begin(), names.end(), name) == names.end()) return error(target, 404, "no report '" + name + "'");
  const TimePoint now = clock_.now();
  auto parsed = parse_window(params, now);
  if (!parsed) return error(target, 400, parsed.status().message());
  auto opened = open_reports(options_.hub_home);
  if (!opened) return error(target, 500, "cannot read the hub store: " + opened.status().message());
  rep::HubReports& r = **opened;
  const rep::Window& w = parsed->window;
  Result<std::string> body = std::string();
  auto as_csv = [](auto result, auto table_of) -> Result<std::string> {
    if (!result) return result.status();
    return table_of(*result).csv();
  };
  if (name == "usage") body = as_csv(r.usage(w), [](const auto& x) { return rt::usage_tables(x).rows; });
  if (name == "usage-by-day") body = as_csv(r.usage_by_day(w), [](const auto& x) { return rt::daily_usage_rows(x); });
  if (name == "unused") body = as_csv(r.unused(w, unused_days, now), [](const auto& x) { return rt::unused_rows(x); });
  if (name == "adoption") body = as_csv(r.adoption(now), [](const auto& x) { return rt::adoption_tables(x).rows; });
  if (name == "blocked") body = as_csv(r.blocked(w), [](const auto& x) { return rt::blocked_tables(x).rows; });
  if (name == "searches") body = as_csv(r.searches(w), [](const auto& x) { return rt::search_tables(x, 0).rows; });
  if (name == "feedback") body = as_csv(r.feedback(w), [](const auto& x) { return rt::feedback_tables(x, false).rows; });
  if (name == "leads") body = as_csv(r.leads(w), [](const auto& x) { return rt::leads_of(x.rows, true, true); });
  if (name == "leads-sla") {
    if (!options_.lead_sla) return error(target, 404, "the lead book is not available to this dashboard");
    body = as_csv(options_.lead_sla(now, {w.since, w.until}), [](const auto& x) { return rt::sla_tables(x).rows; });
  }
  if (!body) return error(target, 500, "the report failed: " + body.status().to_string());
  Response out;
  out.content_type = "text/csv; charset=utf-8";
  out.body = std::move(body).value();
  std::string disposition = "attachment; filename=\"outpost-";
  disposition.append(name).append("-").append(day_text(*w.since)).append(".csv\"");
  out.headers.emplace_back("Content-Disposition", std::move(disposition));
  return out;
}

// ---- Dashboard

struct Dashboard::Impl {
  Impl(DashboardOptions options, const Clock& clock, Random& random) : app(std::move(options), clock, random) {}
  DashboardApp app;
  std::unique_ptr<HttpServer> http;
};

Result<std::unique_ptr<Dashboard>> Dashboard::create(DashboardOptions options, const Clock& clock, Random& random) {
  if (!options.current_token && options.admin_token.size() < 32) {
    return Status(Errc::invalid_argument, "the dashboard needs an admin token of at least 32 characters");
  }
  HttpOptions http;
  http.port = options.port;
  http.idle_timeout = options.idle_timeout;
  auto impl = std::make_unique<Impl>(std::move(options), clock, random);
  DashboardApp& app = impl->app;
  auto server = HttpServer::create(
      http, [&app](const Request& r) { return app.handle(r); },
      [&app](const std::string& target, unsigned status, const std::string& message) {
        return app.error(target, status, message);
      });
  if (!server) return server.status();
  impl->http = std::move(server).value();
  app.set_port(impl->http->port());
  return std::unique_ptr<Dashboard>(new Dashboard(std::move(impl)));
}

Dashboard::Dashboard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Dashboard::~Dashboard() = default;

std::uint16_t Dashboard::port() const noexcept { return impl_->http->port(); }
void Dashboard::run() { impl_->http->run(); }
void Dashboard::stop() { impl_->http->stop(); }

// ---- the admin token file

fs::path dashboard_token_path(const fs::path& hub_home) { return hub_home / "dashboard-token"; }

namespace {

Result<std::string> write_token(const fs::path& path, Random& random, bool replace) {
  const std::string token = random_hex_token(random);
  // Written whole to a private temporary file, then renamed: a reader sees
  // the old token or the new one, never a part, and never a wider mode.
  fs::path tmp = path;
  tmp += ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status(Errc::io, "cannot write " + tmp.string() + ": " + std::strerror(errno));
  const std::string line = token + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return Status(Errc::io, "cannot write " + tmp.string());
  }
  // link() does not replace: a token another process made meanwhile stays.
  const int moved = replace ? ::rename(tmp.c_str(), path.c_str()) : ::link(tmp.c_str(), path.c_str());
  const int why = errno;
  if (!replace) ::unlink(tmp.c_str());
  if (moved != 0 && why == EEXIST) return Status(Errc::already_exists, path.string());
  if (moved != 0) return Status(Errc::io, "cannot write " + path.string() + ": " + std::strerror(why));
  return token;
}

}  // namespace

Result<std::string> dashboard_token(const fs::path& hub_home, Random& random) {
  const fs::path path = dashboard_token_path(hub_home);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (!fs::is_directory(hub_home)) return Status(Errc::not_found, "no hub home at " + hub_home.string());
    auto made = write_token(path, random, false);
    if (made || made.status().code() != Errc::already_exists) return made;
    if (::stat(path.c_str(), &st) != 0) return Status(Errc::io, "cannot read " + path.string());
  }
  if ((st.st_mode & 077) != 0) {
    return Status(Errc::permission, path.string() + " is readable by others: run chmod 600 on it, or rotate the token");
  }
  std::ifstream in(path);
  std::string token;
  if (!std::getline(in, token) || token.size() != 64) {
    return Status(Errc::io, path.string() + " does not hold a token (64 hex digits): rotate it");
  }
  return token;
}

Result<std::string> rotate_dashboard_token(const fs::path& hub_home, Random& random) {
  if (!fs::is_directory(hub_home)) return Status(Errc::not_found, "no hub home at " + hub_home.string());
  return write_token(dashboard_token_path(hub_home), random, true);
}

}  // namespace outpost::web
