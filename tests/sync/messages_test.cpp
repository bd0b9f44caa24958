// The typed sync messages: every message survives the wire (to_envelope,
// encode, decode, parse), and every parse refuses a missing or wrong field
// by name - the hub and the device read the same structs, so a field one
// side gets wrong is caught here, not in a session.
#include <catch2/catch.hpp>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "outpost/cache/chunker.hpp"
#include "outpost/cache/content_digest.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/journal/event.hpp"
#include "outpost/journal/event_row.hpp"
#include "outpost/journal/journal.hpp"
#include "outpost/storage/byte_source.hpp"
#include "outpost/sync/envelope.hpp"
#include "outpost/sync/messages.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using namespace outpost::sync;
using nlohmann::json;

namespace {

// What the other end sees: the envelope through encode and decode.
Envelope wire(const Envelope& e) {
  auto back = decode(encode(e));
  INFO(back.status().to_string());
  REQUIRE(back.is_ok());
  return std::move(back).value();
}

template <typename M>
M round_trip(const M& message, std::uint64_t id = 77) {
  const Envelope back = wire(message.to_envelope(id));
  CHECK(back.type == M::type);
  CHECK(back.id == id);
  auto parsed = M::parse(back);
  INFO(parsed.status().to_string());
  REQUIRE(parsed.is_ok());
  return std::move(parsed).value();
}

template <typename T>
void check_refused(const Result<T>& r, const std::string& words) {
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Errc::invalid_argument);
  INFO(r.status().message());
  CHECK(r.status().message().find(words) != std::string::npos);
}

cache::ChunkId chunk_id(std::uint64_t seed) { return *crypto::Digest::from_bytes(random_bytes(32, seed)); }

std::vector<cache::ChunkId> chunk_ids(std::size_t n, std::uint64_t seed = 100) {
  std::vector<cache::ChunkId> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(chunk_id(seed + i));
  return out;
}

json bin(ByteView b) { return json::binary(Bytes(b.begin(), b.end())); }

// Optional body fields of the sample: with each wrong value, parse refuses
// and names the field.
template <typename M>
void check_optional_fields(const M& sample, std::initializer_list<std::pair<const char*, std::vector<json>>> wrong) {
  const Envelope good = sample.to_envelope(5);
  for (const auto& [field, values] : wrong) {
    INFO(M::type << " field " << field);
    REQUIRE(good.body.contains(field));
    for (const json& v : values) {
      if (v.is_null()) continue;  // nil is the same as absent
      Envelope bad = good;
      bad.body[field] = v;
      check_refused(M::parse(wire(bad)), std::string(M::type).append(": ").append(field));
    }
  }
}

// For every body field of the sample: without it, and with each wrong
// value, parse refuses and names the field. The list must cover the body.
template <typename M>
void check_fields(const M& sample, std::initializer_list<std::pair<const char*, std::vector<json>>> wrong) {
  const Envelope good = sample.to_envelope(5);
  std::set<std::string> covered;
  for (const auto& [field, values] : wrong) covered.insert(field);
  for (const auto& [key, value] : good.body.items()) {
    INFO(M::type << " field " << key);
    CHECK(covered.count(key) == 1);
  }
  for (const auto& [field, values] : wrong) {
    INFO(M::type << " field " << field);
    REQUIRE(good.body.contains(field));
    Envelope missing = good;
    missing.body.erase(field);
    const std::string prefix = std::string(M::type).append(": ").append(field);
    check_refused(M::parse(wire(missing)), prefix + " is missing");
    for (const json& value : values) {
      INFO("value " << value.dump());
      Envelope typed = good;
      typed.body[field] = value;
      check_refused(M::parse(wire(typed)), prefix + " ");
    }
  }
  CHECK(M::parse(wire(good)).is_ok());
}

// A few kinds of wrong value, by the kind of field they are wrong for.
const json text_value = "7";
const json negative = -1;
std::vector<json> not_uint() { return {text_value, negative, 1.5, true, json(nullptr)}; }
std::vector<json> not_text(std::size_t max) { return {5, bin(Bytes{'a'}), json::array(), std::string(max + 1, 'x')}; }
std::vector<json> not_bin(std::size_t min, std::size_t max) {
  std::vector<json> out{text_value, 3, json::array()};
  if (min > 0) out.push_back(bin(random_bytes(min - 1, 1)));
  out.push_back(bin(random_bytes(max + 1, 2)));
  return out;
}
std::vector<json> not_ids(std::size_t max) {
  json too_many = json::array();
  for (std::size_t i = 0; i < max + 1; ++i) too_many.push_back(bin(random_bytes(32, i)));
  return {text_value,
          bin(random_bytes(32, 3)),
          json::array({bin(random_bytes(31, 4))}),
          json::array({bin(random_bytes(33, 5))}),
          json::array({"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}),
          too_many};
}

std::vector<cache::RecipeEntry> sample_recipe() {
  std::vector<cache::RecipeEntry> out;
  std::uint64_t offset = 0;
  for (std::uint32_t size : {65536u, 16384u, 262144u, 1u, 40000u}) {
    out.push_back({chunk_id(size), offset, size});
    offset += size;
  }
  return out;
}

void check_same_recipe(const std::vector<cache::RecipeEntry>& got, const std::vector<cache::RecipeEntry>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("entry " << i);
    CHECK(got[i].id == want[i].id);
    CHECK(got[i].size == want[i].size);
    CHECK(got[i].offset == want[i].offset);
  }
}

// A journal with real events (telemetry, durable, a lead-free mix).
struct JournalWorld {
  TempDir dir;
  SeededRandom random{9};
  ManualClock clock;
  crypto::SecretKey key = crypto::SecretKey::random(random, 32);
  std::unique_ptr<journal::Journal> journal;

  explicit JournalWorld(int events = 6) {
    journal::JournalOptions options;
    options.background_flush = false;
    auto opened = journal::Journal::open(dir / "journal.db", key, clock, random, options);
    REQUIRE(opened.is_ok());
    journal = std::move(opened).value();
    for (int i = 0; i < events; ++i) {
      Result<journal::Event> e = i % 3 == 0   ? journal::content_request("request " + std::to_string(i))
                                 : i % 3 == 1 ? journal::page_viewed("pres-1", static_cast<std::uint64_t>(i), 1500)
                                              : journal::asset_opened("deck-q3", 4);
      REQUIRE(e.is_ok());
      REQUIRE(journal->append(*e).is_ok());
      clock.advance(std::chrono::milliseconds(10));
    }
    REQUIRE(journal->flush().is_ok());
  }

  std::vector<journal::StoredEvent> events() {
    auto r = journal->read_after(0, 10000, std::numeric_limits<std::size_t>::max());
    REQUIRE(r.is_ok());
    return std::move(r).value();
  }
  msg::JournalPush push() { return {journal->id(), events()}; }
};

// The rows of a journal.push as the device sent them, to tamper with.
json rows_of(const Envelope& e) {
  REQUIRE(e.data.size() == 1);
  return json::from_msgpack(e.data.front().begin(), e.data.front().end());
}

Envelope with_rows(Envelope e, const json& rows) {
  e.data = {json::to_msgpack(rows)};
  return e;
}

}  // namespace

// ---- enrollment

TEST_CASE("Sync messages: enroll and enroll.ok round-trip", "[sync][messages]") {
  msg::Enroll enroll;
  const Bytes a = random_bytes(64, 7);
  std::copy(a.begin(), a.begin() + 32, enroll.secret.begin());
  std::copy(a.begin() + 32, a.end(), enroll.device_key.begin());
  const msg::Enroll e = round_trip(enroll);
  CHECK(e.secret == enroll.secret);
  CHECK(e.device_key == enroll.device_key);

  const msg::EnrollOk ok{"kiosk-7", "kiosk", "tcp://hub.example:7400", "tcp://hub.example:7402"};
  const msg::EnrollOk o = round_trip(ok);
  CHECK(o.device == "kiosk-7");
  CHECK(o.role == "kiosk");
  CHECK(o.sync_endpoint == "tcp://hub.example:7400");
  CHECK(o.notice_endpoint == "tcp://hub.example:7402");
}

TEST_CASE("Sync messages: enroll fields are checked by name", "[sync][messages]") {
  check_fields(msg::Enroll{}, {{"secret", not_bin(32, 32)}, {"device_key", not_bin(32, 32)}});
  check_fields(msg::EnrollOk{"rep-1", "rep", "tcp://h:7400", "tcp://h:7402"},
               {{"device", not_text(64)},
                {"role", not_text(16)},
                {"sync_endpoint", not_text(256)},
                {"notice_endpoint", not_text(256)}});
}

// ---- device session

TEST_CASE("Sync messages: hello and hello.ok round-trip", "[sync][messages]") {
  const msg::Hello hello{random_bytes(16, 3), 41, 1234};
  const msg::Hello h = round_trip(hello);
  CHECK(h.journal_id == hello.journal_id);
  CHECK(h.catalog_seq == 41);
  CHECK(h.journal_head == 1234);
  // Journal ids of 8 to 32 bytes are accepted.
  CHECK(round_trip(msg::Hello{random_bytes(8, 4), 0, 0}).journal_id.size() == 8);
  CHECK(round_trip(msg::Hello{random_bytes(32, 5), 0, 0}).journal_id.size() == 32);

  const msg::HelloOk ok{1'700'000'123'456, 42, 1200, true};
  const msg::HelloOk o = round_trip(ok);
  CHECK(o.hub_time_ms == 1'700'000'123'456);
  CHECK(o.catalog_seq == 42);
  CHECK(o.journal_acked == 1200);
  CHECK(o.wipe);
  CHECK_FALSE(round_trip(msg::HelloOk{5, 0, 0, false}).wipe);
  // hub_time is a signed integer: a clock before 1970 still parses.
  CHECK(round_trip(msg::HelloOk{-5, 0, 0, false}).hub_time_ms == -5);
  // The hub's hash of the acked event travels when the hub holds one.
  CHECK_FALSE(o.journal_acked_hash.has_value());
  const crypto::Digest hash = crypto::blake2b(as_bytes(std::string_view("event 1200")));
  CHECK(round_trip(msg::HelloOk{1, 2, 1200, false, hash}).journal_acked_hash == std::optional(hash));
}

TEST_CASE("Sync messages: hello fields are checked by name", "[sync][messages]") {
  check_fields(msg::Hello{random_bytes(16, 3), 1, 2},
               {{"journal_id", not_bin(8, 32)}, {"catalog_seq", not_uint()}, {"journal_head", not_uint()}});
  check_fields(msg::HelloOk{1, 2, 3, false},
               {{"hub_time", {text_value, 1.5, true, json(nullptr)}},
                {"catalog_seq", not_uint()},
                {"journal_acked", not_uint()},
                {"wipe", {1, text_value, json(nullptr)}}});
}

TEST_CASE("Sync messages: catalog.get, catalog.delta and journal.ack round-trip", "[sync][messages]") {
  CHECK(round_trip(msg::CatalogGet{17}).since_seq == 17);
  check_fields(msg::CatalogGet{17}, {{"since_seq", not_uint()}});

  // The delta rides in data frame 1 with an empty body.
  const msg::CatalogDeltaMsg delta{random_bytes(300 * 1024, 8)};
  const Envelope e = delta.to_envelope(3);
  CHECK(e.body == json::object());
  REQUIRE(e.data.size() == 1);
  CHECK(round_trip(delta).delta == delta.delta);

  Envelope none = e;
  none.data.clear();
  check_refused(msg::CatalogDeltaMsg::parse(wire(none)), "catalog.delta: expected one data frame");
  Envelope two = e;
  two.data.push_back(Bytes{1});
  check_refused(msg::CatalogDeltaMsg::parse(wire(two)), "catalog.delta: expected one data frame");

  CHECK(round_trip(msg::JournalAck{99}).acked_seq == 99);
  CHECK_FALSE(round_trip(msg::JournalAck{99}).diverged_at.has_value());
  check_fields(msg::JournalAck{99}, {{"acked_seq", not_uint()}});
  const msg::JournalAck diverged{99, 7};
  CHECK(round_trip(diverged).diverged_at == std::optional<std::uint64_t>(7));
  check_optional_fields(diverged, {{"diverged_at", not_uint()}});
}

TEST_CASE("Sync messages: recipe.get names a valid version", "[sync][messages]") {
  const msg::RecipeGet get{{"deck-q3", 4}, std::nullopt};
  CHECK(round_trip(get).ref == get.ref);
  check_fields(get, {{"asset", {5, std::string(129, 'a')}}, {"version", not_uint()}});

  Envelope e = get.to_envelope(1);
  e.body["version"] = 0;
  check_refused(msg::RecipeGet::parse(wire(e)), "recipe.get: versions start at 1");
  e = get.to_envelope(1);
  e.body["asset"] = ".hidden";
  check_refused(msg::RecipeGet::parse(wire(e)), "recipe.get: asset id must not start with a dot");
  e.body["asset"] = "";
  check_refused(msg::RecipeGet::parse(wire(e)), "recipe.get: asset id must be 1 to 128");
}

// ---- recipes

TEST_CASE("Sync messages: pack_recipe is 36 bytes per chunk, big-endian sizes, offsets implied", "[sync][messages]") {
  std::vector<cache::RecipeEntry> recipe = sample_recipe();
  recipe.push_back({chunk_id(9), 0, 0x01020304});
  const Bytes packed = msg::pack_recipe(recipe);
  REQUIRE(packed.size() == recipe.size() * 36);
  const std::size_t last = (recipe.size() - 1) * 36;
  CHECK(std::equal(recipe.back().id.bytes.begin(), recipe.back().id.bytes.end(), packed.begin() + last));
  CHECK(Bytes(packed.begin() + last + 32, packed.end()) == Bytes{0x01, 0x02, 0x03, 0x04});

  // Offsets are not sent: whatever the sender held, the receiver sums sizes.
  std::vector<cache::RecipeEntry> scrambled = recipe;
  for (auto& entry : scrambled) entry.offset = 999;
  CHECK(msg::pack_recipe(scrambled) == packed);
  auto back = msg::unpack_recipe(packed);
  REQUIRE(back.is_ok());
  recipe.back().offset = recipe[recipe.size() - 2].offset + recipe[recipe.size() - 2].size;
  check_same_recipe(*back, recipe);

  auto empty = msg::unpack_recipe({});
  REQUIRE(empty.is_ok());
  CHECK(empty->empty());
  for (std::size_t cut : {1u, 35u, 37u, 71u}) {
    INFO("size " << cut);
    check_refused(msg::unpack_recipe(ByteView(packed).first(cut)), "36-byte");
  }
}

TEST_CASE("Sync messages: an unpacked recipe hashes to the content digest a release signs", "[sync][messages]") {
  // What the device checks before fetching by a recipe from the hub.
  const Bytes content = random_bytes(900 * 1024, 21);
  std::vector<cache::RecipeEntry> recipe;
  storage::MemorySource source(content);
  cache::ChunkStream stream(source);
  ByteView chunk;
  std::uint64_t offset = 0;
  while (stream.next(chunk)) {
    recipe.push_back({crypto::blake2b(chunk), offset, static_cast<std::uint32_t>(chunk.size())});
    offset += chunk.size();
  }
  REQUIRE(recipe.size() > 3);
  auto back = msg::unpack_recipe(msg::pack_recipe(recipe));
  REQUIRE(back.is_ok());
  check_same_recipe(*back, recipe);
  cache::RecipeHasher hasher;
  for (const auto& entry : *back) hasher.add(entry.id, entry.size);
  CHECK(hasher.finish() == cache::content_digest(content));
}

TEST_CASE("Sync messages: recipe carries the version in the body and the packed recipe in data frame 1",
          "[sync][messages]") {
  const msg::RecipeMsg recipe{{"video-launch", 2}, sample_recipe(), std::nullopt, {}};
  const Envelope e = recipe.to_envelope(4);
  REQUIRE(e.data.size() == 1);
  CHECK(e.data.front() == msg::pack_recipe(recipe.recipe));
  const msg::RecipeMsg r = round_trip(recipe);
  CHECK(r.ref == recipe.ref);
  check_same_recipe(r.recipe, recipe.recipe);
  check_fields(recipe, {{"asset", {5, std::string(129, 'a')}}, {"version", not_uint()}});

  Envelope none = e;
  none.data.clear();
  check_refused(msg::RecipeMsg::parse(wire(none)), "recipe: expected one data frame");
  Envelope two = e;
  two.data.push_back(Bytes{});
  check_refused(msg::RecipeMsg::parse(wire(two)), "recipe: expected one data frame");
  Envelope ragged = e;
  ragged.data.front().pop_back();
  check_refused(msg::RecipeMsg::parse(wire(ragged)), "36-byte");
}

// ---- chunks

TEST_CASE("Sync messages: chunk.get names 1 to 64 chunk ids", "[sync][messages]") {
  const msg::ChunkGet get{chunk_ids(msg::max_chunk_ids)};
  CHECK(round_trip(get).chunks == get.chunks);
  CHECK(round_trip(msg::ChunkGet{chunk_ids(1)}).chunks.size() == 1);
  check_fields(get, {{"chunks", not_ids(msg::max_chunk_ids)}});
  Envelope empty = get.to_envelope(1);
  empty.body["chunks"] = json::array();
  check_refused(msg::ChunkGet::parse(wire(empty)), "chunk.get: chunks is not a list of 1-64 chunk ids");
  Envelope too_many = msg::ChunkGet{chunk_ids(msg::max_chunk_ids + 1)}.to_envelope(1);
  check_refused(msg::ChunkGet::parse(wire(too_many)), "chunk.get: chunks is not a list of 1-64 chunk ids");
  Envelope short_id = get.to_envelope(1);
  short_id.body["chunks"][3] = bin(random_bytes(31, 1));
  check_refused(msg::ChunkGet::parse(wire(short_id)), "chunk.get: chunks holds an id that is not 32 bytes");
}

TEST_CASE("Sync messages: chunk.data sends one data frame per chunk sent and lists refused ids",
          "[sync][messages]") {
  msg::ChunkData data;
  data.chunks = chunk_ids(3, 10);
  data.refused = chunk_ids(2, 20);
  data.data = {random_bytes(256 * 1024, 1), random_bytes(16 * 1024, 2), random_bytes(1, 3)};
  const msg::ChunkData d = round_trip(data);
  CHECK(d.chunks == data.chunks);
  CHECK(d.refused == data.refused);
  CHECK(d.data == data.data);

  // All refused, none sent: no data frames.
  const msg::ChunkData none = round_trip(msg::ChunkData{{}, chunk_ids(4), {}});
  CHECK(none.chunks.empty());
  CHECK(none.refused.size() == 4);
  CHECK(none.data.empty());

  check_fields(data, {{"chunks", not_ids(msg::max_chunk_ids)}, {"refused", not_ids(msg::max_chunk_ids)}});

  Envelope missing_frame = data.to_envelope(1);
  missing_frame.data.pop_back();
  check_refused(msg::ChunkData::parse(wire(missing_frame)), "chunk.data: 3 chunk ids but 2 data frames");
  Envelope extra_frame = data.to_envelope(1);
  extra_frame.data.push_back(Bytes{1, 2});
  check_refused(msg::ChunkData::parse(wire(extra_frame)), "chunk.data: 3 chunk ids but 4 data frames");
}

// ---- journal

TEST_CASE("Sync messages: a forked journal's push names the journal it continues", "[sync][messages][journal]") {
  JournalWorld world;
  msg::JournalPush push = world.push();
  push.continues = journal::JournalParent{random_bytes(16, 70), 41};
  const msg::JournalPush back = round_trip(push);
  REQUIRE(back.continues.has_value());
  CHECK(back.continues->journal_id == push.continues->journal_id);
  CHECK(back.continues->seq == 41);
  check_optional_fields(push, {{"parent_id", not_bin(8, 32)}, {"parent_seq", not_uint()}});
}

TEST_CASE("Sync messages: journal.push carries real journal events that parse back identical",
          "[sync][messages][journal]") {
  JournalWorld world;
  const msg::JournalPush push = world.push();
  REQUIRE(push.events.size() == 6);
  const Envelope e = push.to_envelope(8);
  CHECK(e.body.size() == 1);  // just journal_id: the rows ride in data frame 1
  REQUIRE(e.data.size() == 1);
  CHECK(rows_of(e).size() == 6);

  const msg::JournalPush back = round_trip(push);
  CHECK(back.journal_id == world.journal->id());
  CHECK_FALSE(back.continues.has_value());
  REQUIRE(back.events.size() == push.events.size());
  for (std::size_t i = 0; i < back.events.size(); ++i) {
    INFO("event " << i);
    const auto& got = back.events[i];
    const auto& want = push.events[i];
    CHECK(got.seq == want.seq);
    CHECK(got.time == want.time);
    CHECK(got.type == want.type);
    CHECK(got.payload == want.payload);
    CHECK(got.payload_hash == want.payload_hash);
    CHECK(got.hash == want.hash);
  }
  // The hub checks the chain from what it holds: here, from the start.
  journal::ChainLink previous = world.journal->anchor();
  for (const auto& event : back.events) {
    CHECK(journal::links_to(previous, event));
    previous = journal::link_of(event);
  }
}

TEST_CASE("Sync messages: journal.push delivers a dropped payload as nil with its hash", "[sync][messages][journal]") {
  JournalWorld world(3);
  msg::JournalPush push = world.push();
  push.events[1].payload.reset();
  const msg::JournalPush back = round_trip(push);
  REQUIRE(back.events.size() == 3);
  CHECK_FALSE(back.events[1].payload.has_value());
  CHECK(back.events[1].payload_hash == push.events[1].payload_hash);
  CHECK(journal::links_to(journal::link_of(back.events[0]), back.events[1]));
}

TEST_CASE("Sync messages: journal.push refuses tampered, gappy, unknown and malformed rows",
          "[sync][messages][journal]") {
  JournalWorld world;
  const msg::JournalPush push = world.push();
  const Envelope good = push.to_envelope(2);
  REQUIRE(msg::JournalPush::parse(wire(good)).is_ok());

  SECTION("a payload changed in transit no longer matches its hash") {
    json rows = rows_of(good);
    REQUIRE(rows[2][3].is_binary());
    rows[2][3].get_binary()[0] ^= 0x01;
    check_refused(msg::JournalPush::parse(wire(with_rows(good, rows))),
                  "event " + std::to_string(push.events[2].seq) + ": the payload does not match its hash");
  }
  SECTION("seqs must be contiguous") {
    json rows = rows_of(good);
    rows.erase(rows.begin() + 2);
    check_refused(msg::JournalPush::parse(wire(with_rows(good, rows))),
                  "seqs are not contiguous at " + std::to_string(push.events[3].seq));
    json reversed = rows_of(good);
    std::swap(reversed[0], reversed[1]);
    check_refused(msg::JournalPush::parse(wire(with_rows(good, reversed))), "seqs are not contiguous");
  }
  SECTION("an event whose text is not valid UTF-8, though its payload matches its hash") {
    json rows = rows_of(good);
    const json payload = {{"query", "pric\xff\xfe"}, {"results", 2}};
    const Bytes bytes = json::to_msgpack(payload);
    rows[1][2] = "search.performed";
    rows[1][3] = bin(bytes);
    rows[1][4] = bin(crypto::blake2b(bytes).view());
    check_refused(msg::JournalPush::parse(wire(with_rows(good, rows))), "'query' is not valid UTF-8");
  }
  SECTION("an unknown event type") {
    json rows = rows_of(good);
    rows[1][2] = "no.such.event";
    check_refused(msg::JournalPush::parse(wire(with_rows(good, rows))), "unknown event type 'no.such.event'");
  }
  SECTION("rows that are not MessagePack, not a list, or not rows") {
    Envelope garbage = good;
    garbage.data = {Bytes{0xc1}};
    check_refused(msg::JournalPush::parse(wire(garbage)), "journal.push: the event rows are not MessagePack");
    garbage.data = {Bytes{}};
    check_refused(msg::JournalPush::parse(wire(garbage)), "journal.push: the event rows are not MessagePack");
    check_refused(msg::JournalPush::parse(wire(with_rows(good, json{{"seq", 1}}))), "a list of 1-512 event rows");
    json rows = rows_of(good);
    rows[0] = json::array({1, 2, 3});
    check_refused(msg::JournalPush::parse(wire(with_rows(good, rows))), "not an array of 6 fields");
    rows = rows_of(good);
    rows[0][5] = bin(random_bytes(31, 1));
    check_refused(msg::JournalPush::parse(wire(with_rows(good, rows))), "a hash is not 32 bytes");
  }
  SECTION("an empty batch, or more than 512 events") {
    const msg::JournalPush empty{push.journal_id, {}};
    check_refused(msg::JournalPush::parse(wire(empty.to_envelope(1))), "journal.push: expected a list of 1-512");
    json rows = json::array();
    const json first = rows_of(good)[0];
    for (std::size_t i = 0; i < msg::max_push_events + 1; ++i) rows.push_back(first);
    check_refused(msg::JournalPush::parse(wire(with_rows(good, rows))), "journal.push: expected a list of 1-512");
  }
  SECTION("journal_id, and exactly one data frame") {
    check_fields(push, {{"journal_id", not_bin(8, 32)}});
    Envelope none = good;
    none.data.clear();
    check_refused(msg::JournalPush::parse(wire(none)), "journal.push: expected one data frame");
    Envelope two = good;
    two.data.push_back(good.data.front());
    check_refused(msg::JournalPush::parse(wire(two)), "journal.push: expected one data frame");
  }
}

TEST_CASE("Sync messages: a journal.push of 512 events fits the envelope limits", "[sync][messages][journal]") {
  JournalWorld world(static_cast<int>(msg::max_push_events));
  const msg::JournalPush back = round_trip(world.push());
  REQUIRE(back.events.size() == msg::max_push_events);
  CHECK(back.events.front().seq == 1);
  CHECK(back.events.back().seq == msg::max_push_events);
}

// ---- publisher

TEST_CASE("Sync messages: publish.have and publish.missing round-trip with their limits", "[sync][messages]") {
  const msg::PublishHave have{chunk_ids(msg::max_have_ids)};
  CHECK(round_trip(have).chunks == have.chunks);  // 1024 ids fit the 64 KiB header
  check_fields(have, {{"chunks", not_ids(msg::max_have_ids)}});
  Envelope empty = have.to_envelope(1);
  empty.body["chunks"] = json::array();
  check_refused(msg::PublishHave::parse(wire(empty)), "publish.have: chunks is not a list of 1-1024 chunk ids");

  const msg::PublishMissing missing{chunk_ids(5)};
  CHECK(round_trip(missing).chunks == missing.chunks);
  CHECK(round_trip(msg::PublishMissing{}).chunks.empty());  // the hub has them all
  check_fields(missing, {{"chunks", not_ids(msg::max_have_ids)}});
}

TEST_CASE("Sync messages: publish.chunks pairs ids with data frames, publish.stored counts them",
          "[sync][messages]") {
  msg::PublishChunks chunks;
  chunks.chunks = chunk_ids(2);
  chunks.data = {random_bytes(70000, 1), random_bytes(20000, 2)};
  const msg::PublishChunks c = round_trip(chunks);
  CHECK(c.chunks == chunks.chunks);
  CHECK(c.data == chunks.data);
  check_fields(chunks, {{"chunks", not_ids(msg::max_chunk_ids)}});

  Envelope fewer = chunks.to_envelope(1);
  fewer.data.pop_back();
  check_refused(msg::PublishChunks::parse(wire(fewer)), "publish.chunks: 2 chunk ids but 1 data frames");
  Envelope more = chunks.to_envelope(1);
  more.data.push_back(Bytes{});
  check_refused(msg::PublishChunks::parse(wire(more)), "publish.chunks: 2 chunk ids but 3 data frames");
  Envelope none = chunks.to_envelope(1);
  none.body["chunks"] = json::array();
  none.data.clear();
  check_refused(msg::PublishChunks::parse(wire(none)), "publish.chunks: chunks is not a list of 1-64");

  CHECK(round_trip(msg::PublishStored{2}).count == 2);
  check_fields(msg::PublishStored{2}, {{"count", not_uint()}});
}

TEST_CASE("Sync messages: publish.statement carries the statement and a release's recipe in data frames",
          "[sync][messages]") {
  const Bytes statement = random_bytes(900, 4);
  const msg::PublishStatement release{statement, sample_recipe()};
  const Envelope e = release.to_envelope(6);
  CHECK(e.body == json::object());
  REQUIRE(e.data.size() == 2);
  const msg::PublishStatement r = round_trip(release);
  CHECK(r.statement == statement);
  REQUIRE(r.recipe.has_value());
  check_same_recipe(*r.recipe, sample_recipe());

  const msg::PublishStatement revocation = round_trip(msg::PublishStatement{statement, std::nullopt});
  CHECK(revocation.statement == statement);
  CHECK_FALSE(revocation.recipe.has_value());

  Envelope none = e;
  none.data.clear();
  check_refused(msg::PublishStatement::parse(wire(none)), "publish.statement: expected the statement");
  Envelope three = e;
  three.data.push_back(Bytes{1});
  check_refused(msg::PublishStatement::parse(wire(three)), "publish.statement: expected the statement");
  Envelope ragged = e;
  ragged.data[1].push_back(0);
  check_refused(msg::PublishStatement::parse(wire(ragged)), "36-byte");

  CHECK(round_trip(msg::PublishOk{12}).seq == 12);
  check_fields(msg::PublishOk{12}, {{"seq", not_uint()}});
}

// ---- errors and expect<M>

TEST_CASE("Sync messages: error carries every code, its message and an optional seq", "[sync][messages]") {
  for (Errc code : {Errc::invalid_argument, Errc::not_found, Errc::already_exists, Errc::integrity,
                    Errc::wrong_key, Errc::permission, Errc::io, Errc::disk_full, Errc::corrupt,
                    Errc::unsupported, Errc::busy}) {
    INFO(std::string(wire_code(code)));
    CHECK(msg::errc_from_wire(wire_code(code)) == code);
    const msg::ErrorMsg back = round_trip(msg::ErrorMsg{code, "why", std::nullopt});
    CHECK(back.code == code);
    CHECK(back.message == "why");
    CHECK_FALSE(back.seq.has_value());
  }
  const msg::ErrorMsg chain = round_trip(msg::ErrorMsg{Errc::integrity, "event 17 does not chain", 17});
  CHECK(chain.code == Errc::integrity);
  REQUIRE(chain.seq.has_value());
  CHECK(*chain.seq == 17);
  CHECK(chain.status().code() == Errc::integrity);
  CHECK(chain.status().message() == "event 17 does not chain");

  // An error reply made by the envelope layer parses as an ErrorMsg.
  auto plain = msg::ErrorMsg::parse(wire(error_reply(3, Status(Errc::busy, "try later"))));
  REQUIRE(plain.is_ok());
  CHECK(plain->code == Errc::busy);

  // A code from a newer hub reads as io.
  Envelope future = msg::ErrorMsg{Errc::busy, "x", std::nullopt}.to_envelope(1);
  future.body["code"] = "quota_exceeded";
  auto f = msg::ErrorMsg::parse(wire(future));
  REQUIRE(f.is_ok());
  CHECK(f->code == Errc::io);

  const msg::ErrorMsg sample{Errc::integrity, "bad", std::nullopt};
  check_fields(sample, {{"code", not_text(64)}, {"message", not_text(4096)}});
  for (const json& value : {text_value, negative, json(1.5), json(true)}) {
    INFO("seq " << value.dump());
    Envelope typed = sample.to_envelope(1);
    typed.body["seq"] = value;
    check_refused(msg::ErrorMsg::parse(wire(typed)), "error: seq is not an unsigned integer");
  }
  Envelope ok = sample.to_envelope(1);
  ok.body["code"] = "ok";
  check_refused(msg::ErrorMsg::parse(wire(ok)), "error: code is 'ok'");
  // seq is optional: absent or nil is no seq.
  Envelope nil = sample.to_envelope(1);
  nil.body["seq"] = nullptr;
  auto n = msg::ErrorMsg::parse(wire(nil));
  REQUIRE(n.is_ok());
  CHECK_FALSE(n->seq.has_value());
}

TEST_CASE("Sync messages: expect returns the reply, the hub's error as a Status, or refuses another type",
          "[sync][messages]") {
  auto ok = msg::expect<msg::HelloOk>(wire(msg::HelloOk{10, 2, 3, false}.to_envelope(1)));
  REQUIRE(ok.is_ok());
  CHECK(ok->catalog_seq == 2);

  for (Errc code : {Errc::permission, Errc::not_found, Errc::integrity, Errc::busy}) {
    INFO(std::string(wire_code(code)));
    auto err = msg::expect<msg::HelloOk>(wire(msg::ErrorMsg{code, "refused by the hub", std::nullopt}.to_envelope(1)));
    REQUIRE_FALSE(err.is_ok());
    CHECK(err.status().code() == code);
    CHECK(err.status().message() == "refused by the hub");
  }

  auto other = msg::expect<msg::HelloOk>(wire(msg::JournalAck{4}.to_envelope(1)));
  check_refused(other, "expected a 'hello.ok' reply, got 'journal.ack'");

  // A reply of the right type that is malformed is refused by its parse.
  Envelope bad = msg::HelloOk{}.to_envelope(1);
  bad.body.erase("wipe");
  check_refused(msg::expect<msg::HelloOk>(wire(bad)), "hello.ok: wipe is missing");

  // A malformed error reply is not mistaken for the hub's verdict.
  Envelope bad_error = msg::ErrorMsg{Errc::permission, "no", std::nullopt}.to_envelope(1);
  bad_error.body.erase("code");
  check_refused(msg::expect<msg::HelloOk>(wire(bad_error)), "error: code is missing");
}

// ---- notices

TEST_CASE("Sync messages: catalog notices round-trip and malformed ones are refused", "[sync][messages]") {
  const std::vector<Bytes> frames = msg::catalog_notice(314);
  REQUIRE(frames.size() == 2);
  CHECK(std::string(frames[0].begin(), frames[0].end()) == "catalog");
  auto seq = msg::parse_catalog_notice(frames);
  REQUIRE(seq.is_ok());
  CHECK(*seq == 314);
  CHECK(*msg::parse_catalog_notice(msg::catalog_notice(0)) == 0);

  const Bytes topic(msg::notice_topic.begin(), msg::notice_topic.end());
  const std::vector<std::vector<Bytes>> malformed = {
      {},
      {topic},
      {topic, frames[1], Bytes{}},
      {Bytes{'c', 'a', 't'}, frames[1]},
      {Bytes{'c', 'a', 't', 'a', 'l', 'o', 'g', 's'}, frames[1]},
      {topic, Bytes{0xc1}},
      {topic, Bytes{}},
      {topic, json::to_msgpack(json::array({314}))},
      {topic, json::to_msgpack(json{{"sequence", 314}})},
      {topic, json::to_msgpack(json{{"seq", -1}})},
      {topic, json::to_msgpack(json{{"seq", "314"}})},
  };
  for (std::size_t i = 0; i < malformed.size(); ++i) {
    INFO("case " << i);
    check_refused(msg::parse_catalog_notice(malformed[i]), "malformed catalog notice");
  }
}

TEST_CASE("Sync messages: every seq is at most 2^63-1 (what SQLite keeps) and a larger one is refused by name",
          "[sync][messages]") {
  constexpr std::uint64_t largest = std::numeric_limits<std::int64_t>::max();
  const std::vector<json> too_large = {json(largest + 1), json(std::numeric_limits<std::uint64_t>::max())};
  // The largest seq survives every message that carries one.
  CHECK(round_trip(msg::Hello{random_bytes(16, 3), largest, largest}).catalog_seq == largest);
  CHECK(round_trip(msg::HelloOk{1, largest, largest, false}).journal_acked == largest);
  CHECK(round_trip(msg::CatalogGet{largest}).since_seq == largest);
  CHECK(round_trip(msg::JournalAck{largest}).acked_seq == largest);
  CHECK(round_trip(msg::LeadsGet{largest}).after == largest);
  CHECK(round_trip(msg::SessionDone{largest, std::nullopt}).catalog_seq == largest);
  CHECK(round_trip(msg::PublishOk{largest}).seq == largest);
  CHECK(*msg::parse_catalog_notice(msg::catalog_notice(largest)) == largest);
  // One more is refused, naming the field.
  const auto refused = [&](const Envelope& good, const char* field, const auto& parse) {
    for (const json& value : too_large) {
      INFO(good.type << " " << field << " = " << value.dump());
      Envelope bad = good;
      bad.body[field] = value;
      check_refused(parse(wire(bad)), good.type + ": " + field + " is above 2^63-1");
    }
  };
  refused(msg::Hello{random_bytes(16, 3), 1, 2}.to_envelope(1), "catalog_seq", msg::Hello::parse);
  refused(msg::Hello{random_bytes(16, 3), 1, 2}.to_envelope(1), "journal_head", msg::Hello::parse);
  refused(msg::HelloOk{1, 2, 3, false}.to_envelope(1), "catalog_seq", msg::HelloOk::parse);
  refused(msg::HelloOk{1, 2, 3, false}.to_envelope(1), "journal_acked", msg::HelloOk::parse);
  refused(msg::CatalogGet{1}.to_envelope(1), "since_seq", msg::CatalogGet::parse);
  refused(msg::JournalAck{1}.to_envelope(1), "acked_seq", msg::JournalAck::parse);
  refused(msg::LeadsGet{1}.to_envelope(1), "after", msg::LeadsGet::parse);
  refused(msg::SessionDone{1, std::nullopt}.to_envelope(1), "catalog_seq", msg::SessionDone::parse);
  refused(msg::PublishOk{1}.to_envelope(1), "seq", msg::PublishOk::parse);
  Envelope error = msg::ErrorMsg{Errc::integrity, "broken chain", 5}.to_envelope(1);
  error.body["seq"] = largest + 1;
  check_refused(msg::ErrorMsg::parse(wire(error)), "error: seq is not an unsigned integer up to 2^63-1");
  const Bytes topic(msg::notice_topic.begin(), msg::notice_topic.end());
  check_refused(msg::parse_catalog_notice({topic, json::to_msgpack(json{{"seq", largest + 1}})}),
                "malformed catalog notice");
}

TEST_CASE("Sync messages: a recipe delta rebuilds the new recipe from the old one and is refused when malformed",
          "[sync][messages]") {
  const Bytes v1 = random_bytes(3 << 20, 50);
  Bytes v2 = v1;
  for (std::size_t i = 1'000'000; i < 1'200'000; ++i) v2[i] ^= 0x5a;  // overwritten
  v2.insert(v2.begin() + 2'500'000, 100, 7);                       // inserted
  const auto base = cache::make_recipe(v1).entries;
  const auto target = cache::make_recipe(v2).entries;
  const Bytes delta = msg::diff_recipe(base, target);
  CHECK(delta.size() < target.size() * 36 / 4);  // far smaller than the whole recipe
  const auto rebuilt = msg::patch_recipe(base, delta);
  REQUIRE(rebuilt.is_ok());
  CHECK(cache::recipe_digest(*rebuilt) == cache::make_recipe(v2).digest);
  CHECK(rebuilt->back().offset + rebuilt->back().size == v2.size());

  // Through the message, asking with a base.
  const msg::RecipeGet get{{"deck", 2}, 1};
  const msg::RecipeGet got = round_trip(get);
  REQUIRE(got.base);
  CHECK(*got.base == 1);
  const msg::RecipeMsg reply{{"deck", 2}, {}, 1, delta};
  const msg::RecipeMsg back = round_trip(reply);
  REQUIRE(back.base);
  const auto resolved = back.resolve(base);
  REQUIRE(resolved.is_ok());
  CHECK(cache::recipe_digest(*resolved) == cache::recipe_digest(target));

  SECTION("malformed deltas") {
    Bytes copy_past_end{0x01, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
    CHECK(msg::patch_recipe(base, copy_past_end).status().code() == Errc::invalid_argument);
    CHECK(msg::patch_recipe(base, Bytes{0x03}).status().code() == Errc::invalid_argument);
    CHECK(msg::patch_recipe(base, Bytes{0x02, 0, 0, 0, 2, 1, 2, 3}).status().code() == Errc::invalid_argument);
    Bytes cut = delta;
    cut.resize(cut.size() - 5);
    CHECK_FALSE(msg::patch_recipe(base, cut).is_ok());
  }
}

TEST_CASE("Sync messages: a recipe delta that copies its base over and over is refused past the largest recipe",
          "[sync][messages]") {
  // Each 9-byte copy op repeats the whole base: unbounded, a few MiB of
  // delta would make a recipe of billions of entries on the device.
  std::vector<cache::RecipeEntry> base(1000);
  for (std::size_t i = 0; i < base.size(); ++i) base[i] = {crypto::blake2b(random_bytes(8, i)), 0, 100};
  Bytes copy_all{0x01, 0, 0, 0, 0};
  append_be32(copy_all, static_cast<std::uint32_t>(base.size()));
  Bytes at_limit, past_limit;
  for (std::size_t i = 0; i < msg::max_recipe_entries / base.size(); ++i) at_limit.insert(at_limit.end(), copy_all.begin(), copy_all.end());
  past_limit = at_limit;
  past_limit.insert(past_limit.end(), copy_all.begin(), copy_all.end());
  const auto fits = msg::patch_recipe(base, at_limit);
  REQUIRE(fits.is_ok());
  CHECK(fits->size() == msg::max_recipe_entries / base.size() * base.size());
  const auto refused = msg::patch_recipe(base, past_limit);
  CHECK(refused.status().code() == Errc::invalid_argument);
  CHECK_THAT(refused.status().message(), Catch::Matchers::Contains("more than"));
}
