// Attendee lists (core/include/outpost/leads/attendees.hpp): the content of
// an asset of kind "attendees" a kiosk resolves scanned badges with.
// Input: [list JSON, badge, badge, ...], cut at the separator; the badges
// are looked up (with A-100 and B-200, the badges of the world's list).
// Invariants: parse never throws and fails only with invalid_argument or
// unsupported; find never throws, fails only with invalid_argument (no
// badge code) or integrity (an entry that does not decrypt), and finds
// only under the badge's normal form.
#include "outpost/leads/attendees.hpp"
#include "support/fuzz.hpp"

using namespace outpost;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<Bytes> parts = fuzz::split({data, size});
  const Result<leads::AttendeeList> list = fuzz::no_throw("AttendeeList::parse", [&] { return leads::AttendeeList::parse(parts[0]); });
  fuzz::check_code(list.status(), {Errc::invalid_argument, Errc::unsupported}, "AttendeeList::parse");
  if (!list) return 0;
  OUTPOST_FUZZ_CHECK(!list->show().empty());
  parts.push_back(fuzz::bytes_of("A-100"));
  parts.push_back(fuzz::bytes_of(" b-200 "));
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string badge = fuzz::text(parts[i]);
    const auto found = fuzz::no_throw("AttendeeList::find", [&] { return list->find(badge); });
    fuzz::check_code(found.status(), {Errc::invalid_argument, Errc::integrity}, "AttendeeList::find");
    if (!found) continue;
    const auto normal = fuzz::no_throw("AttendeeList::find (normal)", [&] { return list->find(leads::normal_badge(badge)); });
    OUTPOST_FUZZ_CHECK(normal.is_ok() && *normal == *found);
  }
  return 0;
}
