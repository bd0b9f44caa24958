// The hub dashboard end to end: a hub seeded the real way (releases
// published, devices that open, present, search, give feedback, capture
// leads, then sync), the dashboard on 127.0.0.1 on its own thread, and a
// plain socket client: the login and session rules, CSRF, each chart's
// figures, CSV downloads equal to `outpost-hub report NAME --csv`, bad
// windows, the Host check, the token file, and `serve --http`.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "http_client.hpp"
#include "hub_fixture.hpp"
#include "outpost/journal/event.hpp"
#include "outpost/web/dashboard.hpp"

using namespace outpost;
using namespace outpost::test;
using Catch::Matchers::Contains;

namespace {

constexpr auto day = std::chrono::hours(24);

const std::string booth_form =
    nlohmann::json{{"show", "rsa-2027"},
                   {"fields", {{{"name", "email"}, {"type", "email"}, {"required", true}}}},
                   {"consent", {{"text", "I agree."}, {"version", "2027-01"}}}}
        .dump();

struct Seeded : HubFixture {
  Device rep = device("rep-1");
  Device kiosk = device("kiosk-1", "kiosk");
  SeededRandom dashboard_random{99};
  std::string token = std::string(32, 'k') + std::string(32, '7');
  std::unique_ptr<web::Dashboard> dashboard;
  std::thread thread;
  std::uint16_t port = 0;

  void publish_aged(const std::string& asset, std::uint64_t version, const std::string& kind, ByteView content = {}) {
    catalog::Release r = release(asset, version, kind);
    r.title = "The " + asset;
    r.published_at = clock.now() - 40 * day;
    const Bytes bytes = content.empty() ? random_bytes(10'000 + version, asset.size()) : Bytes(content.begin(), content.end());
    sync::PublisherClient client(hub_address(), publisher_key);
    (void)must(client.publish(bytes, r, publisher_key));
  }

  Seeded() {
    publish_aged("deck", 1, "deck");
    publish_aged("prices", 1, "price-sheet");
    publish_aged("old-brochure", 1, "pdf");
    publish_aged("booth-form", 1, "form", as_bytes(booth_form));
    for (auto* d : {&rep, &kiosk}) must(sync(*d));
    (void)must(rep.home->open_asset("deck", std::nullopt));
    (void)must(rep.home->open_asset("deck", std::nullopt));
    must(rep.home->record(journal::presentation_started("p-1", "deck", 1)));
    must(rep.home->record(journal::presentation_ended("p-1", 60'000, 2)));
    (void)must(rep.home->search({"unicorn pricing", {}, 20}));
    must(rep.home->record(journal::asset_feedback({"deck", 1, 4, "needs <EMEA> prices", true})));
    must(rep.home->record(journal::content_request("Case study: hospitals")));
    revoke("prices", 1);
    must(sync(rep));
    CHECK_FALSE(must(rep.home->open_asset("prices", std::nullopt)).decision.allowed);
    for (const char* email : {"ana@example.com", "bo@example.com"}) {
      leads::CaptureRequest r;
      r.fields = {{"email", email}};
      r.consent = true;
      (void)must(kiosk.home->capture_lead("booth-form", r));
    }
    for (auto* d : {&rep, &kiosk}) must(sync(*d));

    web::DashboardOptions o;
    o.hub_home = hub_home;
    o.admin_token = token;
    dashboard = must(web::Dashboard::create(o, clock, dashboard_random));
    port = dashboard->port();
    thread = std::thread([this] { dashboard->run(); });
  }
  ~Seeded() {
    dashboard->stop();
    thread.join();
  }

  std::string host() const { return "127.0.0.1:" + std::to_string(port); }

  HttpReply get(const std::string& target, const std::string& cookie = {}) {
    std::string raw = "GET " + target + " HTTP/1.1\r\nHost: " + host() + "\r\nConnection: close\r\n";
    if (!cookie.empty()) raw.append("Cookie: ").append(cookie).append("\r\n");
    return http_exchange(port, raw.append("\r\n"));
  }
  HttpReply post(const std::string& target, const std::string& form, const std::string& cookie = {}) {
    std::string raw = "POST " + target + " HTTP/1.1\r\nHost: " + host() +
                      "\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\n";
    if (!cookie.empty()) raw.append("Cookie: ").append(cookie).append("\r\n");
    raw.append("Content-Length: ").append(std::to_string(form.size())).append("\r\n\r\n").append(form);
    return http_exchange(port, raw);
  }

  static std::string csrf_in(const std::string& page) {
    std::smatch m;
    REQUIRE(std::regex_search(page, m, std::regex("name=\"csrf-token\" content=\"([0-9a-f]{64})\"")));
    return m[1];
  }

  // Logs in; returns the cookie ("outpost_dashboard=ID").
  std::string login() {
    const std::string csrf = csrf_in(get("/login").body);
    const HttpReply r = post("/login", "csrf=" + csrf + "&token=" + token);
    REQUIRE(r.status == 303);
    REQUIRE(r.header("location") == "/");
    const std::string set = r.header("set-cookie");
    return set.substr(0, set.find(';'));
  }
};

// The sum of data-value over the chart elements of one series in a section.
double sum_of(const std::string& section, const std::string& series, std::size_t* count = nullptr) {
  const std::regex bar("data-series=\"" + series + "\" data-label=\"[^\"]*\" data-value=\"([0-9.]+)\"");
  double sum = 0;
  std::size_t n = 0;
  for (auto it = std::sregex_iterator(section.begin(), section.end(), bar); it != std::sregex_iterator(); ++it) {
    sum += std::stod((*it)[1]);
    ++n;
  }
  if (count) *count = n;
  return sum;
}

std::string section(const std::string& page, const std::string& id) {
  const std::size_t at = page.find("<section class=\"report\" id=\"chart-" + id + "\">");
  REQUIRE(at != std::string::npos);
  return page.substr(at, page.find("</section>", at) - at);
}

std::string hub_cli(const fs::path& home, const std::string& args, int* code = nullptr, std::string* err = nullptr) {
  CliOutput o = run_cli("'" OUTPOST_HUB_PATH "'", home, args);
  if (code) *code = o.code;
  if (err) *err = std::move(o.err);
  return std::move(o.out);
}

}  // namespace

TEST_CASE("Dashboard: every page but login and static needs a session, opened by the right token", "[web][dashboard]") {
  Seeded s;
  const HttpReply anonymous = s.get("/");
  CHECK(anonymous.status == 303);
  CHECK(anonymous.header("location") == "/login");
  CHECK(s.get("/reports/usage.csv").status == 401);
  CHECK(s.get("/?days=7").status == 303);
  CHECK(s.get("/", "outpost_dashboard=" + std::string(64, '0')).status == 303);  // a made-up session
  const HttpReply css = s.get("/static/dashboard.css");
  CHECK(css.status == 200);
  CHECK_THAT(css.header("content-type"), Contains("text/css"));

  const HttpReply login = s.get("/login");
  REQUIRE(login.status == 200);
  CHECK_THAT(login.header("content-security-policy"), Contains("script-src 'self'"));
  CHECK(login.header("x-frame-options") == "DENY");
  const std::string csrf = Seeded::csrf_in(login.body);

  const HttpReply wrong = s.post("/login", "csrf=" + csrf + "&token=" + std::string(64, 'f'));
  CHECK(wrong.status == 403);
  CHECK_THAT(wrong.body, Contains("not the dashboard's admin token"));
  CHECK(wrong.header("set-cookie").empty());
  CHECK(s.post("/login", "csrf=" + csrf + "&token=").status == 403);
  const HttpReply no_csrf = s.post("/login", "token=" + s.token);
  CHECK(no_csrf.status == 403);
  CHECK_THAT(no_csrf.body, Contains("CSRF"));
  CHECK(no_csrf.header("set-cookie").empty());

  const HttpReply right = s.post("/login", "csrf=" + csrf + "&token=" + s.token);
  REQUIRE(right.status == 303);
  const std::string set = right.header("set-cookie");
  CHECK_THAT(set, Contains("HttpOnly"));
  CHECK_THAT(set, Contains("SameSite=Strict"));
  CHECK_THAT(set, Contains("Path=/"));
  CHECK_THAT(set, !Contains(s.token));
  const std::string cookie = set.substr(0, set.find(';'));
  CHECK(cookie.size() == std::string("outpost_dashboard=").size() + 64);
  const HttpReply page = s.get("/", cookie);
  CHECK(page.status == 200);
  CHECK_THAT(page.body, Contains("Outpost hub dashboard"));
  CHECK_THAT(page.body, !Contains(s.token));
  CHECK(s.get("/reports/usage.csv", cookie).status == 200);
}

TEST_CASE("Dashboard: a POST without the session's CSRF token is refused, and logout ends the session", "[web][dashboard]") {
  Seeded s;
  const std::string cookie = s.login();
  const std::string csrf = Seeded::csrf_in(s.get("/", cookie).body);
  CHECK(s.post("/logout", "", cookie).status == 403);
  CHECK(s.post("/logout", "csrf=" + std::string(64, '0'), cookie).status == 403);
  CHECK(s.get("/", cookie).status == 200);  // still logged in
  const HttpReply out = s.post("/logout", "csrf=" + csrf, cookie);
  CHECK(out.status == 303);
  CHECK_THAT(out.header("set-cookie"), Contains("Max-Age=0"));
  CHECK(s.get("/", cookie).status == 303);
  CHECK(s.post("/logout", "csrf=" + csrf, cookie).status == 401);
}

TEST_CASE("Dashboard: a token rotated while it runs is taken at once and ends the sessions opened with the old one",
          "[web][dashboard]") {
  Seeded s;
  // As `outpost-hub serve --http` runs it: the token read from its file at every request.
  s.dashboard->stop();
  s.thread.join();
  s.token = must(web::dashboard_token(s.hub_home, s.dashboard_random));
  web::DashboardOptions o;
  o.hub_home = s.hub_home;
  o.current_token = [&s] { return web::dashboard_token(s.hub_home, s.dashboard_random); };
  s.dashboard = must(web::Dashboard::create(o, s.clock, s.dashboard_random));
  s.port = s.dashboard->port();
  s.thread = std::thread([&s] { s.dashboard->run(); });

  const std::string old_cookie = s.login();
  CHECK(s.get("/", old_cookie).status == 200);
  const std::string old_token = s.token;
  s.token = must(web::rotate_dashboard_token(s.hub_home, s.dashboard_random));
  REQUIRE(s.token != old_token);
  CHECK(s.get("/", old_cookie).status == 303);  // back to the login page
  const std::string csrf = Seeded::csrf_in(s.get("/login").body);
  CHECK(s.post("/login", "csrf=" + csrf + "&token=" + old_token).status == 403);
  const std::string cookie = s.login();
  CHECK(s.get("/", cookie).status == 200);

  // A token file that cannot be read any more refuses every session (fails closed).
  fs::remove(web::dashboard_token_path(s.hub_home));
  fs::create_directory(web::dashboard_token_path(s.hub_home));  // not a file: unreadable as a token
  CHECK(s.get("/", cookie).status == 303);
  CHECK(s.post("/login", "csrf=" + csrf + "&token=" + s.token).status == 403);
}

TEST_CASE("Dashboard: each chart shows the seeded hub's figures, with its table and CSV link", "[web][dashboard]") {
  Seeded s;
  const HttpReply page = s.get("/", s.login());
  REQUIRE(page.status == 200);
  const std::string& html = page.body;
  CHECK_THAT(html, !Contains("<script"));
  CHECK_THAT(html, !Contains("style="));

  const std::string usage = section(html, "usage");
  std::size_t days = 0;
  CHECK(sum_of(usage, "opens", &days) == 2);
  CHECK(days == 30);  // the last 30 days, quiet ones as zeros
  CHECK(sum_of(usage, "presentations") == 1);
  CHECK_THAT(usage, Contains("<svg class=\"chart\""));
  CHECK_THAT(usage, Contains("/reports/usage-by-day.csv?since="));

  const std::string unused = section(html, "unused");
  CHECK(sum_of(unused, "never") == 1);   // old-brochure
  CHECK(sum_of(unused, "opened") == 2);  // deck, and the booth form used for leads
  CHECK_THAT(unused, Contains("<td>old-brochure</td>"));

  const std::string adoption = section(html, "adoption");
  CHECK_THAT(adoption, Contains("<td>rep-1</td>"));
  CHECK_THAT(adoption, Contains("<td>kiosk-1</td>"));
  CHECK_THAT(adoption, Contains("data-series=\"holding\" data-label=\"deck@1\" data-value=\"2\""));

  const std::string blocked = section(html, "blocked");
  CHECK_THAT(blocked, Contains("data-label=\"revoked\" data-value=\"1\""));
  CHECK_THAT(blocked, Contains("data-label=\"prices@1\" data-value=\"1\""));

  const std::string searches = section(html, "searches");
  CHECK_THAT(searches, Contains("data-series=\"no-result\" data-label=\"unicorn pricing\" data-value=\"1\""));

  const std::string feedback = section(html, "feedback");
  CHECK_THAT(feedback, Contains("data-series=\"rating\" data-label=\"deck@1\" data-value=\"4\""));
  CHECK_THAT(feedback, Contains("needs &lt;EMEA&gt; prices"));  // escaped
  CHECK_THAT(feedback, Contains("Case study: hospitals"));

  const std::string leads = section(html, "leads");
  CHECK_THAT(leads, Contains("data-series=\"leads\" data-label=\"kiosk-1\" data-value=\"2\""));
  CHECK_THAT(leads, Contains("data-label=\"rsa-2027\" data-value=\"2\""));
  CHECK_THAT(leads, Contains("Follow-up state needs the hub&#39;s lead book"));

  for (const char* id : {"usage", "unused", "adoption", "blocked", "searches", "feedback", "leads"}) {
    INFO(id);
    const std::string sec = section(html, id);
    CHECK_THAT(sec, Contains("<svg class=\"chart\""));
    CHECK_THAT(sec, Contains("<table"));
    CHECK_THAT(sec, Contains("class=\"csv\""));
  }

  // An empty window draws no bars but says so.
  const HttpReply quiet = s.get("/?since=2020-01-01&until=2020-01-31", s.login());
  REQUIRE(quiet.status == 200);
  std::size_t quiet_days = 0;
  CHECK(sum_of(section(quiet.body, "usage"), "opens", &quiet_days) == 0);
  CHECK(quiet_days == 31);
  CHECK_THAT(section(quiet.body, "leads"), Contains("Nothing to chart in this window."));
}

TEST_CASE("Dashboard: CSV downloads are what outpost-hub report NAME --csv prints", "[web][dashboard]") {
  Seeded s;
  const std::string cookie = s.login();
  const std::string html = s.get("/?days=10", cookie).body;
  std::smatch m;
  REQUIRE(std::regex_search(html, m, std::regex("/reports/usage\\.csv\\?since=([^&]+)&amp;until=([^\"]+)\"")));
  auto decode = [](std::string v) {
    for (std::size_t at; (at = v.find("%3A")) != std::string::npos;) v.replace(at, 3, ":");
    return v;
  };
  const std::string since = decode(m[1]);
  const std::string until = decode(m[2]);
  CHECK(since.size() == 20);  // 2026-03-01T00:00:00Z
  for (const std::string name : {"usage", "unused", "blocked", "searches", "feedback", "leads"}) {
    INFO(name);
    const HttpReply csv = s.get("/reports/" + name + ".csv?since=" + since + "&until=" + until, cookie);
    REQUIRE(csv.status == 200);
    CHECK_THAT(csv.header("content-type"), Contains("text/csv"));
    CHECK_THAT(csv.header("content-disposition"), Contains("attachment; filename=\"outpost-" + name));
    int code = -1;
    const std::string cli = hub_cli(s.hub_home, "report " + name + " --csv --since " + since + " --until " + until, &code);
    CHECK(code == 0);
    CHECK(csv.body == cli);
    CHECK(csv.body.find("\r\n") != std::string::npos);
  }
  const HttpReply adoption = s.get("/reports/adoption.csv", cookie);
  REQUIRE(adoption.status == 200);
  CHECK(adoption.body == hub_cli(s.hub_home, "report adoption --csv"));
  const HttpReply daily = s.get("/reports/usage-by-day.csv?days=3", cookie);
  REQUIRE(daily.status == 200);
  CHECK_THAT(daily.body, Contains("day,opens,presentations\r\n"));
  CHECK(std::count(daily.body.begin(), daily.body.end(), '\n') == 4);  // header and 3 days
  CHECK(s.get("/reports/nonsense.csv", cookie).status == 404);
}

TEST_CASE("Dashboard: bad windows get a clear 400, and foreign hosts and other methods are refused", "[web][dashboard]") {
  Seeded s;
  const std::string cookie = s.login();
  const HttpReply garbage = s.get("/?since=yesterday", cookie);
  CHECK(garbage.status == 400);
  CHECK_THAT(garbage.body, Contains("since: &#39;yesterday&#39; is not a date"));
  const HttpReply reversed = s.get("/?since=2026-03-10&until=2026-03-01", cookie);
  CHECK(reversed.status == 400);
  CHECK_THAT(reversed.body, Contains("must be after since"));
  CHECK(s.get("/?days=0", cookie).status == 400);
  CHECK(s.get("/?days=12x", cookie).status == 400);
  CHECK(s.get("/?since=2020-01-01&until=2026-01-01", cookie).status == 400);  // longer than 731 days
  const HttpReply csv = s.get("/reports/leads.csv?until=13/45/2026", cookie);
  CHECK(csv.status == 400);
  CHECK_THAT(csv.header("content-type"), Contains("text/plain"));
  CHECK_THAT(csv.body, Contains("until: '13/45/2026' is not a date"));
  CHECK(s.get("/?since=%zz", cookie).status == 400);

  // DNS rebinding: the right port under another name.
  const HttpReply foreign = http_exchange(
      s.port, "GET /login HTTP/1.1\r\nHost: evil.example:" + std::to_string(s.port) + "\r\nConnection: close\r\n\r\n");
  CHECK(foreign.status == 403);
  const HttpReply put = http_exchange(
      s.port, "PUT / HTTP/1.1\r\nHost: " + s.host() + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  CHECK(put.status == 405);
}

TEST_CASE("Dashboard: the admin token file is private, kept across calls, and refused when others can read it", "[web][dashboard]") {
  TempDir dir;
  SeededRandom random(3);
  const fs::path path = web::dashboard_token_path(dir.path());
  const std::string token = must(web::dashboard_token(dir.path(), random));
  CHECK(token.size() == 64);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(must(web::dashboard_token(dir.path(), random)) == token);  // kept
  const std::string rotated = must(web::rotate_dashboard_token(dir.path(), random));
  CHECK(rotated != token);
  CHECK(must(web::dashboard_token(dir.path(), random)) == rotated);
  ::chmod(path.c_str(), 0644);
  const auto refused = web::dashboard_token(dir.path(), random);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().code() == Errc::permission);
  CHECK(web::dashboard_token(dir.path() / "missing", random).status().code() == Errc::not_found);
  web::DashboardOptions short_token;
  short_token.hub_home = dir.path();
  short_token.admin_token = "short";
  CHECK(web::Dashboard::create(short_token, SystemClock(), random).status().code() == Errc::invalid_argument);
}

TEST_CASE("Dashboard: serve --http refuses a non-loopback address, and on port 0 it prints its port and stops on SIGINT", "[web][dashboard]") {
  HubFixture f(false);
  int code = -1;
  std::string err;
  hub_cli(f.hub_home, "serve --http 0.0.0.0:8080", &code, &err);
  CHECK(code == 2);
  CHECK_THAT(err, Contains("127.0.0.1 only"));
  hub_cli(f.hub_home, "serve --http 127.0.0.1:http", &code, &err);
  CHECK(code == 2);

  const fs::path out = f.dir / "serve.out";
  const pid_t pid = fork_child([&] {
    const std::string cmd = "exec '" OUTPOST_HUB_PATH "' --home '" + f.hub_home.string() +
                            "' serve --http 127.0.0.1:0 > '" + out.string() + "' 2>&1";
    return ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
  });
  std::smatch m;
  std::string printed;
  const std::regex line("dashboard serving on http://127\\.0\\.0\\.1:([0-9]+)/");
  REQUIRE(eventually(
      [&] {
        std::ifstream in(out);
        printed.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        return std::regex_search(printed, m, line);
      },
      std::chrono::seconds(10), std::chrono::milliseconds(50)));
  const auto port = static_cast<std::uint16_t>(std::stoi(m[1]));
  CHECK(port != 0);
  CHECK_THAT(printed, Contains("dashboard-token"));
  const std::string token = must(web::dashboard_token(f.hub_home, f.random));
  CHECK_THAT(printed, !Contains(token));
  const HttpReply login = http_exchange(
      port, "GET /login HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\nConnection: close\r\n\r\n");
  CHECK(login.status == 200);
  CHECK(hub_cli(f.hub_home, "dashboard-token") == token + "\n");
  ::kill(pid, SIGINT);
  CHECK(wait_child(pid, 20000) == 0);
}

TEST_CASE("Dashboard: the leads section shows follow-up against the SLA from the lead book, with its CSV", "[web][dashboard]") {
  Seeded s;
  SeededRandom book_random(5);
  auto admin = must(hub::HubAdmin::open(s.hub_home, book_random, s.clock));
  auto book = must(hub::LeadBook::open(admin->backend(), admin->keys().lead, book_random));
  (void)must(book->absorb(s.clock.now()));
  const auto leads = must(book->list());
  REQUIRE(leads.size() == 2);
  // One lead due in an hour, one already past due: overdue with no follow-up.
  must(book->assign(leads[0].id, "rep-1", s.clock.now(), std::chrono::hours(1)));
  must(book->assign(leads[1].id, "rep-1", s.clock.now() - 3 * day, std::chrono::hours(48)));

  web::DashboardOptions o;
  o.hub_home = s.hub_home;
  o.admin_token = s.token;
  o.lead_sla = [&](TimePoint now, const hub::SlaWindow& w) { return book->sla(now, w); };
  s.dashboard->stop();
  s.thread.join();
  s.dashboard = must(web::Dashboard::create(o, s.clock, s.dashboard_random));
  s.port = s.dashboard->port();
  s.thread = std::thread([&s] { s.dashboard->run(); });

  const std::string cookie = s.login();
  const HttpReply page = s.get("/?days=30", cookie);
  REQUIRE(page.status == 200);
  const std::string leads_html = section(page.body, "leads");
  CHECK_THAT(leads_html, Contains("Follow-up against the SLA"));
  CHECK_FALSE(leads_html.find("needs the hub's lead book") != std::string::npos);
  CHECK(sum_of(leads_html, "overdue") == 1);
  CHECK(sum_of(leads_html, "open") == 1);
  CHECK(sum_of(leads_html, "within") == 0);
  CHECK_THAT(leads_html, Contains(leads[1].id));  // the overdue list names the lead, not the person
  CHECK(leads_html.find("ana@example.com") == std::string::npos);
  CHECK(leads_html.find("bo@example.com") == std::string::npos);

  const HttpReply csv = s.get("/reports/leads-sla.csv?days=30", cookie);
  REQUIRE(csv.status == 200);
  CHECK_THAT(csv.body, Contains("group,key,captured,assigned,within,late,overdue,escalated\r\n"));
  CHECK_THAT(csv.body, Contains("rep,rep-1,2,2,0,0,1,0\r\n"));
}

TEST_CASE("Dashboard: without a lead book the leads section says where the follow-up is, and its CSV is 404", "[web][dashboard]") {
  Seeded s;
  const std::string cookie = s.login();
  const std::string leads_html = section(s.get("/?days=30", cookie).body, "leads");
  CHECK_THAT(leads_html, Contains("outpost-hub leads sla"));
  CHECK(s.get("/reports/leads-sla.csv?days=30", cookie).status == 404);
}
