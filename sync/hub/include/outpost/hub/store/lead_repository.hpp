// The lead book's records (lead_book.hpp says what they mean). Everything
// personal arrives here already sealed by the lead book (the *box fields,
// XChaCha20-Poly1305) or keyed-hashed (person): a backend stores bytes it
// cannot read. One connection, one thread at a time; every call throws
// outpost::Error on a store failure (the lead book turns it into a Status).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "outpost/hub/lead_book.hpp"
#include "outpost/hub/store/unit.hpp"

namespace outpost::hub {

struct LeadRow {
  std::string id;
  Bytes person;  // keyed BLAKE2b of the normalised email (or the badge identity)
  Bytes box;     // sealed: the fields, each with the time of its value
  std::uint64_t score = 0;
  std::string show;
  TimePoint first_captured_at;
  TimePoint last_captured_at;
  std::string team;  // "" when none
  std::string rep;   // "" when unassigned
};

struct VisitRow {
  Bytes journal_id;
  std::uint64_t seq = 0;
  std::string lead;
  std::string show;
  std::string kiosk;
  TimePoint captured_at;
  std::uint64_t score = 0;
  Bytes box;  // sealed: answers and consent
};

struct FollowUpRow {
  Bytes journal_id;
  std::uint64_t seq = 0;
  std::string lead;
  std::string device;
  std::string outcome;
  Bytes box;  // sealed: the note
  TimePoint at;
};

struct WithdrawalRow {
  Bytes journal_id;
  std::uint64_t seq = 0;
  Bytes person;
  std::string show;
  TimePoint withdrawn_at;
};

// A lead, consent or follow-up event the hub stored and the book has not read.
struct LeadEventRow {
  Bytes journal_id;
  std::string device;
  std::uint64_t seq = 0;
  std::uint64_t time = 0;  // the journal's hybrid logical time
  std::string type;
  std::optional<Bytes> payload;  // none: cleared by an erase, or dropped on the device
};

struct BadgeWait {
  std::string lead;
  std::string show;
  std::string tried;  // the set of lists last looked in
};

// What the lead book needs to know of a device.
struct LeadDevice {
  std::string role;
  bool revoked = false;
  std::optional<Bytes> lead_box;  // the rep device's X25519 key, once told
};

class LeadRepository {
 public:
  virtual ~LeadRepository() = default;

  virtual UnitPtr write() = 0;  // nests as a savepoint inside an open unit
  virtual UnitPtr read() = 0;

  // ---- leads
  virtual bool lead_exists(const std::string& id) = 0;
  virtual std::optional<LeadRow> lead(const std::string& id) = 0;
  virtual std::optional<LeadRow> lead_by_person(ByteView person) = 0;
  // Lists without personal data, oldest first; one lead when id is given.
  virtual std::vector<LeadSummary> summaries(const std::string& id = {}) = 0;
  virtual std::vector<std::string> leads_of_rep(const std::string& rep) = 0;
  virtual void insert_lead(const LeadRow& row) = 0;
  // Folds captures first..last into a lead: the new box, the higher score,
  // the show of the earliest capture, the widest capture span.
  virtual void fold_into_lead(const std::string& id, ByteView box, std::uint64_t score, const std::string& show,
                              TimePoint first, TimePoint last) = 0;
  virtual void set_lead_box(const std::string& id, ByteView box) = 0;
  virtual void set_person(const std::string& id, ByteView person) = 0;
  // Assigns (clearing any escalation); team "" for none.
  virtual void set_assignment(const std::string& id, const std::string& team, const std::string& rep,
                              TimePoint assigned_at, TimePoint due_at) = 0;
  virtual void copy_assignment(const std::string& from, const std::string& into) = 0;
  virtual void clear_assignment(const std::string& id) = 0;
  // False when the lead is unknown or unassigned.
  virtual bool escalate(const std::string& id, TimePoint now) = 0;
  // Moves from's visits and follow-ups to into, drops what waits for from
  // and from itself, and remembers that from is now into (kept flat).
  virtual void merge_rows(const std::string& from, const std::string& into) = 0;
  virtual std::optional<std::string> merged_into(const std::string& old_id) = 0;
  // Clears the payloads of the lead's visit and follow-up events, then
  // deletes the lead and its rows. Returns the events cleared.
  virtual std::uint64_t remove_lead(const std::string& id) = 0;

  // ---- visits, follow-ups, withdrawals, tombstones (insert: once per event)
  virtual std::vector<VisitRow> visits(const std::string& lead) = 0;
  virtual void insert_visit(const VisitRow& row) = 0;
  virtual std::vector<FollowUpRow> follow_ups(const std::string& lead) = 0;
  virtual void insert_follow_up(const FollowUpRow& row) = 0;
  virtual std::vector<WithdrawalRow> withdrawals(ByteView person) = 0;  // oldest first
  virtual void insert_withdrawal(const WithdrawalRow& row) = 0;
  // Clears the payloads of the person's withdrawal events and deletes the
  // rows. Returns {events cleared, rows deleted}.
  virtual std::pair<std::uint64_t, std::uint64_t> remove_withdrawals(ByteView person) = 0;
  virtual std::optional<TimePoint> erased_at(ByteView person) = 0;
  virtual void set_erased(ByteView person, TimePoint at) = 0;

  // ---- the events the book reads (a cursor per journal)
  // The lead, consent and follow-up events acknowledged since the last
  // call, journal by journal in seq order; moves the cursors past them.
  virtual std::vector<LeadEventRow> take_new_events() = 0;
  virtual void clear_event_payload(ByteView journal_id, std::uint64_t seq) = 0;

  // ---- badge-only leads waiting for an attendee list
  virtual std::vector<BadgeWait> badge_waits() = 0;
  virtual void add_badge_wait(const std::string& lead, const std::string& show) = 0;
  virtual void set_badge_tried(const std::string& lead, const std::string& tried) = 0;
  virtual void remove_badge_wait(const std::string& lead) = 0;

  // ---- devices, deliveries and round robin
  virtual std::optional<LeadDevice> device(const std::string& name) = 0;
  virtual void set_device_lead_box(const std::string& name, ByteView key) = 0;
  virtual void add_pending(const std::string& device, const std::string& lead, TimePoint now) = 0;
  virtual std::vector<std::string> pending(const std::string& device) = 0;  // oldest first
  virtual void remove_pending(const std::string& device, const std::string& lead) = 0;
  // Devices with assignments waiting whose lead_box is known.
  virtual std::vector<std::string> devices_ready_for_pending() = 0;
  virtual bool ever_assigned(const std::string& device, const std::string& lead) = 0;
  virtual std::optional<std::string> last_delivery_kind(const std::string& device, const std::string& lead) = 0;
  // Appends under the device's next seq: 1, 2, 3 ... with no gap.
  virtual void append_delivery(const std::string& device, const std::string& lead, const std::string& kind,
                               const std::optional<Bytes>& sealed, TimePoint now) = 0;
  virtual std::vector<Delivery> deliveries(const std::string& device, std::uint64_t after_seq, std::size_t limit) = 0;
  virtual std::vector<LeadBook::DeliveryHead> delivery_heads() = 0;
  virtual std::size_t round_robin_next(const std::string& team) = 0;
  virtual void set_round_robin_next(const std::string& team, std::size_t next) = 0;

  virtual void add_alert(const std::string& device, const std::string& kind, const std::string& detail,
                         TimePoint now) = 0;
};

}  // namespace outpost::hub
