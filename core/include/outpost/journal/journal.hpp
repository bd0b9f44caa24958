// The device's event journal: an append-only, hash-chained log in SQLite.
//
// Each event gets the next sequence number (dense: 1, 2, 3, ...), a hybrid
// logical clock time, and a chain hash
//   hash(n) = BLAKE2b-256("OPJ1" || hash(n-1) || be64(seq) || be64(time) ||
//                          u8(len(type)) || type || BLAKE2b-256(payload))
// with hash(0) = 32 zero bytes, so the hub can detect a gap, a reordering or
// a rewritten event. Payloads are encrypted at rest (XChaCha20-Poly1305 under
// the journal key, bound to seq and type); seq, time and type are not.
//
// Durability: durable events (leads, feedback) are committed with
// synchronous=FULL before append returns. Batched events (telemetry) wait in
// memory and are committed together - by flush(), by the next durable
// append, or by a background thread within flush_delay (at once when
// flush_batch are waiting; it commits with the lock released, so appends go
// on while a batch reaches the disk; without the thread, the append that
// fills a batch commits it). Appended::stored says which: what is reported stored is on
// disk and survives a crash or power cut; what is not yet stored is lost
// only if the process dies before the flush.
//
// Quota: when stored bytes would pass quota_bytes, delivered (acked) events
// go first, then the payloads of undelivered telemetry, oldest first (the
// row, its payload hash and the chain stay; a journal.dropped event counts
// them). Durable events are never dropped: their append fails with
// disk_full instead.
//
// Thread-safe: every member may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/journal/event.hpp"
#include "outpost/journal/hlc.hpp"

namespace outpost::journal {

struct JournalOptions {
  std::uint64_t quota_bytes = 64ull << 20;
  std::chrono::milliseconds flush_delay{250};  // batched events reach the disk within this
  std::size_t flush_batch = 4096;              // ... or as soon as this many wait
  bool background_flush = true;                // false: only flush() and durable appends write
  std::chrono::hours retention{24 * 30};       // delivered events are kept this long by compact()
};

struct Appended {
  std::uint64_t seq = 0;
  HlcTime time;
  bool stored = false;  // on disk (always true for durable events)
};

struct ChainLink {
  std::uint64_t seq = 0;  // 0 with a zero hash: the start of the chain
  crypto::Digest hash;
  HlcTime time;
};

// Where a journal continues another: after a device was restored from a
// copy or cloned, its later events go under a new journal id, chained to
// the old journal at seq (the last event the hub holds of it identically).
struct JournalParent {
  Bytes journal_id;
  std::uint64_t seq = 0;
};

struct StoredEvent {
  std::uint64_t seq = 0;
  HlcTime time;
  const EventType* type = nullptr;
  std::optional<Bytes> payload;  // nullopt: dropped for quota
  crypto::Digest payload_hash;
  crypto::Digest hash;
};

struct VerifyReport {
  std::uint64_t checked = 0;               // events whose link was checked
  std::optional<std::uint64_t> broken_at;  // the first seq whose link does not hold
  std::string problem;                     // why, for people
  bool ok() const noexcept { return !broken_at; }
};

struct JournalStats {
  std::uint64_t first_seq = 0;  // the oldest event held (0: none)
  std::uint64_t head_seq = 0;   // the newest event appended (stored or waiting)
  std::uint64_t stored_seq = 0;
  std::uint64_t acked_seq = 0;
  std::uint64_t events = 0;  // held on disk
  std::uint64_t bytes = 0;   // counted against the quota
  std::uint64_t quota_bytes = 0;
  std::uint64_t dropped_total = 0;  // telemetry payloads dropped for quota, ever
};

// The chain hash of one event (see the header comment).
crypto::Digest chain_hash(const crypto::Digest& previous, std::uint64_t seq, HlcTime time, std::string_view type,
                          const crypto::Digest& payload_hash);

class Journal {
 public:
  // key: the journal payload key (crypto::purpose::journal_payloads).
  // Creates the file if needed. corrupt / unsupported as for any Outpost
  // database; wrong_key if the journal was written under another key.
  static Result<std::unique_ptr<Journal>> open(const std::filesystem::path& path, const crypto::SecretKey& key,
                                               const Clock& clock, Random& random, JournalOptions options = {});
  ~Journal();  // flushes what waits (errors are dropped: call flush() to see them)
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // disk_full (durable event over quota, or the disk itself), io.
  Result<Appended> append(const Event& event);
  // Appends the event make(first) returns, durably, where first says
  // whether key was new within scope; remembers key. Leads use this so a
  // second scan of the same person at a show is a repeat visit.
  Result<Appended> append_once(const std::string& scope, const crypto::Digest& key,
                               const std::function<Result<Event>(bool first)>& make);
  // Distinct keys remembered per scope, and the appends made through them.
  struct ScopeCount {
    std::string scope;
    std::uint64_t keys = 0;
    std::uint64_t appends = 0;
  };
  Result<std::vector<ScopeCount>> scope_counts() const;

  // Writes every waiting batched event to disk.
  Status flush();

  // ---- delivery (the sync engine)
  // Stored events after seq, oldest first: at most max_events, and at most
  // max_bytes of payload (always at least one event if any).
  Result<std::vector<StoredEvent>> read_after(std::uint64_t seq, std::size_t max_events,
                                              std::size_t max_bytes = 1 << 20) const;
  // The hub holds everything up to seq. invalid_argument past the stored
  // head; a lower seq than already acked is ignored.
  Status mark_acked(std::uint64_t seq);
  // Deletes delivered events older than the retention period (by trusted
  // HLC time), moving the chain's anchor forward. Returns how many.
  Result<std::uint64_t> compact();
  // The link the held events chain from: zero, or the last compacted event.
  ChainLink anchor() const;
  // The newest event appended (stored or waiting).
  ChainLink head() const;
  // Undelivered events of one type (e.g. leads not yet at the hub).
  Result<std::uint64_t> count_after_acked(std::string_view type) const;

  // Walks the chain from the anchor, decrypting every payload, and reports
  // the first broken link.
  Result<VerifyReport> verify() const;
  JournalStats stats() const;
  // Random, made with the journal: tells the hub a reset device apart. A
  // fork() gives it a new one.
  Bytes id() const;
  // The journal this one continues, if it was forked.
  std::optional<JournalParent> parent() const;
  // The chain link of the stored event seq (the anchor's for seq at the
  // anchor); not_found outside [anchor, stored head].
  Result<ChainLink> link_at(std::uint64_t seq) const;
  // The hub holds this journal identically only up to seq, yet more of it
  // than this device delivered (the device was restored from a copy, or
  // cloned): every event after seq is kept and from now on belongs to a new
  // journal id that continues the old one at seq (parent()); acked becomes
  // seq. invalid_argument outside [acked, stored head].
  Status fork(std::uint64_t seq);

  // Moves the clock past a time seen from the hub.
  void observe(HlcTime remote);

  struct Impl;

 private:
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::journal
