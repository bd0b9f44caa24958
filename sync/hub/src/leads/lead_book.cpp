// The lead book: opening it, its keys and boxes, reading leads.
#include <sodium.h>

#include <algorithm>
#include <ctime>

#include "leads/lead_book_impl.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/crypto/kdf.hpp"
#include "outpost/leads/attendees.hpp"
#include "outpost/leads/email.hpp"
#include "outpost/hub/store/backend.hpp"

namespace outpost::hub {

using namespace lead_detail;

namespace {

// Subkeys of the hub's lead secret key (crypto_kdf). Defined here, not in
// core's purpose list, because only the hub holds this master key.
constexpr crypto::KeyPurpose book_encryption{{'O', 'P', 'h', 'u', 'b', 'l', 'd', '1'}, 1};
constexpr crypto::KeyPurpose person_keys{{'O', 'P', 'h', 'u', 'b', 'l', 'd', '1'}, 2};

}  // namespace

// ---- helpers

namespace lead_detail {

std::string email_of(const std::map<std::string, std::string>& fields) {
  if (auto it = fields.find("email"); it != fields.end() && !it->second.empty()) return normal_email(it->second);
  std::string found;
  for (const auto& [name, value] : fields) {
    if (value.find('@') == std::string::npos) continue;
    if (!found.empty()) return {};
    found = normal_email(value);
  }
  return found;
}

std::string badge_identity(const std::string& show, const std::string& badge) {
  std::string id = "badge:";
  id.append(show).append("\n").append(leads::normal_badge(badge));
  return id;
}

void merge_fields(json& box, const json& fields) {
  for (const auto& [name, entry] : fields.items()) {
    if (entry.value("v", std::string()).empty()) continue;
    json& held = box["fields"][name];
    if (held.is_object() && held.value("t", std::int64_t{0}) > entry.value("t", std::int64_t{0})) continue;
    held = entry;
  }
}

}  // namespace lead_detail

// ---- Impl

LeadBook::Impl::Impl(std::unique_ptr<LeadRepository> r0, const crypto::BoxKeyPair& lead, Random& r)
    : repo(std::move(r0)),
      db(*repo),
      lead_key(crypto::BoxKeyPair::from_secret(lead.secret_key().view())),
      box_key(crypto::derive_key(lead.secret_key(), book_encryption)),
      person_key(crypto::derive_key(lead.secret_key(), person_keys)),
      random(r) {}

Bytes LeadBook::Impl::seal_box(const json& doc, std::string_view associated) {
  Bytes plain = json::to_msgpack(doc);
  Bytes box = crypto::aead_seal(box_key, random, plain, as_bytes(associated));
  crypto::wipe(plain);
  return box;
}

json LeadBook::Impl::open_box(ByteView box, std::string_view associated) {
  Bytes plain;
  if (!crypto::aead_open(box_key, box, as_bytes(associated), plain)) {
    throw Error(Errc::corrupt, "lead book: a record does not authenticate (" + std::string(associated) + ")");
  }
  json doc = json::from_msgpack(plain.begin(), plain.end(), true, false);
  crypto::wipe(plain);
  return doc;
}

crypto::Digest LeadBook::Impl::person_of(const std::string& email) const {
  return crypto::keyed_blake2b(person_key, as_bytes(email));
}

std::string LeadBook::Impl::new_lead_id() {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";  // RFC 4648 base32
  for (;;) {
    std::array<std::uint8_t, 10> r{};
    random.fill(r);
    std::string id = "L-";
    for (std::uint8_t b : r) id += alphabet[b & 31];
    if (!db.lead_exists(id)) return id;
  }
}

void LeadBook::Impl::alert(const std::string& device, const std::string& kind, const std::string& detail,
                           TimePoint now) {
  db.add_alert(device, kind, detail, now);
}

std::vector<LeadSummary> LeadBook::Impl::summaries(const std::string& where_id) { return db.summaries(where_id); }

std::optional<Lead> LeadBook::Impl::read_lead(const std::string& id, bool with_pii) {
  auto found = summaries(id);
  if (found.empty()) return std::nullopt;
  const std::optional<LeadRow> row = db.lead(id);
  if (!row) return std::nullopt;
  Lead lead;
  static_cast<LeadSummary&>(lead) = std::move(found.front());
  std::map<std::string, LeadConsent> consents;
  for (const VisitRow& v : db.visits(id)) {
    LeadVisit visit;
    visit.show = v.show;
    visit.kiosk = v.kiosk;
    visit.captured_at = v.captured_at;
    visit.score = v.score;
    std::string ad = "visit:";
    ad.append(to_hex(v.journal_id)).append(":").append(std::to_string(v.seq));
    const json box = open_box(v.box, ad);
    if (with_pii) visit.answers = box.value("answers", std::map<std::string, std::string>{});
    visit.consent_version = box.value("consent_version", "");
    visit.consent_at = from_unix_ms(box.value("consent_at", std::int64_t{0}));
    LeadConsent& c = consents[visit.show];
    if (c.show.empty() || visit.consent_at >= c.accepted_at) c = {visit.show, visit.consent_version, visit.consent_at, {}};
    lead.history.push_back(std::move(visit));
  }
  // A withdrawal counts against the consent it follows (a later capture
  // with fresh consent at the same show gives it back).
  for (const WithdrawalRow& w : db.withdrawals(row->person)) {
    auto it = consents.find(w.show);
    if (it != consents.end() && w.withdrawn_at >= it->second.accepted_at) it->second.withdrawn_at = w.withdrawn_at;
  }
  for (auto& [show, c] : consents) lead.consents.push_back(std::move(c));
  if (with_pii) {
    json box = open_box(row->box, "lead:" + id);
    for (const auto& [name, entry] : box["fields"].items()) lead.fields[name] = entry.value("v", "");
  }
  for (const FollowUpRow& f : db.follow_ups(id)) {
    LeadFollowUp up;
    up.device = f.device;
    up.outcome = f.outcome;
    if (with_pii) {
      std::string ad = "note:";
      ad.append(to_hex(f.journal_id)).append(":").append(std::to_string(f.seq));
      up.note = open_box(f.box, ad).value("note", "");
    }
    up.at = f.at;
    lead.follow_ups.push_back(std::move(up));
  }
  return lead;
}

// ---- LeadBook

std::string LeadSummary::state(TimePoint now) const {
  if (rep.empty()) return "unassigned";
  if (followed_up_at) return "followed-up";
  if (due_at && now > *due_at) return "overdue";
  return "assigned";
}

LeadBook::LeadBook(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LeadBook::~LeadBook() = default;

Result<std::unique_ptr<LeadBook>> LeadBook::open(Backend& backend, const crypto::BoxKeyPair& lead_key, Random& random) {
  return guarded([&]() -> Result<std::unique_ptr<LeadBook>> {
    auto repo = backend.leads();
    if (!repo) return repo.status();
    return std::unique_ptr<LeadBook>(new LeadBook(std::make_unique<Impl>(std::move(*repo), lead_key, random)));
  });
}

Result<std::vector<LeadSummary>> LeadBook::list() {
  return guarded([&]() -> Result<std::vector<LeadSummary>> { return impl_->summaries(); });
}

Result<Lead> LeadBook::lead(const std::string& id) {
  return guarded([&]() -> Result<Lead> {
    auto lead = impl_->read_lead(id, true);
    if (!lead) return Status(Errc::not_found, "no lead '" + id + "' (see `outpost-hub leads list`)");
    return std::move(*lead);
  });
}

}  // namespace outpost::hub
