// Catalog records and signed statements: bodies round-trip through their
// MessagePack wire form, from_body() refuses anything malformed and names the
// field, and signatures are bound to the exact body, the signer and the
// statement domain.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "outpost/catalog/records.hpp"
#include "outpost/catalog/statement.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/sign.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::catalog;
using Catch::Matchers::Contains;
using outpost::test::random_bytes;
using outpost::test::SeededRandom;

namespace {

// ------------------------------------------------- a minimal MessagePack writer
// Enough of the format to build bodies field by field (and to break them on
// purpose) without depending on the library's own encoder.

void put_be(Bytes& out, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>((v >> (8 * i)) & 0xff));
}

Bytes mp_uint(std::uint64_t v) {
  Bytes out;
  if (v < 128) {
    out.push_back(static_cast<std::uint8_t>(v));
  } else if (v <= 0xff) {
    out.push_back(0xcc);
    put_be(out, v, 1);
  } else if (v <= 0xffff) {
    out.push_back(0xcd);
    put_be(out, v, 2);
  } else if (v <= 0xffffffffULL) {
    out.push_back(0xce);
    put_be(out, v, 4);
  } else {
    out.push_back(0xcf);
    put_be(out, v, 8);
  }
  return out;
}

Bytes mp_int(std::int64_t v) {
  if (v >= 0) return mp_uint(static_cast<std::uint64_t>(v));
  Bytes out{0xd3};
  put_be(out, static_cast<std::uint64_t>(v), 8);
  return out;
}

Bytes mp_str(std::string_view s) {
  Bytes out;
  if (s.size() < 32) {
    out.push_back(static_cast<std::uint8_t>(0xa0 | s.size()));
  } else if (s.size() <= 0xff) {
    out.push_back(0xd9);
    put_be(out, s.size(), 1);
  } else if (s.size() <= 0xffff) {
    out.push_back(0xda);
    put_be(out, s.size(), 2);
  } else {
    out.push_back(0xdb);
    put_be(out, s.size(), 4);
  }
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

Bytes mp_bin(ByteView b) {
  Bytes out;
  if (b.size() <= 0xff) {
    out.push_back(0xc4);
    put_be(out, b.size(), 1);
  } else if (b.size() <= 0xffff) {
    out.push_back(0xc5);
    put_be(out, b.size(), 2);
  } else {
    out.push_back(0xc6);
    put_be(out, b.size(), 4);
  }
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

Bytes mp_nil() { return Bytes{0xc0}; }
Bytes mp_bool(bool b) { return Bytes{static_cast<std::uint8_t>(b ? 0xc3 : 0xc2)}; }

Bytes mp_array(const std::vector<Bytes>& items) {
  Bytes out;
  if (items.size() < 16) {
    out.push_back(static_cast<std::uint8_t>(0x90 | items.size()));
  } else {
    out.push_back(0xdc);
    put_be(out, items.size(), 2);
  }
  for (const Bytes& item : items) out.insert(out.end(), item.begin(), item.end());
  return out;
}

using Fields = std::vector<std::pair<std::string, Bytes>>;  // key -> encoded value

Bytes mp_map(const Fields& fields) {
  Bytes out;
  if (fields.size() < 16) {
    out.push_back(static_cast<std::uint8_t>(0x80 | fields.size()));
  } else {
    out.push_back(0xde);
    put_be(out, fields.size(), 2);
  }
  for (const auto& [key, value] : fields) {
    const Bytes k = mp_str(key);
    out.insert(out.end(), k.begin(), k.end());
    out.insert(out.end(), value.begin(), value.end());
  }
  return out;
}

void set_field(Fields& fields, const std::string& key, Bytes value) {
  for (auto& [k, v] : fields) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  fields.emplace_back(key, std::move(value));
}

void drop_field(Fields& fields, const std::string& key) {
  std::erase_if(fields, [&](const auto& p) { return p.first == key; });
}

// ------------------------------------------------------------ sample records

TimePoint at(std::int64_t ms) { return from_unix_ms(ms); }

Release full_release() {
  Release r;
  r.asset = "price-sheet.eu_2025-q3";
  r.version = 7;
  r.title = "EU price sheet Q3";
  r.description = "All list prices for the EU region, valid for Q3.";
  r.kind = "price-sheet";
  r.tags = {"pricing", "eu", "q3"};
  r.facets = {"outpost-pro", "field-sales", "closing", "eu-west", "de"};
  r.criticality = "price-sheet";
  r.download = DownloadPolicy::on_demand;
  r.digest = crypto::blake2b(as_bytes("the content"));
  r.size = 1'234'567;
  r.valid_from = at(1'700'000'000'000);
  r.expires_at = at(1'707'000'000'123);
  r.grace = Seconds(3 * 24 * 3600);
  r.change_note = "New freight surcharge.";
  r.published_at = at(1'699'999'000'000);
  return r;
}

Release minimal_release() {
  Release r;
  r.asset = "deck";
  r.version = 1;
  r.title = "Deck";
  r.kind = "deck";
  r.digest = crypto::blake2b(as_bytes("deck"));
  r.valid_from = at(1'700'000'000'000);
  r.published_at = at(1'700'000'000'000);
  return r;
}

// The wire form of a release, written field by field (docs/protocol.md).
Fields release_fields(const Release& r) {
  std::vector<Bytes> tags;
  for (const auto& t : r.tags) tags.push_back(mp_str(t));
  return {{"type", mp_str("release")},
          {"asset", mp_str(r.asset)},
          {"version", mp_uint(r.version)},
          {"title", mp_str(r.title)},
          {"description", mp_str(r.description)},
          {"kind", mp_str(r.kind)},
          {"tags", mp_array(tags)},
          {"facets", mp_map({{"product", mp_str(r.facets.product)},
                             {"persona", mp_str(r.facets.persona)},
                             {"stage", mp_str(r.facets.stage)},
                             {"region", mp_str(r.facets.region)},
                             {"language", mp_str(r.facets.language)}})},
          {"criticality", mp_str(r.criticality)},
          {"download", mp_str(r.download == DownloadPolicy::automatic ? "auto" : "on-demand")},
          {"digest", mp_bin(r.digest.view())},
          {"size", mp_uint(r.size)},
          {"valid_from", mp_int(to_unix_ms(r.valid_from))},
          {"expires_at", r.expires_at ? mp_int(to_unix_ms(*r.expires_at)) : mp_nil()},
          {"grace_s", mp_uint(static_cast<std::uint64_t>(r.grace.count()))},
          {"note", mp_str(r.change_note)},
          {"published_at", mp_int(to_unix_ms(r.published_at))}};
}

Revocation sample_revocation() { return {"deck", 3, "wrong discount on slide 4", at(1'700'000'500'000)}; }

Fields revocation_fields(const Revocation& r) {
  return {{"type", mp_str("revocation")},
          {"asset", mp_str(r.asset)},
          {"version", mp_uint(r.version)},
          {"reason", mp_str(r.reason)},
          {"revoked_at", mp_int(to_unix_ms(r.revoked_at))}};
}

CatalogTimestamp sample_timestamp() {
  return {42, crypto::blake2b(as_bytes("catalog")), at(1'700'000'000'000), at(1'700'086'400'000)};
}

Fields timestamp_fields(const CatalogTimestamp& t) {
  return {{"type", mp_str("timestamp")},
          {"seq", mp_uint(t.seq)},
          {"digest", mp_bin(t.digest.view())},
          {"issued_at", mp_int(to_unix_ms(t.issued_at))},
          {"expires_at", mp_int(to_unix_ms(t.expires_at))}};
}

TrustList sample_trust(SeededRandom& random) {
  TrustList t;
  t.version = 3;
  t.publishers = {{"marketing", crypto::SigningKey::generate(random).public_key()},
                  {"pricing-desk", crypto::SigningKey::generate(random).public_key()}};
  t.hub_key = crypto::SigningKey::generate(random).public_key();
  t.offline_budget = {{"general", Seconds(90 * 86400)}, {"price-sheet", Seconds(7 * 86400)}, {"forms", Seconds(3600)}};
  t.issued_at = at(1'699'000'000'000);
  return t;
}

Fields trust_fields(const TrustList& t) {
  std::vector<Bytes> pubs;
  for (const auto& p : t.publishers) pubs.push_back(mp_map({{"name", mp_str(p.name)}, {"key", mp_bin(p.key.bytes)}}));
  Fields budgets;
  for (const auto& [name, s] : t.offline_budget) budgets.emplace_back(name, mp_uint(static_cast<std::uint64_t>(s.count())));
  return {{"type", mp_str("trust-list")},
          {"version", mp_uint(t.version)},
          {"publishers", mp_array(pubs)},
          {"hub_key", mp_bin(t.hub_key.bytes)},
          {"offline_budget_s", mp_map(budgets)},
          {"issued_at", mp_int(to_unix_ms(t.issued_at))}};
}

template <class R>
void check_corrupt_naming(const R& result, const std::string& field) {
  INFO("field " << field << ": " << result.status().to_string());
  REQUIRE_FALSE(result.is_ok());
  CHECK(result.status().code() == Errc::corrupt);
  CHECK_THAT(result.status().message(), Contains("'" + field + "'"));
}

template <class R>
void check_corrupt(const R& result) {
  INFO(result.status().to_string());
  REQUIRE_FALSE(result.is_ok());
  CHECK(result.status().code() == Errc::corrupt);
}

Bytes flipped(Bytes b, std::size_t i) {
  b.at(i) = static_cast<std::uint8_t>(b.at(i) ^ 0x01);
  return b;
}

}  // namespace

// ------------------------------------------------------------------ round trips

TEST_CASE("Records: a release with every field set round-trips through its body", "[catalog]") {
  const Release r = full_release();
  auto back = Release::from_body(r.to_body());
  INFO(back.status().to_string());
  REQUIRE(back.is_ok());
  CHECK(*back == r);
  CHECK(back->download == DownloadPolicy::on_demand);
  REQUIRE(back->expires_at.has_value());
  CHECK(to_unix_ms(*back->expires_at) == 1'707'000'000'123);
  CHECK(back->tags == std::vector<std::string>{"pricing", "eu", "q3"});
  CHECK(back->facets.language == "de");
  CHECK(back->grace == Seconds(3 * 24 * 3600));
}

TEST_CASE("Records: a minimal release (no expiry, no tags, automatic download) round-trips", "[catalog]") {
  const Release r = minimal_release();
  auto back = Release::from_body(r.to_body());
  INFO(back.status().to_string());
  REQUIRE(back.is_ok());
  CHECK(*back == r);
  CHECK_FALSE(back->expires_at.has_value());
  CHECK(back->tags.empty());
  CHECK(back->download == DownloadPolicy::automatic);
  CHECK(back->criticality == "general");
}

TEST_CASE("Records: the release wire format is the documented field map", "[catalog]") {
  // A body written independently of to_body() parses to the same release,
  // and to_body() of the parsed release parses back to it again.
  for (const Release& r : {full_release(), minimal_release()}) {
    auto parsed = Release::from_body(mp_map(release_fields(r)));
    INFO(parsed.status().to_string());
    REQUIRE(parsed.is_ok());
    CHECK(*parsed == r);
  }
  // expires_at may also be absent, and facets may be partial.
  Fields f = release_fields(full_release());
  drop_field(f, "expires_at");
  set_field(f, "facets", mp_map({{"region", mp_str("apac")}}));
  auto parsed = Release::from_body(mp_map(f));
  INFO(parsed.status().to_string());
  REQUIRE(parsed.is_ok());
  CHECK_FALSE(parsed->expires_at.has_value());
  CHECK(parsed->facets == Facets{"", "", "", "apac", ""});
}

TEST_CASE("Records: revocation, timestamp and trust list round-trip through their bodies", "[catalog]") {
  const Revocation rev = sample_revocation();
  auto rev_back = Revocation::from_body(rev.to_body());
  REQUIRE(rev_back.is_ok());
  CHECK(*rev_back == rev);
  CHECK(*Revocation::from_body(mp_map(revocation_fields(rev))) == rev);

  const CatalogTimestamp ts = sample_timestamp();
  auto ts_back = CatalogTimestamp::from_body(ts.to_body());
  REQUIRE(ts_back.is_ok());
  CHECK(*ts_back == ts);
  CHECK(*CatalogTimestamp::from_body(mp_map(timestamp_fields(ts))) == ts);

  SeededRandom random(7);
  const TrustList trust = sample_trust(random);
  auto trust_back = TrustList::from_body(trust.to_body());
  INFO(trust_back.status().to_string());
  REQUIRE(trust_back.is_ok());
  CHECK(*trust_back == trust);
  CHECK(trust_back->publishers.size() == 2);
  CHECK(trust_back->offline_budget.at("forms") == Seconds(3600));
  auto trust_manual = TrustList::from_body(mp_map(trust_fields(trust)));
  REQUIRE(trust_manual.is_ok());
  CHECK(*trust_manual == trust);
}

// ----------------------------------------------------------- from_body refusals

TEST_CASE("Records: a body of another statement type is refused, naming 'type'", "[catalog]") {
  const Bytes revocation = sample_revocation().to_body();
  const Bytes release = full_release().to_body();
  SeededRandom random(1);
  check_corrupt_naming(Release::from_body(revocation), "type");
  check_corrupt_naming(Revocation::from_body(release), "type");
  check_corrupt_naming(CatalogTimestamp::from_body(release), "type");
  check_corrupt_naming(TrustList::from_body(sample_timestamp().to_body()), "type");
  check_corrupt_naming(Release::from_body(sample_trust(random).to_body()), "type");

  Fields f = release_fields(full_release());
  set_field(f, "type", mp_str("Release"));
  check_corrupt_naming(Release::from_body(mp_map(f)), "type");
  set_field(f, "type", mp_uint(1));
  check_corrupt_naming(Release::from_body(mp_map(f)), "type");
}

TEST_CASE("Records: a release missing any required field is refused, naming it", "[catalog]") {
  for (const char* field : {"type", "asset", "version", "title", "description", "kind", "tags", "facets", "criticality",
                            "download", "digest", "size", "valid_from", "grace_s", "note", "published_at"}) {
    Fields f = release_fields(full_release());
    drop_field(f, field);
    check_corrupt_naming(Release::from_body(mp_map(f)), field);
  }
}

TEST_CASE("Records: a release field of the wrong type is refused, naming it", "[catalog]") {
  const Bytes digest31(31, 0xab);
  const std::vector<std::pair<std::string, Bytes>> cases = {
      {"asset", mp_uint(5)},
      {"version", mp_str("7")},
      {"version", mp_int(-7)},
      {"version", mp_bool(true)},
      {"title", mp_uint(1)},
      {"description", mp_nil()},
      {"kind", mp_array({})},
      {"tags", mp_str("pricing")},
      {"tags", mp_array({mp_uint(1)})},
      {"facets", mp_array({})},
      {"criticality", mp_uint(2)},
      {"download", mp_str("sometimes")},
      {"download", mp_bool(false)},
      {"digest", mp_bin(digest31)},
      {"digest", mp_str(std::string(32, 'x'))},
      {"size", mp_str("big")},
      {"size", mp_int(-1)},
      {"valid_from", mp_str("2024-01-01")},
      {"expires_at", mp_str("never")},
      {"grace_s", mp_int(-5)},
      {"note", mp_uint(3)},
      {"published_at", mp_bin(digest31)},
  };
  for (const auto& [field, value] : cases) {
    Fields f = release_fields(full_release());
    set_field(f, field, value);
    check_corrupt_naming(Release::from_body(mp_map(f)), field);
  }
  // A facet that is not a short string names the facet.
  Fields f = release_fields(full_release());
  set_field(f, "facets", mp_map({{"product", mp_uint(9)}}));
  check_corrupt_naming(Release::from_body(mp_map(f)), "facets.product");
  set_field(f, "facets", mp_map({{"region", mp_str(std::string(257, 'r'))}}));
  check_corrupt_naming(Release::from_body(mp_map(f)), "facets.region");
}

TEST_CASE("Records: release values outside the rules are refused, naming the field", "[catalog]") {
  SECTION("version 0") {
    Release r = full_release();
    r.version = 0;
    check_corrupt_naming(Release::from_body(r.to_body()), "version");
  }
  SECTION("asset id with a slash, empty, leading dot or too long") {
    for (const std::string& asset : {std::string("decks/q3"), std::string("../etc"), std::string(""),
                                     std::string(".hidden"), std::string(129, 'a')}) {
      Release r = full_release();
      r.asset = asset;
      check_corrupt_naming(Release::from_body(r.to_body()), "asset");
    }
  }
  SECTION("expires_at equal to or before valid_from") {
    Release r = full_release();
    r.expires_at = r.valid_from;
    check_corrupt_naming(Release::from_body(r.to_body()), "expires_at");
    r.expires_at = r.valid_from - std::chrono::milliseconds(1);
    check_corrupt_naming(Release::from_body(r.to_body()), "expires_at");
    r.expires_at = r.valid_from + std::chrono::milliseconds(1);
    CHECK(Release::from_body(r.to_body()).is_ok());
  }
  SECTION("title too long or empty; 256 bytes is the limit") {
    Release r = full_release();
    r.title = std::string(256, 't');
    CHECK(Release::from_body(r.to_body()).is_ok());
    r.title = std::string(257, 't');
    check_corrupt_naming(Release::from_body(r.to_body()), "title");
    r.title.clear();
    check_corrupt_naming(Release::from_body(r.to_body()), "title");
  }
  SECTION("description and note longer than 4096 bytes") {
    Release r = full_release();
    r.description = std::string(4097, 'd');
    check_corrupt_naming(Release::from_body(r.to_body()), "description");
    r = full_release();
    r.change_note = std::string(4097, 'n');
    check_corrupt_naming(Release::from_body(r.to_body()), "note");
  }
  SECTION("a tag that is too long") {
    Release r = full_release();
    r.tags.push_back(std::string(257, 'g'));
    check_corrupt_naming(Release::from_body(r.to_body()), "tags");
  }
  SECTION("too many tags") {
    Release r = full_release();
    r.tags.assign(257, "t");
    check_corrupt_naming(Release::from_body(r.to_body()), "tags");
  }
}

TEST_CASE("Records: garbage, non-map and truncated bodies are refused as corrupt", "[catalog]") {
  const ByteView text = as_bytes("definitely not msgpack");
  const Bytes garbage(text.begin(), text.end());
  const Bytes random = random_bytes(300, 99);
  const Bytes array = mp_array({mp_str("type"), mp_str("release")});
  const Bytes empty;
  for (const Bytes& body : {garbage, random, array, empty}) {
    check_corrupt(Release::from_body(body));
    check_corrupt(Revocation::from_body(body));
    check_corrupt(CatalogTimestamp::from_body(body));
    check_corrupt(TrustList::from_body(body));
  }
  // Every truncation of a valid body is refused.
  const Bytes release = full_release().to_body();
  for (std::size_t n = 0; n < release.size(); n += 7) {
    INFO("truncated to " << n << " of " << release.size());
    check_corrupt(Release::from_body(ByteView(release).first(n)));
  }
  check_corrupt(Release::from_body(ByteView(release).first(release.size() - 1)));
  // So are trailing bytes after the map.
  Bytes trailing = release;
  trailing.push_back(0x00);
  check_corrupt(Release::from_body(trailing));
  SeededRandom rng(3);
  const Bytes trust = sample_trust(rng).to_body();
  check_corrupt(TrustList::from_body(ByteView(trust).first(trust.size() / 2)));
}

TEST_CASE("Records: revocation and timestamp fields are checked and named", "[catalog]") {
  for (const char* field : {"type", "asset", "version", "reason", "revoked_at"}) {
    Fields f = revocation_fields(sample_revocation());
    drop_field(f, field);
    check_corrupt_naming(Revocation::from_body(mp_map(f)), field);
  }
  Fields rev = revocation_fields(sample_revocation());
  set_field(rev, "asset", mp_str("a/b"));
  check_corrupt_naming(Revocation::from_body(mp_map(rev)), "asset");
  rev = revocation_fields(sample_revocation());
  set_field(rev, "version", mp_str("3"));
  check_corrupt_naming(Revocation::from_body(mp_map(rev)), "version");

  for (const char* field : {"type", "seq", "digest", "issued_at", "expires_at"}) {
    Fields f = timestamp_fields(sample_timestamp());
    drop_field(f, field);
    check_corrupt_naming(CatalogTimestamp::from_body(mp_map(f)), field);
  }
  CatalogTimestamp ts = sample_timestamp();
  ts.expires_at = ts.issued_at;
  check_corrupt_naming(CatalogTimestamp::from_body(ts.to_body()), "expires_at");
  Fields tf = timestamp_fields(sample_timestamp());
  set_field(tf, "seq", mp_int(-1));
  check_corrupt_naming(CatalogTimestamp::from_body(mp_map(tf)), "seq");
  tf = timestamp_fields(sample_timestamp());
  set_field(tf, "digest", mp_bin(Bytes(33, 1)));
  check_corrupt_naming(CatalogTimestamp::from_body(mp_map(tf)), "digest");
}

TEST_CASE("Records: trust list fields are checked and named", "[catalog]") {
  SeededRandom random(11);
  const TrustList trust = sample_trust(random);
  for (const char* field : {"type", "version", "publishers", "hub_key", "offline_budget_s", "issued_at"}) {
    Fields f = trust_fields(trust);
    drop_field(f, field);
    check_corrupt_naming(TrustList::from_body(mp_map(f)), field);
  }
  Fields f = trust_fields(trust);
  set_field(f, "hub_key", mp_bin(Bytes(31, 1)));
  check_corrupt_naming(TrustList::from_body(mp_map(f)), "hub_key");

  f = trust_fields(trust);
  set_field(f, "publishers", mp_array({mp_map({{"name", mp_str("no key")}})}));
  check_corrupt_naming(TrustList::from_body(mp_map(f)), "publishers");
  set_field(f, "publishers", mp_array({mp_map({{"name", mp_str("short key")}, {"key", mp_bin(Bytes(16, 2))}})}));
  check_corrupt_naming(TrustList::from_body(mp_map(f)), "publishers.key");

  f = trust_fields(trust);
  set_field(f, "offline_budget_s", mp_map({{"general", mp_str("90 days")}}));
  check_corrupt_naming(TrustList::from_body(mp_map(f)), "offline_budget_s.general");
}

TEST_CASE("Records: a trust list without a 'general' offline budget is refused", "[catalog]") {
  SeededRandom random(12);
  TrustList t = sample_trust(random);
  t.offline_budget.erase("general");
  check_corrupt_naming(TrustList::from_body(t.to_body()), "offline_budget_s");
  t.offline_budget.clear();
  check_corrupt_naming(TrustList::from_body(t.to_body()), "offline_budget_s");
}

TEST_CASE("Records: budget_for uses the class budget and falls back to 'general'", "[catalog]") {
  SeededRandom random(13);
  TrustList t = sample_trust(random);
  CHECK(t.budget_for("price-sheet") == Seconds(7 * 86400));
  CHECK(t.budget_for("forms") == Seconds(3600));
  CHECK(t.budget_for("general") == Seconds(90 * 86400));
  CHECK(t.budget_for("no-such-class") == Seconds(90 * 86400));
  CHECK(t.budget_for("") == Seconds(90 * 86400));
  t.offline_budget["general"] = Seconds(60);
  CHECK(t.budget_for("unknown") == Seconds(60));

  const auto defaults = default_offline_budget();
  CHECK(defaults.at("price-sheet") == std::chrono::duration_cast<Seconds>(std::chrono::days(7)));
  CHECK(defaults.at("general") == std::chrono::duration_cast<Seconds>(std::chrono::days(90)));

  CHECK(t.find_publisher(t.publishers[1].key) == &t.publishers[1]);
  CHECK(t.find_publisher(t.hub_key) == nullptr);
}

TEST_CASE("Records: a timestamp seq above 2^63-1 (what SQLite keeps) is refused", "[catalog]") {
  constexpr std::uint64_t largest = std::numeric_limits<std::int64_t>::max();
  Fields f = timestamp_fields(sample_timestamp());
  set_field(f, "seq", mp_uint(largest));
  auto ok = CatalogTimestamp::from_body(mp_map(f));
  REQUIRE(ok.is_ok());
  CHECK(ok->seq == largest);
  for (const std::uint64_t seq : {largest + 1, std::numeric_limits<std::uint64_t>::max()}) {
    set_field(f, "seq", mp_uint(seq));
    check_corrupt_naming(CatalogTimestamp::from_body(mp_map(f)), "seq");
  }
}

TEST_CASE("Records: a grace_s too large for signed seconds is refused, not read as a negative grace",
          "[catalog]") {
  // grace_s is unsigned on the wire; 2^64-1 must not become a grace of -1 s
  // (which would supersede older versions before the new one's grace).
  Fields f = release_fields(full_release());
  set_field(f, "grace_s", mp_uint(std::numeric_limits<std::uint64_t>::max()));
  auto r = Release::from_body(mp_map(f));
  INFO("parsed grace: " << (r.is_ok() ? r->grace.count() : 0) << " s");
  CHECK_FALSE(r.is_ok());
  if (!r.is_ok()) CHECK(r.status().code() == Errc::corrupt);
}

// ------------------------------------------------------------ signed statements

TEST_CASE("Statements: the envelope round-trips and exposes the digest of its encoding", "[catalog]") {
  SeededRandom random(20);
  const auto key = crypto::SigningKey::generate(random);
  const SignedStatement s = sign_statement(full_release().to_body(), key);
  CHECK(s.signer == key.public_key());
  CHECK(s.signature_valid());
  auto back = SignedStatement::decode(s.encode());
  INFO(back.status().to_string());
  REQUIRE(back.is_ok());
  CHECK(*back == s);
  CHECK(back->signature_valid());
  CHECK(back->encode() == s.encode());
  CHECK(s.digest() == crypto::blake2b(s.encode()));
  const SignedStatement other = sign_statement(minimal_release().to_body(), key);
  CHECK(other.digest() != s.digest());
}

TEST_CASE("Statements: garbage, truncated and malformed envelopes are refused as corrupt", "[catalog]") {
  SeededRandom random(21);
  const auto key = crypto::SigningKey::generate(random);
  const SignedStatement s = sign_statement(sample_revocation().to_body(), key);
  const Bytes envelope = s.encode();

  check_corrupt(SignedStatement::decode(random_bytes(200, 5)));
  check_corrupt(SignedStatement::decode(Bytes{}));
  check_corrupt(SignedStatement::decode(as_bytes("not an envelope")));
  for (std::size_t n : {std::size_t{1}, envelope.size() / 2, envelope.size() - 1}) {
    INFO("truncated to " << n);
    check_corrupt(SignedStatement::decode(ByteView(envelope).first(n)));
  }
  // Wrong shapes: two elements, a non-binary body, short signer, short signature.
  check_corrupt(SignedStatement::decode(mp_array({mp_bin(s.body), mp_bin(s.signer.bytes)})));
  check_corrupt(SignedStatement::decode(mp_array({mp_str("body"), mp_bin(s.signer.bytes), mp_bin(s.signature.bytes)})));
  check_corrupt(SignedStatement::decode(
      mp_array({mp_bin(s.body), mp_bin(ByteView(s.signer.bytes).first(31)), mp_bin(s.signature.bytes)})));
  check_corrupt(SignedStatement::decode(
      mp_array({mp_bin(s.body), mp_bin(s.signer.bytes), mp_bin(ByteView(s.signature.bytes).first(63))})));
  check_corrupt(SignedStatement::decode(mp_map({{"body", mp_bin(s.body)}})));
  // The hand-built well-formed envelope decodes to the same statement.
  auto manual = SignedStatement::decode(mp_array({mp_bin(s.body), mp_bin(s.signer.bytes), mp_bin(s.signature.bytes)}));
  REQUIRE(manual.is_ok());
  CHECK(*manual == s);
}

TEST_CASE("Statements: the signature is bound to every body byte, the signer and itself", "[catalog]") {
  SeededRandom random(22);
  const auto key = crypto::SigningKey::generate(random);
  const auto other = crypto::SigningKey::generate(random);
  const SignedStatement s = sign_statement(full_release().to_body(), key);
  REQUIRE(s.signature_valid());

  for (std::size_t i : {std::size_t{0}, s.body.size() / 3, s.body.size() / 2, s.body.size() - 1}) {
    SignedStatement t = s;
    t.body = flipped(t.body, i);
    INFO("flipped body byte " << i);
    CHECK_FALSE(t.signature_valid());
  }
  SignedStatement appended = s;
  appended.body.push_back(0);
  CHECK_FALSE(appended.signature_valid());

  SignedStatement resigned_by = s;
  resigned_by.signer = other.public_key();
  CHECK_FALSE(resigned_by.signature_valid());

  SignedStatement bad_sig = s;
  bad_sig.signature.bytes[10] = static_cast<std::uint8_t>(bad_sig.signature.bytes[10] ^ 0x80);
  CHECK_FALSE(bad_sig.signature_valid());

  // Same body signed by another key is valid only for that key.
  const SignedStatement by_other = sign_statement(s.body, other);
  CHECK(by_other.signature_valid());
  SignedStatement mixed = by_other;
  mixed.signer = key.public_key();
  CHECK_FALSE(mixed.signature_valid());
}

TEST_CASE("Statements: a signature over a release cannot be reused for another statement", "[catalog]") {
  SeededRandom random(23);
  const auto key = crypto::SigningKey::generate(random);
  const Release rel = full_release();
  const SignedStatement release = sign_statement(rel.to_body(), key);
  REQUIRE(release.signature_valid());

  // Moved onto a revocation, a timestamp or a retyped copy of the release body.
  Revocation rev{rel.asset, rel.version, "", rel.published_at};
  Fields retyped = release_fields(rel);
  set_field(retyped, "type", mp_str("revocation"));
  for (const Bytes& body : {rev.to_body(), sample_timestamp().to_body(), mp_map(retyped)}) {
    SignedStatement forged{body, release.signer, release.signature};
    CHECK_FALSE(forged.signature_valid());
  }

  // Signing is domain-separated: a raw Ed25519 signature over the body (as
  // another protocol using the same key might make) does not verify.
  SignedStatement raw{rel.to_body(), key.public_key(), key.sign(rel.to_body())};
  CHECK_FALSE(raw.signature_valid());

  // Re-signing the other bodies properly does verify, and each still reads as its own type.
  const SignedStatement rev_signed = sign_statement(rev.to_body(), key);
  CHECK(rev_signed.signature_valid());
  CHECK(rev_signed.signature != release.signature);
  CHECK(*rev_signed.peek_type() == StatementType::revocation);
  CHECK(*release.peek_type() == StatementType::release);
}

TEST_CASE("Statements: peek_type reads the body type without verifying", "[catalog]") {
  SeededRandom random(24);
  const auto key = crypto::SigningKey::generate(random);
  CHECK(*sign_statement(full_release().to_body(), key).peek_type() == StatementType::release);
  CHECK(*sign_statement(sample_revocation().to_body(), key).peek_type() == StatementType::revocation);
  CHECK(*sign_statement(sample_timestamp().to_body(), key).peek_type() == StatementType::timestamp);
  CHECK(*sign_statement(sample_trust(random).to_body(), key).peek_type() == StatementType::trust_list);

  // Unsigned junk still peeks (routing only), and a signer is irrelevant.
  SignedStatement unsigned_release{full_release().to_body(), {}, {}};
  CHECK(*unsigned_release.peek_type() == StatementType::release);
  CHECK_FALSE(unsigned_release.signature_valid());

  Fields no_type = revocation_fields(sample_revocation());
  drop_field(no_type, "type");
  Fields unknown = revocation_fields(sample_revocation());
  set_field(unknown, "type", mp_str("bogus"));
  Fields numeric = revocation_fields(sample_revocation());
  set_field(numeric, "type", mp_uint(1));
  for (const Bytes& body : {mp_map(no_type), mp_map(unknown), mp_map(numeric), random_bytes(50, 1), Bytes{}}) {
    SignedStatement s = sign_statement(body, key);
    check_corrupt(s.peek_type());
  }
  auto bogus = sign_statement(mp_map(unknown), key).peek_type();
  REQUIRE_FALSE(bogus.is_ok());
  CHECK_THAT(bogus.status().message(), Contains("bogus"));

  for (auto t : {StatementType::release, StatementType::revocation, StatementType::timestamp, StatementType::trust_list}) {
    CHECK(type_from_name(type_name(t)) == t);
  }
  CHECK(type_name(StatementType::trust_list) == "trust-list");
  CHECK_FALSE(type_from_name("trust_list").has_value());
}

TEST_CASE("Statements: chain_digest depends on the previous digest and on order", "[catalog]") {
  const crypto::Digest zero{};
  const crypto::Digest a = crypto::blake2b(as_bytes("statement a"));
  const crypto::Digest b = crypto::blake2b(as_bytes("statement b"));
  const crypto::Digest ab = chain_digest(chain_digest(zero, a), b);
  const crypto::Digest ba = chain_digest(chain_digest(zero, b), a);
  CHECK(ab != ba);
  CHECK(ab == chain_digest(chain_digest(zero, a), b));  // deterministic
  CHECK(chain_digest(zero, a) != a);
  CHECK(chain_digest(zero, a) != chain_digest(a, a));
  // d(n) = BLAKE2b-256(d(n-1) || statement digest).
  Bytes joined(zero.bytes.begin(), zero.bytes.end());
  joined.insert(joined.end(), a.bytes.begin(), a.bytes.end());
  CHECK(chain_digest(zero, a) == crypto::blake2b(joined));
}

TEST_CASE("Records: a trust list's optional hub lead key round-trips, and so does its absence", "[catalog][leads]") {
  SeededRandom random(21);
  TrustList trust = sample_trust(random);
  REQUIRE_FALSE(trust.lead_key.has_value());
  auto without = TrustList::from_body(trust.to_body());
  INFO(without.status().to_string());
  REQUIRE(without.is_ok());
  CHECK_FALSE(without->lead_key.has_value());
  CHECK(*without == trust);

  trust.lead_key = crypto::BoxKeyPair::generate(random).public_key();
  auto with = TrustList::from_body(trust.to_body());
  INFO(with.status().to_string());
  REQUIRE(with.is_ok());
  REQUIRE(with->lead_key.has_value());
  CHECK(with->lead_key->bytes == trust.lead_key->bytes);
  CHECK(*with == trust);
  CHECK(trust.to_body() != without->to_body());

  // On the wire: "lead_key", 32 bytes.
  Fields f = trust_fields(trust);
  set_field(f, "lead_key", mp_bin(trust.lead_key->bytes));
  auto manual = TrustList::from_body(mp_map(f));
  REQUIRE(manual.is_ok());
  CHECK(*manual == trust);
  set_field(f, "lead_key", mp_bin(Bytes(31, 1)));
  check_corrupt_naming(TrustList::from_body(mp_map(f)), "lead_key");
  set_field(f, "lead_key", mp_str("not a key"));
  check_corrupt_naming(TrustList::from_body(mp_map(f)), "lead_key");

  // The root's signature covers the lead key: swapping it breaks the signature.
  const crypto::SigningKey root = crypto::SigningKey::generate(random);
  const SignedStatement signed_trust = sign_statement(trust.to_body(), root);
  CHECK(signed_trust.signature_valid());
  TrustList swapped = trust;
  swapped.lead_key = crypto::BoxKeyPair::generate(random).public_key();
  SignedStatement forged = signed_trust;
  forged.body = swapped.to_body();
  CHECK_FALSE(forged.signature_valid());
}
