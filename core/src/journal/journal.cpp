#include "outpost/journal/journal.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>

#include "outpost/base/guard.hpp"
#include "outpost/crypto/aead.hpp"
#include "outpost/storage/database.hpp"
#include "outpost/storage/columns.hpp"

namespace outpost::journal {

namespace {

constexpr std::string_view migrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value);
-- payload: nonce || ciphertext || tag; NULL once dropped for quota (the
-- payload hash keeps the chain verifiable).
CREATE TABLE events(
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  type INTEGER NOT NULL,
  durable INTEGER NOT NULL,
  payload BLOB,
  payload_hash BLOB NOT NULL,
  hash BLOB NOT NULL);
-- Keys seen per scope (lead dedupe keys per show); outlive compaction.
CREATE TABLE once_keys(
  scope TEXT NOT NULL, key BLOB NOT NULL, first_seq INTEGER NOT NULL, appends INTEGER NOT NULL,
  PRIMARY KEY(scope, key)) WITHOUT ROWID;
)sql",
};

constexpr storage::Schema schema{"journal", 0x4f504a4e /* "OPJN" */, migrations};

// What a row costs against the quota beyond its payload: two hashes, the
// integers and SQLite's own bookkeeping, rounded up.
constexpr std::uint64_t row_overhead = 100;
constexpr std::size_t blob_overhead = 24 + crypto::aead_tag_size;

// Associated data of a payload: it cannot be moved to another seq or type.
std::array<std::uint8_t, 14> payload_ad(std::uint64_t seq, std::uint16_t code) {
  std::array<std::uint8_t, 14> ad{'O', 'P', 'J', 'P'};
  store_be64(ad.data() + 4, seq);
  ad[12] = static_cast<std::uint8_t>(code >> 8);
  ad[13] = static_cast<std::uint8_t>(code);
  return ad;
}

crypto::Digest digest_column(const SQLite::Column& c) {
  crypto::Digest d;
  if (c.getBytes() == static_cast<int>(d.size)) std::memcpy(d.bytes.data(), c.getBlob(), d.size);
  return d;
}

// The most a journal.dropped note costs against the quota.
std::uint64_t dropped_note_bytes() {
  constexpr auto most = std::numeric_limits<std::uint64_t>::max();
  static const std::uint64_t size = journal_dropped(most, most, most)->payload().size() + blob_overhead + row_overhead;
  return size;
}

crypto::Digest key_check(const crypto::SecretKey& key) {
  static constexpr std::string_view label = "outpost journal key check";
  return crypto::keyed_blake2b(key, ByteView(reinterpret_cast<const std::uint8_t*>(label.data()), label.size()));
}

}  // namespace

crypto::Digest chain_hash(const crypto::Digest& previous, std::uint64_t seq, HlcTime time, std::string_view type,
                          const crypto::Digest& payload_hash) {
  std::array<std::uint8_t, 4 + 32 + 8 + 8 + 1> head{'O', 'P', 'J', '1'};
  std::memcpy(head.data() + 4, previous.bytes.data(), 32);
  store_be64(head.data() + 36, seq);
  store_be64(head.data() + 44, time.value);
  head[52] = static_cast<std::uint8_t>(type.size());
  crypto::Blake2b h;
  h.update(head);
  h.update(ByteView(reinterpret_cast<const std::uint8_t*>(type.data()), type.size()));
  h.update(payload_hash.bytes);
  return h.finish();
}

struct Journal::Impl {
  struct Pending {
    std::uint64_t seq;
    HlcTime time;
    const EventType* type;
    Bytes blob;  // empty: stored without payload (dropped on arrival)
    crypto::Digest payload_hash;
    crypto::Digest hash;
    std::uint64_t bytes() const { return blob.size() + row_overhead; }
  };

  Impl(SQLite::Database database, crypto::SecretKey k, const Clock& c, Random& r, JournalOptions o)
      : db(std::move(database)), key(std::move(k)), clock(c), random(r), options(o), hlc(c) {}

  // What is on disk, as the writer changes it. The writer works on a copy
  // (with mu released) and publishes it when its transaction commits.
  struct Disk {
    ChainLink anchor;
    std::uint64_t stored_seq = 0, bytes = 0, events = 0, dropped_total = 0;
    std::uint64_t drop_cursor = 0;  // telemetry payloads up to here are gone or delivered
  };

  mutable std::mutex mu;
  std::condition_variable wake;          // the flusher: there is work
  mutable std::condition_variable idle;  // the database is free (no write in flight)
  bool writing = false;
  mutable SQLite::Database db;
  crypto::SecretKey key;
  const Clock& clock;
  Random& random;
  JournalOptions options;
  Bytes id;
  std::optional<JournalParent> parent;
  std::array<std::uint8_t, 16> nonce_salt{};  // drawn at every open
  std::uint64_t nonce_counter = 0;            // one per sealed payload
  std::uint64_t persisted_dropped = 0;        // dropped_total as the database holds it
  Hlc hlc;
  ChainLink head_link;
  ChainLink anchor_link;
  std::uint64_t stored_seq = 0;
  std::uint64_t acked = 0;
  std::uint64_t bytes = 0;
  std::uint64_t events = 0;
  std::uint64_t dropped_total = 0;
  std::uint64_t drop_cursor = 0;  // telemetry payloads up to here are gone or delivered
  std::vector<Pending> pending;
  std::chrono::steady_clock::time_point oldest_pending;
  Status background_error;
  bool stopping = false;
  std::thread flusher;

  // ---- under mu

  void load_state() {
    id = storage::meta_blob(db, "id").value_or(Bytes{});
    if (auto parent_id = storage::meta_blob(db, "parent_id")) {
      parent = JournalParent{*parent_id, static_cast<std::uint64_t>(storage::meta_int(db, "parent_seq").value_or(0))};
    }
    acked = static_cast<std::uint64_t>(storage::meta_int(db, "acked").value_or(0));
    dropped_total = static_cast<std::uint64_t>(storage::meta_int(db, "dropped_total").value_or(0));
    persisted_dropped = dropped_total;
    anchor_link.seq = static_cast<std::uint64_t>(storage::meta_int(db, "anchor_seq").value_or(0));
    anchor_link.time.value = static_cast<std::uint64_t>(storage::meta_int(db, "anchor_time").value_or(0));
    if (auto h = storage::meta_blob(db, "anchor_hash"); h && h->size() == 32) {
      std::memcpy(anchor_link.hash.bytes.data(), h->data(), 32);
    }
    head_link = anchor_link;
    SQLite::Statement last(db, "SELECT seq, hash, time FROM events ORDER BY seq DESC LIMIT 1");
    if (last.executeStep()) {
      head_link = {static_cast<std::uint64_t>(last.getColumn(0).getInt64()), digest_column(last.getColumn(1)),
                   HlcTime{static_cast<std::uint64_t>(last.getColumn(2).getInt64())}};
    }
    stored_seq = head_link.seq;
    SQLite::Statement size(db, "SELECT count(*), coalesce(sum(length(payload)), 0) FROM events");
    size.executeStep();
    events = static_cast<std::uint64_t>(size.getColumn(0).getInt64());
    bytes = static_cast<std::uint64_t>(size.getColumn(1).getInt64()) + events * row_overhead;
    drop_cursor = std::max(acked, anchor_link.seq);
    hlc.observe(head_link.time);
  }

  Bytes seal_payload(std::uint64_t seq, const EventType& type, ByteView payload) {
    Bytes blob(24 + payload.size() + crypto::aead_tag_size);
    // A salt drawn at open and a counter: never the same nonce twice under
    // the key (a seq whose write failed is sealed again with a new one), and
    // no system call per event.
    crypto::AeadNonce nonce;
    std::memcpy(nonce.data(), nonce_salt.data(), nonce_salt.size());
    store_be64(nonce.data() + nonce_salt.size(), ++nonce_counter);
    std::memcpy(blob.data(), nonce.data(), nonce.size());
    const auto ad = payload_ad(seq, type.code);
    const crypto::AeadTag tag =
        crypto::aead_encrypt(key, nonce, payload, ad, MutableByteView(blob.data() + 24, payload.size()));
    std::memcpy(blob.data() + 24 + payload.size(), tag.data(), tag.size());
    return blob;
  }

  std::optional<Bytes> open_payload(std::uint64_t seq, const EventType& type, ByteView blob) const {
    if (blob.size() < blob_overhead) return std::nullopt;
    crypto::AeadNonce nonce;
    std::memcpy(nonce.data(), blob.data(), nonce.size());
    crypto::AeadTag tag;
    std::memcpy(tag.data(), blob.data() + blob.size() - tag.size(), tag.size());
    Bytes plain(blob.size() - blob_overhead);
    const auto ad = payload_ad(seq, type.code);
    if (!crypto::aead_decrypt(key, nonce, blob.subspan(24, plain.size()), tag, ad, plain)) return std::nullopt;
    return plain;
  }

  const Pending& enqueue(const Event& event) {
    const std::uint64_t seq = head_link.seq + 1;
    const HlcTime time = hlc.now();
    const crypto::Digest payload_hash = crypto::blake2b(event.payload());
    const crypto::Digest hash = chain_hash(head_link.hash, seq, time, event.type().name, payload_hash);
    if (pending.empty()) oldest_pending = std::chrono::steady_clock::now();
    pending.push_back({seq, time, &event.type(), seal_payload(seq, event.type(), event.payload()), payload_hash, hash});
    head_link = {seq, hash, time};
    return pending.back();
  }

  // Takes back the newest waiting event (its write failed).
  void unqueue_last() {
    pending.pop_back();
    if (!pending.empty()) {
      head_link = {pending.back().seq, pending.back().hash, pending.back().time};
    } else {
      SQLite::Statement last(db, "SELECT hash, time FROM events WHERE seq = ?");
      last.bind(1, static_cast<std::int64_t>(stored_seq));
      head_link = anchor_link;
      if (last.executeStep()) {
        head_link = {stored_seq, digest_column(last.getColumn(0)),
                     HlcTime{static_cast<std::uint64_t>(last.getColumn(1).getInt64())}};
      }
    }
  }

  Disk snapshot() const { return {anchor_link, stored_seq, bytes, events, dropped_total, drop_cursor}; }
  void publish(const Disk& d) {
    anchor_link = d.anchor;
    stored_seq = d.stored_seq;
    bytes = d.bytes;
    events = d.events;
    dropped_total = d.dropped_total;
    drop_cursor = std::max(drop_cursor, d.drop_cursor);
  }

  // mu, once no write is in flight: for everything that uses the database.
  std::unique_lock<std::mutex> idle_lock() const {
    std::unique_lock lock(mu);
    idle.wait(lock, [&] { return !writing; });
    return lock;
  }

  // Deletes delivered events up to and including seq; the last one becomes
  // the anchor.
  void delete_through(Disk& w, std::uint64_t seq) {
    SQLite::Statement last(db, "SELECT hash, time FROM events WHERE seq = ?");
    last.bind(1, static_cast<std::int64_t>(seq));
    if (!last.executeStep()) return;
    const ChainLink new_anchor{seq, digest_column(last.getColumn(0)),
                               HlcTime{static_cast<std::uint64_t>(last.getColumn(1).getInt64())}};
    SQLite::Statement size(db, "SELECT count(*), coalesce(sum(length(payload)), 0) FROM events WHERE seq <= ?");
    size.bind(1, static_cast<std::int64_t>(seq));
    size.executeStep();
    const auto rows = static_cast<std::uint64_t>(size.getColumn(0).getInt64());
    const auto freed = static_cast<std::uint64_t>(size.getColumn(1).getInt64()) + rows * row_overhead;
    SQLite::Statement del(db, "DELETE FROM events WHERE seq <= ?");
    del.bind(1, static_cast<std::int64_t>(seq));
    del.exec();
    storage::set_meta(db, "anchor_seq", static_cast<std::int64_t>(new_anchor.seq));
    storage::set_meta(db, "anchor_hash", new_anchor.hash.bytes);
    storage::set_meta(db, "anchor_time", static_cast<std::int64_t>(new_anchor.time.value));
    w.anchor = new_anchor;
    w.bytes -= freed;
    w.events -= rows;
  }

  struct Dropped {
    std::uint64_t count = 0, first = 0, last = 0;
    void add(std::uint64_t seq) {
      if (count++ == 0) first = seq;
      last = seq;
    }
  };

  // Frees room for `needed` more bytes inside the open transaction: first
  // delivered events, then stored telemetry payloads, then the payloads of
  // the batch's telemetry, oldest first. Returns what was dropped; the
  // batch payloads it took are moved to taken (to put back if the write
  // fails).
  Dropped make_room(Disk& w, std::uint64_t acked_seq, std::vector<Pending>& batch, std::uint64_t needed,
                    std::vector<std::pair<std::size_t, Bytes>>& taken) {
    Dropped dropped;
    auto over = [&] { return w.bytes + needed > options.quota_bytes; };
    if (!over()) return dropped;
    if (acked_seq > w.anchor.seq) {
      // Oldest delivered events until enough is free (or all of them).
      SQLite::Statement rows(db, "SELECT seq, length(payload) FROM events WHERE seq <= ? ORDER BY seq");
      rows.bind(1, static_cast<std::int64_t>(acked_seq));
      std::uint64_t through = 0, freeing = 0;
      while (w.bytes + needed > options.quota_bytes + freeing && rows.executeStep()) {
        through = static_cast<std::uint64_t>(rows.getColumn(0).getInt64());
        freeing += static_cast<std::uint64_t>(rows.getColumn(1).getInt64()) + row_overhead;
      }
      rows.reset();
      if (through != 0) delete_through(w, through);
    }
    // Dropping telemetry writes a journal.dropped note, which needs room too.
    if (over()) needed += dropped_note_bytes();
    if (over()) {
      SQLite::Statement rows(db,
                             "SELECT seq, length(payload) FROM events WHERE seq > ? AND durable = 0 "
                             "AND payload IS NOT NULL ORDER BY seq");
      rows.bind(1, static_cast<std::int64_t>(std::max(w.drop_cursor, acked_seq)));
      SQLite::Statement drop(db, "UPDATE events SET payload = NULL WHERE seq = ?");
      while (over() && rows.executeStep()) {
        const auto seq = static_cast<std::uint64_t>(rows.getColumn(0).getInt64());
        drop.reset();
        drop.bind(1, static_cast<std::int64_t>(seq));
        drop.exec();
        w.bytes -= static_cast<std::uint64_t>(rows.getColumn(1).getInt64());
        w.drop_cursor = seq;
        dropped.add(seq);
      }
    }
    for (std::size_t i = 0; i < batch.size() && over(); ++i) {
      Pending& p = batch[i];
      if (p.type->durability == Durability::durable || p.blob.empty()) continue;
      needed -= p.blob.size();
      taken.emplace_back(i, std::move(p.blob));
      p.blob.clear();
      dropped.add(p.seq);
    }
    return dropped;
  }

  void insert_rows(const std::vector<Pending>& batch) {
    SQLite::Statement insert(db,
                             "INSERT INTO events(seq, time, type, durable, payload, payload_hash, hash) "
                             "VALUES(?, ?, ?, ?, ?, ?, ?)");
    for (const Pending& p : batch) {
      insert.reset();
      insert.bind(1, static_cast<std::int64_t>(p.seq));
      insert.bind(2, static_cast<std::int64_t>(p.time.value));
      insert.bind(3, p.type->code);
      insert.bind(4, p.type->durability == Durability::durable ? 1 : 0);
      if (p.blob.empty()) {
        insert.bind(5);
      } else {
        insert.bindNoCopy(5, p.blob.data(), static_cast<int>(p.blob.size()));
      }
      insert.bindNoCopy(6, p.payload_hash.bytes.data(), 32);
      insert.bindNoCopy(7, p.hash.bytes.data(), 32);
      insert.exec();
    }
  }

  // Writes every waiting event in one transaction (one fsync); in_tx runs
  // inside it, after the rows. With release, mu is let go during the
  // write so appends go on (into the next batch) while this one reaches the
  // disk; every other user of the database waits for it (idle). If the
  // write fails nothing changes: the database rolls back and the batch
  // waits again, in front of anything appended meanwhile. When telemetry
  // had to be dropped for quota, a journal.dropped note follows in a second
  // transaction.
  Status write_pending(std::unique_lock<std::mutex>& lock, bool release, const std::function<void()>& in_tx = {}) {
    idle.wait(lock, [&] { return !writing; });
    if (pending.empty() && !in_tx) return Status::ok();
    std::vector<Pending> batch = std::move(pending);
    pending.clear();
    Disk w = snapshot();
    const std::uint64_t acked_seq = acked, dropped_at_start = dropped_total;
    writing = true;
    if (release) lock.unlock();

    std::vector<std::pair<std::size_t, Bytes>> taken;
    Dropped dropped;
    Status s = guarded([&]() -> Status {
      storage::Transaction tx(db);
      std::uint64_t needed = 0, durable_needed = 0;
      for (const Pending& p : batch) {
        needed += p.bytes();
        // Durable payloads must fit the quota; a journal.dropped note, like
        // telemetry rows, may use the slack above it.
        if (p.type->durability == Durability::durable && p.type->name != "journal.dropped") {
          durable_needed += p.bytes();
        }
      }
      dropped = make_room(w, acked_seq, batch, needed, taken);
      if (durable_needed > 0 && w.bytes + durable_needed > options.quota_bytes) {
        return Status(Errc::disk_full, "journal full (" + std::to_string(w.bytes) + " of " +
                                           std::to_string(options.quota_bytes) +
                                           " bytes held by undelivered leads and feedback): sync to make room");
      }
      w.dropped_total += dropped.count;
      if (w.dropped_total != persisted_dropped) {  // also counts telemetry turned away since
        storage::set_meta(db, "dropped_total", static_cast<std::int64_t>(w.dropped_total));
      }
      insert_rows(batch);
      if (in_tx) in_tx();
      tx.commit();
      for (const Pending& p : batch) w.bytes += p.bytes();
      w.events += batch.size();
      if (!batch.empty()) w.stored_seq = batch.back().seq;
      return Status::ok();
    });

    if (release) lock.lock();
    writing = false;
    if (s) {
      persisted_dropped = w.dropped_total;
      w.dropped_total += dropped_total - dropped_at_start;  // telemetry refused meanwhile
      publish(w);
    } else {
      for (auto& [i, blob] : taken) batch[i].blob = std::move(blob);
      std::move(pending.begin(), pending.end(), std::back_inserter(batch));
      pending = std::move(batch);
    }
    idle.notify_all();
    if (s && dropped.count > 0) {
      Result<Event> note = journal_dropped(dropped.count, dropped.first, dropped.last);
      if (!note) return note.status();
      enqueue(*note);
      return write_pending(lock, false);
    }
    return s;
  }

  bool refuse_telemetry() const {
    // Skeleton rows may pass the quota by an eighth; past that, telemetry
    // is turned away at the door.
    return bytes > options.quota_bytes + options.quota_bytes / 8;
  }

  Result<Appended> append_locked(std::unique_lock<std::mutex>& lock, const Event& event) {
    const bool durable = event.type().durability == Durability::durable;
    if (!durable && (refuse_telemetry() || pending.size() >= 16 * options.flush_batch)) {
      ++dropped_total;
      return Status(Errc::disk_full, "journal full of undelivered events: " + std::string(event.type().name) +
                                         " not recorded (sync to make room)");
    }
    if (durable) {
      // Written with mu held, so nothing is appended behind it and a failed
      // write can take it back.
      idle.wait(lock, [&] { return !writing; });
      const Pending& p = enqueue(event);
      const Appended out{p.seq, p.time, true};
      if (Status s = write_pending(lock, false); !s) {
        unqueue_last();
        return s;
      }
      return out;
    }
    const Pending& p = enqueue(event);
    Appended out{p.seq, p.time, false};
    if (pending.size() == 1 || pending.size() == options.flush_batch) wake.notify_one();
    if (pending.size() < options.flush_batch) return out;
    if (flusher.joinable()) {
      // The flusher writes the batch while appends go on; past a few
      // batches the disk is the limit, and an append waits out the write in
      // flight (past 16, telemetry is turned away above).
      if (pending.size() >= 4 * options.flush_batch) idle.wait(lock, [&] { return !writing || stopping; });
      return out;
    }
    if (writing) return out;
    Status s = write_pending(lock, true);
    if (!s) background_error = s;
    out.stored = s.is_ok() && stored_seq >= out.seq;
    return out;
  }

  void run_flusher() {
    std::unique_lock lock(mu);
    while (!stopping) {
      if (pending.empty() || writing) {
        wake.wait_for(lock, options.flush_delay, [&] { return stopping || (!pending.empty() && !writing); });
        continue;
      }
      const auto due = oldest_pending + options.flush_delay;
      if (pending.size() < options.flush_batch && std::chrono::steady_clock::now() < due) {
        wake.wait_until(lock, due, [&] { return stopping || pending.size() >= options.flush_batch; });
        continue;
      }
      if (Status s = write_pending(lock, true); !s) {
        background_error = s;
        // Try again after another delay rather than spin on a full disk.
        oldest_pending = std::chrono::steady_clock::now();
        wake.wait_for(lock, options.flush_delay, [&] { return stopping; });
      }
    }
  }

  StoredEvent read_row(SQLite::Statement& st, bool decrypt) const {
    StoredEvent e;
    e.seq = static_cast<std::uint64_t>(st.getColumn(0).getInt64());
    e.time.value = static_cast<std::uint64_t>(st.getColumn(1).getInt64());
    e.type = find_type(static_cast<std::uint16_t>(st.getColumn(2).getInt()));
    e.payload_hash = digest_column(st.getColumn(4));
    e.hash = digest_column(st.getColumn(5));
    if (decrypt && e.type != nullptr && !st.getColumn(3).isNull()) {
      const SQLite::Column blob = st.getColumn(3);
      e.payload = open_payload(e.seq, *e.type,
                               storage::blob_view(blob));
      if (!e.payload) {
        throw Error(Status(Errc::integrity, "journal event " + std::to_string(e.seq) +
                                                ": payload does not authenticate (run journal verify)"));
      }
    }
    return e;
  }
};

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Journal::~Journal() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->idle.notify_all();
  if (impl_->flusher.joinable()) impl_->flusher.join();
  std::unique_lock lock(impl_->mu);
  (void)impl_->write_pending(lock, false);
}

Result<std::unique_ptr<Journal>> Journal::open(const std::filesystem::path& path, const crypto::SecretKey& key,
                                               const Clock& clock, Random& random, JournalOptions options) {
  return guarded([&]() -> Result<std::unique_ptr<Journal>> {
    if (options.quota_bytes < 64 * 1024) {
      return Status(Errc::invalid_argument, "journal quota must be at least 64 KiB");
    }
    SQLite::Database db = storage::open_database(path, schema, true, storage::Durability::full);
    auto impl = std::make_unique<Impl>(std::move(db), crypto::SecretKey::from_bytes(key.view()), clock, random,
                                       options);
    const crypto::Digest check = key_check(impl->key);
    if (auto stored = storage::meta_blob(impl->db, "key_check")) {
      if (ByteView(*stored).size() != 32 || std::memcmp(stored->data(), check.bytes.data(), 32) != 0) {
        return Status(Errc::wrong_key, "the journal in " + path.string() + " was written under another key");
      }
    } else {
      storage::Transaction tx(impl->db);
      Bytes id(16);
      random.fill(id);
      storage::set_meta(impl->db, "id", id);
      storage::set_meta(impl->db, "key_check", check.bytes);
      tx.commit();
    }
    random.fill(impl->nonce_salt);
    impl->load_state();
    Impl* raw = impl.get();
    std::unique_ptr<Journal> journal(new Journal(std::move(impl)));
    if (options.background_flush) raw->flusher = std::thread([raw] { raw->run_flusher(); });
    return journal;
  });
}

Result<Appended> Journal::append(const Event& event) {
  std::unique_lock lock(impl_->mu);
  return guarded([&]() -> Result<Appended> { return impl_->append_locked(lock, event); });
}

Result<Appended> Journal::append_once(const std::string& scope, const crypto::Digest& key,
                                      const std::function<Result<Event>(bool first)>& make) {
  auto lock = impl_->idle_lock();
  return guarded([&]() -> Result<Appended> {
    Impl& m = *impl_;
    SQLite::Statement seen(m.db, "SELECT 1 FROM once_keys WHERE scope = ? AND key = ?");
    seen.bind(1, scope);
    seen.bindNoCopy(2, key.bytes.data(), 32);
    const bool first = !seen.executeStep();
    seen.reset();
    Result<Event> event = make(first);
    if (!event) return event.status();
    const Impl::Pending& p = m.enqueue(*event);
    const Appended out{p.seq, p.time, true};
    Status s = m.write_pending(lock, false, [&] {
      SQLite::Statement note(m.db,
                             "INSERT INTO once_keys(scope, key, first_seq, appends) VALUES(?, ?, ?, 1) "
                             "ON CONFLICT(scope, key) DO UPDATE SET appends = appends + 1");
      note.bind(1, scope);
      note.bindNoCopy(2, key.bytes.data(), 32);
      note.bind(3, static_cast<std::int64_t>(out.seq));
      note.exec();
    });
    if (!s) {
      m.unqueue_last();
      return s;
    }
    return out;
  });
}

Result<std::vector<Journal::ScopeCount>> Journal::scope_counts() const {
  auto lock = impl_->idle_lock();
  return guarded([&]() -> Result<std::vector<ScopeCount>> {
    std::vector<ScopeCount> out;
    SQLite::Statement st(impl_->db, "SELECT scope, count(*), sum(appends) FROM once_keys GROUP BY scope ORDER BY scope");
    while (st.executeStep()) {
      out.push_back({st.getColumn(0).getString(), static_cast<std::uint64_t>(st.getColumn(1).getInt64()),
                     static_cast<std::uint64_t>(st.getColumn(2).getInt64())});
    }
    return out;
  });
}

Status Journal::flush() {
  std::unique_lock lock(impl_->mu);
  Status s = impl_->write_pending(lock, false);
  if (s) impl_->background_error = Status::ok();
  return s;
}

Result<std::vector<StoredEvent>> Journal::read_after(std::uint64_t seq, std::size_t max_events,
                                                     std::size_t max_bytes) const {
  auto lock = impl_->idle_lock();
  return guarded([&]() -> Result<std::vector<StoredEvent>> {
    if (seq < impl_->anchor_link.seq) {
      return Status(Errc::not_found, "journal events up to " + std::to_string(impl_->anchor_link.seq) +
                                         " were delivered and compacted; cannot read after " + std::to_string(seq));
    }
    std::vector<StoredEvent> out;
    SQLite::Statement st(impl_->db,
                         "SELECT seq, time, type, payload, payload_hash, hash FROM events WHERE seq > ? "
                         "ORDER BY seq LIMIT ?");
    st.bind(1, static_cast<std::int64_t>(seq));
    st.bind(2, static_cast<std::int64_t>(max_events));
    std::size_t size = 0;
    while (st.executeStep()) {
      StoredEvent e = impl_->read_row(st, true);
      size += e.payload ? e.payload->size() : 0;
      if (!out.empty() && size > max_bytes) break;
      out.push_back(std::move(e));
    }
    return out;
  });
}

Status Journal::mark_acked(std::uint64_t seq) {
  auto lock = impl_->idle_lock();
  return guarded([&]() -> Status {
    Impl& m = *impl_;
    if (seq > m.stored_seq) {
      return Status(Errc::invalid_argument, "cannot acknowledge event " + std::to_string(seq) +
                                                ": the journal has stored only up to " +
                                                std::to_string(m.stored_seq));
    }
    if (seq <= m.acked) return Status::ok();
    storage::set_meta(m.db, "acked", static_cast<std::int64_t>(seq));
    m.acked = seq;
    m.drop_cursor = std::max(m.drop_cursor, seq);
    return Status::ok();
  });
}

Result<std::uint64_t> Journal::compact() {
  auto lock = impl_->idle_lock();
  return guarded([&]() -> Result<std::uint64_t> {
    Impl& m = *impl_;
    const std::int64_t now_ms = std::max(to_unix_ms(m.clock.now()), m.hlc.last().unix_ms());
    const HlcTime cutoff =
        HlcTime::from(now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(m.options.retention).count(), 0);
    SQLite::Statement last(m.db, "SELECT seq FROM events WHERE seq <= ? AND time < ? ORDER BY seq DESC LIMIT 1");
    last.bind(1, static_cast<std::int64_t>(m.acked));
    last.bind(2, static_cast<std::int64_t>(cutoff.value));
    if (!last.executeStep()) return std::uint64_t{0};
    const auto through = static_cast<std::uint64_t>(last.getColumn(0).getInt64());
    last.reset();
    Impl::Disk w = m.snapshot();
    storage::Transaction tx(m.db);
    m.delete_through(w, through);
    tx.commit();
    const std::uint64_t removed = m.events - w.events;
    m.publish(w);
    return removed;
  });
}

ChainLink Journal::anchor() const {
  std::lock_guard lock(impl_->mu);
  return impl_->anchor_link;
}

ChainLink Journal::head() const {
  std::lock_guard lock(impl_->mu);
  return impl_->head_link;
}

Result<std::uint64_t> Journal::count_after_acked(std::string_view type) const {
  const EventType* t = find_type(type);
  if (t == nullptr) return Status(Errc::invalid_argument, "unknown event type '" + std::string(type) + "'");
  auto lock = impl_->idle_lock();
  return guarded([&]() -> Result<std::uint64_t> {
    SQLite::Statement st(impl_->db, "SELECT count(*) FROM events WHERE seq > ? AND type = ?");
    st.bind(1, static_cast<std::int64_t>(impl_->acked));
    st.bind(2, t->code);
    st.executeStep();
    auto n = static_cast<std::uint64_t>(st.getColumn(0).getInt64());
    for (const auto& p : impl_->pending) n += p.type == t ? 1 : 0;
    return n;
  });
}

Result<VerifyReport> Journal::verify() const {
  auto lock = impl_->idle_lock();
  return guarded([&]() -> Result<VerifyReport> {
    const Impl& m = *impl_;
    VerifyReport report;
    ChainLink prev = m.anchor_link;
    SQLite::Statement st(m.db, "SELECT seq, time, type, payload, payload_hash, hash FROM events ORDER BY seq");
    auto broken = [&](std::uint64_t seq, std::string problem) {
      report.broken_at = seq;
      report.problem = "event " + std::to_string(seq) + ": " + std::move(problem);
      return report;
    };
    while (st.executeStep()) {
      StoredEvent e = m.read_row(st, false);
      if (e.seq != prev.seq + 1) {
        return broken(prev.seq + 1, "missing (the next stored event is " + std::to_string(e.seq) + ")");
      }
      if (e.time <= prev.time && prev.seq != 0) return broken(e.seq, "its time is not after the previous event's");
      if (e.type == nullptr) return broken(e.seq, "unknown event type code " + st.getColumn(2).getString());
      if (!st.getColumn(3).isNull()) {
        const SQLite::Column blob = st.getColumn(3);
        const auto plain = m.open_payload(e.seq, *e.type,
                                          storage::blob_view(blob));
        if (!plain) return broken(e.seq, "payload does not authenticate (altered, or moved from another event)");
        if (crypto::blake2b(*plain) != e.payload_hash) return broken(e.seq, "payload does not match its hash");
      } else if (e.type->durability == Durability::durable) {
        return broken(e.seq, "payload missing (durable events are never dropped)");
      }
      if (chain_hash(prev.hash, e.seq, e.time, e.type->name, e.payload_hash) != e.hash) {
        return broken(e.seq, "chain hash does not match (the event or its predecessor was altered)");
      }
      prev = {e.seq, e.hash, e.time};
      ++report.checked;
    }
    // The newest events deleted leave an intact chain; the delivery mark
    // past its end tells (or the mark itself was altered, which would
    // have the device treat events it has not sent as delivered).
    if (m.acked > prev.seq) {
      return broken(prev.seq + 1, "missing (delivered up to seq " + std::to_string(m.acked) +
                                      ", but the journal ends at seq " + std::to_string(prev.seq) +
                                      ": its newest events were deleted, or the delivery mark altered)");
    }
    return report;
  });
}

JournalStats Journal::stats() const {
  std::lock_guard lock(impl_->mu);
  const Impl& m = *impl_;
  JournalStats s;
  s.first_seq = m.events > 0 ? m.anchor_link.seq + 1 : 0;
  s.head_seq = m.head_link.seq;
  s.stored_seq = m.stored_seq;
  s.acked_seq = m.acked;
  s.events = m.events;
  s.bytes = m.bytes;
  s.quota_bytes = m.options.quota_bytes;
  s.dropped_total = m.dropped_total;
  return s;
}

Bytes Journal::id() const {
  std::lock_guard lock(impl_->mu);
  return impl_->id;
}

std::optional<JournalParent> Journal::parent() const {
  std::lock_guard lock(impl_->mu);
  return impl_->parent;
}

Result<ChainLink> Journal::link_at(std::uint64_t seq) const {
  auto lock = impl_->idle_lock();
  return guarded([&]() -> Result<ChainLink> {
    const Impl& m = *impl_;
    if (seq == m.anchor_link.seq) return m.anchor_link;
    if (seq < m.anchor_link.seq || seq > m.stored_seq) {
      return Status(Errc::not_found, "the journal holds events " + std::to_string(m.anchor_link.seq + 1) + " to " +
                                         std::to_string(m.stored_seq) + ", not " + std::to_string(seq));
    }
    SQLite::Statement st(m.db, "SELECT seq, hash, time FROM events WHERE seq = ?");
    st.bind(1, static_cast<std::int64_t>(seq));
    if (!st.executeStep()) return Status(Errc::corrupt, "journal event " + std::to_string(seq) + " is missing");
    return ChainLink{seq, digest_column(st.getColumn(1)), HlcTime{static_cast<std::uint64_t>(st.getColumn(2).getInt64())}};
  });
}

Status Journal::fork(std::uint64_t seq) {
  auto lock = impl_->idle_lock();
  return guarded([&]() -> Status {
    Impl& m = *impl_;
    if (seq < std::max(m.anchor_link.seq, m.acked) || seq > m.stored_seq) {
      return Status(Errc::invalid_argument, "cannot continue the journal after event " + std::to_string(seq) +
                                                ": it must lie between the delivered event " +
                                                std::to_string(std::max(m.anchor_link.seq, m.acked)) +
                                                " and the stored head " + std::to_string(m.stored_seq));
    }
    JournalParent parent{m.id, seq};
    Bytes id(m.id.size());
    m.random.fill(id);
    storage::Transaction tx(m.db);
    storage::set_meta(m.db, "id", id);
    storage::set_meta(m.db, "parent_id", parent.journal_id);
    storage::set_meta(m.db, "parent_seq", static_cast<std::int64_t>(seq));
    storage::set_meta(m.db, "acked", static_cast<std::int64_t>(seq));
    tx.commit();
    m.id = std::move(id);
    m.parent = std::move(parent);
    m.acked = seq;
    return Status::ok();
  });
}

void Journal::observe(HlcTime remote) {
  std::lock_guard lock(impl_->mu);
  impl_->hlc.observe(remote);
}

}  // namespace outpost::journal
