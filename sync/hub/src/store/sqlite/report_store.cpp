#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "outpost/catalog/records.hpp"
#include "outpost/catalog/statement.hpp"
#include "outpost/hub/store/at_rest.hpp"
#include "store/report_source.hpp"
#include "store/sqlite/sqlite_backend.hpp"
#include "store/sqlite/sqlite_util.hpp"

namespace outpost::hub::sqlite {

namespace {

using namespace reports;         // NOLINT(google-build-using-namespace)
using namespace reports::store;  // NOLINT(google-build-using-namespace)
using json = nlohmann::json;

std::int64_t hlc_bound(const std::optional<TimePoint>& t, std::int64_t otherwise) {
  return t ? static_cast<std::int64_t>(journal::HlcTime::from(std::max<std::int64_t>(to_unix_ms(*t), 0), 0).value)
           : otherwise;
}

class SqliteReportSource final : public ReportSource {
 public:
  SqliteReportSource(const std::filesystem::path& path, AtRestPtr at_rest)
      : db_(path.string(), SQLite::OPEN_READONLY, 5000), at_rest_(std::move(at_rest)), units_(db_) {
    db_.exec("PRAGMA query_only = ON");
    // A report reads much of the events table once: map it rather than
    // copy it page by page through a small cache.
    db_.exec("PRAGMA mmap_size = 1073741824");
    db_.exec("PRAGMA cache_size = -65536");
  }

  UnitPtr read() override { return units_.read(); }
  void scan(std::initializer_list<const char*> types, const Window& window, Skipped& skipped,
            const EventUse& use) override;
  Catalog catalog(Skipped& skipped) override;
  std::vector<DeviceRow> active_devices() override;
  std::vector<std::pair<std::string, cache::VersionRef>> holdings() override;

 private:
  SQLite::Database db_;
  AtRestPtr at_rest_;
  Units units_;
};

void SqliteReportSource::scan(std::initializer_list<const char*> types, const Window& window, Skipped& skipped,
                              const EventUse& use) {
  std::string sql =
      "SELECT type, journal_id, device, time, received_at, payload, seq FROM events INDEXED BY events_by_type "
      "WHERE type IN (";
  for (std::size_t i = 0; i < types.size(); ++i) sql.append(i == 0 ? "?" : ", ?");
  sql.append(") AND time >= ? AND time < ?");
  SQLite::Statement st(db_, sql);
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
    const ByteView journal_id = blob(st.getColumn(1));
    const std::optional<Bytes> opened = at_rest_->open_payload(journal_id, u64(st.getColumn(6)), blob(payload));
    if (!opened) {
      ++skipped.malformed;
      continue;
    }
    json decoded = json::from_msgpack(opened->begin(), opened->end(), true, false);
    if (!decoded.is_object()) {
      ++skipped.malformed;
      continue;
    }
    e.type = st.getColumn(0).getString();
    e.journal.assign(reinterpret_cast<const char*>(journal_id.data()), journal_id.size());
    e.device = st.getColumn(2).getString();
    e.device_index = device_index.try_emplace(e.device, static_cast<std::uint32_t>(device_index.size())).first->second;
    e.time = journal::HlcTime{static_cast<std::uint64_t>(st.getColumn(3).getInt64())};
    e.received_at = from_unix_ms(st.getColumn(4).getInt64());
    Payload p(decoded);
    if (!use(e, p)) ++skipped.malformed;
  }
}

Catalog SqliteReportSource::catalog(Skipped& skipped) {
  Catalog c;
  SQLite::Statement st(db_,
                       "SELECT s.statement, r.revoked, s.seq FROM statements s JOIN releases r "
                       "ON r.asset = s.asset AND r.version = s.version WHERE s.kind = 'release'");
  while (st.executeStep()) {
    const std::optional<Bytes> opened = at_rest_->open_statement(u64(st.getColumn(2)), blob(st.getColumn(0)));
    auto statement = opened ? catalog::SignedStatement::decode(*opened)
                            : Result<catalog::SignedStatement>(Status(Errc::corrupt, "it does not decrypt"));
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
  c.seq = u64(db_.execAndGet("SELECT coalesce(max(seq), 0) FROM statements"));
  return c;
}

std::vector<DeviceRow> SqliteReportSource::active_devices() {
  SQLite::Statement st(db_,
                       "SELECT name, role, catalog_seq, last_seen, holdings_at FROM devices "
                       "WHERE revoked_at IS NULL AND wiped_at IS NULL ORDER BY name");
  std::vector<DeviceRow> out;
  while (st.executeStep()) {
    out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), u64(st.getColumn(2)),
                   opt_time(st.getColumn(3)), opt_time(st.getColumn(4))});
  }
  return out;
}

std::vector<std::pair<std::string, cache::VersionRef>> SqliteReportSource::holdings() {
  SQLite::Statement st(db_, "SELECT device, asset, version FROM holdings ORDER BY device, asset, version");
  std::vector<std::pair<std::string, cache::VersionRef>> out;
  while (st.executeStep()) {
    out.emplace_back(st.getColumn(0).getString(), cache::VersionRef{st.getColumn(1).getString(), u64(st.getColumn(2))});
  }
  return out;
}

}  // namespace

std::unique_ptr<ReportSource> open_report_source(const std::filesystem::path& db_path, AtRestPtr at_rest) {
  return std::make_unique<SqliteReportSource>(db_path, std::move(at_rest));
}

}  // namespace outpost::hub::sqlite
