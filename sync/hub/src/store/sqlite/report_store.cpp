#include "store/sqlite/report_store.hpp"

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "outpost/catalog/records.hpp"
#include "outpost/catalog/statement.hpp"

namespace outpost::hub::reports::store {

namespace {

std::int64_t hlc_bound(const std::optional<TimePoint>& t, std::int64_t otherwise) {
  return t ? static_cast<std::int64_t>(journal::HlcTime::from(std::max<std::int64_t>(to_unix_ms(*t), 0), 0).value)
           : otherwise;
}

}  // namespace

void scan(SQLite::Database& db, std::initializer_list<const char*> types, const Window& window, Skipped& skipped,
          const EventUse& use) {
  std::string sql =
      "SELECT type, journal_id, device, time, received_at, payload FROM events INDEXED BY events_by_type "
      "WHERE type IN (";
  for (std::size_t i = 0; i < types.size(); ++i) sql.append(i == 0 ? "?" : ", ?");
  sql.append(") AND time >= ? AND time < ?");
  SQLite::Statement st(db, sql);
  int index = 1;
  for (const char* type : types) st.bind(index++, type);
  st.bind(index++, hlc_bound(window.since, 0));
  st.bind(index, hlc_bound(window.until, std::numeric_limits<std::int64_t>::max()));
  Event e;
  std::unordered_map<std::string, std::uint32_t> device_index;
  while (st.executeStep()) {
    const SQLite::Column payload = st.getColumn(5);
    if (payload.isNull()) {
      ++skipped.no_payload;
      continue;
    }
    const auto* bytes = static_cast<const std::uint8_t*>(payload.getBlob());
    json decoded = json::from_msgpack(bytes, bytes + payload.getBytes(), true, false);
    if (!decoded.is_object()) {
      ++skipped.malformed;
      continue;
    }
    e.type = st.getColumn(0).getString();
    const SQLite::Column journal_id = st.getColumn(1);
    e.journal.assign(static_cast<const char*>(journal_id.getBlob()), static_cast<std::size_t>(journal_id.getBytes()));
    e.device = st.getColumn(2).getString();
    e.device_index = device_index.try_emplace(e.device, static_cast<std::uint32_t>(device_index.size())).first->second;
    e.time = journal::HlcTime{static_cast<std::uint64_t>(st.getColumn(3).getInt64())};
    e.received_at = from_unix_ms(st.getColumn(4).getInt64());
    Payload p(decoded);
    if (!use(e, p)) ++skipped.malformed;
  }
}

std::string Catalog::title(const std::string& asset, std::optional<std::uint64_t> version) const {
  auto it = releases.upper_bound({asset, version.value_or(std::numeric_limits<std::uint64_t>::max())});
  if (it == releases.begin()) return {};
  --it;
  const bool match = it->first.first == asset && (!version || it->first.second == *version);
  return match ? it->second.title : std::string();
}

Catalog load_catalog(SQLite::Database& db, TimePoint now, Skipped& skipped) {
  Catalog c;
  SQLite::Statement st(db,
                       "SELECT s.statement, r.revoked FROM statements s JOIN releases r "
                       "ON r.asset = s.asset AND r.version = s.version WHERE s.kind = 'release'");
  while (st.executeStep()) {
    const SQLite::Column blob = st.getColumn(0);
    const ByteView bytes(static_cast<const std::uint8_t*>(blob.getBlob()), static_cast<std::size_t>(blob.getBytes()));
    auto statement = catalog::SignedStatement::decode(bytes);
    auto release =
        statement ? catalog::Release::from_body(statement->body) : Result<catalog::Release>(statement.status());
    if (!release) {
      ++skipped.malformed;
      continue;
    }
    c.releases[{release->asset, release->version}] =
        ReleaseInfo{release->title,
                    release->published_at,
                    release->valid_from,
                    release->expires_at,
                    release->download == catalog::DownloadPolicy::automatic,
                    st.getColumn(1).getInt() != 0};
  }
  for (const auto& [key, r] : c.releases) {
    const bool in_force = !r.revoked && r.valid_from <= now && (!r.expires_at || *r.expires_at > now);
    if (in_force) c.current[key.first] = key.second;  // ordered by version: the newest wins
  }
  c.seq = static_cast<std::uint64_t>(db.execAndGet("SELECT coalesce(max(seq), 0) FROM statements").getInt64());
  return c;
}

}  // namespace outpost::hub::reports::store
