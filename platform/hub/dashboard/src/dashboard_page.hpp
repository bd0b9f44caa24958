// The dashboard's HTML: the login page, the report page (one section per
// chart: title, SVG chart, table, CSV link) and error pages. Every value
// from the store is escaped; no script, no inline style (CSP). Pure
// functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "outpost/hub/hub_reports.hpp"
#include "outpost/hub/lead_book.hpp"

namespace outpost::web {

// What the page shows: the window as the form should show it, and the
// reports read for it.
struct DashboardView {
  std::string since;        // the window's bounds, ISO 8601 (the CSV links carry them)
  std::string until;
  std::string days;         // the "last N days" field as given ("" when since/until were)
  std::string window_text;  // "2026-03-01 to 2026-03-30 (UTC)"
  std::uint64_t unused_days = 30;
  hub::reports::DailyUsageReport daily;
  hub::reports::UsageReport usage;
  hub::reports::UnusedReport unused;
  hub::reports::AdoptionReport adoption;
  hub::reports::BlockedReport blocked;
  hub::reports::SearchReport searches;
  hub::reports::FeedbackReport feedback;
  hub::reports::LeadReport leads;
  std::optional<hub::SlaReport> sla;  // absent: no lead book to ask
};

std::string dashboard_html(const DashboardView& view, const std::string& csrf);
// wrong: the previous attempt gave a wrong token.
std::string dashboard_login_html(const std::string& csrf, bool wrong);
std::string dashboard_error_html(unsigned status, const std::string& message);

// /static/dashboard.css, compiled in.
extern const std::string_view dashboard_css;

}  // namespace outpost::web
