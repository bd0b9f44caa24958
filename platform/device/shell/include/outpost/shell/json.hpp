// The JSON documents every device shell shows: the CLI's --json output, the
// C API's results and the web shells' API, so an app, a script and a page
// see the same shapes. Pure functions of core and sync types. Any thread.
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
#include "outpost/leads/assigned_leads.hpp"
#include "outpost/leads/lead_capture.hpp"
#include "outpost/sync/device_sync.hpp"

namespace outpost::shell {

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
// The device at a glance (CLI `status`, C API status): link (null when not
// enrolled), catalog (catalog_status_json), cache (cache_stats_json plus
// pinned_assets), journal (journal_stats_json plus undelivered).
json home_status_json(device::DeviceHome& home, const sync::DeviceLink* link);
json form_json(const device::DeviceHome::Form& f);
json captured_json(const leads::Captured& c);
json presentation_json(const device::PresentationSummary& s);
json field_errors_json(const std::vector<leads::FieldError>& errors);
// A lead assigned to this rep device: the summary a list shows ("lead",
// "score", "shows", "name", "email", "assigned_at", "due_at", "overdue",
// "follow_up" {"outcome","at"} or null), and the full lead (the summary
// plus "fields", "visits", "consent", "received_at").
json assigned_summary_json(const leads::AssignedLead& l, TimePoint now);
json assigned_lead_json(const leads::AssignedLead& l, TimePoint now);

}  // namespace outpost::shell
