// The device web server end to end: a home with a catalog, a lead form and
// cached content; the server on 127.0.0.1 (a port the system picks) on its
// own thread; a plain socket client in the test.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "home_fixture.hpp"
#include "http_client.hpp"
#include "outpost/base/utf8.hpp"
#include "outpost/web/server.hpp"

using namespace outpost;
using namespace outpost::test;
using Catch::Matchers::Contains;
using json = nlohmann::json;

namespace {

const std::string visitor_email = "zebulon.quixotic@example.org";
const std::string visitor_name = "Zebulon Quixotic";

std::string booth_form() {
  return json{{"show", "rsa-2027"},
              {"fields",
               {{{"name", "email"}, {"label", "Work email"}, {"type", "email"}, {"required", true}},
                {{"name", "name"}, {"label", "Full name"}, {"required", true}},
                {{"name", "company"}}}},
              {"consent", {{"text", "I agree to be contacted about the products shown."}, {"version", "2027-03"}}},
              {"qualification",
               {{{"name", "timeline"},
                 {"question", "When do you plan to buy?"},
                 {"options", {{{"value", "now"}, {"score", 30}}, {{"value", "later"}, {"score", 5}}}}}}}}
      .dump();
}

using Reply = HttpReply;

std::string url_encode(const std::string& s) {
  std::string out;
  static constexpr char hex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

struct WebHome : HomeFixture {
  Bytes deck = random_bytes(300'000, 7);
  std::unique_ptr<web::Server> server;
  std::thread thread;
  std::uint16_t port = 0;
  std::string csrf;

  explicit WebHome(const std::function<void(web::ServerOptions&)>& adjust = {}) {
    const Bytes form = org.release_form("booth-form", 1, booth_form());
    org.release("deck", 1, deck);
    org.release("old-deck", 1, random_bytes(5'000, 8));
    org.release("old-deck", 2, random_bytes(5'000, 9));
    org.release("recalled", 1, random_bytes(5'000, 10));
    apply();
    cache("booth-form", 1, form);
    cache("deck", 1, deck);
    cache("old-deck", 1, random_bytes(5'000, 8));
    cache("old-deck", 2, random_bytes(5'000, 9));
    cache("recalled", 1, random_bytes(5'000, 10));
    org.revoke("recalled", 1);
    apply();
    web::ServerOptions server_options;
    server_options.staff_pin = "4711";
    server_options.idle_timeout = std::chrono::seconds(5);
    if (adjust) adjust(server_options);
    auto s = web::Server::create(*home, clock, random, server_options);
    INFO(s.status().to_string());
    REQUIRE(s.is_ok());
    server = std::move(s).value();
    port = server->port();
    thread = std::thread([this] { server->run(); });
    const Reply kiosk = get("/kiosk/staff");  // a page with the token even when no form is ready
    const std::string marker = "name=\"csrf-token\" content=\"";
    const std::size_t at = kiosk.body.find(marker);
    REQUIRE(at != std::string::npos);
    csrf = kiosk.body.substr(at + marker.size(), 64);
  }
  ~WebHome() {
    server->stop();
    thread.join();
  }

  std::string host() const { return "127.0.0.1:" + std::to_string(port); }

  Reply get(const std::string& target, const std::string& extra = "") {
    return http_exchange(port, "GET " + target + " HTTP/1.1\r\nHost: " + host() + "\r\n" + extra + "Connection: close\r\n\r\n");
  }
  Reply post(const std::string& target, const std::string& body, const std::string& type, const std::string& extra) {
    std::string raw = "POST " + target + " HTTP/1.1\r\nHost: " + host() + "\r\nContent-Type: " + type;
    raw += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "Connection: close\r\n\r\n";
    raw += body;
    return http_exchange(port, raw);
  }
  Reply post_json(const std::string& target, const json& doc) {
    return post(target, doc.dump(), "application/json", "X-CSRF-Token: " + csrf + "\r\n");
  }
  Reply post_form(const std::string& target, const std::vector<std::pair<std::string, std::string>>& fields,
                  bool with_csrf = true) {
    std::string body = with_csrf ? "csrf=" + csrf : "";
    for (const auto& [k, v] : fields) body += (body.empty() ? "" : "&") + url_encode(k) + "=" + url_encode(v);
    return post(target, body, "application/x-www-form-urlencoded", "");
  }

  // Event type names in the journal, read on the server's thread.
  std::vector<std::string> events() {
    std::vector<std::string> names;
    server->call([&] {
      REQUIRE(home->journal().flush().is_ok());
      auto stored = home->journal().read_after(0, 10'000);
      REQUIRE(stored.is_ok());
      for (const auto& e : *stored) names.emplace_back(e.type->name);
    });
    return names;
  }
  std::size_t count(const std::string& type) {
    const auto all = events();
    return static_cast<std::size_t>(std::count(all.begin(), all.end(), type));
  }

  std::vector<std::pair<std::string, std::string>> visitor(const std::string& email = visitor_email) {
    return {{"f.email", email}, {"f.name", visitor_name}, {"f.company", "Quixotic Widgets"},
            {"q.timeline", "now"}, {"consent", "yes"}};
  }
};

std::string bytes_text(const Bytes& b, std::size_t from, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(b.data()) + from, n);
}

}  // namespace

TEST_CASE("Web kiosk: the page renders the form fields, questions and consent version", "[web][kiosk]") {
  WebHome w;
  const Reply r = w.get("/kiosk");
  CHECK(r.status == 200);
  CHECK_THAT(r.body, Contains("name=\"f.email\"") && Contains("type=\"email\"") && Contains("Work email"));
  CHECK_THAT(r.body, Contains("name=\"f.name\"") && Contains("name=\"f.company\""));
  CHECK_THAT(r.body, Contains("When do you plan to buy?") && Contains("value=\"now\""));
  CHECK_THAT(r.body, Contains("I agree to be contacted") && Contains("Consent text version 2027-03"));
  CHECK_THAT(r.header("content-security-policy"), Contains("default-src 'self'"));
  CHECK(r.header("x-content-type-options") == "nosniff");
  CHECK(r.header("cache-control") == "no-store");
  CHECK(r.header("x-frame-options") == "DENY");
  CHECK(r.header("referrer-policy") == "no-referrer");
  CHECK(r.body.find("<script>") == std::string::npos);  // scripts come from /static only
  const Reply js = w.get("/static/kiosk.js");
  CHECK(js.status == 200);
  CHECK_THAT(js.header("content-type"), Contains("javascript"));
}

TEST_CASE("Web kiosk: a valid submit journals one lead and leaves no PII in any page", "[web][kiosk]") {
  WebHome w;
  const Reply r = w.post_form("/kiosk", w.visitor());
  CHECK(r.status == 303);
  CHECK(r.header("location") == "/kiosk/thanks");
  CHECK(r.body.find(visitor_email) == std::string::npos);
  CHECK(r.body.find("Zebulon") == std::string::npos);
  CHECK(w.count("lead.captured") == 1);
  const Reply thanks = w.get("/kiosk/thanks");
  CHECK(thanks.status == 200);
  CHECK_THAT(thanks.body, Contains("Thank you"));
  const Reply next = w.get("/kiosk");
  CHECK(next.status == 200);
  CHECK(next.body.find("Zebulon") == std::string::npos);
  CHECK(next.body.find("example.org") == std::string::npos);
  CHECK(next.header("cache-control") == "no-store");
}

TEST_CASE("Web kiosk: an invalid email names the field and journals nothing", "[web][kiosk]") {
  WebHome w;
  const auto before = w.events().size();
  const Reply r = w.post_form("/kiosk", w.visitor("not-an-email"));
  CHECK(r.status == 422);
  CHECK_THAT(r.body, Contains("id=\"error-email\"") && Contains("valid email"));
  CHECK(w.count("lead.captured") == 0);
  CHECK(w.events().size() == before);
}

TEST_CASE("Web kiosk: a field that is not valid UTF-8 (%FF%FE) is refused, the page stays valid UTF-8",
          "[web][kiosk][attack]") {
  WebHome w;
  const auto before = w.events().size();
  auto fields = w.visitor();
  fields[1].second = "Bad\xff\xfeName";  // f.name, sent as %FF%FE
  const Reply r = w.post_form("/kiosk", fields);
  CHECK(r.status == 422);
  CHECK_THAT(r.body, Contains("id=\"error-name\"") && Contains("UTF-8"));
  CHECK(valid_utf8(r.body));
  CHECK(w.count("lead.captured") == 0);
  CHECK(w.events().size() == before);
}

TEST_CASE("Web kiosk: no route returns a captured lead", "[web][kiosk]") {
  WebHome w;
  REQUIRE(w.post_form("/kiosk", w.visitor()).status == 303);
  for (const std::string path : {"/api/leads", "/api/leads/1", "/leads", "/kiosk/leads", "/api/journal",
                                 "/kiosk/lead/1", "/api/export", "/kiosk/thanks?seq=1"}) {
    const Reply r = w.get(path);
    INFO(path);
    CHECK(r.body.find(visitor_email) == std::string::npos);
    CHECK(r.body.find("Zebulon") == std::string::npos);
    if (path == std::string("/api/leads")) {
      // The route of a rep's assigned leads: a kiosk has none, and its captures are sealed to the hub.
      CHECK(r.status == 200);
      CHECK(r.body == R"({"leads":[]})");
    } else if (path.find('?') == std::string::npos) {
      CHECK(r.status == 404);
    }
  }
}

TEST_CASE("Web kiosk: the staff view needs the PIN and shows queued leads", "[web][kiosk]") {
  WebHome w;
  REQUIRE(w.post_form("/kiosk", w.visitor()).status == 303);
  CHECK(w.get("/kiosk/staff").status == 200);  // the PIN form
  const Reply wrong = w.post_form("/kiosk/staff", {{"pin", "0000"}});
  CHECK(wrong.status == 403);
  CHECK(wrong.body.find("queued-leads") == std::string::npos);
  const Reply right = w.post_form("/kiosk/staff", {{"pin", "4711"}});
  CHECK(right.status == 200);
  CHECK_THAT(right.body, Contains("<dd id=\"queued-leads\">1</dd>"));
  CHECK_THAT(right.body, Contains("background sync is off"));
  CHECK(right.body.find("Zebulon") == std::string::npos);
}

TEST_CASE("Web kiosk: wrong staff PINs lock the staff view for a while, doubling, and the right PIN after it works",
          "[web][kiosk][security]") {
  WebHome w;
  for (unsigned i = 0; i < 5; ++i) CHECK(w.post_form("/kiosk/staff", {{"pin", "0000"}}).status == 403);
  // Locked: even the right PIN is not checked.
  const Reply locked = w.post_form("/kiosk/staff", {{"pin", "4711"}});
  CHECK(locked.status == 429);
  CHECK_THAT(locked.body, Contains("try again in 30 s"));
  CHECK(locked.body.find("queued-leads") == std::string::npos);
  w.clock.advance(std::chrono::seconds(31));
  // One more wrong PIN doubles the wait.
  CHECK(w.post_form("/kiosk/staff", {{"pin", "1234"}}).status == 403);
  CHECK_THAT(w.post_form("/kiosk/staff", {{"pin", "4711"}}).body, Contains("try again in 60 s"));
  // A clock set back a day does not lock the staff out for a day.
  w.clock.set(w.clock.now() - std::chrono::hours(24));
  CHECK_THAT(w.post_form("/kiosk/staff", {{"pin", "4711"}}).body, Contains("try again in 900 s"));
  w.clock.advance(std::chrono::minutes(16));
  const Reply right = w.post_form("/kiosk/staff", {{"pin", "4711"}});
  CHECK(right.status == 200);
  CHECK_THAT(right.body, Contains("queued-leads"));
  // The right PIN resets the count: one wrong one is not a lock.
  CHECK(w.post_form("/kiosk/staff", {{"pin", "0000"}}).status == 403);
  CHECK(w.post_form("/kiosk/staff", {{"pin", "4711"}}).status == 200);
}

TEST_CASE("Web security: POST without or with a wrong CSRF token is refused and journals nothing", "[web][security]") {
  WebHome w;
  const auto before = w.events().size();
  CHECK(w.post_form("/kiosk", w.visitor(), false).status == 403);
  CHECK(w.post("/kiosk", "csrf=" + std::string(64, 'a') + "&f.email=a%40b.org", "application/x-www-form-urlencoded", "")
            .status == 403);
  CHECK(w.post("/api/feedback", json{{"asset", "deck"}, {"rating", 4}}.dump(), "application/json", "").status == 403);
  CHECK(w.post("/api/feedback", json{{"asset", "deck"}, {"rating", 4}}.dump(), "application/json",
               "X-CSRF-Token: wrong\r\n")
            .status == 403);
  CHECK(w.events().size() == before);
}

TEST_CASE("Web security: a foreign Host header is refused (DNS rebinding)", "[web][security]") {
  WebHome w;
  const Reply r = http_exchange(w.port, "GET /kiosk HTTP/1.1\r\nHost: evil.example:" + std::to_string(w.port) +
                                       "\r\nConnection: close\r\n\r\n");
  CHECK(r.status == 403);
  CHECK(r.body.find(w.csrf) == std::string::npos);
  const Reply local = http_exchange(w.port, "GET /kiosk HTTP/1.1\r\nHost: localhost:" + std::to_string(w.port) +
                                           "\r\nConnection: close\r\n\r\n");
  CHECK(local.status == 200);
}

TEST_CASE("Web security: path traversal, unknown methods and oversized bodies are refused", "[web][security]") {
  WebHome w;
  CHECK(w.get("/content/..%2f..%2fetc%2fpasswd").status == 400);
  const int dotdot = w.get("/static/../x").status;
  CHECK((dotdot == 400 || dotdot == 404));
  CHECK(w.get("/static/%2e%2e/%2e%2e/etc/passwd").status == 404);
  CHECK(w.get("/api/assets/..%2fkeys%2fmaster.key").status == 400);
  CHECK(http_exchange(w.port, "DELETE /kiosk HTTP/1.1\r\nHost: " + w.host() + "\r\nConnection: close\r\n\r\n").status == 405);
  // The header alone announces the size: refused before the body is read.
  const Reply big = http_exchange(w.port, "POST /api/feedback HTTP/1.1\r\nHost: " + w.host() +
                                         "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
  CHECK(big.status == 413);
  const Reply garbage = http_exchange(w.port, "NOT HTTP AT ALL\r\n\r\n");
  CHECK(garbage.status == 400);
}

TEST_CASE("Web content: full and ranged GETs return exactly the asset's bytes", "[web][content]") {
  WebHome w;
  const Reply full = w.get("/content/deck");
  CHECK(full.status == 200);
  CHECK(full.header("accept-ranges") == "bytes");
  CHECK(full.body.size() == w.deck.size());
  CHECK(full.body == bytes_text(w.deck, 0, w.deck.size()));
  CHECK(w.count("asset.opened") == 1);

  const Reply part = w.get("/content/deck@1", "Range: bytes=100-199\r\n");
  CHECK(part.status == 206);
  CHECK(part.header("content-range") == "bytes 100-199/300000");
  CHECK(part.body == bytes_text(w.deck, 100, 100));

  const Reply tail = w.get("/content/deck", "Range: bytes=-50\r\n");
  CHECK(tail.status == 206);
  CHECK(tail.header("content-range") == "bytes 299950-299999/300000");
  CHECK(tail.body == bytes_text(w.deck, 299'950, 50));

  const Reply open_end = w.get("/content/deck", "Range: bytes=200000-\r\n");
  CHECK(open_end.status == 206);
  CHECK(open_end.body == bytes_text(w.deck, 200'000, 100'000));

  const Reply bad = w.get("/content/deck", "Range: bytes=300000-300100\r\n");
  CHECK(bad.status == 416);
  CHECK(bad.header("content-range") == "bytes */300000");
  // A seek is judged by the gate but is not a new open.
  CHECK(w.count("asset.opened") == 1);
}

TEST_CASE("Web content: superseded and revoked versions are refused with the gate's decision", "[web][content]") {
  WebHome w;
  const Reply old = w.get("/content/old-deck@1");
  CHECK(old.status == 403);
  const json decision = json::parse(old.body);
  CHECK(decision["reason"] == "superseded");
  CHECK(decision["allowed"] == false);
  const Reply revoked = w.get("/content/recalled");
  CHECK((revoked.status == 403 || revoked.status == 410));
  CHECK(json::parse(revoked.body)["allowed"] == false);
  CHECK(w.count("asset.blocked") == 2);
  const Reply current = w.get("/content/old-deck");
  CHECK(current.status == 200);
  CHECK(current.header("x-outpost-version") == "2");
}

TEST_CASE("Web API: search, asset decisions, feedback, requests and pins", "[web][api]") {
  WebHome w;
  const Reply found = w.get("/api/search?q=Title");
  REQUIRE(found.status == 200);
  CHECK(json::parse(found.body).dump().find("deck") != std::string::npos);
  const Reply asset = w.get("/api/assets/old-deck@1");
  REQUIRE(asset.status == 200);
  CHECK(json::parse(asset.body)["decision"]["reason"] == "superseded");
  CHECK(w.get("/api/assets/nothing-here").status == 404);
  CHECK(w.post_json("/api/feedback", {{"asset", "deck"}, {"rating", 4}, {"comment", "good"}}).status == 200);
  CHECK(w.post_json("/api/feedback", {{"asset", "deck"}, {"rating", 9}}).status == 400);
  CHECK(w.post_json("/api/request", {{"text", "Case study for hospitals"}}).status == 200);
  const Reply pinned = w.post_json("/api/pin", {{"asset", "deck"}});
  CHECK(pinned.status == 200);
  CHECK(json::parse(pinned.body)["pinned"] == true);
  CHECK(w.post("/api/feedback", "{not json", "application/json", "X-CSRF-Token: " + w.csrf + "\r\n").status == 400);
  CHECK(w.count("asset.feedback") == 1);
  CHECK(w.count("content.request") == 1);
}

TEST_CASE("Web API: a presentation journals started, page views and ended", "[web][api]") {
  WebHome w;
  const Reply started = w.post_json("/api/presentations", {{"asset", "deck"}});
  REQUIRE(started.status == 200);
  const std::string id = json::parse(started.body)["id"];
  CHECK(w.post_json("/api/presentations/" + id + "/page", {{"page", 1}}).status == 200);
  CHECK(w.post_json("/api/presentations/" + id + "/page", {{"page", 2}}).status == 200);
  const Reply ended = w.post_json("/api/presentations/" + id + "/end", json::object());
  REQUIRE(ended.status == 200);
  CHECK(json::parse(ended.body)["pages"] == 2);
  CHECK(w.post_json("/api/presentations/" + id + "/end", json::object()).status == 404);
  CHECK(w.count("presentation.started") == 1);
  CHECK(w.count("page.viewed") == 2);
  CHECK(w.count("presentation.ended") == 1);
  const Reply refused = w.post_json("/api/presentations", {{"asset", "old-deck"}, {"version", 1}});
  CHECK(refused.status == 403);
  CHECK(json::parse(refused.body)["reason"] == "superseded");
}

TEST_CASE("Web kiosk: captures leads while the background sync cannot reach the hub", "[web][kiosk][sync]") {
  // Nothing listens on the hub's port: every session fails and is retried,
  // on the same thread that serves the kiosk.
  WebHome w([](web::ServerOptions& o) {
    sync::DeviceLink link;
    link.device = "kiosk-1";
    link.role = "kiosk";
    link.sync_endpoint = "tcp://127.0.0.1:9";
    link.notice_endpoint = "tcp://127.0.0.1:9";
    o.sync_link = link;
    o.sync.request_timeout = std::chrono::milliseconds(200);
    o.sync.backoff_initial = std::chrono::milliseconds(100);
    o.sync.backoff_max = std::chrono::milliseconds(200);
  });
  CHECK(w.post_form("/kiosk", w.visitor()).status == 303);
  CHECK(w.count("lead.captured") == 1);
  std::string staff;
  (void)eventually(
      [&] {
        staff = w.post_form("/kiosk/staff", {{"pin", "4711"}}).body;
        return staff.find("failed") != std::string::npos;
      },
      std::chrono::seconds(20), std::chrono::milliseconds(100));
  CHECK_THAT(staff, Contains("failed") && Contains("will retry"));
  CHECK_THAT(staff, Contains("<dd id=\"queued-leads\">1</dd>"));
  CHECK(w.get("/kiosk").status == 200);
}

TEST_CASE("Web kiosk: without a form in the catalog the kiosk says so instead of failing", "[web][kiosk]") {
  WebHome w([](web::ServerOptions& o) { o.form = "no-such-form"; });
  const Reply r = w.get("/kiosk");
  CHECK(r.status == 503);
  CHECK_THAT(r.body, Contains("not ready"));
  CHECK(w.post_form("/kiosk", w.visitor()).status == 503);
  CHECK(w.count("lead.captured") == 0);
}

TEST_CASE("Web server: idle connections are closed and keep-alive serves several requests", "[web][security]") {
  WebHome w([](web::ServerOptions& o) { o.idle_timeout = std::chrono::milliseconds(300); });
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval tv{30, 0};  // only a bound against hanging: the server closes after 300 ms idle
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(w.port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string two = "GET /static/outpost.css HTTP/1.1\r\nHost: " + w.host() + "\r\n\r\n" +
                          "GET /static/kiosk.js HTTP/1.1\r\nHost: " + w.host() + "\r\n\r\n";
  REQUIRE(::send(fd, two.data(), two.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(two.size()));
  std::string data;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) data.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  CHECK(n == 0);  // the server closed the idle connection (-1: the receive timeout ran out first)
  std::size_t answers = 0;
  for (std::size_t at = data.find("HTTP/1.1 200"); at != std::string::npos; at = data.find("HTTP/1.1 200", at + 1)) {
    ++answers;
  }
  CHECK(answers == 2);
  CHECK_THAT(data, Contains("IDLE_MS"));
}

TEST_CASE("Web presenter: the page, its script, and search as you type journals only the settled query", "[web][presenter]") {
  WebHome w;
  const Reply page = w.get("/");
  REQUIRE(page.status == 200);
  CHECK_THAT(page.body, Contains("name=\"csrf-token\" content=\"" + w.csrf + "\""));
  CHECK_THAT(page.body, Contains("<script src=\"/static/presenter.js\" defer></script>"));
  CHECK_THAT(page.body, Contains("id=\"search\"") && Contains("id=\"results\"") && Contains("id=\"banner\""));
  CHECK(page.body.find("<script>") == std::string::npos);  // the CSP forbids inline script
  const Reply script = w.get("/static/presenter.js");
  CHECK(script.status == 200);
  CHECK_THAT(script.header("content-type"), Contains("javascript"));
  CHECK_THAT(script.body, Contains("X-CSRF-Token"));

  const std::size_t before = w.count("search.performed");
  for (const char* prefix : {"T", "Ti", "Tit", "Titl"}) {
    const Reply typing = w.get(std::string("/api/search?typing=1&q=") + prefix);
    REQUIRE(typing.status == 200);
    CHECK_FALSE(json::parse(typing.body)["hits"].empty());
  }
  CHECK(w.count("search.performed") == before);  // keystrokes are not searches
  CHECK(w.get("/api/search?q=Title").status == 200);
  CHECK(w.count("search.performed") == before + 1);
  const Reply chosen =
      w.post_json("/api/search/choice", {{"q", "Title"}, {"facets", json::object()}, {"result_count", 3}, {"asset", "deck"}});
  CHECK(chosen.status == 200);
  CHECK(w.count("search.performed") == before + 2);
  CHECK(w.post_json("/api/search/choice", {{"q", "Title"}, {"asset", "deck"}}).status == 400);
  CHECK(w.post_json("/api/search/choice", {{"q", "x"}, {"result_count", 1}, {"asset", "../etc"}}).status == 400);
  CHECK(w.get("/api/search/choice").status == 405);
  CHECK(w.count("search.performed") == before + 2);

  // The viewer frames PDFs: content may be framed by this origin only,
  // pages by nobody.
  const Reply pdf = w.get("/content/deck", "Range: bytes=0-9\r\n");
  CHECK(pdf.status == 206);
  CHECK(pdf.header("content-type") == "application/pdf");
  CHECK(pdf.header("x-frame-options") == "SAMEORIGIN");
  CHECK_THAT(pdf.header("content-security-policy"), Contains("frame-ancestors 'self'"));
  CHECK(page.header("x-frame-options") == "DENY");
  CHECK_THAT(page.header("content-security-policy"), Contains("frame-ancestors 'none'"));
  CHECK(w.get("/favicon.ico").status == 204);
}

TEST_CASE("Web content: the media type comes from the content's first bytes, then from the kind", "[web][content]") {
  WebHome w;
  // A price sheet published with kind price-sheet is still a PDF to the browser.
  const std::string pdf_text = "%PDF-1.4\n% a price sheet\n";
  const Bytes pdf(pdf_text.begin(), pdf_text.end());
  const Bytes webm = {0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81};
  w.server->call([&] {
    w.org.publish(w.org.release_of("prices", 1, pdf, "price-sheet"));
    w.org.publish(w.org.release_of("clip", 1, webm, "video"));
    w.apply();
    w.cache("prices", 1, pdf);
    w.cache("clip", 1, webm);
  });
  const Reply prices = w.get("/content/prices");
  CHECK(prices.status == 200);
  CHECK(prices.header("content-type") == "application/pdf");
  CHECK(prices.header("x-frame-options") == "SAMEORIGIN");
  CHECK(json::parse(w.get("/api/assets/prices").body)["media_type"] == "application/pdf");
  CHECK(w.get("/content/clip").header("content-type") == "video/webm");
  CHECK(json::parse(w.get("/api/assets/clip").body)["media_type"] == "video/webm");
  // Unrecognised bytes: the kind decides (deck is random bytes of kind pdf).
  CHECK(json::parse(w.get("/api/assets/deck").body)["media_type"] == "application/pdf");
  CHECK(json::parse(w.get("/api/assets/booth-form").body)["media_type"] == "application/json");
  // Nothing to show: no media type.
  CHECK(json::parse(w.get("/api/assets/old-deck@1").body)["media_type"].is_null());
  CHECK(w.get("/content/recalled").header("x-frame-options") == "DENY");
}

TEST_CASE("Web content: a viewer's second fetch of what was just opened is not a second open", "[web][content]") {
  WebHome w;
  CHECK(w.get("/content/deck@1").status == 200);
  CHECK(w.get("/content/deck@1").status == 200);  // Chromium's PDF viewer fetches again
  CHECK(w.count("asset.opened") == 1);
  CHECK(w.get("/content/deck").status == 200);  // another selector: another open
  CHECK(w.count("asset.opened") == 2);
  w.clock.advance(std::chrono::seconds(11));
  CHECK(w.get("/content/deck@1").status == 200);  // later: the rep opened it again
  CHECK(w.count("asset.opened") == 3);
  // A refetch is still judged: a blocked version stays blocked, and is journaled each time.
  CHECK(w.get("/content/old-deck@1").status == 403);
  CHECK(w.get("/content/old-deck@1").status == 403);
  CHECK(w.count("asset.blocked") == 2);
}
