// The hub's lead book: the leads the kiosks sealed to the hub's lead key,
// opened, merged into one lead per person, routed to reps, delivered to the
// rep's device sealed to that device, and followed up against an SLA.
//
// At rest every piece of personal data - the lead's fields, the
// answers and consent of each visit, follow-up notes - is encrypted with
// XChaCha20-Poly1305 under a key derived (crypto_kdf) from the hub's lead
// secret key, and a person is found by a keyed BLAKE2b of the normalised
// email under a second derived key: hub.db without hub.keys reveals which
// shows and kiosks produced leads and when, never who. The records live in
// a LeadRepository (store/lead_repository.hpp) of the hub's backend. Lead ids ("L-" + 10
// base32 characters) are random and carry nothing.
//
// A LeadBook is one backend connection of its own, used by one thread at a
// time. Never call it while the same thread holds a write
// transaction on another connection (the hub's writer: call it after the
// commit), or it waits for itself until the busy timeout.
//
// ---- Deliveries to rep devices (the interface of the device protocol)
// Table lead_deliveries(device, seq, lead, kind, sealed, created_at), per
// device seq = 1, 2, 3 ... with no gap:
//   kind 'assign'    sealed = crypto_box_seal to devices.lead_box (the rep
//                    device's X25519 public key) of the assignment document,
//                    JSON: {"lead", "assigned_at", "due_at" (ISO 8601 UTC),
//                    "score", "fields" {name: value}, "visits" [{"show",
//                    "kiosk", "captured_at", "answers" {question: value}}],
//                    "consent" {"version", "accepted_at"}}
//   kind 'withdraw'  sealed = NULL: the device must delete the lead (it was
//                    reassigned, or the person erased)
// An assignment to a rep whose devices.lead_box is still NULL waits (not in
// lead_deliveries) until deliver_pending(device) runs after the key is set;
// a lead withdrawn before that is dropped from the wait, never sent.
// deliveries(device, after_seq, limit) reads what the device has not acked.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/sealed_box.hpp"

namespace outpost::hub {

class Backend;
class HubStore;

// What one absorb run did. Refused events are also written as alerts
// (kind lead.*, no personal data); they never stop the run.
struct AbsorbReport {
  std::uint64_t scanned = 0;      // lead, consent and follow-up events read
  std::uint64_t new_leads = 0;    // people seen for the first time
  std::uint64_t visits = 0;       // captures added (a new lead's first one too)
  std::uint64_t withdrawals = 0;  // consent.withdrawn recorded
  std::uint64_t follow_ups = 0;   // lead.followed_up accepted
  std::uint64_t refused = 0;      // malformed, tampered, not openable, or a follow-up from the wrong device
  std::uint64_t erased = 0;       // events of an erased person: payload cleared, not absorbed
};

// What one complete_badges run did.
struct BadgeReport {
  std::uint64_t looked_up = 0;  // badge-only leads looked up (their show's lists changed since the last try)
  std::uint64_t completed = 0;  // found with an email: the lead is now the person's (merged ones too)
  std::uint64_t merged = 0;     // of which merged into the lead the person already had
  std::uint64_t filled = 0;     // found without an email: fields filled, still keyed by the badge
  std::uint64_t erased = 0;     // the person was erased after these captures: removed
  std::uint64_t not_found = 0;  // on no list yet (looked up again when a list is published or revoked)
  std::uint64_t bad_lists = 0;  // lists that could not be read or parsed (alerted)
};

struct LeadVisit {
  std::string show;
  std::string kiosk;  // the device that captured it
  TimePoint captured_at;
  std::uint64_t score = 0;
  std::map<std::string, std::string> answers;
  std::string consent_version;
  TimePoint consent_at;
};

struct LeadConsent {
  std::string show;
  std::string version;
  TimePoint accepted_at;
  std::optional<TimePoint> withdrawn_at;  // set: not to be contacted for this show
};

struct LeadFollowUp {
  std::string device;
  std::string outcome;  // called | meeting | disqualified | no-answer
  std::string note;
  TimePoint at;  // when the rep recorded it (the device's journal time)
};

// A lead without personal data: what lists and logs may show.
struct LeadSummary {
  std::string id;
  std::string show;  // where the person was first captured
  std::uint64_t score = 0;
  std::size_t visits = 0;
  TimePoint first_captured_at;
  TimePoint last_captured_at;
  std::string team;
  std::string rep;  // "" when unassigned
  std::optional<TimePoint> assigned_at;
  std::optional<TimePoint> due_at;
  std::optional<TimePoint> followed_up_at;  // the first follow-up
  std::string outcome;                      // of the latest follow-up
  std::optional<TimePoint> escalated_at;
  // unassigned | assigned | overdue | followed-up (overdue: assigned, no
  // follow-up, past due at `now`)
  std::string state(TimePoint now) const;
};

struct Lead : LeadSummary {
  std::map<std::string, std::string> fields;  // personal data: newest non-empty value of each field
  std::vector<LeadVisit> history;             // oldest first
  std::vector<LeadConsent> consents;          // per show
  std::vector<LeadFollowUp> follow_ups;       // oldest first
};

// ---- routing rules (docs/lead-routing.md)
struct RoutingRule {
  std::string name;
  // field or answer name -> accepted values (any of; compared exactly);
  // every entry must match
  std::map<std::string, std::vector<std::string>> match;
  std::uint64_t min_score = 0;
  std::string team;
};

struct RoutingRules {
  std::map<std::string, std::vector<std::string>> teams;  // team -> rep devices, in round-robin order
  std::vector<RoutingRule> rules;                         // the first that matches wins
  std::string default_team;                               // "" : unmatched leads stay unassigned
  std::chrono::hours sla{48};

  // invalid_argument naming the offending entry.
  static Result<RoutingRules> parse(std::string_view json_text);
};

struct RouteDecision {
  std::string lead;
  std::string show;
  std::string rule;  // the rule's name, "default", or "" when not routed
  std::string team;
  std::string rep;      // "" when not routed
  std::string problem;  // why not routed
};

struct Delivery {
  std::string device;
  std::uint64_t seq = 0;
  std::string lead;
  std::string kind;             // assign | withdraw
  std::optional<Bytes> sealed;  // assign only
  TimePoint created_at;
};

// ---- SLA
struct SlaRow {
  std::string key;  // the show, or the rep
  std::uint64_t captured = 0;
  std::uint64_t assigned = 0;
  std::uint64_t within = 0;  // first follow-up at or before the due time
  std::uint64_t late = 0;    // first follow-up after the due time
  std::uint64_t overdue = 0;  // assigned, no follow-up, past due
  std::uint64_t escalated = 0;
};

struct OverdueLead {
  std::string lead;
  std::string rep;
  std::string show;
  TimePoint due_at;
  double hours_overdue = 0;
  bool escalated = false;
};

struct SlaWindow {  // leads first captured in [since, until)
  std::optional<TimePoint> since;
  std::optional<TimePoint> until;
};

struct SlaReport {
  TimePoint now;
  std::vector<SlaRow> by_show;  // by show name
  std::vector<SlaRow> by_rep;   // by rep device; leads never assigned are not in it
  std::vector<OverdueLead> overdue;  // most overdue first
};

struct EraseReport {
  bool found = false;          // the person was in the book
  std::string lead;            // their lead id ("" if none)
  std::uint64_t events_cleared = 0;  // raw events whose payload was cleared
  std::string withdrawn_from;  // the rep device sent a 'withdraw' ("" if none)
};

class LeadBook {
 public:
  // Opens the lead book on a connection of its own to the hub's backend.
  // lead_key is the hub's lead key pair (HubKeys::lead); keys are derived
  // from it into guarded memory.
  static Result<std::unique_ptr<LeadBook>> open(Backend& backend, const crypto::BoxKeyPair& lead_key, Random& random);
  ~LeadBook();
  LeadBook(const LeadBook&) = delete;
  LeadBook& operator=(const LeadBook&) = delete;

  // Takes in every lead, consent and follow-up event the hub stored since
  // the last run (a cursor per journal), in one transaction. Idempotent.
  // Then delivers what waits for devices whose lead_box is now set.
  Result<AbsorbReport> absorb(TimePoint now);

  // Completes the badge-only leads (a badge the kiosk's attendee list
  // lacked) from the attendee lists the hub holds: for each show, the
  // newest non-revoked release of kind "attendees" that has the badge
  // fills the fields the kiosk lacked. With an email the lead becomes the
  // person's, merged into their lead if they have one (a rep's copy is
  // replaced by the merged lead); a person erased after the captures is
  // removed. A lead on no list is looked up again only once the set of
  // lists changes. Cheap when nothing waits. Call after absorb.
  Result<BadgeReport> complete_badges(HubStore& store, TimePoint now);

  Result<std::vector<LeadSummary>> list();
  // not_found naming the id.
  Result<Lead> lead(const std::string& id);

  // Assigns every unassigned lead by the rules (round robin within a team,
  // persisted), due now + rules.sla.
  Result<std::vector<RouteDecision>> route(const RoutingRules& rules, TimePoint now);
  // Assigns (or reassigns) by hand: rep must be an active enrolled device
  // with role rep. A reassignment withdraws the lead from the previous rep.
  Status assign(const std::string& lead, const std::string& rep, TimePoint now,
                std::chrono::hours sla = std::chrono::hours(48));
  Status escalate(const std::string& lead, TimePoint now);

  // Sets devices.lead_box and delivers what waits for the device. For the
  // device side of the protocol (hello), and tests.
  Status set_lead_box(const std::string& device, const crypto::BoxPublicKey& key, TimePoint now);
  // Seals and writes the assignments waiting for device, if its lead_box is
  // set (nothing to do otherwise). Idempotent.
  Status deliver_pending(const std::string& device, TimePoint now);
  Result<std::vector<Delivery>> deliveries(const std::string& device, std::uint64_t after_seq, std::size_t limit);
  // The newest delivery seq of every device whose lead_box is known, with
  // that key: what the hub's lead notices announce.
  struct DeliveryHead {
    std::string device;
    crypto::BoxPublicKey lead_box;
    std::uint64_t seq = 0;
  };
  Result<std::vector<DeliveryHead>> delivery_heads();

  Result<SlaReport> sla(TimePoint now, const SlaWindow& window = {});

  // RFC 4180 CSV of the leads whose consent (for show, if given) is not
  // withdrawn: holds personal data, the caller wipes it when written.
  Result<std::string> export_csv(const std::optional<std::string>& show);

  // Removes the person with this email from the book and clears the payload
  // of their lead, consent and follow-up events in `events` (payload_hash
  // stays, so the chain still verifies); withdraws the lead from its rep;
  // leaves a tombstone (person key, time) so older events arriving later are
  // not absorbed. A capture made after the erase is a new lead.
  Result<EraseReport> erase(const std::string& email, TimePoint now);

  struct Impl;

 private:
  explicit LeadBook(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::hub
