// The lead book's private parts, shared by its source files: lead_book.cpp
// (open, keys and boxes, reading), lead_absorb.cpp, lead_badges.cpp,
// lead_routing.cpp (rules, route, assign, deliveries) and lead_reports.cpp
// (SLA, export, erase). The records are in a LeadRepository (no SQL here).
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

#include "outpost/base/time_text.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/leads/email.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/hub/lead_book.hpp"
#include "outpost/hub/store/lead_repository.hpp"

namespace outpost::hub {

using json = nlohmann::json;

namespace lead_detail {

using leads::normal_email;

// The email of a sealed lead's fields: the field named "email", else the
// one field whose value looks like an address (forms name fields freely).
std::string email_of(const std::map<std::string, std::string>& fields);

// Who a badge-only lead is until completed: the badge within its show.
std::string badge_identity(const std::string& show, const std::string& badge);

// Merges fields {name: {"v": value, "t": capture time ms}} into a lead
// box's: the newest non-empty value of each field wins, whatever the order.
void merge_fields(json& box, const json& fields);

}  // namespace lead_detail

struct LeadBook::Impl {
  Impl(std::unique_ptr<LeadRepository> repo, const crypto::BoxKeyPair& lead, Random& r);

  std::unique_ptr<LeadRepository> repo;
  LeadRepository& db;  // *repo
  crypto::BoxKeyPair lead_key;  // opens what kiosks sealed
  crypto::SecretKey box_key;    // XChaCha20-Poly1305 for the *box columns
  crypto::SecretKey person_key;  // keyed BLAKE2b of the normalised email
  Random& random;

  // msgpack of doc, encrypted; associated data binds it to its row.
  Bytes seal_box(const json& doc, std::string_view associated);
  // corrupt if it does not authenticate (another hub's key, a moved row).
  json open_box(ByteView box, std::string_view associated);
  crypto::Digest person_of(const std::string& normal_email) const;
  std::string new_lead_id();
  void alert(const std::string& device, const std::string& kind, const std::string& detail, TimePoint now);

  // Everything the book knows of a lead; personal data only if with_pii.
  std::optional<Lead> read_lead(const std::string& id, bool with_pii);
  std::vector<LeadSummary> summaries(const std::string& where_id = {});

  // Deliveries: an 'assign' waits in lead_pending until the device's
  // lead_box is known; a 'withdraw' is written at once (and cancels an
  // assignment still waiting for that device, which is then never sent).
  void queue_assign(const std::string& device, const std::string& lead, TimePoint now);
  // True if a 'withdraw' was written (the device may hold the lead).
  bool queue_withdraw(const std::string& device, const std::string& lead, TimePoint now);
  void write_delivery(const std::string& device, const std::string& lead, const char* kind,
                      const std::optional<Bytes>& sealed, TimePoint now);
  void deliver_pending(const std::string& device, TimePoint now);
  Bytes assignment_document(const Lead& lead);

  // The lead an id stands for now: itself, or the lead it was merged into;
  // "" when there is none (erased).
  std::string current_lead(const std::string& id);
  // Moves lead `from` into `into`: visits, follow-ups, fields (newest
  // value wins), score, first show, and from's assignment when into has
  // none. Withdraws `from` from its rep and re-delivers `into` to its rep.
  void merge_lead(const std::string& from, const std::string& into, TimePoint now);
  // Consent withdrawn for every show the person was captured at: the rep
  // must not call, so the lead is unassigned and taken back from the rep.
  void take_back_if_withdrawn(const std::string& id, TimePoint now);
  // Clears the raw events of the lead's visits and follow-ups, deletes the
  // lead, withdraws it from its rep. For erase.
  void remove_lead(const std::string& id, TimePoint now, EraseReport& report);

  // Active enrolled device with role rep, or the problem.
  std::string rep_problem(const std::string& device);
  void set_assignment(const std::string& lead, const std::string& team, const std::string& rep, TimePoint now,
                      std::chrono::hours sla);
};

}  // namespace outpost::hub
