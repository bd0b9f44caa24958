// The row form of a journal event (journal.push and export files): the hub
// reads each row a device pushes with from_row. Input: one row, MessagePack
// (inputs that are not MessagePack are dropped).
// Invariants: from_row never throws and fails only with invalid_argument;
// a row it accepts is written back by to_row to a row that reads as the
// same event, and to_row of that is byte-for-byte the same.
#include <nlohmann/json.hpp>

#include "outpost/journal/event_row.hpp"
#include "support/fuzz.hpp"

using namespace outpost;
using nlohmann::json;

namespace {

bool same(const journal::StoredEvent& a, const journal::StoredEvent& b) {
  return a.seq == b.seq && a.time.value == b.time.value && a.type == b.type && a.payload == b.payload &&
         a.payload_hash == b.payload_hash && a.hash == b.hash;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const json row = fuzz::no_throw("from_msgpack", [&] { return json::from_msgpack(data, data + size, true, false); });
  if (row.is_discarded()) return 0;
  const Result<journal::StoredEvent> event = fuzz::no_throw("from_row", [&] { return journal::from_row(row); });
  fuzz::check_code(event.status(), {Errc::invalid_argument}, "from_row");
  if (!event) return 0;
  OUTPOST_FUZZ_CHECK(event->type != nullptr);
  const json written = journal::to_row(*event);
  const Result<journal::StoredEvent> again = fuzz::no_throw("from_row (again)", [&] { return journal::from_row(written); });
  OUTPOST_FUZZ_CHECK_MSG(again.is_ok(), again.status().to_string());
  OUTPOST_FUZZ_CHECK(same(*event, *again));
  OUTPOST_FUZZ_CHECK(json::to_msgpack(journal::to_row(*again)) == json::to_msgpack(written));
  fuzz::no_throw("links_to", [&] { return journal::links_to({}, *event); });
  return 0;
}
