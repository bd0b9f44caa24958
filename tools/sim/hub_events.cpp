// Reads the events a stopped hub stored, straight from its hub.db (read-only),
// for the comparison in truth.cpp.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>

#include "json_fields.hpp"
#include "outpost/hub/hub_store.hpp"
#include "outpost/hub/store/at_rest.hpp"
#include "truth.hpp"

namespace outpost::sim {

using nlohmann::json;

std::vector<HubEvent> read_hub_events(const std::string& hub_home) {
  // Payloads are sealed at rest under the hub's keys (outpost/hub/store/at_rest.hpp).
  auto keys = hub::load_hub_keys(hub::HubStore::keys_path(hub_home));
  if (!keys) throw std::runtime_error("reading the hub's events: " + keys.status().message());
  const hub::AtRest at_rest(keys->lead.secret_key());
  SQLite::Database db(hub::HubStore::db_path(hub_home).string(), SQLite::OPEN_READONLY);
  SQLite::Statement st(db,
                       "SELECT device, seq, type, received_at, payload, journal_id FROM events ORDER BY device, seq");
  std::vector<HubEvent> out;
  while (st.executeStep()) {
    HubEvent e;
    e.device = st.getColumn(0).getString();
    e.seq = static_cast<std::uint64_t>(st.getColumn(1).getInt64());
    e.type = st.getColumn(2).getString();
    e.received_ms = st.getColumn(3).getInt64();
    const SQLite::Column payload = st.getColumn(4);
    if (!payload.isNull() && e.type != "lead.captured" && e.type != "lead.repeat_visit") {
      const SQLite::Column journal = st.getColumn(5);
      const ByteView journal_id(static_cast<const std::uint8_t*>(journal.getBlob()),
                                static_cast<std::size_t>(journal.getBytes()));
      const ByteView box(static_cast<const std::uint8_t*>(payload.getBlob()), static_cast<std::size_t>(payload.getBytes()));
      const std::optional<Bytes> opened = at_rest.open_payload(journal_id, e.seq, box);
      const json doc = opened ? json::from_msgpack(opened->begin(), opened->end(), true, false) : json();
      if (doc.is_object()) {
        e.asset = text_of(doc, "asset");
        e.version = number_of(doc, "version");
        e.presentation = text_of(doc, "presentation");
        e.text = e.type == "asset.feedback" ? text_of(doc, "comment") : text_of(doc, "text");
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace outpost::sim
