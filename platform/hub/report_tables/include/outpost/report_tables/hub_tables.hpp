// The hub reports (outpost/hub/hub_reports.hpp) as tables: one function per report
// building every table `outpost-hub report NAME` shows, so the command line
// and the hub dashboard print the same rows. `rows` is always the report's
// finest-grained table: the one `--csv` prints and the dashboard's CSV
// download serves. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "outpost/report_tables/report_table.hpp"
#include "outpost/hub/hub_reports.hpp"
#include "outpost/hub/lead_book.hpp"

namespace outpost::report_tables {

// "1h 02m", "4m 05s", "12s".
std::string duration_text(std::uint64_t ms);

// The CSV columns of each report (for --help).
ReportTable usage_table();
ReportTable unused_table();
ReportTable adoption_table();
ReportTable blocked_table();
ReportTable searches_table();
ReportTable feedback_table();
ReportTable leads_table(bool show, bool device);
ReportTable daily_usage_table();

struct UsageTables {
  ReportTable rows = usage_table();
  std::uint64_t unfinished = 0;  // presentations with no end yet
};
UsageTables usage_tables(const hub::reports::UsageReport& r);

ReportTable unused_rows(const hub::reports::UnusedReport& r);

struct AdoptionTables {
  ReportTable rows = adoption_table();  // per device
  ReportTable versions;                 // per current version
};
AdoptionTables adoption_tables(const hub::reports::AdoptionReport& r);

struct BlockedTables {
  ReportTable rows = blocked_table();
  ReportTable by_reason;
  ReportTable by_version;
};
BlockedTables blocked_tables(const hub::reports::BlockedReport& r);

struct SearchTables {
  ReportTable rows = searches_table();  // every query
  ReportTable top = searches_table();   // the first `top` queries
  ReportTable none;                     // searched, found nothing
  ReportTable unclicked;                // found, never clicked
  nlohmann::json queries;               // every query with its flags
};
SearchTables search_tables(const hub::reports::SearchReport& r, std::size_t top);

struct FeedbackTables {
  ReportTable rows = feedback_table();      // one per feedback or request
  ReportTable comments = feedback_table();  // feedback with a comment
  ReportTable summary;                      // per asset and version
  ReportTable requests;
};
// with_items: each summary row carries its feedback items in JSON.
FeedbackTables feedback_tables(const hub::reports::FeedbackReport& r, bool with_items);

ReportTable leads_of(const std::vector<hub::reports::LeadRow>& list, bool show, bool device);

ReportTable daily_usage_rows(const hub::reports::DailyUsageReport& r);

// The lead book's follow-up against the SLA (`outpost-hub leads sla`, the
// dashboard's leads section). rows: group (show or rep), key and the
// counts, the one CSV table; by_show / by_rep: the same counts per group
// (JSON members "show" / "rep"); overdue: the overdue leads, no PII.
struct SlaTables {
  ReportTable rows;
  ReportTable by_show;
  ReportTable by_rep;
  ReportTable overdue;
};
SlaTables sla_tables(const hub::SlaReport& r);

}  // namespace outpost::report_tables
