// Exporting a retired device's undelivered journal to a file sealed to the
// hub, to be carried by hand and imported there (docs/protocol.md,
// "Journal export file"). Only the hub's lead key opens it.
//
//   "OPJX" u8(1)
//   crypto_box_seal(hub lead key, file key)          80 bytes
//   secretstream header (XChaCha20-Poly1305)         24 bytes
//   messages, each be32(length) || sealed message; the last one is FINAL:
//     1.   {journal_id, anchor_seq, anchor_hash, anchor_time, exported_at}
//     2..  {events: [[seq, time, type, payload|nil, payload_hash, hash], ...]}
//     last {count}
// The events chain from the anchor (the last event the hub acknowledged),
// so the hub checks continuity with what it already holds.
#pragma once

#include <filesystem>

#include "outpost/crypto/sealed_box.hpp"
#include "outpost/journal/journal.hpp"

namespace outpost::journal {

struct ExportSummary {
  std::uint64_t events = 0;
  std::uint64_t first_seq = 0;  // 0 when there was nothing undelivered
  std::uint64_t last_seq = 0;
};

// Flushes, then writes every event after the acknowledged seq. Creates the
// file durably and refuses to overwrite one (already_exists).
Result<ExportSummary> export_undelivered(Journal& journal, const crypto::BoxPublicKey& hub,
                                         const std::filesystem::path& out, TimePoint now,
                                         Random& random);

struct ExportedJournal {
  Bytes journal_id;
  ChainLink anchor;
  TimePoint exported_at;
  std::vector<StoredEvent> events;
};

// Opens and checks an export: wrong_key if sealed to another hub; integrity
// if it was altered or truncated, or its events do not chain from the
// anchor or an event (its form, payload schema or hash) is malformed.
Result<ExportedJournal> read_export(const std::filesystem::path& file, const crypto::BoxKeyPair& hub);

}  // namespace outpost::journal
