// The sync message envelope: what goes out comes back, and whatever comes
// in from the network is either a well-formed envelope or a clear refusal -
// never an exception, never a crash.
#include <catch2/catch.hpp>

#include <set>

#include "outpost/sync/envelope.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using nlohmann::json;

namespace {

Bytes header(const json& doc) { return json::to_msgpack(doc); }

json good_header() { return {{"t", "hello"}, {"v", sync::protocol_version}, {"id", 7}, {"b", {{"seq", 3}}}}; }

void check_refused(const Result<sync::Envelope>& r, Errc code, const std::string& words) {
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == code);
  INFO(r.status().message());
  CHECK(r.status().message().find(words) != std::string::npos);
}

}  // namespace

TEST_CASE("Sync envelope: type, id, body and data frames survive encode and decode", "[sync][envelope]") {
  sync::Envelope e;
  e.type = "chunk.data";
  e.id = 42;
  e.body = {{"chunk", "ab"}, {"credit", 1 << 20}};
  e.data = {random_bytes(256 * 1024, 1), Bytes{}, random_bytes(3, 2)};
  const auto frames = sync::encode(e);
  REQUIRE(frames.size() == 4);
  CHECK(frames[1] == e.data[0]);  // bulk bytes travel as they are
  auto back = sync::decode(frames);
  INFO(back.status().to_string());
  REQUIRE(back.is_ok());
  CHECK(back->type == "chunk.data");
  CHECK(back->id == 42);
  CHECK(back->body == e.body);
  CHECK(back->data == e.data);
}

TEST_CASE("Sync envelope: a missing body is an empty map, an error reply names the code", "[sync][envelope]") {
  auto r = sync::decode({header({{"t", "ping"}, {"v", sync::protocol_version}, {"id", 0}})});
  REQUIRE(r.is_ok());
  CHECK(r->body == json::object());
  CHECK(r->data.empty());

  const sync::Envelope err = sync::error_reply(9, Status(Errc::not_found, "no such chunk"));
  auto back = sync::decode(sync::encode(err));
  REQUIRE(back.is_ok());
  CHECK(back->type == "error");
  CHECK(back->id == 9);
  CHECK(back->body["code"] == "not_found");
  CHECK(back->body["message"] == "no such chunk");
}

TEST_CASE("Sync envelope: malformed headers are refused, naming the problem", "[sync][envelope]") {
  check_refused(sync::decode({}), Errc::invalid_argument, "no frames");
  check_refused(sync::decode({Bytes{0xc1}}), Errc::invalid_argument, "not MessagePack");
  check_refused(sync::decode({Bytes{}}), Errc::invalid_argument, "not MessagePack");
  check_refused(sync::decode({header(json::array({1, 2}))}), Errc::invalid_argument, "not a map");
  auto without = [](const char* key) {
    json h = good_header();
    h.erase(key);
    return h;
  };
  check_refused(sync::decode({header(without("t"))}), Errc::invalid_argument, "'t'");
  check_refused(sync::decode({header(without("v"))}), Errc::invalid_argument, "'v'");
  check_refused(sync::decode({header(without("id"))}), Errc::invalid_argument, "'id'");
  json h = good_header();
  h["t"] = 5;
  check_refused(sync::decode({header(h)}), Errc::invalid_argument, "'t'");
  h = good_header();
  h["t"] = std::string(65, 'x');
  check_refused(sync::decode({header(h)}), Errc::invalid_argument, "'t'");
  h = good_header();
  h["id"] = -1;
  check_refused(sync::decode({header(h)}), Errc::invalid_argument, "'id'");
  h = good_header();
  h["b"] = "text";
  check_refused(sync::decode({header(h)}), Errc::invalid_argument, "'b'");
  h = good_header();
  h["extra"] = 1;
  check_refused(sync::decode({header(h)}), Errc::invalid_argument, "'extra'");
  // A truncated header.
  Bytes cut = header(good_header());
  cut.resize(cut.size() - 3);
  check_refused(sync::decode({cut}), Errc::invalid_argument, "not MessagePack");
}

TEST_CASE("Sync envelope: another protocol version is refused as unsupported, naming both", "[sync][envelope]") {
  json h = good_header();
  h["v"] = sync::protocol_version + 1;
  check_refused(sync::decode({header(h)}), Errc::unsupported, "version 2 (this side speaks 1)");
}

TEST_CASE("Sync envelope: oversized messages are refused before they are parsed", "[sync][envelope]") {
  sync::Limits limits;
  limits.max_header = 100;
  limits.max_frames = 3;
  limits.max_frame = 1000;
  limits.max_total = 1500;
  const Bytes ok = header(good_header());
  REQUIRE(sync::decode({ok, Bytes(1000)}, limits).is_ok());
  check_refused(sync::decode({Bytes(101, 0x80)}, limits), Errc::invalid_argument, "header of 101 bytes");
  check_refused(sync::decode({ok, Bytes(1), Bytes(1), Bytes(1)}, limits), Errc::invalid_argument, "4 frames");
  check_refused(sync::decode({ok, Bytes(1001)}, limits), Errc::invalid_argument, "data frame 1 of 1001 bytes");
  check_refused(sync::decode({ok, Bytes(1000), Bytes(1000)}, limits), Errc::invalid_argument, "in all");
}

TEST_CASE("Sync envelope: random and mutated bytes never throw, each is decoded or refused", "[sync][envelope]") {
  const Bytes good = header(good_header());
  std::size_t refused = 0, decoded = 0;
  for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
    Bytes frame;
    if (seed % 2 == 0) {
      frame = random_bytes(seed % 97, seed);  // garbage
    } else {
      frame = good;  // one or two bytes of a good header changed
      const Bytes noise = random_bytes(4, seed);
      frame[noise[0] % frame.size()] = noise[1];
      if (seed % 3 == 0) frame[noise[2] % frame.size()] = noise[3];
    }
    Result<sync::Envelope> r = sync::decode({frame});
    if (r.is_ok()) {
      ++decoded;
      CHECK_FALSE(r->type.empty());
      CHECK(r->body.is_object());
    } else {
      ++refused;
      CHECK((r.status().code() == Errc::invalid_argument || r.status().code() == Errc::unsupported));
    }
  }
  CHECK(refused > 0);
  CHECK(decoded + refused == 3000);
}

TEST_CASE("Sync envelope: every error code has a distinct wire token", "[sync][envelope]") {
  std::set<std::string_view> tokens;
  for (int c = static_cast<int>(Errc::invalid_argument); c <= static_cast<int>(Errc::busy); ++c) {
    const std::string_view t = sync::wire_code(static_cast<Errc>(c));
    CHECK(t.find(' ') == std::string_view::npos);
    tokens.insert(t);
  }
  CHECK(tokens.size() == static_cast<std::size_t>(Errc::busy));
  CHECK(sync::wire_code(Errc::io) == "io");
}
