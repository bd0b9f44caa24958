// read_requests(): the server's own parser and limits over bytes in memory,
// which the fuzz harnesses of both web shells rely on.
#include <catch2/catch.hpp>

#include "outpost/web/http.hpp"

using namespace outpost;

namespace {

web::HttpOptions small() {
  web::HttpOptions o;
  o.body_limit = 16;
  o.header_limit = 256;
  return o;
}

}  // namespace

TEST_CASE("HTTP read: keep-alive requests are read in order, until one asks to close", "[web][http]") {
  const auto out = web::read_requests(
      "GET /a?x=1 HTTP/1.1\r\nHost: 127.0.0.1:80\r\nCookie: c=1\r\nRange: bytes=0-1\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nX-CSRF-Token: t\r\nContent-Length: 3\r\n"
      "Connection: close\r\n\r\nabc"
      "GET /never HTTP/1.1\r\n\r\n",
      small());
  REQUIRE(out.size() == 2);
  REQUIRE(out[0].request);
  CHECK(out[0].request->method == "GET");
  CHECK(out[0].request->target == "/a?x=1");
  CHECK(out[0].request->host == "127.0.0.1:80");
  CHECK(out[0].request->cookie == "c=1");
  CHECK(out[0].request->range == "bytes=0-1");
  CHECK(out[0].keep_alive);
  REQUIRE(out[1].request);
  CHECK(out[1].request->body == "abc");
  CHECK(out[1].request->csrf_header == "t");
  CHECK(out[1].request->content_type == "text/plain");
  CHECK_FALSE(out[1].keep_alive);
}

TEST_CASE("HTTP read: limits and malformed requests get the server's error statuses", "[web][http]") {
  const auto body = web::read_requests("POST /p HTTP/1.1\r\nContent-Length: 17\r\n\r\n01234567890123456", small());
  REQUIRE(body.size() == 1);
  CHECK_FALSE(body[0].request);
  CHECK(body[0].status == 413);
  CHECK(body[0].target == "/");  // Beast refuses the length while it reads the header

  const auto header = web::read_requests("GET / HTTP/1.1\r\nX: " + std::string(300, 'x') + "\r\n\r\n", small());
  REQUIRE(header.size() == 1);
  CHECK(header[0].status == 431);
  CHECK(header[0].target == "/");

  CHECK(web::read_requests("GET / HTTP/1.1\r\nHost", small()).at(0).status == 400);  // cut short
  CHECK(web::read_requests("\x01\x02 nonsense\r\n\r\n", small()).at(0).status == 400);
  const auto nothing = web::read_requests("", small());
  REQUIRE(nothing.size() == 1);
  CHECK_FALSE(nothing[0].request);
  CHECK(nothing[0].status == 0);  // the client went away: the connection just closes
}

TEST_CASE("HTTP read: HEAD is marked, so the answer goes without its body", "[web][http]") {
  const auto out = web::read_requests("HEAD /k HTTP/1.1\r\nHost: h\r\n\r\n", small());
  REQUIRE(out.at(0).request);
  CHECK(out[0].head);
  CHECK(out[0].request->method == "HEAD");
}
