// The rep device's store of assigned leads: sealed at rest, applied batch by
// batch with the cursor in the same transaction, withdrawals shredded, and
// assignments sealed to another key kept out.
#include "outpost/leads/assigned_leads.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "outpost/device/home.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using Catch::Matchers::Contains;

namespace {

std::string doc(const std::string& lead, const std::string& due = "2027-03-03T09:00:00Z",
                const std::string& email = "ana@example.com") {
  return nlohmann::json{{"lead", lead},
                        {"assigned_at", "2027-03-01T09:00:00Z"},
                        {"due_at", due},
                        {"score", 13},
                        {"fields", {{"email", email}, {"name", "Ana Lima"}}},
                        {"visits",
                         {{{"show", "rsa-2027"},
                           {"kiosk", "kiosk-1"},
                           {"captured_at", "2027-02-28T15:04:05Z"},
                           {"answers", {{"interest", "cloud"}}}}}},
                        {"consent", {{"version", "2027-01"}, {"accepted_at", "2027-02-28T15:04:05Z"}}}}
      .dump();
}

leads::LeadDelivery assign(std::uint64_t seq, const std::string& lead, const crypto::BoxPublicKey& to,
                           const std::string& due = "2027-03-03T09:00:00Z") {
  return {seq, lead, "assign", crypto::seal(to, as_bytes(doc(lead, due)))};
}

leads::LeadDelivery withdraw(std::uint64_t seq, const std::string& lead) { return {seq, lead, "withdraw", {}}; }

bool file_contains(const fs::path& p, ByteView needle) {
  if (!fs::exists(p)) return false;
  const Bytes hay = read_file(p);
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

struct Store {
  TempDir dir;
  SeededRandom random{5};
  ManualClock clock{from_unix_ms(1'803'000'000'000)};  // 2027-02-18
  crypto::BoxKeyPair key = crypto::BoxKeyPair::generate(random);
  crypto::BoxPublicKey box = key.public_key();
  std::unique_ptr<leads::AssignedLeads> leads = open();

  std::unique_ptr<leads::AssignedLeads> open() {
    auto r = leads::AssignedLeads::open(dir / "leads.db", crypto::BoxKeyPair::from_secret(key.secret_key().view()),
                                        clock);
    REQUIRE(r.is_ok());
    return std::move(r).value();
  }
};

}  // namespace

TEST_CASE("AssignedLeads: assignments are applied in order, opened on read, and the cursor moves with them",
          "[leads][assigned]") {
  Store s;
  CHECK(s.leads->cursor() == 0);
  CHECK(s.leads->lead_box() == s.box);
  auto r = s.leads->apply({assign(1, "L-A", s.box), assign(2, "L-B", s.box, "2027-03-02T09:00:00Z")});
  REQUIRE(r.is_ok());
  CHECK(r->assigned == 2);
  CHECK(r->cursor == 2);
  CHECK(s.leads->cursor() == 2);

  auto list = s.leads->list();
  REQUIRE(list.is_ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].assignment.lead == "L-B");  // soonest due first
  const leads::Assignment& a = (*list)[1].assignment;
  CHECK(a.lead == "L-A");
  CHECK(a.score == 13);
  CHECK(a.fields.at("email") == "ana@example.com");
  REQUIRE(a.visits.size() == 1);
  CHECK(a.visits[0].show == "rsa-2027");
  CHECK(a.visits[0].answers.at("interest") == "cloud");
  CHECK(a.consent_version == "2027-01");
  REQUIRE(a.due_at);
  CHECK(to_unix_ms(*a.due_at) == 1'804'064'400'000);  // 2027-03-03T09:00:00Z

  // The PII is not in the file in the clear.
  CHECK_FALSE(file_contains(s.dir / "leads.db", as_bytes("ana@example.com")));
  CHECK_FALSE(file_contains(s.dir / "leads.db-wal", as_bytes("ana@example.com")));

  // Reopened: everything is still there.
  s.leads.reset();
  s.leads = s.open();
  CHECK(s.leads->cursor() == 2);
  CHECK(s.leads->count() == 2);
  CHECK(s.leads->get("L-A")->assignment.fields.at("name") == "Ana Lima");
  auto missing = s.leads->get("L-Z");
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.status().code() == Errc::not_found);
}

TEST_CASE("AssignedLeads: a batch received twice changes nothing, and a gap is refused with nothing applied",
          "[leads][assigned]") {
  Store s;
  const std::vector<leads::LeadDelivery> batch{assign(1, "L-A", s.box), assign(2, "L-B", s.box)};
  REQUIRE(s.leads->apply(batch).is_ok());
  auto again = s.leads->apply(batch);
  REQUIRE(again.is_ok());
  CHECK(again->assigned == 0);
  CHECK(s.leads->count() == 2);

  auto gap = s.leads->apply({assign(4, "L-D", s.box)});
  REQUIRE_FALSE(gap.is_ok());
  CHECK(gap.status().code() == Errc::integrity);
  CHECK_THAT(gap.status().message(), Contains("expected seq 3"));
  CHECK(s.leads->cursor() == 2);
  CHECK_FALSE(s.leads->holds("L-D"));

  // The second half of a batch the device saw the first half of.
  auto overlap = s.leads->apply({assign(2, "L-B", s.box), assign(3, "L-C", s.box)});
  REQUIRE(overlap.is_ok());
  CHECK(overlap->assigned == 1);
  CHECK(s.leads->cursor() == 3);
}

TEST_CASE("AssignedLeads: a withdrawal deletes the lead and leaves no copy of its sealed blob", "[leads][assigned]") {
  Store s;
  const leads::LeadDelivery a = assign(1, "L-A", s.box);
  REQUIRE(s.leads->apply({a, assign(2, "L-B", s.box)}).is_ok());
  REQUIRE(s.leads->mark_followed_up("L-B", "called", s.clock.now()).is_ok());
  // A fresh assignment of a held lead replaces it and keeps the local follow-up.
  REQUIRE(s.leads->apply({assign(3, "L-B", s.box)}).is_ok());
  auto b = s.leads->get("L-B");
  REQUIRE(b.is_ok());
  REQUIRE(b->follow_up);
  CHECK(b->follow_up->outcome == "called");

  auto r = s.leads->apply({withdraw(4, "L-A"), withdraw(5, "L-unknown")});
  REQUIRE(r.is_ok());
  CHECK(r->withdrawn == 2);
  CHECK_FALSE(s.leads->holds("L-A"));
  CHECK(s.leads->holds("L-B"));
  CHECK(s.leads->cursor() == 5);
  // secure_delete and a truncated WAL: the blob's bytes are gone from disk.
  const ByteView tail = ByteView(*a.sealed).subspan(a.sealed->size() - 40);
  CHECK_FALSE(file_contains(s.dir / "leads.db", tail));
  CHECK_FALSE(file_contains(s.dir / "leads.db-wal", tail));
}

TEST_CASE("AssignedLeads: an assignment sealed to another key or malformed is kept out, never fatal",
          "[leads][assigned]") {
  Store s;
  SeededRandom other_random{6};
  const crypto::BoxKeyPair other = crypto::BoxKeyPair::generate(other_random);
  const leads::LeadDelivery foreign = assign(1, "L-X", other.public_key());
  const leads::LeadDelivery garbage{2, "L-Y", "assign", crypto::seal(s.box, as_bytes("not json"))};
  const leads::LeadDelivery wrong_id{3, "L-Z", "assign", crypto::seal(s.box, as_bytes(doc("L-other")))};
  auto r = s.leads->apply({foreign, garbage, wrong_id, assign(4, "L-A", s.box)});
  REQUIRE(r.is_ok());
  CHECK(r->unreadable == 3);
  CHECK(r->unreadable_seqs == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(r->assigned == 1);
  CHECK(s.leads->cursor() == 4);
  CHECK(s.leads->count() == 1);
}

TEST_CASE("AssignedLeads: follow-up state, outcomes and overdue", "[leads][assigned]") {
  Store s;
  REQUIRE(s.leads->apply({assign(1, "L-A", s.box, "2027-03-03T09:00:00Z")}).is_ok());
  auto l = s.leads->get("L-A");
  REQUIRE(l.is_ok());
  CHECK_FALSE(l->overdue(from_unix_ms(1'804'064'400'000 - 1)));
  CHECK(l->overdue(from_unix_ms(1'804'064'400'000 + 1)));
  CHECK(leads::valid_outcome("no-answer"));
  CHECK_FALSE(leads::valid_outcome("no-interest"));
  auto bad = s.leads->mark_followed_up("L-A", "maybe", s.clock.now());
  CHECK(bad.code() == Errc::invalid_argument);
  CHECK(s.leads->mark_followed_up("L-Q", "called", s.clock.now()).code() == Errc::not_found);
  REQUIRE(s.leads->mark_followed_up("L-A", "meeting", s.clock.now()).is_ok());
  l = s.leads->get("L-A");
  REQUIRE(l->follow_up);
  CHECK_FALSE(l->overdue(from_unix_ms(1'804'064'400'000 + 1)));
  REQUIRE(s.leads->remove("L-A").is_ok());
  CHECK(s.leads->remove("L-A").code() == Errc::not_found);
}

TEST_CASE("Assignment: a malformed document is refused naming the field", "[leads][assigned]") {
  auto refused = [](const std::string& text) {
    auto r = leads::Assignment::parse(as_bytes(text));
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().code() == Errc::invalid_argument);
    return r.status().message();
  };
  CHECK_THAT(refused("[]"), Contains("not a JSON object"));
  CHECK_THAT(refused(R"({"score": 1})"), Contains("lead is missing"));
  CHECK_THAT(refused(R"({"lead": "L-A", "due_at": "tomorrow"})"), Contains("due_at is not an ISO 8601"));
  CHECK_THAT(refused(R"({"lead": "L-A", "score": -1})"), Contains("score"));
  CHECK_THAT(refused(R"({"lead": "L-A", "fields": {"email": 7}})"), Contains("fields.email"));
  CHECK_THAT(refused(R"({"lead": "L-A", "visits": [1]})"), Contains("visits"));
  auto ok = leads::Assignment::parse(as_bytes(R"({"lead": "L-A", "assigned_at": "", "due_at": "2027-03-03T09:00:00.250Z"})"));
  REQUIRE(ok.is_ok());
  CHECK_FALSE(ok->assigned_at);
  CHECK(to_unix_ms(*ok->due_at) == 1'804'064'400'250);
}

TEST_CASE("DeviceHome: the lead key is derived from the master key and the leads go with a wipe",
          "[leads][assigned][device]") {
  TempDir dir;
  SeededRandom random{8};
  ManualClock clock;
  const fs::path root = dir / "home";
  REQUIRE(device::DeviceHome::init(root, random, {}).is_ok());
  crypto::BoxPublicKey box;
  {
    auto home = device::DeviceHome::open(root, clock, random, {});
    REQUIRE(home.is_ok());
    box = (*home)->assigned_leads().lead_box();
    CHECK(box != crypto::BoxPublicKey{});
    REQUIRE((*home)->assigned_leads().apply({assign(1, "L-A", box)}).is_ok());
    // Follow-up: outcome checked, the lead must be held here, journaled durably.
    CHECK((*home)->follow_up_lead("L-A", "maybe", "").status().code() == Errc::invalid_argument);
    CHECK((*home)->follow_up_lead("L-B", "called", "").status().code() == Errc::not_found);
    // A note is sealed to the hub's lead key, which only a synced catalog gives.
    CHECK_THAT((*home)->follow_up_lead("L-A", "meeting", "demo on Tuesday").status().message(),
               Contains("lead key"));
    auto done = (*home)->follow_up_lead("L-A", "meeting", "");
    REQUIRE(done.is_ok());
    CHECK((*home)->assigned_leads().get("L-A")->follow_up->outcome == "meeting");
  }
  {
    auto home = device::DeviceHome::open(root, clock, random, {});
    REQUIRE(home.is_ok());
    CHECK((*home)->assigned_leads().lead_box() == box);  // the same key every time
    CHECK((*home)->assigned_leads().count() == 1);
    REQUIRE((*home)->destroy().is_ok());
  }
  CHECK_FALSE(fs::exists(device::DeviceHome::leads_path(root)));
  CHECK_FALSE(fs::exists(fs::path(device::DeviceHome::leads_path(root).string() + "-wal")));
}
