// Journal events: the closed set of event types, their payload schemas and
// their durability class, and the typed constructors the rest of Outpost
// uses. A payload is a MessagePack map; an Event can only be made by the
// constructors below or by Event::parse, both of which validate it, so a
// journal never holds a payload its readers would reject.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "outpost/base/bytes.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/sealed_box.hpp"

namespace outpost::journal {

enum class Durability {
  batched,  // telemetry: group commit, on disk within the journal's flush delay
  durable,  // leads, feedback: on disk before the append returns; never dropped for quota
};

enum class FieldKind { text, unsigned_int, boolean, bytes };

struct FieldSpec {
  std::string_view name;
  FieldKind kind;
  bool required;
  std::uint64_t max;      // text/bytes: most bytes; unsigned_int: largest value
  std::uint64_t min = 0;  // text/bytes: fewest bytes; unsigned_int: smallest value
};

struct EventType {
  std::string_view name;  // on the wire and in the hash chain: "asset.opened"
  std::uint16_t code;     // at rest (stable; never reused)
  Durability durability;
  bool personal;  // the payload may hold personal data: shells show metadata only
  std::span<const FieldSpec> fields;
};

// Every known type, ordered by code.
std::span<const EventType> event_types();
const EventType* find_type(std::string_view name);
const EventType* find_type(std::uint16_t code);

class Event {
 public:
  // Decodes and validates a payload from outside (the wire, an export
  // file): invalid_argument naming the type and field when it is unknown,
  // missing, of the wrong kind or out of bounds.
  static Result<Event> parse(std::string_view type, ByteView payload);

  const EventType& type() const noexcept { return *type_; }
  ByteView payload() const noexcept { return payload_; }

 private:
  friend class EventBuilder;
  Event(const EventType& type, Bytes payload) : type_(&type), payload_(std::move(payload)) {}
  const EventType* type_;
  Bytes payload_;
};

// The payload as JSON text (bytes as hex), for people and reports.
std::string payload_json(ByteView payload);

// ---- typed constructors (invalid_argument on values out of bounds)

Result<Event> asset_opened(std::string_view asset, std::uint64_t version, std::string_view notice = {});
Result<Event> asset_blocked(std::string_view asset, std::optional<std::uint64_t> version, std::string_view reason);
Result<Event> presentation_started(std::string_view presentation, std::string_view asset, std::uint64_t version);
Result<Event> page_viewed(std::string_view presentation, std::uint64_t page, std::uint64_t dwell_ms);
Result<Event> presentation_ended(std::string_view presentation, std::uint64_t duration_ms, std::uint64_t pages);
Result<Event> asset_shared(std::string_view asset, std::uint64_t version, std::string_view channel);

struct Feedback {
  std::string asset;
  std::optional<std::uint64_t> version;
  std::uint64_t rating = 0;  // 1..5
  std::string comment;
  bool needs_update = false;
};
Result<Event> asset_feedback(const Feedback& feedback);
Result<Event> content_request(std::string_view text, std::string_view asset = {});
Result<Event> search_performed(std::string_view query, std::uint64_t result_count,
                               std::string_view chosen_asset = {});

// A captured lead as the kiosk keeps it: metadata without personal data,
// and the lead itself sealed to the hub's lead key.
struct LeadRecord {
  std::string form;
  std::uint64_t form_version = 0;
  std::string show;               // the trade-show event the lead was met at
  crypto::Digest dedupe_key;      // keyed hash of the normalised email within the show
  std::uint64_t score = 0;        // qualification score
  std::string consent_version;
  Bytes sealed;                   // crypto_box_seal to the hub lead key
};
Result<Event> lead_captured(const LeadRecord& lead);
Result<Event> lead_repeat_visit(const LeadRecord& lead);  // the same person again at the same show
// note: free text the rep typed; sealed to the hub lead key (hub) like a
// lead, so it is in clear nowhere but on the rep's device and in the hub's
// lead book (its box). Empty: no note.
Result<Event> lead_followed_up(std::string_view lead, std::string_view outcome, std::string_view note,
                               const crypto::BoxPublicKey& hub);
// sealed: the withdrawal (email, time) sealed to the hub lead key.
Result<Event> consent_withdrawn(std::string_view show, const crypto::Digest& dedupe_key, ByteView sealed);
struct SyncSummary {
  std::uint64_t catalog_seq = 0;
  std::uint64_t events_sent = 0;
  std::uint64_t chunks_fetched = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t duration_ms = 0;
};
Result<Event> sync_completed(const SyncSummary& summary);
// Written by the journal itself when the quota made it drop telemetry.
Result<Event> journal_dropped(std::uint64_t count, std::uint64_t first_seq, std::uint64_t last_seq);

}  // namespace outpost::journal
