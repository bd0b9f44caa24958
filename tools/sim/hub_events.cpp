// Reads the events a stopped hub stored, straight from its hub.db (read-only),
// for the comparison in truth.cpp.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include "json_fields.hpp"
#include "truth.hpp"

namespace outpost::sim {

using nlohmann::json;

std::vector<HubEvent> read_hub_events(const std::string& hub_db) {
  SQLite::Database db(hub_db, SQLite::OPEN_READONLY);
  SQLite::Statement st(db, "SELECT device, seq, type, received_at, payload FROM events ORDER BY device, seq");
  std::vector<HubEvent> out;
  while (st.executeStep()) {
    HubEvent e;
    e.device = st.getColumn(0).getString();
    e.seq = static_cast<std::uint64_t>(st.getColumn(1).getInt64());
    e.type = st.getColumn(2).getString();
    e.received_ms = st.getColumn(3).getInt64();
    const SQLite::Column payload = st.getColumn(4);
    if (!payload.isNull() && e.type != "lead.captured" && e.type != "lead.repeat_visit") {
      const auto* bytes = static_cast<const std::uint8_t*>(payload.getBlob());
      const json doc = json::from_msgpack(bytes, bytes + payload.getBytes(), true, false);
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
