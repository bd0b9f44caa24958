#include "outpost/journal/event.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

#include "outpost/base/utf8.hpp"

namespace outpost::journal {

namespace {

using json = nlohmann::json;
using K = FieldKind;

constexpr std::uint64_t any = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t id_max = 256;      // asset ids, presentation ids, form ids
constexpr std::uint64_t label_max = 64;    // reasons, outcomes, channels, versions of texts
constexpr std::uint64_t prose_max = 4000;  // comments, notes, requests
constexpr std::uint64_t day_ms = 24ull * 3600 * 1000;
constexpr std::uint64_t sealed_max = 64 * 1024;

constexpr FieldSpec opened_fields[] = {{"asset", K::text, true, id_max, 1}, {"version", K::unsigned_int, true, any, 1},
                                {"notice", K::text, false, label_max}};
constexpr FieldSpec blocked_fields[] = {{"asset", K::text, true, id_max, 1}, {"version", K::unsigned_int, false, any, 1},
                                 {"reason", K::text, true, label_max, 1}};
constexpr FieldSpec started_fields[] = {{"presentation", K::text, true, id_max, 1},
                                 {"asset", K::text, true, id_max, 1},
                                 {"version", K::unsigned_int, true, any, 1}};
constexpr FieldSpec page_fields[] = {{"presentation", K::text, true, id_max, 1},
                              {"page", K::unsigned_int, true, 100000, 1},
                              {"dwell_ms", K::unsigned_int, true, day_ms}};
constexpr FieldSpec ended_fields[] = {{"presentation", K::text, true, id_max, 1},
                               {"duration_ms", K::unsigned_int, true, 7 * day_ms},
                               {"pages", K::unsigned_int, true, 100000}};
constexpr FieldSpec shared_fields[] = {{"asset", K::text, true, id_max, 1},
                                {"version", K::unsigned_int, true, any, 1},
                                {"channel", K::text, true, label_max, 1}};
constexpr FieldSpec feedback_fields[] = {{"asset", K::text, true, id_max, 1},
                                  {"version", K::unsigned_int, false, any, 1},
                                  {"rating", K::unsigned_int, true, 5, 1},
                                  {"comment", K::text, false, prose_max},
                                  {"needs_update", K::boolean, true, 0}};
constexpr FieldSpec request_fields[] = {{"text", K::text, true, prose_max, 1}, {"asset", K::text, false, id_max, 1}};
constexpr FieldSpec searched_fields[] = {{"query", K::text, true, 512},
                                  {"results", K::unsigned_int, true, any},
                                  {"chosen", K::text, false, id_max, 1}};
constexpr FieldSpec lead_fields[] = {{"form", K::text, true, id_max, 1},
                              {"form_version", K::unsigned_int, true, any, 1},
                              {"show", K::text, true, id_max, 1},
                              {"dedupe_key", K::bytes, true, crypto::Digest::size, crypto::Digest::size},
                              {"score", K::unsigned_int, true, 1000000},
                              {"consent_version", K::text, true, label_max, 1},
                              {"sealed", K::bytes, true, sealed_max, 49}};
constexpr FieldSpec followed_fields[] = {{"lead", K::text, true, id_max, 1},
                                  {"outcome", K::text, true, label_max, 1},
                                  {"note", K::text, false, prose_max},  // before 0.2: the note in clear
                                  {"sealed_note", K::bytes, false, prose_max + 48, 49}};
constexpr FieldSpec withdrawn_fields[] = {{"show", K::text, true, id_max, 1},
                                   {"dedupe_key", K::bytes, true, crypto::Digest::size, crypto::Digest::size},
                                   {"sealed", K::bytes, true, sealed_max, 49}};
constexpr FieldSpec synced_fields[] = {{"catalog_seq", K::unsigned_int, true, any},
                                {"events_sent", K::unsigned_int, true, any},
                                {"chunks_fetched", K::unsigned_int, true, any},
                                {"bytes_received", K::unsigned_int, true, any},
                                {"duration_ms", K::unsigned_int, true, any}};
constexpr FieldSpec dropped_fields[] = {{"count", K::unsigned_int, true, any, 1},
                                 {"first_seq", K::unsigned_int, true, any, 1},
                                 {"last_seq", K::unsigned_int, true, any, 1}};

using D = Durability;
constexpr EventType types[] = {
    {"asset.opened", 1, D::batched, false, opened_fields},
    {"asset.blocked", 2, D::batched, false, blocked_fields},
    {"presentation.started", 3, D::batched, false, started_fields},
    {"page.viewed", 4, D::batched, false, page_fields},
    {"presentation.ended", 5, D::batched, false, ended_fields},
    {"asset.shared", 6, D::batched, false, shared_fields},
    {"asset.feedback", 7, D::durable, false, feedback_fields},
    {"content.request", 8, D::durable, false, request_fields},
    {"search.performed", 9, D::batched, false, searched_fields},
    {"lead.captured", 10, D::durable, true, lead_fields},
    {"lead.repeat_visit", 11, D::durable, true, lead_fields},
    {"lead.followed_up", 12, D::durable, true, followed_fields},
    {"consent.withdrawn", 13, D::durable, true, withdrawn_fields},
    {"sync.completed", 14, D::batched, false, synced_fields},
    {"journal.dropped", 15, D::durable, false, dropped_fields},
};

std::string_view kind_name(FieldKind kind) {
  switch (kind) {
    case K::text: return "text";
    case K::unsigned_int: return "an unsigned integer";
    case K::boolean: return "true or false";
    case K::bytes: return "bytes";
  }
  return "?";
}

Status field_error(const EventType& type, std::string_view field, const std::string& problem) {
  return {Errc::invalid_argument,
          std::string(type.name) + " event: field '" + std::string(field) + "' " + problem};
}

Status validate(const EventType& type, const json& payload) {
  if (!payload.is_object()) return {Errc::invalid_argument, std::string(type.name) + " event: payload is not a map"};
  for (const auto& item : payload.items()) {
    // Not a structured binding: clang before 16 cannot capture one in a lambda.
    const std::string& key = item.key();
    const auto known = std::find_if(type.fields.begin(), type.fields.end(),
                                    [&](const FieldSpec& f) { return f.name == key; });
    if (known == type.fields.end()) return field_error(type, key, "is not part of this event type");
  }
  for (const FieldSpec& f : type.fields) {
    const auto it = payload.find(std::string(f.name));
    if (it == payload.end()) {
      if (f.required) return field_error(type, f.name, "is missing");
      continue;
    }
    const json& v = *it;
    bool kind_ok = false;
    std::uint64_t measure = 0;
    switch (f.kind) {
      case K::text:
        kind_ok = v.is_string();
        if (kind_ok) {
          measure = v.get_ref<const std::string&>().size();
          if (!valid_utf8(v.get_ref<const std::string&>())) return field_error(type, f.name, "is not valid UTF-8");
        }
        break;
      case K::unsigned_int:
        // Any non-negative integer, whichever MessagePack encoding a client
        // chose (some write small positive numbers as signed ints).
        kind_ok = v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
        if (kind_ok) measure = v.get<std::uint64_t>();
        break;
      case K::boolean: kind_ok = v.is_boolean(); break;
      case K::bytes:
        kind_ok = v.is_binary();
        if (kind_ok) measure = v.get_binary().size();
        break;
    }
    if (!kind_ok) return field_error(type, f.name, "must be " + std::string(kind_name(f.kind)));
    if (f.kind == K::boolean) continue;
    if (measure < f.min || measure > f.max) {
      const bool sized = f.kind != K::unsigned_int;
      return field_error(type, f.name,
                         (sized ? "must be " : "must be from ") + std::to_string(f.min) + (sized ? " to " : " to ") +
                             (f.max == any ? std::string("any") : std::to_string(f.max)) + (sized ? " bytes" : "") +
                             " (got " + std::to_string(measure) + ")");
    }
  }
  return Status::ok();
}

json binary(ByteView bytes) { return json::binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end())); }

}  // namespace

// Builds a payload field by field, leaving out absent optional values.
class EventBuilder {
 public:
  explicit EventBuilder(std::string_view type) : type_(find_type(type)) {}
  EventBuilder& set(std::string_view field, json value) {
    payload_[std::string(field)] = std::move(value);
    return *this;
  }
  EventBuilder& text_if(std::string_view field, std::string_view value) {
    if (!value.empty()) payload_[std::string(field)] = std::string(value);
    return *this;
  }
  EventBuilder& number_if(std::string_view field, std::optional<std::uint64_t> value) {
    if (value) payload_[std::string(field)] = *value;
    return *this;
  }
  Result<Event> build() const {
    if (Status s = validate(*type_, payload_); !s) return s;
    return Event(*type_, json::to_msgpack(payload_));
  }
  static Event adopt(const EventType& type, Bytes payload) { return Event(type, std::move(payload)); }

 private:
  const EventType* type_;
  json payload_ = json::object();
};

std::span<const EventType> event_types() { return types; }

const EventType* find_type(std::string_view name) {
  for (const EventType& t : types) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const EventType* find_type(std::uint16_t code) {
  for (const EventType& t : types) {
    if (t.code == code) return &t;
  }
  return nullptr;
}

Result<Event> Event::parse(std::string_view type_name, ByteView payload) {
  const EventType* type = find_type(type_name);
  if (type == nullptr) return Status(Errc::invalid_argument, "unknown event type '" + std::string(type_name) + "'");
  json decoded;
  try {
    decoded = json::from_msgpack(payload.begin(), payload.end());
  } catch (const json::exception&) {
    return Status(Errc::invalid_argument, std::string(type->name) + " event: payload is not valid MessagePack");
  }
  if (Status s = validate(*type, decoded); !s) return s;
  return EventBuilder::adopt(*type, Bytes(payload.begin(), payload.end()));
}

std::string payload_json(ByteView payload) {
  try {
    json j = json::from_msgpack(payload.begin(), payload.end());
    // Bytes as hex: binary values do not print as JSON on their own.
    for (auto& [key, value] : j.items()) {
      if (value.is_binary()) value = to_hex(value.get_binary());
    }
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const json::exception&) {
    return "\"(malformed payload)\"";
  }
}

Result<Event> asset_opened(std::string_view asset, std::uint64_t version, std::string_view notice) {
  return EventBuilder("asset.opened").set("asset", asset).set("version", version).text_if("notice", notice).build();
}

Result<Event> asset_blocked(std::string_view asset, std::optional<std::uint64_t> version, std::string_view reason) {
  return EventBuilder("asset.blocked").set("asset", asset).number_if("version", version).set("reason", reason).build();
}

Result<Event> presentation_started(std::string_view presentation, std::string_view asset, std::uint64_t version) {
  return EventBuilder("presentation.started")
      .set("presentation", presentation)
      .set("asset", asset)
      .set("version", version)
      .build();
}

Result<Event> page_viewed(std::string_view presentation, std::uint64_t page, std::uint64_t dwell_ms) {
  return EventBuilder("page.viewed").set("presentation", presentation).set("page", page).set("dwell_ms", dwell_ms).build();
}

Result<Event> presentation_ended(std::string_view presentation, std::uint64_t duration_ms, std::uint64_t pages) {
  return EventBuilder("presentation.ended")
      .set("presentation", presentation)
      .set("duration_ms", duration_ms)
      .set("pages", pages)
      .build();
}

Result<Event> asset_shared(std::string_view asset, std::uint64_t version, std::string_view channel) {
  return EventBuilder("asset.shared").set("asset", asset).set("version", version).set("channel", channel).build();
}

Result<Event> asset_feedback(const Feedback& f) {
  return EventBuilder("asset.feedback")
      .set("asset", f.asset)
      .number_if("version", f.version)
      .set("rating", f.rating)
      .text_if("comment", f.comment)
      .set("needs_update", f.needs_update)
      .build();
}

Result<Event> content_request(std::string_view text, std::string_view asset) {
  return EventBuilder("content.request").set("text", text).text_if("asset", asset).build();
}

Result<Event> search_performed(std::string_view query, std::uint64_t result_count, std::string_view chosen_asset) {
  return EventBuilder("search.performed")
      .set("query", query)
      .set("results", result_count)
      .text_if("chosen", chosen_asset)
      .build();
}

namespace {
Result<Event> lead_event(std::string_view type, const LeadRecord& lead) {
  return EventBuilder(type)
      .set("form", lead.form)
      .set("form_version", lead.form_version)
      .set("show", lead.show)
      .set("dedupe_key", binary(lead.dedupe_key.bytes))
      .set("score", lead.score)
      .set("consent_version", lead.consent_version)
      .set("sealed", binary(lead.sealed))
      .build();
}
}  // namespace

Result<Event> lead_captured(const LeadRecord& lead) { return lead_event("lead.captured", lead); }
Result<Event> lead_repeat_visit(const LeadRecord& lead) { return lead_event("lead.repeat_visit", lead); }

Result<Event> lead_followed_up(std::string_view lead, std::string_view outcome, std::string_view note,
                               const crypto::BoxPublicKey& hub) {
  EventBuilder b("lead.followed_up");
  b.set("lead", lead).set("outcome", outcome);
  if (!note.empty()) {
    if (note.size() > prose_max) {
      return Status(Errc::invalid_argument,
                    "lead.followed_up: 'note' is longer than " + std::to_string(prose_max) + " bytes");
    }
    if (!valid_utf8(note)) return Status(Errc::invalid_argument, "lead.followed_up: 'note' is not valid UTF-8");
    b.set("sealed_note", binary(crypto::seal(hub, as_bytes(note))));
  }
  return b.build();
}

Result<Event> consent_withdrawn(std::string_view show, const crypto::Digest& dedupe_key, ByteView sealed) {
  return EventBuilder("consent.withdrawn")
      .set("show", show)
      .set("dedupe_key", binary(dedupe_key.bytes))
      .set("sealed", binary(sealed))
      .build();
}

Result<Event> sync_completed(const SyncSummary& s) {
  return EventBuilder("sync.completed")
      .set("catalog_seq", s.catalog_seq)
      .set("events_sent", s.events_sent)
      .set("chunks_fetched", s.chunks_fetched)
      .set("bytes_received", s.bytes_received)
      .set("duration_ms", s.duration_ms)
      .build();
}

Result<Event> journal_dropped(std::uint64_t count, std::uint64_t first_seq, std::uint64_t last_seq) {
  return EventBuilder("journal.dropped").set("count", count).set("first_seq", first_seq).set("last_seq", last_seq).build();
}

}  // namespace outpost::journal
