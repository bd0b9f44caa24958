// Writes the seed corpus of every harness (tests/fuzz/corpus/NAME/) with the
// real encoders and the fuzz world's keys, so the seeds are inputs the
// decoders accept and the fuzzers start deep. Run by the fuzz-seeds
// target; the output is committed. Sealed boxes draw libsodium's own
// randomness, so a run rewrites those files with other (equally valid) bytes.
//   outpost_fuzz_seeds DIR
#include <cstdio>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "outpost/cache/content_digest.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/journal/event_row.hpp"
#include "outpost/journal/journal.hpp"
#include "outpost/journal/journal_export.hpp"
#include "outpost/sync/bundle_format.hpp"
#include "outpost/sync/enroll_token.hpp"
#include "outpost/sync/hub_address.hpp"
#include "outpost/sync/messages.hpp"
#include "support/fuzz.hpp"
#include "support/world_catalog.hpp"

using namespace outpost;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace msg = outpost::sync::msg;
using nlohmann::json;

namespace {

fs::path out_dir;
std::size_t written = 0;

void seed(const std::string& harness, const std::string& name, const Bytes& bytes) {
  const fs::path dir = out_dir / harness;
  fs::create_directories(dir);
  fuzz::write_file(dir / name, bytes);
  ++written;
}
void seed(const std::string& harness, const std::string& name, std::string_view text) {
  seed(harness, name, fuzz::bytes_of(text));
}
Bytes with_mode(std::uint8_t mode, const Bytes& rest) {
  Bytes out{mode};
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

const fuzz::Content& content(const std::string& asset) {
  for (const fuzz::Content& c : fuzz::world_contents()) {
    if (c.asset == asset) return c;
  }
  std::abort();
}

std::vector<cache::RecipeEntry> recipe_of(const Bytes& bytes) { return cache::make_recipe(bytes).entries; }

// A few events of every kind a device journals, as the journal stores them.
std::vector<journal::StoredEvent> journal_events(const fs::path& dir, journal::Journal** keep = nullptr) {
  static fuzz::FixedRandom random(5);
  static const ManualClock clock(fuzz::world().now);
  static const crypto::SecretKey key = crypto::SecretKey::random(random, 32);
  journal::JournalOptions options;
  options.background_flush = false;
  static std::unique_ptr<journal::Journal> j = journal::Journal::open(dir / "journal.db", key, clock, random, options).value();
  if (j->stats().head_seq == 0) {
    journal::LeadRecord lead{"form", 1, "expo-2027", crypto::blake2b(fuzz::bytes_of("ada@example.com")), 30, "2027-01",
                             crypto::seal(fuzz::world().lead.public_key(), fuzz::bytes_of("sealed lead"))};
    for (const Result<journal::Event>& e :
         {journal::asset_opened("deck", 1), journal::asset_blocked("deck", 2, "expired"),
          journal::presentation_started("p-1", "deck", 1), journal::page_viewed("p-1", 2, 1500),
          journal::presentation_ended("p-1", 60000, 3), journal::asset_shared("deck", 1, "email"),
          journal::asset_feedback({"deck", 1, 4, "clear", false}), journal::content_request("a price sheet", "deck"),
          journal::search_performed("deck", 1, "deck"), journal::lead_captured(lead), journal::lead_repeat_visit(lead),
          journal::lead_followed_up("lead-1", "called", "left a message", fuzz::world().lead.public_key()),
          journal::consent_withdrawn("expo-2027", lead.dedupe_key, lead.sealed),
          journal::sync_completed({3, 10, 2, 4096, 1200})}) {
      j->append(e.value()).value();
    }
    if (const Status s = j->flush(); !s) std::abort();
  }
  if (keep != nullptr) *keep = j.get();
  return j->read_after(0, 100).value();
}

void messages(const fs::path& tmp) {
  const auto id = [](std::uint8_t b) { return crypto::blake2b(Bytes{b}); };
  const Bytes deck = content("deck").bytes;
  const auto recipe = recipe_of(deck);
  std::vector<cache::RecipeEntry> longer = recipe;
  longer.push_back({id(9), 0, 100});
  longer.back().offset = recipe.back().offset + recipe.back().size;
  const auto events = journal_events(tmp);
  const std::vector<journal::StoredEvent> push(events.begin(), events.begin() + 4);
  const Bytes journal_id(16, 0x42);

  std::map<std::string, sync::Envelope> all;
  const auto add = [&](const std::string& name, sync::Envelope e) { all.emplace(name, std::move(e)); };
  add("enroll", msg::Enroll{{}, {}}.to_envelope(1));
  add("enroll-ok", msg::EnrollOk{"kiosk-1", "kiosk", "tcp://127.0.0.1:7400", "tcp://127.0.0.1:7402"}.to_envelope(1));
  add("hello", msg::Hello{journal_id, 3, 10, std::array<std::uint8_t, 32>{}}.to_envelope(2));
  add("hello-kiosk", msg::Hello{journal_id, 0, 0}.to_envelope(2));
  add("hello-ok", msg::HelloOk{to_unix_ms(fuzz::world().now), 3, 9, false}.to_envelope(2));
  add("catalog-get", msg::CatalogGet{2}.to_envelope(3));
  add("catalog-delta", msg::CatalogDeltaMsg{fuzz::world_delta().encode()}.to_envelope(3));
  add("recipe-get", msg::RecipeGet{{"deck", 2}, 1}.to_envelope(4));
  add("recipe", msg::RecipeMsg{{"deck", 1}, recipe, std::nullopt, {}}.to_envelope(4));
  add("recipe-delta", msg::RecipeMsg{{"deck", 2}, {}, 1, msg::diff_recipe(recipe, longer)}.to_envelope(4));
  add("chunk-get", msg::ChunkGet{{recipe[0].id, id(1)}}.to_envelope(5));
  add("chunk-data", msg::ChunkData{{recipe[0].id}, {id(1)}, {deck}}.to_envelope(5));
  add("journal-push", msg::JournalPush{journal_id, push}.to_envelope(6));
  add("journal-ack", msg::JournalAck{4}.to_envelope(6));
  add("leads-get", msg::LeadsGet{0}.to_envelope(7));
  leads::LeadDelivery assign{1, "lead-1", "assign", crypto::seal(fuzz::world().device_lead.public_key(), fuzz::bytes_of(R"({"lead":"lead-1"})"))};
  leads::LeadDelivery withdraw{2, "lead-0", "withdraw", std::nullopt};
  add("leads-batch", msg::LeadsBatch{{assign, withdraw}, true}.to_envelope(7));
  add("session-done", msg::SessionDone{3, std::vector<cache::VersionRef>{{"deck", 1}, {"form", 1}}}.to_envelope(8));
  add("session-done-old", msg::SessionDone{3, std::nullopt}.to_envelope(8));
  add("publish-have", msg::PublishHave{{recipe[0].id, id(2)}}.to_envelope(9));
  add("publish-missing", msg::PublishMissing{{id(2)}}.to_envelope(9));
  add("publish-chunks", msg::PublishChunks{{recipe[0].id}, {deck}}.to_envelope(10));
  add("publish-stored", msg::PublishStored{1}.to_envelope(10));
  const auto release = catalog::sign_statement(fuzz::release_of(content("deck")).to_body(), fuzz::world().publisher);
  add("publish-statement", msg::PublishStatement{release.encode(), recipe}.to_envelope(11));
  add("publish-ok", msg::PublishOk{4}.to_envelope(11));
  add("error", msg::ErrorMsg{Errc::integrity, "event 5 does not chain", 5}.to_envelope(12));
  for (const auto& [name, e] : all) {
    const Bytes frames = fuzz::join(sync::encode(e));
    seed("envelope", name, frames);
    seed("messages", name, frames);
  }
  seed("messages", "notice-catalog", fuzz::join(msg::catalog_notice(7)));
  seed("messages", "notice-leads", fuzz::join(msg::lead_notice(msg::lead_notice_topic(fuzz::world().lead.public_key()), 3)));
  seed("envelope", "empty-body", fuzz::join(sync::encode(sync::Envelope{"ping", 1, json::object(), {}})));

  seed("recipe", "whole", msg::pack_recipe(longer));
  seed("recipe", "base-delta", fuzz::join({msg::pack_recipe(recipe), msg::diff_recipe(recipe, longer)}));
  seed("recipe", "base-delta-target", fuzz::join({msg::pack_recipe(longer), msg::diff_recipe(longer, recipe), msg::pack_recipe(recipe)}));
  std::vector<cache::RecipeEntry> many;
  for (std::uint8_t i = 0; i < 12; ++i) many.push_back({id(i % 5), 0, 1000u + i});
  std::vector<cache::RecipeEntry> edited(many.begin() + 2, many.end());
  edited.insert(edited.begin() + 4, {id(77), 0, 5});
  seed("recipe", "repeats", fuzz::join({msg::pack_recipe(many), msg::diff_recipe(many, edited), msg::pack_recipe(edited)}));
}

void catalog_seeds() {
  catalog::CatalogAuthority authority = fuzz::world_authority();
  seed("catalog_delta", "world", authority.delta(0, fuzz::world().hub, fuzz::world().now, 24h).value().encode());
  seed("catalog_delta", "without-trust", authority.delta(0, fuzz::world().hub, fuzz::world().now, 24h, false).value().encode());
  catalog::Revocation revocation{"deck", 1, "wrong prices", fuzz::world().now};
  authority.submit(catalog::sign_statement(revocation.to_body(), fuzz::world().publisher)).value();
  seed("catalog_delta", "revoked", authority.delta(0, fuzz::world().hub, fuzz::world().now, 24h).value().encode());
  seed("catalog_delta", "from-2", authority.delta(2, fuzz::world().hub, fuzz::world().now, 24h).value().encode());

  const fuzz::Content& deck = content("deck");
  const catalog::Release release = fuzz::release_of(deck);
  const auto signed_release = catalog::sign_statement(release.to_body(), fuzz::world().publisher);
  catalog::Release v2 = release;
  v2.version = 2;
  v2.tags = {"q3", "pricing"};
  v2.facets.region = "EMEA";
  v2.expires_at = fuzz::world().now + 24h * 90;
  v2.grace = 7 * 24h;
  v2.change_note = "new prices";
  v2.download = catalog::DownloadPolicy::on_demand;
  v2.search_text = "deck of prices";
  seed("statement", "release-deck-1", fuzz::join({with_mode(0, signed_release.encode()), msg::pack_recipe(recipe_of(deck.bytes))}));
  seed("statement", "body-release-deck-2", fuzz::join({with_mode(1, v2.to_body()), msg::pack_recipe(recipe_of(deck.bytes))}));
  seed("statement", "body-revocation", with_mode(1, revocation.to_body()));
  seed("statement", "revocation", with_mode(0, catalog::sign_statement(revocation.to_body(), fuzz::world().publisher).encode()));
  catalog::TrustList trust = catalog::TrustList::from_body(fuzz::world_trust_list().body).value();
  trust.version = 2;
  trust.retired = {{"old", fuzz::world().hub.public_key(), 1}};
  seed("statement", "body-trust-list-2", with_mode(3, trust.to_body()));
  catalog::CatalogTimestamp ts{3, {}, fuzz::world().now, fuzz::world().now + 24h};
  seed("statement", "body-timestamp", with_mode(5, ts.to_body()));
}

void bundle_seed() {
  json versions = json::array();
  Bytes chunks;
  for (const fuzz::Content& c : fuzz::world_contents()) {
    const auto recipe = recipe_of(c.bytes);
    versions.push_back({{"asset", c.asset}, {"version", c.version}, {"recipe", json::binary(msg::pack_recipe(recipe))}});
    for (const cache::RecipeEntry& e : recipe) {
      chunks.insert(chunks.end(), e.id.bytes.begin(), e.id.bytes.end());
      append_be32(chunks, e.size);
      chunks.insert(chunks.end(), c.bytes.begin() + static_cast<long>(e.offset), c.bytes.begin() + static_cast<long>(e.offset + e.size));
    }
  }
  const Bytes header = json::to_msgpack(json{{"delta", json::binary(fuzz::world_delta().encode())}, {"versions", versions}});
  Bytes file(std::begin(sync::bundle_magic), std::end(sync::bundle_magic));
  append_be32(file, static_cast<std::uint32_t>(header.size()));
  file.insert(file.end(), header.begin(), header.end());
  seed("bundle", "catalog-only", file);
  file.insert(file.end(), chunks.begin(), chunks.end());
  seed("bundle", "world", file);
}

void journal_seeds(const fs::path& tmp) {
  journal::Journal* j = nullptr;
  const auto events = journal_events(tmp, &j);
  for (const journal::StoredEvent& e : events) seed("journal_row", "row-" + std::to_string(e.seq), json::to_msgpack(journal::to_row(e)));
  fuzz::FixedRandom random(6);
  const fs::path file = tmp / "export.opjx";
  journal::export_undelivered(*j, fuzz::world().lead.public_key(), file, fuzz::world().now, random).value();
  seed("journal_export", "export", with_mode(0, fuzz::read_file(file)));
  json rows = json::array();
  for (const journal::StoredEvent& e : events) rows.push_back(journal::to_row(e));
  const Bytes zero(32, 0);
  const std::vector<Bytes> plain{
      json::to_msgpack(json{{"journal_id", json::binary(Bytes(16, 7))}, {"anchor_seq", 0}, {"anchor_hash", json::binary(zero)},
                            {"anchor_time", 0}, {"exported_at", to_unix_ms(fuzz::world().now)}}),
      json::to_msgpack(json{{"events", rows}}), json::to_msgpack(json{{"count", rows.size()}})};
  seed("journal_export", "plain-messages", with_mode(1, fuzz::join(plain)));
}

void token_seeds() {
  sync::EnrollToken t;
  t.device = "kiosk-1";
  t.role = "kiosk";
  t.endpoint = "tcp://hub.example.com:7401";
  t.hub_curve_key.fill(3);
  t.root_key = fuzz::world().root.public_key();
  t.secret.fill(9);
  t.expires_at = fuzz::world().now + 72h;
  const std::string token = t.encode();
  seed("enroll_token", "token", with_mode(0, fuzz::bytes_of(token + "\n")));
  seed("enroll_token", "hub-address", with_mode(0, fuzz::bytes_of(sync::format_hub_address({"hub.example.com", 7400}, t.hub_curve_key))));
  const Bytes body = json::to_msgpack(json{{"device", "rep-7"}, {"role", "rep"}, {"endpoint", "tcp://10.0.0.2:7401"},
                                           {"hub_curve_key", json::binary(Bytes(32, 1))},
                                           {"root_key", json::binary(Bytes(t.root_key.bytes.begin(), t.root_key.bytes.end()))},
                                           {"secret", json::binary(Bytes(32, 2))}, {"expires_at", to_unix_ms(fuzz::world().now)}});
  seed("enroll_token", "token-contents", with_mode(1, body));
}

void lead_seeds() {
  const std::string form = fuzz::world_form_json();
  seed("lead_form", "world", form);
  seed("lead_form", "minimal", R"({"fields":[{"name":"email","type":"email","required":true}],"consent":{"text":"OK","version":"1"}})");
  const std::string request = R"({"fields": {"email": " Ada@Example.COM ", "name": "Ada Lovelace", "phone": "+44 (20) 7946-0000",
    "size": "51-500", "seats": 12, "newsletter": "yes"}, "answers": {"timeline": "now"}, "consent": true})";
  seed("lead_capture", "request", request);
  seed("lead_capture", "badge", R"({"badge": " a-100 ", "consent": true, "show": "expo-2027"})");
  seed("lead_capture", "form-request", fuzz::join({fuzz::bytes_of(form), fuzz::bytes_of(request)}));
  seed("lead_capture", "unknown-field", R"({"fields": {"email": "x@y.z", "fax": "1"}, "show": "s"})");

  const Bytes& list = content("attendees").bytes;
  seed("attendees", "world", list);
  seed("attendees", "lookups", fuzz::join({list, fuzz::bytes_of("A-100"), fuzz::bytes_of("nobody"), fuzz::bytes_of("")}));

  seed("assigned_lead", "assignment", R"({"lead": "lead-1", "assigned_at": "2040-01-15T12:00:00Z", "due_at": "2040-01-17T12:00:00Z",
    "score": 35, "fields": {"email": "ada@example.com", "name": "Ada"},
    "visits": [{"show": "expo-2027", "kiosk": "kiosk-1", "captured_at": "2040-01-15T11:00:00Z", "answers": {"timeline": "now"}}],
    "consent": {"version": "2027-01", "accepted_at": "2040-01-15T11:00:00Z"}})");
  seed("assigned_lead", "bare", R"({"lead": "l", "assigned_at": "", "due_at": "", "score": 0, "fields": {}, "visits": [], "consent": {}})");
}

void http_seeds() {
  seed("http_util", "query", "q=deck+q3&facet.region=EMEA&x=%41%2f%E2%82%AC");
  seed("http_util", "range", "bytes=0-99");
  seed("http_util", "suffix-range", "bytes=-500");
  seed("http_util", "cookie", fuzz::join({fuzz::bytes_of("a=1; outpost_dashboard=abc; b=2"), fuzz::bytes_of("outpost_dashboard")}));
  seed("http_util", "html", "<b class=\"x\">caf\xc3\xa9 & 'tea'</b>\xff");
  seed("http_util", "host", "127.0.0.1:8080");

  const std::string csrf(64, 'C');
  const auto get = [](const std::string& target, const std::string& extra = "") {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n" + extra + "\r\n";
  };
  const auto post = [](const std::string& target, const std::string& type, const std::string& body,
                       const std::string& extra = "") {
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
  };
  const std::string form = "application/x-www-form-urlencoded";
  const std::string json_type = "application/json";
  const std::string header = "X-CSRF-Token: " + csrf + "\r\n";
  const std::string presentation = "9f005af7afba93443f6db79898416144";
  const std::map<std::string, std::string> device{
      {"presenter", get("/")},
      {"kiosk", get("/kiosk")},
      {"kiosk-submit", post("/kiosk", form, "csrf=" + csrf + "&f.email=ada%40example.com&f.name=Ada&f.seats=3&f.newsletter=on&q.timeline=now&consent=yes")},
      {"kiosk-invalid", post("/kiosk", form, "csrf=" + csrf + "&f.email=nope&f.phone=abc&f.size=huge&q.timeline=never")},
      {"kiosk-badge", post("/kiosk/badge", form, "csrf=" + csrf + "&badge=A-100&badge-consent=1")},
      {"staff", get("/kiosk/staff")},
      {"staff-pin", post("/kiosk/staff", form, "csrf=" + csrf + "&pin=2468")},
      {"search", get("/api/search?q=deck&kind=pdf")},
      {"search-choice", post("/api/search/choice", json_type, R"({"query":"deck","facets":{"region":"EMEA"},"result_count":1,"asset":"deck"})", header)},
      {"asset", get("/api/assets/deck")},
      {"asset-version", get("/api/assets/form%401")},
      {"content", get("/content/deck")},
      {"content-range", get("/content/deck", "Range: bytes=5-20\r\n")},
      {"content-suffix", get("/content/attendees", "Range: bytes=-10\r\n")},
      {"feedback", post("/api/feedback", json_type, R"({"asset":"deck","version":1,"rating":5,"comment":"great","needs_update":false})", header)},
      {"request", post("/api/request", json_type, R"({"text":"a price sheet for EMEA","asset":"deck"})", header)},
      {"pin", post("/api/pin", json_type, R"({"asset":"deck","pinned":true})", header)},
      // The id is the one the app's FixedRandom(11) draws after its CSRF token.
      {"presentation", post("/api/presentations", json_type, R"({"asset":"deck","version":1})", header) +
                           post("/api/presentations/" + presentation + "/page", json_type, R"({"page":2})", header) +
                           post("/api/presentations/" + presentation + "/end", json_type, "{}", header)},
      {"leads", get("/api/leads") + get("/api/leads/lead-1")},
      {"follow-up", post("/api/leads/lead-1/followup", json_type, R"({"outcome":"called","note":"left a message"})", header)},
      {"static", get("/static/kiosk.js") + get("/static/outpost.css") + get("/favicon.ico") + get("/kiosk/thanks")},
      {"head", "HEAD /kiosk HTTP/1.1\r\nHost: localhost:8080\r\n\r\n"},
      {"pipelined", get("/api/search?q=") + get("/nowhere") + "DELETE / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"},
      {"chunked", "POST /api/feedback HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nTransfer-Encoding: chunked\r\nX-CSRF-Token: " +
                      csrf + "\r\nContent-Type: application/json\r\n\r\n5\r\n{\"a\":\r\n3\r\n1}\n\r\n0\r\n\r\n"},
      {"wrong-host", "GET / HTTP/1.1\r\nHost: evil.example:80\r\n\r\n"},
      {"http10", "GET /kiosk HTTP/1.0\r\n\r\n"},
  };
  for (const auto& [name, text] : device) seed("http_device", name, text);

  const std::string token(64, 'T'), session = "Cookie: outpost_dashboard=" + std::string(64, 'S') + "\r\n";
  const std::map<std::string, std::string> dashboard{
      {"login-page", get("/login")},
      {"login", post("/login", form, "csrf=" + std::string(64, 'L') + "&token=" + token)},
      {"login-wrong", post("/login", form, "csrf=" + std::string(64, 'L') + "&token=nope")},
      {"dashboard", get("/", session)},
      {"dashboard-days", get("/?days=7", session)},
      {"dashboard-window", get("/?since=2040-01-01&until=2040-01-15T12:00:00Z", session)},
      {"reports", get("/reports/usage.csv?days=30", session) + get("/reports/usage-by-day.csv", session) +
                      get("/reports/unused.csv", session) + get("/reports/adoption.csv", session) +
                      get("/reports/blocked.csv", session) + get("/reports/searches.csv", session) +
                      get("/reports/feedback.csv", session) + get("/reports/leads.csv?since=2039-12-01", session) +
                      get("/reports/leads-sla.csv", session)},
      {"logout", post("/logout", form, "csrf=" + std::string(64, 'C'), session)},
      {"logout-header", post("/logout", form, "", session + "X-CSRF-Token: " + std::string(64, 'C') + "\r\n")},
      {"css", get("/static/dashboard.css")},
      {"no-session", get("/") + get("/reports/usage.csv")},
  };
  for (const auto& [name, text] : dashboard) seed("http_dashboard", name, text);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  out_dir = argv[1];
  const fs::path tmp = fuzz::scratch();
  messages(tmp);
  catalog_seeds();
  bundle_seed();
  journal_seeds(tmp);
  token_seeds();
  lead_seeds();
  http_seeds();
  std::printf("wrote %zu seeds under %s\n", written, out_dir.c_str());
  return 0;
}
