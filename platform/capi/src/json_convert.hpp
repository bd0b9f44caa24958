// JSON in and out of the C API. Field names follow the device CLI's --json
// output (platform/cli), so an app and a script see the same shapes. Pure
// functions; any thread. Parsers throw ApiError (invalid argument) naming
// the problem, never echoing a value (lead fields are personal data).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/catalog/device_catalog.hpp"
#include "outpost/catalog/records.hpp"
#include "outpost/device/home.hpp"
#include "outpost/device/presentation.hpp"
#include "outpost/gate/gate.hpp"
#include "outpost/leads/lead_capture.hpp"
#include "outpost/sync/device_sync.hpp"

namespace outpost::capi {

using nlohmann::json;

// The compact text of doc on the heap, for the caller to free with
// outpost_string_free (invalid UTF-8 is replaced, never thrown over).
char* json_string(const json& doc);

json decision_json(const gate::Decision& d);
json release_json(const catalog::Release& r);
json report_json(const sync::SyncReport& r);
json search_json(const device::DeviceHome::SearchOutcome& outcome);
json link_json(const sync::DeviceLink& link);
// The CLI's `status`: seq, freshness and the offline budget left per class.
json catalog_status_json(const catalog::CatalogStatus& s, const std::map<std::string, catalog::Seconds>& budgets);
json cache_stats_json(const cache::CacheStats& s);
json journal_stats_json(const journal::JournalStats& s);
json form_json(const device::DeviceHome::Form& f);
json captured_json(const leads::Captured& c);
json presentation_json(const device::PresentationSummary& s);
json field_errors_json(const std::vector<leads::FieldError>& errors);

// {"region": "EMEA", ...}; null or empty text: no facets.
std::map<std::string, std::string> parse_facets(const char* text);
// {"fields": {...}, "answers": {...}, "consent": true, "show": "..."}.
leads::CaptureRequest parse_capture_request(std::string_view text);

}  // namespace outpost::capi
