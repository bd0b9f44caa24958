// The leads the hub assigned to this (rep) device: <home>/leads.db.
// Each assignment arrives sealed (crypto_box_seal) to the device's lead key
// and stays sealed at rest: only this device's lead key, derived from its
// master key, opens it, so destroying the master key shreds them too. The
// file holds in the clear only lead ids, the delivery cursor and the local
// follow-up outcome; withdrawn leads are deleted with SQLite secure_delete
// and the WAL truncated, so no copy of the sealed blob is left behind.
// An AssignedLeads is used by one thread at a time.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/sealed_box.hpp"

namespace outpost::leads {

// One row of the hub's lead_deliveries for this device (docs/protocol.md
// §10.8): 'assign' with the sealed assignment, or 'withdraw' without.
struct LeadDelivery {
  std::uint64_t seq = 0;
  std::string lead;
  std::string kind;  // assign | withdraw
  std::optional<Bytes> sealed;
};

struct AssignedVisit {
  std::string show;
  std::string kiosk;
  std::optional<TimePoint> captured_at;
  std::map<std::string, std::string> answers;
};

// The opened assignment document (JSON, written by the hub's lead book).
struct Assignment {
  std::string lead;
  std::optional<TimePoint> assigned_at;
  std::optional<TimePoint> due_at;
  std::uint64_t score = 0;
  std::map<std::string, std::string> fields;  // personal data: never log
  std::vector<AssignedVisit> visits;
  std::string consent_version;
  std::optional<TimePoint> consent_at;

  // invalid_argument naming the first field that is missing or wrong.
  static Result<Assignment> parse(ByteView json_text);
};

struct LocalFollowUp {
  std::string outcome;  // called | meeting | disqualified | no-answer
  TimePoint at;
};

struct AssignedLead {
  Assignment assignment;
  std::optional<LocalFollowUp> follow_up;
  TimePoint received_at;
  // Not followed up and past its due time.
  bool overdue(TimePoint now) const;
};

// The follow-up outcomes the hub accepts.
inline constexpr std::string_view follow_up_outcomes[] = {"called", "meeting", "disqualified", "no-answer"};
bool valid_outcome(std::string_view outcome);

struct DeliveryReport {
  std::size_t assigned = 0;    // stored (new or replacing the lead's older assignment)
  std::size_t withdrawn = 0;   // deleted
  std::size_t unreadable = 0;  // sealed blobs this device's key does not open (kept out)
  std::vector<std::uint64_t> unreadable_seqs;
  std::uint64_t cursor = 0;    // the last delivery seq applied
};

class AssignedLeads {
 public:
  static std::filesystem::path path(const std::filesystem::path& home) { return home / "leads.db"; }

  // Opens (creating) the store; key is the device's lead key pair.
  static Result<std::unique_ptr<AssignedLeads>> open(const std::filesystem::path& file, crypto::BoxKeyPair key,
                                                     const Clock& clock);
  ~AssignedLeads();
  AssignedLeads(const AssignedLeads&) = delete;
  AssignedLeads& operator=(const AssignedLeads&) = delete;

  // The public half the hub seals assignments to (hello's lead_box).
  const crypto::BoxPublicKey& lead_box() const noexcept;
  // The seq of the last delivery applied (0 before any).
  std::uint64_t cursor() const;

  // Applies a batch in one transaction, advancing the cursor to its last
  // seq. The batch must continue the cursor with no gap (integrity
  // otherwise; nothing applied); a delivery already applied is skipped, so
  // a batch received twice changes nothing. An assignment whose blob does
  // not open, or opens to a malformed document, is kept out and counted.
  Result<DeliveryReport> apply(const std::vector<LeadDelivery>& batch);

  // Every held lead, opened, soonest due first. A row that no longer opens
  // is left out of the list.
  Result<std::vector<AssignedLead>> list();
  // not_found ("no lead L-... is assigned to this device").
  Result<AssignedLead> get(const std::string& lead);
  bool holds(const std::string& lead);
  Status remove(const std::string& lead);
  Status mark_followed_up(const std::string& lead, const std::string& outcome, TimePoint at);
  std::size_t count();

  struct Impl;

 private:
  explicit AssignedLeads(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::leads
