// Lead assignments (core/include/outpost/leads/assigned_leads.hpp): the JSON
// document the hub seals to a rep device, which the device opens, parses
// and shows (the web shell's /api/leads, the C API). Input: the document.
// Invariants: parse never throws and fails only with invalid_argument; an
// assignment it accepts names a lead of 1-256 bytes, and renders to the
// shells' JSON (summary and detail) and its text without throwing,
// whatever its times and bytes.
#include "outpost/leads/assigned_leads.hpp"
#include "outpost/shell/json.hpp"
#include "support/fuzz.hpp"

using namespace outpost;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Result<leads::Assignment> a = fuzz::no_throw("Assignment::parse", [&] { return leads::Assignment::parse({data, size}); });
  fuzz::check_code(a.status(), {Errc::invalid_argument}, "Assignment::parse");
  if (!a) return 0;
  OUTPOST_FUZZ_CHECK(!a->lead.empty() && a->lead.size() <= 256);
  leads::AssignedLead lead{*a, std::nullopt, fuzz::world().now};
  for (int followed = 0; followed < 2; ++followed) {
    fuzz::no_throw("overdue", [&] { return lead.overdue(fuzz::world().now); });
    const shell::json summary = fuzz::no_throw("assigned_summary_json", [&] { return shell::assigned_summary_json(lead, fuzz::world().now); });
    const shell::json detail = fuzz::no_throw("assigned_lead_json", [&] { return shell::assigned_lead_json(lead, fuzz::world().now); });
    fuzz::no_throw("dump", [&] { return summary.dump(-1, ' ', false, shell::json::error_handler_t::replace); });
    fuzz::no_throw("dump", [&] { return detail.dump(-1, ' ', false, shell::json::error_handler_t::replace); });
    lead.follow_up = leads::LocalFollowUp{"called", fuzz::world().now};
  }
  return 0;
}
