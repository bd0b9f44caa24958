// The JSON documents the C API returns. Field names follow the device CLI's
// --json output (platform/cli), so an app and a script see the same shapes.
// Pure functions of core and sync types (nothing of the C boundary), so the
// CLI could share them. Any thread.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
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

}  // namespace outpost::capi
