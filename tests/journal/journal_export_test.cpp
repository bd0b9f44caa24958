// Exporting the undelivered journal to a file sealed to the hub: what the
// hub reads back, the chain from the acknowledged anchor, and every way a
// file can be refused (another hub, altered, truncated, already there).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "outpost/base/clock.hpp"
#include "outpost/crypto/sealed_box.hpp"
#include "outpost/crypto/secret_stream.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/journal/event.hpp"
#include "outpost/journal/journal.hpp"
#include "outpost/journal/journal_export.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::journal;
using namespace outpost::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* secret_text = "Zebra-striped brochure for the Reykjavik office";

bool contains(const Bytes& hay, const std::string& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

struct ExportFixture {
  TempDir dir;
  SeededRandom random{42};
  ManualClock clock;
  crypto::SecretKey key = crypto::SecretKey::random(random, 32);
  crypto::BoxKeyPair hub = crypto::BoxKeyPair::generate(random);
  crypto::BoxKeyPair other_hub = crypto::BoxKeyPair::generate(random);
  std::unique_ptr<Journal> journal;
  std::vector<Bytes> payloads;  // by seq - 1, as appended
  std::vector<std::string> types;

  ExportFixture() {
    JournalOptions o;
    o.background_flush = false;
    auto opened = Journal::open(dir / "journal.db", key, clock, random, o);
    REQUIRE(opened.is_ok());
    journal = std::move(opened).value();
  }
  Journal& j() { return *journal; }

  std::uint64_t append(const Event& e) {
    clock.advance(5ms);
    auto r = journal->append(e);
    REQUIRE(r.is_ok());
    payloads.emplace_back(e.payload().begin(), e.payload().end());
    types.emplace_back(e.type().name);
    REQUIRE(r->seq == payloads.size());
    return r->seq;
  }
  void append_mixed(int rounds) {
    for (int i = 0; i < rounds; ++i) {
      append(must(page_viewed("pres-" + std::to_string(i), i + 1, 1000 + i)));
      append(must(content_request(i == 1 ? std::string(secret_text) : "request " + std::to_string(i))));
      append(must(asset_feedback(Feedback{"deck-" + std::to_string(i), 1, 4, "fine", false})));
      append(must(search_performed("query " + std::to_string(i), 3)));
    }
  }
  ExportSummary export_to(const fs::path& out, const crypto::BoxKeyPair& to) {
    auto s = export_undelivered(*journal, to.public_key(), out, clock.now(), random);
    INFO(s.status().to_string());
    REQUIRE(s.is_ok());
    return *s;
  }
  std::vector<StoredEvent> stored_after(std::uint64_t seq) {
    auto r = journal->read_after(seq, 1'000'000, 1u << 30);
    REQUIRE(r.is_ok());
    return std::move(r).value();
  }
};

Status read_status(const fs::path& file, const crypto::BoxKeyPair& hub) {
  auto r = read_export(file, hub);
  return r.is_ok() ? Status() : r.status();
}

// A file in the export format with the given messages (the last one FINAL),
// as anyone holding the hub's public lead key can make one.
void craft(const fs::path& out, const crypto::BoxPublicKey& hub, const std::vector<nlohmann::json>& messages,
           Random& random) {
  const crypto::SecretKey file_key = crypto::SecretKey::random(random, crypto::stream_key_size);
  Bytes file = {'O', 'P', 'J', 'X', 1};
  const Bytes sealed_key = crypto::seal(hub, file_key.view());
  file.insert(file.end(), sealed_key.begin(), sealed_key.end());
  crypto::StreamSealer sealer(file_key);
  file.insert(file.end(), sealer.header().begin(), sealer.header().end());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Bytes sealed = sealer.seal(nlohmann::json::to_msgpack(messages[i]), i + 1 == messages.size());
    const auto n = static_cast<std::uint32_t>(sealed.size());
    for (int b = 3; b >= 0; --b) file.push_back(static_cast<std::uint8_t>(n >> (8 * b)));
    file.insert(file.end(), sealed.begin(), sealed.end());
  }
  write_file(out, file);
}

}  // namespace

TEST_CASE("Journal export: the hub reads back exactly the undelivered events, chained from the acked one",
          "[journal][export]") {
  ExportFixture f;
  f.append_mixed(5);  // 20 events
  REQUIRE(f.j().flush().is_ok());
  const std::uint64_t acked = 7;
  REQUIRE(f.j().mark_acked(acked).is_ok());
  // One more still waiting in memory: export flushes first.
  const std::uint64_t last = f.append(must(page_viewed("late", 9, 99)));
  CHECK_FALSE(f.j().stats().stored_seq == last);

  const fs::path out = f.dir / "kiosk.opjx";
  const TimePoint now = f.clock.now();
  const ExportSummary s = f.export_to(out, f.hub);
  CHECK(s.events == last - acked);
  CHECK(s.first_seq == acked + 1);
  CHECK(s.last_seq == last);
  CHECK((fs::status(out).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));

  auto read = read_export(out, f.hub);
  INFO(read.status().to_string());
  REQUIRE(read.is_ok());
  const ExportedJournal& x = *read;
  CHECK(x.journal_id == f.j().id());
  CHECK(to_unix_ms(x.exported_at) == to_unix_ms(now));

  const auto held = f.stored_after(0);
  REQUIRE(held.size() == last);
  const StoredEvent& anchor = held[acked - 1];
  CHECK(x.anchor.seq == acked);
  CHECK(x.anchor.hash == anchor.hash);
  CHECK(x.anchor.time == anchor.time);

  REQUIRE(x.events.size() == last - acked);
  crypto::Digest prev = x.anchor.hash;
  for (std::size_t i = 0; i < x.events.size(); ++i) {
    const StoredEvent& e = x.events[i];
    const StoredEvent& h = held[acked + i];
    INFO("seq " << h.seq);
    CHECK(e.seq == acked + 1 + i);
    CHECK(e.seq == h.seq);
    CHECK(e.time == h.time);
    REQUIRE(e.type != nullptr);
    CHECK(std::string(e.type->name) == f.types[e.seq - 1]);
    REQUIRE(e.payload.has_value());
    CHECK(*e.payload == f.payloads[e.seq - 1]);
    CHECK(e.payload_hash == crypto::blake2b(*e.payload));
    CHECK(e.payload_hash == h.payload_hash);
    CHECK(e.hash == h.hash);
    CHECK(chain_hash(prev, e.seq, e.time, e.type->name, e.payload_hash) == e.hash);
    prev = e.hash;
  }

  // Nothing acked: the chain starts at zero and holds everything.
  ExportFixture g;
  g.append_mixed(2);
  const fs::path all = g.dir / "all.opjx";
  CHECK(g.export_to(all, g.hub).events == 8);
  auto everything = read_export(all, g.hub);
  REQUIRE(everything.is_ok());
  CHECK(everything->anchor.seq == 0);
  CHECK(everything->anchor.hash == crypto::Digest{});
  REQUIRE(everything->events.size() == 8);
  CHECK(everything->events.front().seq == 1);
}

TEST_CASE("Journal export: the file hides payloads and opens only with the hub's key", "[journal][export]") {
  ExportFixture f;
  f.append_mixed(3);
  const fs::path out = f.dir / "x.opjx";
  f.export_to(out, f.hub);
  const Bytes file = read_file(out);
  REQUIRE(contains(Bytes(f.payloads[5]), secret_text));  // seq 6 is the distinctive request
  CHECK_FALSE(contains(file, secret_text));
  CHECK_FALSE(contains(file, "Reykjavik"));
  CHECK_FALSE(contains(file, "content.request"));

  const fs::path foreign = f.dir / "foreign.opjx";
  f.export_to(foreign, f.other_hub);
  CHECK(read_status(foreign, f.hub).code() == Errc::wrong_key);
  CHECK(read_status(out, f.other_hub).code() == Errc::wrong_key);
  CHECK(read_export(foreign, f.other_hub).is_ok());
}

TEST_CASE("Journal export: any altered byte after the sealed key, or a truncation, is refused",
          "[journal][export]") {
  ExportFixture f;
  f.append_mixed(3);
  REQUIRE(f.j().mark_acked(2).is_ok());
  const fs::path out = f.dir / "x.opjx";
  f.export_to(out, f.hub);
  const Bytes good = read_file(out);
  REQUIRE(read_export(out, f.hub).is_ok());

  const std::size_t sealed_key_end = 5 + 32 + crypto::sealed_box_overhead;
  REQUIRE(good.size() > sealed_key_end + 24);
  const fs::path bad = f.dir / "bad.opjx";
  for (std::size_t at = sealed_key_end; at < good.size(); ++at) {
    Bytes b = good;
    b[at] ^= 0x01;
    fs::remove(bad);
    write_file(bad, b);
    const Status s = read_status(bad, f.hub);
    INFO("flipped byte " << at << " of " << good.size() << ": " << s.to_string());
    CHECK(s.code() == Errc::integrity);
  }

  for (std::size_t cut : {std::size_t{10}, std::size_t{1}, good.size() - sealed_key_end - 24}) {
    const Bytes b(good.begin(), good.end() - static_cast<std::ptrdiff_t>(cut));
    fs::remove(bad);
    write_file(bad, b);
    const Status s = read_status(bad, f.hub);
    INFO("dropped the last " << cut << " bytes: " << s.to_string());
    CHECK_FALSE(s.is_ok());
    CHECK(s.code() == Errc::integrity);
  }

  // Extra bytes after the final message are refused too.
  Bytes longer = good;
  longer.push_back(0);
  fs::remove(bad);
  write_file(bad, longer);
  CHECK(read_status(bad, f.hub).code() == Errc::integrity);
}

TEST_CASE("Journal export: refuses to overwrite a file, nothing undelivered gives an empty export",
          "[journal][export]") {
  ExportFixture f;
  f.append_mixed(2);
  const fs::path out = f.dir / "x.opjx";
  const ByteView ev = as_bytes("someone else's file");
  const Bytes existing(ev.begin(), ev.end());
  write_file(out, Bytes(existing.begin(), existing.end()));
  auto again = export_undelivered(f.j(), f.hub.public_key(), out, f.clock.now(), f.random);
  REQUIRE_FALSE(again.is_ok());
  CHECK(again.status().code() == Errc::already_exists);
  CHECK(read_file(out) == Bytes(existing.begin(), existing.end()));

  REQUIRE(f.j().flush().is_ok());
  REQUIRE(f.j().mark_acked(8).is_ok());
  const fs::path empty = f.dir / "empty.opjx";
  const ExportSummary s = f.export_to(empty, f.hub);
  CHECK(s.events == 0);
  CHECK(s.first_seq == 0);
  CHECK(s.last_seq == 0);
  auto read = read_export(empty, f.hub);
  INFO(read.status().to_string());
  REQUIRE(read.is_ok());
  CHECK(read->events.empty());
  CHECK(read->anchor.seq == 8);
  CHECK(read->anchor.hash == f.j().head().hash);
  CHECK(read->journal_id == f.j().id());
}

TEST_CASE("Journal export: a well-sealed file with a malformed header is an integrity error, not a crash",
          "[journal][export]") {
  ExportFixture f;
  using nlohmann::json;
  const json id = json::binary(std::vector<std::uint8_t>(16, 7));
  const json zero = json::binary(std::vector<std::uint8_t>(32, 0));
  const json count0 = {{"count", 0}};
  const fs::path good = f.dir / "good.opjx";
  craft(good, f.hub.public_key(),
        {{{"journal_id", id}, {"anchor_seq", 0}, {"anchor_hash", zero}, {"anchor_time", 0}, {"exported_at", 1}}, count0},
        f.random);
  auto ok = read_export(good, f.hub);
  INFO(ok.status().to_string());
  REQUIRE(ok.is_ok());
  CHECK(ok->events.empty());

  const std::vector<json> headers = {
      {{"journal_id", id}, {"anchor_hash", zero}, {"anchor_time", 0}, {"exported_at", 1}},  // no anchor_seq
      {{"journal_id", id}, {"anchor_seq", 0}, {"anchor_time", 0}, {"exported_at", 1}},      // no anchor_hash
      {{"journal_id", id}, {"anchor_seq", 0}, {"anchor_hash", zero}, {"anchor_time", 0}},   // no exported_at
      {{"journal_id", id}, {"anchor_seq", "0"}, {"anchor_hash", zero}, {"anchor_time", 0}, {"exported_at", 1}},
  };
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const fs::path bad = f.dir / ("bad" + std::to_string(i));
    craft(bad, f.hub.public_key(), {headers[i], count0}, f.random);
    Status s;
    REQUIRE_NOTHROW(s = read_status(bad, f.hub));
    INFO("header " << i << ": " << s.to_string());
    CHECK(s.code() == Errc::integrity);
  }
  // A header that is the final message, with nothing after it.
  const fs::path header_only = f.dir / "header-only";
  craft(header_only, f.hub.public_key(),
        {{{"journal_id", id}, {"anchor_seq", 0}, {"anchor_hash", zero}, {"anchor_time", 0}, {"exported_at", 1}}},
        f.random);
  Status s;
  REQUIRE_NOTHROW(s = read_status(header_only, f.hub));
  CHECK(s.code() == Errc::integrity);
}
