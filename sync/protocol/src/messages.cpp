#include "outpost/sync/messages.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "outpost/base/seq.hpp"
#include "outpost/cache/version_ref.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/journal/event_row.hpp"

namespace outpost::sync::msg {

namespace {

using json = nlohmann::json;

json bin(ByteView b) { return json::binary(std::vector<std::uint8_t>(b.begin(), b.end())); }

Envelope make(const char* type, std::uint64_t id, json body, std::vector<Bytes> data = {}) {
  Envelope e;
  e.type = type;
  e.id = id;
  e.body = std::move(body);
  e.data = std::move(data);
  return e;
}

// Reads the fields of one message's body; the first problem wins and is
// reported as "<type>: <field> ...".
class Fields {
 public:
  explicit Fields(const Envelope& e) : e_(e) {}

  std::uint64_t u64(const char* name) {
    const json* v = find(name);
    if (v == nullptr) return 0;
    if (!v->is_number_unsigned()) return fail(name, "is not an unsigned integer"), 0;
    return v->get<std::uint64_t>();
  }
  // A sequence number: at most max_seq (base/seq.hpp).
  std::uint64_t seq(const char* name) {
    const std::uint64_t v = u64(name);
    if (v > max_seq) return fail(name, "is above 2^63-1, the largest seq"), 0;
    return v;
  }
  std::int64_t i64(const char* name) {
    const json* v = find(name);
    if (v == nullptr) return 0;
    if (!v->is_number_integer()) return fail(name, "is not an integer"), 0;
    return v->get<std::int64_t>();
  }
  bool boolean(const char* name) {
    const json* v = find(name);
    if (v == nullptr) return false;
    if (!v->is_boolean()) return fail(name, "is not a boolean"), false;
    return v->get<bool>();
  }
  std::string text(const char* name, std::size_t max = 1024) {
    const json* v = find(name);
    if (v == nullptr) return {};
    if (!v->is_string() || v->get_ref<const std::string&>().size() > max) {
      return fail(name, "is not a string of at most " + std::to_string(max) + " bytes"), std::string();
    }
    return v->get<std::string>();
  }
  Bytes bytes(const char* name, std::size_t min, std::size_t max) {
    const json* v = find(name);
    if (v == nullptr) return {};
    if (!v->is_binary() || v->get_binary().size() < min || v->get_binary().size() > max) {
      return fail(name, "is not " + std::to_string(min) + "-" + std::to_string(max) + " bytes"), Bytes();
    }
    return v->get_binary();
  }
  template <std::size_t N>
  std::array<std::uint8_t, N> fixed(const char* name) {
    std::array<std::uint8_t, N> out{};
    const Bytes b = bytes(name, N, N);
    if (b.size() == N) std::copy(b.begin(), b.end(), out.begin());
    return out;
  }
  std::vector<cache::ChunkId> ids(const char* name, std::size_t min, std::size_t max) {
    std::vector<cache::ChunkId> out;
    const json* v = find(name);
    if (v == nullptr) return out;
    if (!v->is_array() || v->size() < min || v->size() > max) {
      return fail(name, "is not a list of " + std::to_string(min) + "-" + std::to_string(max) + " chunk ids"), out;
    }
    for (const json& item : *v) {
      std::optional<crypto::Digest> id;
      if (item.is_binary()) id = crypto::Digest::from_bytes(item.get_binary());
      if (!id) return fail(name, "holds an id that is not 32 bytes"), std::vector<cache::ChunkId>();
      out.push_back(*id);
    }
    return out;
  }
  const json* optional(const char* name) const {
    const auto it = e_.body.find(name);
    return it == e_.body.end() || it->is_null() ? nullptr : &*it;
  }
  void fail(const char* name, const std::string& why) {
    if (problem_.empty()) problem_ = std::string(name) + " " + why;
  }
  void fail(const std::string& why) {
    if (problem_.empty()) problem_ = why;
  }
  template <typename M>
  Result<M> done(M message) const {
    if (!problem_.empty()) return Status(Errc::invalid_argument, e_.type + ": " + problem_);
    return message;
  }

 private:
  const json* find(const char* name) {
    const auto it = e_.body.find(name);
    if (it == e_.body.end()) return fail(name, "is missing"), nullptr;
    return &*it;
  }
  const Envelope& e_;
  std::string problem_;
};

json id_list(const std::vector<cache::ChunkId>& ids) {
  json out = json::array();
  for (const auto& id : ids) out.push_back(bin(id.bytes));
  return out;
}

// Chunk data frames must match the ids one to one.
Status check_frames(const std::string& type, std::size_t ids, std::size_t frames) {
  if (ids == frames) return {};
  return {Errc::invalid_argument, type + ": " + std::to_string(ids) + " chunk ids but " + std::to_string(frames) +
                                      " data frames"};
}

cache::VersionRef read_ref(Fields& f) {
  cache::VersionRef ref{f.text("asset", 128), f.u64("version")};
  if (Status s = cache::validate(ref); !s) f.fail(s.message());
  return ref;
}

}  // namespace

// ---- enrollment

Envelope Enroll::to_envelope(std::uint64_t id) const {
  return make(type, id, {{"secret", bin(secret)}, {"device_key", bin(device_key)}});
}
Result<Enroll> Enroll::parse(const Envelope& e) {
  Fields f(e);
  Enroll m;
  m.secret = f.fixed<32>("secret");
  m.device_key = f.fixed<32>("device_key");
  return f.done(m);
}

Envelope EnrollOk::to_envelope(std::uint64_t id) const {
  return make(type, id,
              {{"device", device}, {"role", role}, {"sync_endpoint", sync_endpoint}, {"notice_endpoint", notice_endpoint}});
}
Result<EnrollOk> EnrollOk::parse(const Envelope& e) {
  Fields f(e);
  EnrollOk m;
  m.device = f.text("device", 64);
  m.role = f.text("role", 16);
  m.sync_endpoint = f.text("sync_endpoint", 256);
  m.notice_endpoint = f.text("notice_endpoint", 256);
  return f.done(m);
}

// ---- device session

Envelope Hello::to_envelope(std::uint64_t id) const {
  json body{{"journal_id", bin(journal_id)}, {"catalog_seq", catalog_seq}, {"journal_head", journal_head}};
  if (lead_box) body["lead_box"] = bin(*lead_box);
  return make(type, id, std::move(body));
}
Result<Hello> Hello::parse(const Envelope& e) {
  Fields f(e);
  Hello m;
  m.journal_id = f.bytes("journal_id", 8, 32);
  m.catalog_seq = f.seq("catalog_seq");
  m.journal_head = f.seq("journal_head");
  if (f.optional("lead_box") != nullptr) m.lead_box = f.fixed<32>("lead_box");
  return f.done(m);
}

Envelope HelloOk::to_envelope(std::uint64_t id) const {
  json body{{"hub_time", hub_time_ms}, {"catalog_seq", catalog_seq}, {"journal_acked", journal_acked}, {"wipe", wipe}};
  if (journal_acked_hash) body["journal_acked_hash"] = bin(journal_acked_hash->view());
  return make(type, id, std::move(body));
}
Result<HelloOk> HelloOk::parse(const Envelope& e) {
  Fields f(e);
  HelloOk m;
  m.hub_time_ms = f.i64("hub_time");
  m.catalog_seq = f.seq("catalog_seq");
  m.journal_acked = f.seq("journal_acked");
  if (f.optional("journal_acked_hash") != nullptr) {
    const auto hash = f.fixed<32>("journal_acked_hash");
    m.journal_acked_hash = crypto::Digest{hash};
  }
  m.wipe = f.boolean("wipe");
  return f.done(m);
}

Envelope CatalogGet::to_envelope(std::uint64_t id) const { return make(type, id, {{"since_seq", since_seq}}); }
Result<CatalogGet> CatalogGet::parse(const Envelope& e) {
  Fields f(e);
  CatalogGet m;
  m.since_seq = f.seq("since_seq");
  return f.done(m);
}

Envelope CatalogDeltaMsg::to_envelope(std::uint64_t id) const { return make(type, id, json::object(), {delta}); }
Result<CatalogDeltaMsg> CatalogDeltaMsg::parse(const Envelope& e) {
  // The delta rides in a data frame: it can outgrow the header limit.
  if (e.data.size() != 1) return Status(Errc::invalid_argument, "catalog.delta: expected one data frame");
  return CatalogDeltaMsg{e.data.front()};
}

Envelope RecipeGet::to_envelope(std::uint64_t id) const {
  json body{{"asset", ref.asset}, {"version", ref.version}};
  if (base) body["base"] = *base;
  return make(type, id, std::move(body));
}
Result<RecipeGet> RecipeGet::parse(const Envelope& e) {
  Fields f(e);
  RecipeGet m;
  m.ref = read_ref(f);
  if (f.optional("base") != nullptr) m.base = f.u64("base");
  return f.done(m);
}

Bytes pack_recipe(const std::vector<cache::RecipeEntry>& recipe) {
  Bytes out;
  out.reserve(recipe.size() * 36);
  for (const auto& entry : recipe) {
    out.insert(out.end(), entry.id.bytes.begin(), entry.id.bytes.end());
    append_be32(out, entry.size);
  }
  return out;
}

Result<std::vector<cache::RecipeEntry>> unpack_recipe(ByteView packed) {
  if (packed.size() % 36 != 0) return Status(Errc::invalid_argument, "recipe: not a whole number of 36-byte entries");
  std::vector<cache::RecipeEntry> out;
  out.reserve(packed.size() / 36);
  std::uint64_t offset = 0;
  for (std::size_t at = 0; at < packed.size(); at += 36) {
    cache::RecipeEntry entry;
    std::memcpy(entry.id.bytes.data(), packed.data() + at, 32);
    const std::uint8_t* s = packed.data() + at + 32;
    entry.size = load_be32(s);
    entry.offset = offset;
    offset += entry.size;
    out.push_back(entry);
  }
  return out;
}

Bytes diff_recipe(const std::vector<cache::RecipeEntry>& base, const std::vector<cache::RecipeEntry>& target) {
  std::unordered_map<cache::ChunkId, std::size_t> first;  // chunk id -> its first index in base
  for (std::size_t j = base.size(); j-- > 0;) first[base[j].id] = j;
  Bytes out;
  std::vector<cache::RecipeEntry> fresh;
  auto flush_new = [&] {
    if (fresh.empty()) return;
    out.push_back(0x02);
    append_be32(out, static_cast<std::uint32_t>(fresh.size()));
    const Bytes packed = pack_recipe(fresh);
    out.insert(out.end(), packed.begin(), packed.end());
    fresh.clear();
  };
  for (std::size_t i = 0; i < target.size();) {
    const auto it = first.find(target[i].id);
    if (it == first.end() || base[it->second].size != target[i].size) {
      fresh.push_back(target[i++]);
      continue;
    }
    std::size_t j = it->second, run = 0;
    while (i + run < target.size() && j + run < base.size() && base[j + run].id == target[i + run].id &&
           base[j + run].size == target[i + run].size) {
      ++run;
    }
    flush_new();
    out.push_back(0x01);
    append_be32(out, static_cast<std::uint32_t>(j));
    append_be32(out, static_cast<std::uint32_t>(run));
    i += run;
  }
  flush_new();
  return out;
}

Result<std::vector<cache::RecipeEntry>> patch_recipe(const std::vector<cache::RecipeEntry>& base, ByteView delta) {
  const Status bad(Errc::invalid_argument, "recipe delta: malformed or out of range");
  const Status too_long(Errc::invalid_argument, "recipe delta: the recipe would have more than " +
                                                    std::to_string(max_recipe_entries) + " entries");
  std::vector<cache::RecipeEntry> out;
  std::size_t at = 0;
  std::uint64_t offset = 0;
  auto add = [&](cache::RecipeEntry e) {
    e.offset = offset;
    offset += e.size;
    out.push_back(e);
  };
  while (at < delta.size()) {
    const std::uint8_t op = delta[at++];
    if (op == 0x01 && delta.size() - at >= 8) {
      const std::uint64_t start = load_be32(delta.data() + at), count = load_be32(delta.data() + at + 4);
      at += 8;
      if (count == 0 || start + count > base.size()) return bad;
      if (count > max_recipe_entries - out.size()) return too_long;
      for (std::uint64_t k = 0; k < count; ++k) add(base[start + k]);
    } else if (op == 0x02 && delta.size() - at >= 4) {
      const std::uint64_t n = load_be32(delta.data() + at);
      at += 4;
      if (n == 0 || (delta.size() - at) / 36 < n) return bad;
      if (n > max_recipe_entries - out.size()) return too_long;
      auto entries = unpack_recipe(delta.subspan(at, n * 36));
      if (!entries) return entries.status();
      for (const auto& e : *entries) add(e);
      at += n * 36;
    } else {
      return bad;
    }
  }
  return out;
}

Envelope RecipeMsg::to_envelope(std::uint64_t id) const {
  // The recipe rides in a data frame (a large file has thousands of chunks).
  json body{{"asset", ref.asset}, {"version", ref.version}};
  if (base) body["base"] = *base;
  return make(type, id, std::move(body), {base ? delta : pack_recipe(recipe)});
}
Result<RecipeMsg> RecipeMsg::parse(const Envelope& e) {
  Fields f(e);
  RecipeMsg m;
  m.ref = read_ref(f);
  if (f.optional("base") != nullptr) m.base = f.u64("base");
  if (e.data.size() != 1) f.fail("expected one data frame (the packed recipe)");
  Result<RecipeMsg> checked = f.done(m);
  if (!checked) return checked;
  if (checked->base) {
    checked->delta = e.data.front();
    return checked;
  }
  auto recipe = unpack_recipe(e.data.front());
  if (!recipe) return recipe.status();
  checked->recipe = std::move(*recipe);
  return checked;
}

Result<std::vector<cache::RecipeEntry>> RecipeMsg::resolve(const std::vector<cache::RecipeEntry>& base_recipe) const {
  if (!base) return recipe;
  return patch_recipe(base_recipe, delta);
}

Envelope ChunkGet::to_envelope(std::uint64_t id) const { return make(type, id, {{"chunks", id_list(chunks)}}); }
Result<ChunkGet> ChunkGet::parse(const Envelope& e) {
  Fields f(e);
  ChunkGet m;
  m.chunks = f.ids("chunks", 1, max_chunk_ids);
  return f.done(m);
}

Envelope ChunkData::to_envelope(std::uint64_t id) const {
  return make(type, id, {{"chunks", id_list(chunks)}, {"refused", id_list(refused)}}, data);
}
Envelope ChunkData::into_envelope(std::uint64_t id) && {
  return make(type, id, {{"chunks", id_list(chunks)}, {"refused", id_list(refused)}}, std::move(data));
}
Result<ChunkData> ChunkData::parse(Envelope e) {
  Fields f(e);
  ChunkData m;
  m.chunks = f.ids("chunks", 0, max_chunk_ids);
  m.refused = f.ids("refused", 0, max_chunk_ids);
  Result<ChunkData> checked = f.done(std::move(m));
  if (!checked) return checked;
  if (Status s = check_frames(e.type, checked->chunks.size(), e.data.size()); !s) return s;
  checked->data = std::move(e.data);
  return checked;
}

Envelope JournalPush::to_envelope(std::uint64_t id) const {
  // The rows ride in a data frame: a batch can outgrow the header limit.
  json rows = json::array();
  for (const auto& event : events) rows.push_back(journal::to_row(event));
  json body{{"journal_id", bin(journal_id)}};
  if (continues) {
    body["parent_id"] = bin(continues->journal_id);
    body["parent_seq"] = continues->seq;
  }
  return make(type, id, std::move(body), {json::to_msgpack(rows)});
}
Result<JournalPush> JournalPush::parse(const Envelope& e) {
  Fields f(e);
  JournalPush m;
  m.journal_id = f.bytes("journal_id", 8, 32);
  if (f.optional("parent_id") != nullptr) m.continues = journal::JournalParent{f.bytes("parent_id", 8, 32), f.seq("parent_seq")};
  if (e.data.size() != 1) f.fail("expected one data frame (the event rows)");
  Result<JournalPush> checked = f.done(std::move(m));
  if (!checked) return checked;
  json rows;
  try {
    rows = json::from_msgpack(e.data.front().begin(), e.data.front().end());
  } catch (const json::exception&) {
    return Status(Errc::invalid_argument, "journal.push: the event rows are not MessagePack");
  }
  if (!rows.is_array() || rows.empty() || rows.size() > max_push_events) {
    return Status(Errc::invalid_argument,
                  "journal.push: expected a list of 1-" + std::to_string(max_push_events) + " event rows");
  }
  for (const json& row : rows) {
    Result<journal::StoredEvent> event = journal::from_row(row);
    if (!event) return Status(Errc::invalid_argument, "journal.push: " + event.status().message());
    if (!checked->events.empty() && event->seq != checked->events.back().seq + 1) {
      return Status(Errc::invalid_argument, "journal.push: seqs are not contiguous at " + std::to_string(event->seq));
    }
    checked->events.push_back(std::move(*event));
  }
  return checked;
}

Envelope JournalAck::to_envelope(std::uint64_t id) const {
  json body{{"acked_seq", acked_seq}};
  if (diverged_at) body["diverged_at"] = *diverged_at;
  return make(type, id, std::move(body));
}
Result<JournalAck> JournalAck::parse(const Envelope& e) {
  Fields f(e);
  JournalAck m;
  m.acked_seq = f.seq("acked_seq");
  if (f.optional("diverged_at") != nullptr) m.diverged_at = f.seq("diverged_at");
  return f.done(m);
}

Envelope LeadsGet::to_envelope(std::uint64_t id) const { return make(type, id, {{"after", after}}); }
Result<LeadsGet> LeadsGet::parse(const Envelope& e) {
  Fields f(e);
  LeadsGet m;
  m.after = f.seq("after");
  return f.done(m);
}

Envelope LeadsBatch::to_envelope(std::uint64_t id) const {
  // The deliveries ride in a data frame: sealed assignments can outgrow the header limit.
  json list = json::array();
  for (const leads::LeadDelivery& d : items) {
    json item{{"seq", d.seq}, {"lead", d.lead}, {"kind", d.kind}};
    if (d.sealed) item["sealed"] = bin(*d.sealed);
    list.push_back(std::move(item));
  }
  return make(type, id, {{"more", more}}, {json::to_msgpack(list)});
}
Result<LeadsBatch> LeadsBatch::parse(const Envelope& e) {
  Fields f(e);
  LeadsBatch m;
  m.more = f.boolean("more");
  if (e.data.size() != 1) f.fail("expected one data frame (the deliveries)");
  Result<LeadsBatch> checked = f.done(std::move(m));
  if (!checked) return checked;
  auto bad = [](const std::string& why) { return Status(Errc::invalid_argument, "leads.batch: " + why); };
  json list;
  try {
    list = json::from_msgpack(e.data.front().begin(), e.data.front().end());
  } catch (const json::exception&) {
    return bad("the deliveries are not MessagePack");
  }
  if (!list.is_array() || list.size() > max_lead_items) {
    return bad("expected a list of at most " + std::to_string(max_lead_items) + " deliveries");
  }
  if (list.empty() && checked->more) return bad("no deliveries, yet more is true");
  for (const json& item : list) {
    const std::string at = "delivery " + std::to_string(checked->items.size() + 1) + ": ";
    if (!item.is_object()) return bad(at + "is not a map");
    leads::LeadDelivery d;
    const auto seq = item.find("seq");
    if (seq == item.end() || !seq->is_number_unsigned() || seq->get<std::uint64_t>() == 0 ||
        seq->get<std::uint64_t>() > max_seq) {
      return bad(at + "seq is not an unsigned integer from 1 to 2^63-1");
    }
    d.seq = seq->get<std::uint64_t>();
    if (!checked->items.empty() && d.seq != checked->items.back().seq + 1) {
      return bad(at + "seq " + std::to_string(d.seq) + " does not follow " + std::to_string(checked->items.back().seq));
    }
    const auto lead = item.find("lead");
    if (lead == item.end() || !lead->is_string() || lead->get_ref<const std::string&>().empty() ||
        lead->get_ref<const std::string&>().size() > 256) {
      return bad(at + "lead is not a string of 1-256 bytes");
    }
    d.lead = lead->get<std::string>();
    const auto kind = item.find("kind");
    if (kind == item.end() || !kind->is_string() || (*kind != "assign" && *kind != "withdraw")) {
      return bad(at + "kind is not 'assign' or 'withdraw'");
    }
    d.kind = kind->get<std::string>();
    const auto sealed = item.find("sealed");
    const bool has_sealed = sealed != item.end() && !sealed->is_null();
    if (d.kind == "assign") {
      if (!has_sealed || !sealed->is_binary() || sealed->get_binary().size() < min_sealed_lead ||
          sealed->get_binary().size() > max_sealed_lead) {
        return bad(at + "sealed is not " + std::to_string(min_sealed_lead) + "-" + std::to_string(max_sealed_lead) +
                   " bytes");
      }
      d.sealed = Bytes(sealed->get_binary());
    } else if (has_sealed) {
      return bad(at + "a withdrawal carries no sealed assignment");
    }
    checked->items.push_back(std::move(d));
  }
  return checked;
}

Envelope SessionDone::to_envelope(std::uint64_t id) const {
  if (!holdings) return make(type, id, {{"catalog_seq", catalog_seq}});
  json list = json::array();
  for (const cache::VersionRef& ref : *holdings) list.push_back(json::array({ref.asset, ref.version}));
  return make(type, id, {{"catalog_seq", catalog_seq}}, {json::to_msgpack(list)});
}
Result<SessionDone> SessionDone::parse(const Envelope& e) {
  Fields f(e);
  SessionDone m;
  m.catalog_seq = f.seq("catalog_seq");
  if (e.data.size() > 1) f.fail("expected at most one data frame (the holdings)");
  Result<SessionDone> checked = f.done(std::move(m));
  if (!checked || e.data.empty()) return checked;
  const Status bad(Errc::invalid_argument, "session.done: the holdings are not a MessagePack list of [asset, version]");
  json list;
  try {
    list = json::from_msgpack(e.data.front().begin(), e.data.front().end());
  } catch (const json::exception&) {
    return bad;
  }
  if (!list.is_array()) return bad;
  if (list.size() > max_holdings) {
    return Status(Errc::invalid_argument, "session.done: " + std::to_string(list.size()) +
                                              " holdings (at most " + std::to_string(max_holdings) + ")");
  }
  checked->holdings.emplace();
  checked->holdings->reserve(list.size());
  for (const json& item : list) {
    if (!item.is_array() || item.size() != 2 || !item[0].is_string() || !item[1].is_number_unsigned()) return bad;
    cache::VersionRef ref{item[0].get<std::string>(), item[1].get<std::uint64_t>()};
    if (Status s = cache::validate(ref); !s) return Status(Errc::invalid_argument, "session.done: " + s.message());
    checked->holdings->push_back(std::move(ref));
  }
  return checked;
}

std::optional<std::vector<cache::VersionRef>> complete_holdings(const std::vector<cache::VersionInfo>& versions) {
  std::vector<cache::VersionRef> out;
  for (const cache::VersionInfo& v : versions) {
    if (v.missing_chunks == 0) out.push_back(v.ref);
  }
  if (out.size() > max_holdings) return std::nullopt;
  return out;
}

// ---- publisher

Envelope PublishHave::to_envelope(std::uint64_t id) const { return make(type, id, {{"chunks", id_list(chunks)}}); }
Result<PublishHave> PublishHave::parse(const Envelope& e) {
  Fields f(e);
  PublishHave m;
  m.chunks = f.ids("chunks", 1, max_have_ids);
  return f.done(m);
}

Envelope PublishMissing::to_envelope(std::uint64_t id) const { return make(type, id, {{"chunks", id_list(chunks)}}); }
Result<PublishMissing> PublishMissing::parse(const Envelope& e) {
  Fields f(e);
  PublishMissing m;
  m.chunks = f.ids("chunks", 0, max_have_ids);
  return f.done(m);
}

Envelope PublishChunks::to_envelope(std::uint64_t id) const {
  return make(type, id, {{"chunks", id_list(chunks)}}, data);
}
Result<PublishChunks> PublishChunks::parse(Envelope e) {
  Fields f(e);
  PublishChunks m;
  m.chunks = f.ids("chunks", 1, max_chunk_ids);
  Result<PublishChunks> checked = f.done(std::move(m));
  if (!checked) return checked;
  if (Status s = check_frames(e.type, checked->chunks.size(), e.data.size()); !s) return s;
  checked->data = std::move(e.data);
  return checked;
}

Envelope PublishStored::to_envelope(std::uint64_t id) const { return make(type, id, {{"count", count}}); }
Result<PublishStored> PublishStored::parse(const Envelope& e) {
  Fields f(e);
  PublishStored m;
  m.count = f.u64("count");
  return f.done(m);
}

Envelope PublishStatement::to_envelope(std::uint64_t id) const {
  std::vector<Bytes> data{statement};
  if (recipe) data.push_back(pack_recipe(*recipe));
  return make(type, id, json::object(), std::move(data));
}
Result<PublishStatement> PublishStatement::parse(const Envelope& e) {
  if (e.data.empty() || e.data.size() > 2) {
    return Status(Errc::invalid_argument, "publish.statement: expected the statement and, for a release, its recipe");
  }
  PublishStatement m;
  m.statement = e.data[0];
  if (e.data.size() == 2) {
    auto recipe = unpack_recipe(e.data[1]);
    if (!recipe) return recipe.status();
    m.recipe = std::move(*recipe);
  }
  return m;
}

Envelope PublishOk::to_envelope(std::uint64_t id) const { return make(type, id, {{"seq", seq}}); }
Result<PublishOk> PublishOk::parse(const Envelope& e) {
  Fields f(e);
  PublishOk m;
  m.seq = f.seq("seq");
  return f.done(m);
}

// ---- errors

Errc errc_from_wire(std::string_view code) {
  for (Errc c : {Errc::ok, Errc::invalid_argument, Errc::not_found, Errc::already_exists, Errc::integrity,
                 Errc::wrong_key, Errc::permission, Errc::io, Errc::disk_full, Errc::corrupt, Errc::unsupported,
                 Errc::busy}) {
    if (wire_code(c) == code) return c;
  }
  return Errc::io;
}

Envelope ErrorMsg::to_envelope(std::uint64_t id) const {
  Envelope e = error_reply(id, status());
  if (seq) e.body["seq"] = *seq;
  return e;
}
Result<ErrorMsg> ErrorMsg::parse(const Envelope& e) {
  Fields f(e);
  ErrorMsg m;
  m.code = errc_from_wire(f.text("code", 64));
  m.message = f.text("message", 4096);
  if (const json* seq = f.optional("seq"); seq != nullptr) {
    if (seq->is_number_unsigned() && seq->get<std::uint64_t>() <= max_seq) {
      m.seq = seq->get<std::uint64_t>();
    } else {
      f.fail("seq", "is not an unsigned integer up to 2^63-1");
    }
  }
  if (m.code == Errc::ok) f.fail("code", "is 'ok'");
  return f.done(m);
}

// ---- notices

std::vector<Bytes> catalog_notice(std::uint64_t seq) {
  return {Bytes(notice_topic.begin(), notice_topic.end()), json::to_msgpack(json{{"seq", seq}})};
}

namespace {

Result<std::uint64_t> parse_notice(const std::vector<Bytes>& frames, std::string_view topic, const char* what) {
  auto bad = [what] { return Status(Errc::invalid_argument, std::string("malformed ") + what + " notice"); };
  if (frames.size() != 2 ||
      std::string_view(reinterpret_cast<const char*>(frames[0].data()), frames[0].size()) != topic) {
    return bad();
  }
  try {
    const json doc = json::from_msgpack(frames[1].begin(), frames[1].end());
    if (!doc.is_object() || !doc.contains("seq") || !doc["seq"].is_number_unsigned() ||
        doc["seq"].get<std::uint64_t>() > max_seq) {
      return bad();
    }
    return doc["seq"].get<std::uint64_t>();
  } catch (const json::exception&) {
    return bad();
  }
}

}  // namespace

Result<std::uint64_t> parse_catalog_notice(const std::vector<Bytes>& frames) {
  return parse_notice(frames, notice_topic, "catalog");
}

std::string lead_notice_topic(const crypto::BoxPublicKey& lead_box) {
  const crypto::Digest d = crypto::blake2b(ByteView(lead_box.bytes.data(), lead_box.bytes.size()));
  std::string topic = "leads/";
  return topic.append(to_hex(ByteView(d.bytes.data(), 8)));
}

std::vector<Bytes> lead_notice(const std::string& topic, std::uint64_t seq) {
  return {Bytes(topic.begin(), topic.end()), json::to_msgpack(json{{"seq", seq}})};
}

Result<std::uint64_t> parse_lead_notice(const std::vector<Bytes>& frames, const std::string& topic) {
  return parse_notice(frames, topic, "lead");
}

}  // namespace outpost::sync::msg
