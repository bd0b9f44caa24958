// The row form of a stored event, shared by the journal export file (§7)
// and journal.push (§10): a MessagePack array
//   [seq, time, type, payload (bin) | nil, payload_hash (bin 32), hash (bin 32)]
// from_row() checks the form, the type, the payload's schema and its hash;
// chain continuity is the reader's to check (links_to()).
// Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "outpost/journal/journal.hpp"

namespace outpost::journal {

nlohmann::json to_row(const StoredEvent& event);
// invalid_argument naming what is wrong with the row.
Result<StoredEvent> from_row(const nlohmann::json& row);
// True if event is the next link after previous: seq + 1 and its hash
// recomputes from previous.hash.
bool links_to(const ChainLink& previous, const StoredEvent& event);
inline ChainLink link_of(const StoredEvent& e) { return {e.seq, e.hash, e.time}; }

}  // namespace outpost::journal
