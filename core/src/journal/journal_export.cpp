#include "outpost/journal/journal_export.hpp"

#include <nlohmann/json.hpp>

#include <cstring>

#include "outpost/base/guard.hpp"
#include "outpost/crypto/secret_stream.hpp"
#include "outpost/journal/event_row.hpp"
#include "outpost/storage/file_io.hpp"

namespace outpost::journal {

namespace {

using json = nlohmann::json;

constexpr std::uint8_t magic[] = {'O', 'P', 'J', 'X', 1};
constexpr std::size_t batch = 1000;
constexpr std::size_t max_message = 64u << 20;

json bin(ByteView b) { return json::binary(std::vector<std::uint8_t>(b.begin(), b.end())); }

void append_message(Bytes& file, crypto::StreamSealer& sealer, const json& message, bool final) {
  Bytes plain = json::to_msgpack(message);
  const Bytes sealed = sealer.seal(plain, final);
  crypto::wipe(plain);
  append_be32(file, static_cast<std::uint32_t>(sealed.size()));
  file.insert(file.end(), sealed.begin(), sealed.end());
}

[[noreturn]] void bad(const std::string& why) { throw Error(Errc::integrity, "journal export: " + why); }

crypto::Digest digest_of(const json& v) {
  if (!v.is_binary() || v.get_binary().size() != crypto::Digest::size) bad("a hash is not 32 bytes");
  crypto::Digest d;
  std::memcpy(d.bytes.data(), v.get_binary().data(), d.size);
  return d;
}

const json& field(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) bad(std::string("no ") + name);
  return *it;
}

std::uint64_t u64(const json& v) {
  if (!v.is_number_unsigned()) bad("a number is malformed");
  return v.get<std::uint64_t>();
}

}  // namespace

Result<ExportSummary> export_undelivered(Journal& journal, const crypto::BoxPublicKey& hub,
                                         const std::filesystem::path& out, TimePoint now,
                                         Random& random) {
  return guarded([&]() -> Result<ExportSummary> {
    if (Status s = journal.flush(); !s) return s;
    const JournalStats stats = journal.stats();
    ChainLink from = journal.anchor();
    if (stats.acked_seq > from.seq) {
      auto acked = journal.read_after(stats.acked_seq - 1, 1);
      if (!acked) return acked.status();
      if (acked->empty()) return Status(Errc::corrupt, "journal: the acknowledged event is missing");
      from = {acked->front().seq, acked->front().hash, acked->front().time};
    }
    const crypto::SecretKey file_key = crypto::SecretKey::random(random, crypto::stream_key_size);
    Bytes file(std::begin(magic), std::end(magic));
    const Bytes sealed_key = crypto::seal(hub, file_key.view());
    file.insert(file.end(), sealed_key.begin(), sealed_key.end());
    crypto::StreamSealer sealer(file_key);
    file.insert(file.end(), sealer.header().begin(), sealer.header().end());
    append_message(file, sealer,
                   {{"journal_id", bin(journal.id())},
                    {"anchor_seq", from.seq},
                    {"anchor_hash", bin(from.hash.bytes)},
                    {"anchor_time", from.time.value},
                    {"exported_at", to_unix_ms(now)}},
                   false);
    ExportSummary summary;
    std::uint64_t after = from.seq;
    while (true) {
      auto events = journal.read_after(after, batch, 4u << 20);
      if (!events) return events.status();
      if (events->empty()) break;
      json rows = json::array();
      for (const StoredEvent& e : *events) {
        rows.push_back(to_row(e));
        if (summary.events++ == 0) summary.first_seq = e.seq;
        summary.last_seq = e.seq;
      }
      after = events->back().seq;
      append_message(file, sealer, {{"events", rows}}, false);
    }
    append_message(file, sealer, {{"count", summary.events}}, true);
    storage::create_file_durably(out, file, 0600);
    return summary;
  });
}

Result<ExportedJournal> read_export(const std::filesystem::path& path, const crypto::BoxKeyPair& hub) {
  return guarded([&]() -> Result<ExportedJournal> {
    const Bytes file = storage::read_file(path);
    const std::size_t key_at = sizeof magic, header_at = key_at + 32 + crypto::sealed_box_overhead;
    if (file.size() < header_at + crypto::stream_header_size || std::memcmp(file.data(), magic, sizeof magic) != 0) {
      return Status(Errc::invalid_argument, path.string() + " is not an Outpost journal export");
    }
    auto key_bytes = crypto::open_sealed(hub, ByteView(file).subspan(key_at, header_at - key_at));
    if (!key_bytes) return Status(Errc::wrong_key, "journal export: sealed to another hub key");
    const crypto::SecretKey file_key = crypto::SecretKey::from_bytes(*key_bytes);
    crypto::wipe(*key_bytes);
    crypto::StreamHeader header;
    std::memcpy(header.data(), file.data() + header_at, header.size());
    crypto::StreamOpener opener(file_key, header);

    std::size_t at = header_at + header.size();
    auto next = [&]() -> crypto::StreamOpener::Message {
      if (file.size() - at < 4) bad("truncated");
      const std::uint32_t n = load_be32(file.data() + at);
      at += 4;
      if (n > max_message || file.size() - at < n) bad("truncated");
      auto m = opener.open(ByteView(file).subspan(at, n));
      if (!m) bad("altered (a message does not authenticate)");
      at += n;
      return std::move(*m);
    };
    auto decode = [](const Bytes& b) {
      try {
        return json::from_msgpack(b.begin(), b.end());
      } catch (const json::exception&) {
        bad("a message is not valid MessagePack");
      }
    };

    ExportedJournal out;
    const json first = decode(next().bytes);
    if (!first.is_object() || !first.contains("journal_id") || !first["journal_id"].is_binary()) bad("no header");
    out.journal_id = first["journal_id"].get_binary();
    out.anchor = {u64(field(first, "anchor_seq")), digest_of(field(first, "anchor_hash")),
                  HlcTime{u64(field(first, "anchor_time"))}};
    out.exported_at = from_unix_ms(static_cast<std::int64_t>(u64(field(first, "exported_at"))));
    ChainLink prev = out.anchor;
    while (true) {
      const crypto::StreamOpener::Message m = next();
      const json doc = decode(m.bytes);
      if (m.final) {
        if (!doc.is_object() || !doc.contains("count") || u64(doc["count"]) != out.events.size()) bad("count mismatch");
        if (at != file.size()) bad("bytes after the end");
        break;
      }
      if (!doc.is_object() || !doc.contains("events") || !doc["events"].is_array()) bad("malformed batch");
      for (const json& row : doc["events"]) {
        Result<StoredEvent> parsed = from_row(row);
        if (!parsed) bad(parsed.status().message());
        StoredEvent& e = *parsed;
        if (!links_to(prev, e)) {
          bad("event " + std::to_string(e.seq) + " does not chain from event " + std::to_string(prev.seq));
        }
        prev = link_of(e);
        out.events.push_back(std::move(e));
      }
    }
    return out;
  });
}

}  // namespace outpost::journal
