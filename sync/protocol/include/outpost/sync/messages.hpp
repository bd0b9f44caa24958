// The typed messages of a sync session (docs/protocol.md §10), one struct
// per message type, each with to_envelope() and a parse() that checks every
// field and names the first one that is missing or wrong (invalid_argument).
// Both ends use these, so the hub and the device cannot disagree on a field.
// Value types; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "outpost/cache/asset_cache.hpp"
#include "outpost/cache/asset_reader.hpp"
#include "outpost/cache/chunk_store.hpp"
#include "outpost/journal/journal.hpp"
#include "outpost/leads/assigned_leads.hpp"
#include "outpost/sync/envelope.hpp"

namespace outpost::sync::msg {

using CurveKey = std::array<std::uint8_t, 32>;

// Most chunk ids one chunk.get or publish.have may name (keeps the header
// frame well under Limits::max_header).
inline constexpr std::size_t max_chunk_ids = 64;
inline constexpr std::size_t max_have_ids = 1024;
// Most events one journal.push may carry.
inline constexpr std::size_t max_push_events = 512;

// ---- enrollment endpoint
struct Enroll {
  static constexpr const char* type = "enroll";
  std::array<std::uint8_t, 32> secret{};
  CurveKey device_key{};
  Envelope to_envelope(std::uint64_t id) const;
  static Result<Enroll> parse(const Envelope& e);
};

struct EnrollOk {
  static constexpr const char* type = "enroll.ok";
  std::string device;
  std::string role;
  std::string sync_endpoint;    // tcp://host:port
  std::string notice_endpoint;  // tcp://host:port
  Envelope to_envelope(std::uint64_t id) const;
  static Result<EnrollOk> parse(const Envelope& e);
};

// ---- device sessions
struct Hello {
  static constexpr const char* type = "hello";
  Bytes journal_id;  // 8-32 bytes (the journal makes 16)
  std::uint64_t catalog_seq = 0;
  std::uint64_t journal_head = 0;
  // Rep devices: the X25519 public key their assigned leads are sealed to.
  // Absent from kiosks and from devices older than the lead loop.
  std::optional<std::array<std::uint8_t, 32>> lead_box = std::nullopt;
  Envelope to_envelope(std::uint64_t id) const;
  static Result<Hello> parse(const Envelope& e);
};

struct HelloOk {
  static constexpr const char* type = "hello.ok";
  std::int64_t hub_time_ms = 0;  // the hub's wall clock, Unix ms
  std::uint64_t catalog_seq = 0;
  std::uint64_t journal_acked = 0;
  bool wipe = false;
  // The chain hash of event journal_acked as the hub holds it (absent when
  // it holds none): a device compares it with its own before taking the
  // hub's word that it holds that much.
  std::optional<crypto::Digest> journal_acked_hash = std::nullopt;
  Envelope to_envelope(std::uint64_t id) const;
  static Result<HelloOk> parse(const Envelope& e);
};

struct CatalogGet {
  static constexpr const char* type = "catalog.get";
  std::uint64_t since_seq = 0;
  Envelope to_envelope(std::uint64_t id) const;
  static Result<CatalogGet> parse(const Envelope& e);
};

struct CatalogDeltaMsg {
  static constexpr const char* type = "catalog.delta";
  Bytes delta;  // CatalogDelta::encode()
  Envelope to_envelope(std::uint64_t id) const;
  static Result<CatalogDeltaMsg> parse(const Envelope& e);
};

struct RecipeGet {
  static constexpr const char* type = "recipe.get";
  cache::VersionRef ref;
  // A version of the same asset whose recipe the device holds: the hub may
  // answer with the changes against it instead of the whole recipe.
  std::optional<std::uint64_t> base;
  Envelope to_envelope(std::uint64_t id) const;
  static Result<RecipeGet> parse(const Envelope& e);
};

// A recipe travels packed: 36 bytes per chunk, id (32) || be32(size);
// offsets follow from the sizes.
Bytes pack_recipe(const std::vector<cache::RecipeEntry>& recipe);
Result<std::vector<cache::RecipeEntry>> unpack_recipe(ByteView packed);

// A recipe as changes against a base recipe: a sequence of
//   0x01 be32(start) be32(count)        copy base entries [start, start+count)
//   0x02 be32(n) n x (id 32 || be32 size)  new entries
// A small edit of a large file costs a few dozen bytes of recipe, not 36
// bytes for every chunk.
Bytes diff_recipe(const std::vector<cache::RecipeEntry>& base, const std::vector<cache::RecipeEntry>& target);
// The most entries a recipe has: as many as one data frame holds packed.
// A delta may copy the whole base again and again, so without this bound
// nine bytes of delta could cost the device a copy of its largest recipe.
inline constexpr std::size_t max_recipe_entries = Limits{}.max_frame / 36;
// invalid_argument if ops are malformed or copy outside base, or the
// recipe would pass max_recipe_entries.
Result<std::vector<cache::RecipeEntry>> patch_recipe(const std::vector<cache::RecipeEntry>& base, ByteView delta);

struct RecipeMsg {
  static constexpr const char* type = "recipe";
  cache::VersionRef ref;
  std::vector<cache::RecipeEntry> recipe;  // the whole recipe (when !base)
  std::optional<std::uint64_t> base;       // set: data frame 1 is diff_recipe() against this version
  Bytes delta;
  Envelope to_envelope(std::uint64_t id) const;
  static Result<RecipeMsg> parse(const Envelope& e);
  // The recipe, patched onto base_recipe when the reply is a delta.
  Result<std::vector<cache::RecipeEntry>> resolve(const std::vector<cache::RecipeEntry>& base_recipe) const;
};

struct ChunkGet {
  static constexpr const char* type = "chunk.get";
  std::vector<cache::ChunkId> chunks;  // 1..max_chunk_ids
  Envelope to_envelope(std::uint64_t id) const;
  static Result<ChunkGet> parse(const Envelope& e);
};

// The chunks sent, in the order of the data frames, and those refused.
struct ChunkData {
  static constexpr const char* type = "chunk.data";
  std::vector<cache::ChunkId> chunks;
  std::vector<cache::ChunkId> refused;
  std::vector<Bytes> data;  // one per chunk
  Envelope to_envelope(std::uint64_t id) const;
  Envelope into_envelope(std::uint64_t id) &&;  // the same, moving the chunk bytes
  static Result<ChunkData> parse(Envelope e);
};

struct JournalPush {
  static constexpr const char* type = "journal.push";
  Bytes journal_id;
  std::vector<journal::StoredEvent> events;  // contiguous seqs
  // A forked journal names the journal it continues, in every push; the
  // hub uses it when the journal id is new to it.
  std::optional<journal::JournalParent> continues = std::nullopt;
  Envelope to_envelope(std::uint64_t id) const;
  // Checks each row's form and payload hash (not the chain: the hub does,
  // against what it holds).
  static Result<JournalPush> parse(const Envelope& e);
};

struct JournalAck {
  static constexpr const char* type = "journal.ack";
  std::uint64_t acked_seq = 0;
  // The first resent event that differs from the one the hub holds: the
  // device's journal diverged there (restored from a copy, or cloned), and
  // nothing of the push from there on was taken.
  std::optional<std::uint64_t> diverged_at = std::nullopt;
  Envelope to_envelope(std::uint64_t id) const;
  static Result<JournalAck> parse(const Envelope& e);
};

// Lead deliveries to a rep device (docs/protocol.md §10.3, §10.8).
// Most deliveries one leads.batch carries, and the sealed bytes the hub puts
// in one (a batch always carries at least one delivery, whatever its size).
inline constexpr std::size_t max_lead_items = 256;
inline constexpr std::size_t lead_batch_bytes = 1u << 20;
// Bounds of one sealed assignment (crypto_box_seal of a JSON document).
inline constexpr std::size_t min_sealed_lead = 49;
inline constexpr std::size_t max_sealed_lead = 4u << 20;

struct LeadsGet {
  static constexpr const char* type = "leads.get";
  std::uint64_t after = 0;  // the last delivery seq the device applied
  Envelope to_envelope(std::uint64_t id) const;
  static Result<LeadsGet> parse(const Envelope& e);
};

// The deliveries after `after`, in seq order with no gap, in data frame 1
// (MessagePack list of {seq, lead, kind, sealed?}); more: ask again.
struct LeadsBatch {
  static constexpr const char* type = "leads.batch";
  std::vector<leads::LeadDelivery> items;  // 0..max_lead_items
  bool more = false;
  Envelope to_envelope(std::uint64_t id) const;
  static Result<LeadsBatch> parse(const Envelope& e);
};

// Most versions one session.done may report as held.
inline constexpr std::size_t max_holdings = 10000;

// The end of a session: what the device now holds, for the hub's adoption
// records. holdings rides in data frame 1 (MessagePack list of [asset,
// version]); absent means not told (a device before holdings), which the
// hub keeps apart from an empty list.
struct SessionDone {
  static constexpr const char* type = "session.done";
  std::uint64_t catalog_seq = 0;
  std::optional<std::vector<cache::VersionRef>> holdings;  // at most max_holdings
  Envelope to_envelope(std::uint64_t id) const;
  static Result<SessionDone> parse(const Envelope& e);
};

// The complete versions of a cache listing, as session.done reports them;
// nullopt when there are more than max_holdings (the hub then keeps its
// last record rather than refusing the session's end).
std::optional<std::vector<cache::VersionRef>> complete_holdings(const std::vector<cache::VersionInfo>& versions);

// ---- publisher endpoint
struct PublishHave {
  static constexpr const char* type = "publish.have";
  std::vector<cache::ChunkId> chunks;  // 1..max_have_ids
  Envelope to_envelope(std::uint64_t id) const;
  static Result<PublishHave> parse(const Envelope& e);
};

struct PublishMissing {
  static constexpr const char* type = "publish.missing";
  std::vector<cache::ChunkId> chunks;
  Envelope to_envelope(std::uint64_t id) const;
  static Result<PublishMissing> parse(const Envelope& e);
};

// Chunks to store: ids in the body, bytes in the data frames.
struct PublishChunks {
  static constexpr const char* type = "publish.chunks";
  std::vector<cache::ChunkId> chunks;  // 1..max_chunk_ids
  std::vector<Bytes> data;
  Envelope to_envelope(std::uint64_t id) const;
  static Result<PublishChunks> parse(Envelope e);
};

struct PublishStored {
  static constexpr const char* type = "publish.stored";
  std::uint64_t count = 0;
  Envelope to_envelope(std::uint64_t id) const;
  static Result<PublishStored> parse(const Envelope& e);
};

// A signed release (with the recipe of its content) or revocation.
struct PublishStatement {
  static constexpr const char* type = "publish.statement";
  Bytes statement;                                     // SignedStatement::encode()
  std::optional<std::vector<cache::RecipeEntry>> recipe;  // releases only
  Envelope to_envelope(std::uint64_t id) const;
  static Result<PublishStatement> parse(const Envelope& e);
};

struct PublishOk {
  static constexpr const char* type = "publish.ok";
  std::uint64_t seq = 0;
  Envelope to_envelope(std::uint64_t id) const;
  static Result<PublishOk> parse(const Envelope& e);
};

// Either endpoint's refusal: error {code, message[, seq]}.
struct ErrorMsg {
  static constexpr const char* type = "error";
  Errc code = Errc::io;
  std::string message;
  std::optional<std::uint64_t> seq;  // journal.push: the first event that does not chain
  Status status() const { return {code, message}; }
  Envelope to_envelope(std::uint64_t id) const;
  static Result<ErrorMsg> parse(const Envelope& e);
};

// The wire token back to an Errc (unknown tokens read as io).
Errc errc_from_wire(std::string_view code);

// A reply of the expected type, or the hub's error as a Status, or
// invalid_argument for anything else.
template <typename M>
Result<M> expect(const Envelope& e) {
  if (e.type == M::type) return M::parse(e);
  if (e.type == ErrorMsg::type) {
    Result<ErrorMsg> err = ErrorMsg::parse(e);
    if (!err) return err.status();
    return err->status();
  }
  return Status(Errc::invalid_argument, "expected a '" + std::string(M::type) + "' reply, got '" + e.type + "'");
}

// Notices on the PUB endpoint: topic frame "catalog", then MessagePack {seq}.
inline constexpr std::string_view notice_topic = "catalog";
std::vector<Bytes> catalog_notice(std::uint64_t seq);
Result<std::uint64_t> parse_catalog_notice(const std::vector<Bytes>& frames);

// Lead notices on the same endpoint: topic "leads/" + 16 hex characters of
// BLAKE2b(the rep device's lead_box), so only that device knows its topic;
// then MessagePack {seq}: the device's newest lead delivery.
std::string lead_notice_topic(const crypto::BoxPublicKey& lead_box);
std::vector<Bytes> lead_notice(const std::string& topic, std::uint64_t seq);
// invalid_argument unless the frames are a lead notice on this topic.
Result<std::uint64_t> parse_lead_notice(const std::vector<Bytes>& frames, const std::string& topic);

}  // namespace outpost::sync::msg
