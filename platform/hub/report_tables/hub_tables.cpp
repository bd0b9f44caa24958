#include "outpost/report_tables/hub_tables.hpp"

#include <utility>

#include "outpost/cli/text.hpp"

namespace outpost::report_tables {

namespace {

using nlohmann::json;
namespace rep = hub::reports;

std::string num(std::uint64_t n) { return std::to_string(n); }

// asset@version lists: space-separated in text and CSV, objects in JSON.
Cell refs(const std::vector<cache::VersionRef>& list) {
  std::string text;
  json value = json::array();
  for (const cache::VersionRef& ref : list) {
    text.append(text.empty() ? "" : " ").append(ref.to_string());
    value.push_back({{"asset", ref.asset}, {"version", ref.version}});
  }
  return Cell(text).valued(std::move(value));
}

}  // namespace

std::string duration_text(std::uint64_t ms) {
  const std::uint64_t s = ms / 1000;
  std::string out;
  auto two = [](std::uint64_t v) { return (v < 10 ? "0" : "") + num(v); };
  if (s >= 3600) return out.append(num(s / 3600)).append("h ").append(two(s / 60 % 60)).append("m");
  if (s >= 60) return out.append(num(s / 60)).append("m ").append(two(s % 60)).append("s");
  return out.append(num(s)).append("s");
}

// ---- usage

ReportTable usage_table() {
  return ReportTable({{"asset", "ASSET"},
                      {"version", "VERSION"},
                      {"title", "TITLE"},
                      {"opens", "OPENS"},
                      {"presentations", "PRESENTATIONS"},
                      {"presented_ms", "PRESENTED"},
                      {"pages", "PAGES"},
                      {"devices", "DEVICES"},
                      {"unfinished", ""}});
}

UsageTables usage_tables(const rep::UsageReport& r) {
  UsageTables t;
  for (const rep::UsageRow& u : r.rows) {
    t.rows.add({u.ref.asset, u.ref.version, u.title, u.opens, u.presentations,
                Cell(u.presented_ms).shown(duration_text(u.presented_ms)), u.pages, u.devices, u.unfinished});
    t.unfinished += u.unfinished;
  }
  return t;
}

ReportTable daily_usage_table() {
  return ReportTable({{"day", "DAY"}, {"opens", "OPENS"}, {"presentations", "PRESENTATIONS"}});
}

ReportTable daily_usage_rows(const rep::DailyUsageReport& r) {
  ReportTable rows = daily_usage_table();
  for (const rep::DayUsage& d : r.days) {
    const std::string day = cli::iso_time(d.day).substr(0, 10);  // "2026-03-01"
    rows.add({day, d.opens, d.presentations});
  }
  return rows;
}

// ---- unused

ReportTable unused_table() {
  return ReportTable({{"asset", "ASSET"},
                      {"version", "VERSION"},
                      {"title", "TITLE"},
                      {"published_at", "PUBLISHED"},
                      {"older_versions_opened", "OPENED"}});
}

ReportTable unused_rows(const rep::UnusedReport& r) {
  ReportTable rows = unused_table();
  for (const rep::UnusedRow& u : r.rows) {
    rows.add({u.ref.asset, u.ref.version, u.title, u.published_at,
              Cell(u.older_opened).shown(u.older_opened ? "older versions" : "never")});
  }
  return rows;
}

// ---- adoption

ReportTable adoption_table() {
  return ReportTable({{"device", "DEVICE"},
                      {"role", "ROLE"},
                      {"catalog_seq", "CATALOG-SEQ"},
                      {"last_contact", "LAST-CONTACT"},
                      {"holdings_reported_at", ""},
                      {"held", "HELD"},
                      {"behind", "BEHIND"},
                      {"missing", ""}});
}

AdoptionTables adoption_tables(const rep::AdoptionReport& r) {
  AdoptionTables t{adoption_table(),
                   ReportTable({{"asset", ""},
                                {"version", ""},
                                {"current", "CURRENT"},
                                {"title", "TITLE"},
                                {"holding", "HOLDING"},
                                {"older_only", "OLDER-ONLY"}})};
  for (const rep::DeviceAdoption& d : r.devices) {
    std::string behind;
    if (d.catalog_behind) behind = "catalog " + num(d.catalog_seq) + " < " + num(r.hub_seq);
    if (!d.missing.empty()) behind.append(behind.empty() ? "" : "; ").append("lacks " + refs(d.missing).text());
    Cell held = d.holdings_at ? refs(d.held).shown(num(d.held.size())) : Cell("").valued(nullptr).shown("unknown");
    t.rows.add({d.device, d.role, d.catalog_seq, d.last_seen, d.holdings_at, std::move(held),
                Cell(d.behind()).shown(behind.empty() ? "-" : behind), refs(d.missing)});
  }
  for (const rep::VersionAdoption& v : r.versions) {
    t.versions.add({v.ref.asset, v.ref.version, v.ref.to_string(), v.title,
                    Cell(v.holding).shown(num(v.holding) + " of " + num(r.reporting)), v.older_only});
  }
  return t;
}

// ---- blocked

ReportTable blocked_table() {
  return ReportTable({{"asset", ""}, {"version", ""}, {"reason", ""}, {"device", ""}, {"count", ""}});
}

BlockedTables blocked_tables(const rep::BlockedReport& r) {
  BlockedTables t{blocked_table(), ReportTable({{"reason", "REASON"}, {"device", "DEVICE"}, {"count", "COUNT"}}),
                  ReportTable({{"asset", "ASSET"}, {"count", "COUNT"}, {"reasons", "REASONS"}})};
  for (const rep::BlockedRow& b : r.rows) t.rows.add({b.asset, b.version, b.reason, b.device, b.count});
  for (const rep::BlockedRow& b : r.by_reason_device) t.by_reason.add({b.reason, b.device, b.count});
  for (const rep::BlockedTally& tally : r.by_version) {
    std::string reasons;
    for (const auto& [reason, n] : tally.reasons) reasons.append(reasons.empty() ? "" : ", ").append(reason + " " + num(n));
    t.by_version.add({tally.name, tally.count, Cell(reasons).valued(tally.reasons)});
  }
  return t;
}

// ---- searches

ReportTable searches_table() {
  return ReportTable({{"query", "QUERY"},
                      {"searches", "SEARCHES"},
                      {"no_result", "NO-RESULT"},
                      {"clicks", "CLICKS"},
                      {"devices", "DEVICES"}});
}

SearchTables search_tables(const rep::SearchReport& r, std::size_t top) {
  SearchTables t{searches_table(),
                 searches_table(),
                 ReportTable({{"query", "QUERY"}, {"no_result", "SEARCHES-WITH-NO-RESULT"}, {"devices", "DEVICES"}}),
                 ReportTable({{"query", "QUERY"}, {"searches", "SEARCHES"}, {"devices", "DEVICES"}}),
                 json::array()};
  for (const rep::QueryRow& q : r.queries) {
    // A search with facets only has no text: say so in the text tables.
    auto query = [&] { return Cell(q.query).shown(q.query.empty() ? "(facets only)" : one_line(q.query)); };
    t.rows.add({query(), q.searches, q.no_result, q.clicks, q.devices});
    if (t.top.size() < top) t.top.add({query(), q.searches, q.no_result, q.clicks, q.devices});
    if (q.found_nothing()) t.none.add({query(), q.no_result, q.devices});
    if (q.results_not_clicked()) t.unclicked.add({query(), q.searches, q.devices});
    t.queries.push_back({{"query", q.query},
                         {"searches", q.searches},
                         {"no_result", q.no_result},
                         {"clicks", q.clicks},
                         {"devices", q.devices},
                         {"found_nothing", q.found_nothing()},
                         {"results_not_clicked", q.results_not_clicked()}});
  }
  return t;
}

// ---- feedback

ReportTable feedback_table() {
  return ReportTable({{"kind", ""},
                      {"asset", "ASSET"},
                      {"version", "VERSION"},
                      {"rating", "RATING"},
                      {"needs_update", ""},
                      {"device", "DEVICE"},
                      {"at", "AT"},
                      {"text", "COMMENT"}});
}

FeedbackTables feedback_tables(const rep::FeedbackReport& r, bool with_items) {
  FeedbackTables t{feedback_table(), feedback_table(),
                   ReportTable({{"asset", "ASSET"},
                                {"version", "VERSION"},
                                {"title", "TITLE"},
                                {"count", "FEEDBACK"},
                                {"mean_rating", "MEAN-RATING"},
                                {"needs_update", "NEEDS-UPDATE"},
                                {"items", ""}}),
                   ReportTable({{"device", "DEVICE"}, {"at", "AT"}, {"asset", "ASSET"}, {"text", "REQUEST"}})};
  for (const rep::FeedbackRow& f : r.rows) {
    json items = json::array();  // asked for only by the JSON document: a long list to build for nothing otherwise
    for (const rep::FeedbackItem& i : f.items) {
      if (with_items) {
        items.push_back({{"device", i.device},
                         {"at", cli::iso_time(i.at)},
                         {"rating", i.rating},
                         {"needs_update", i.needs_update},
                         {"comment", i.comment}});
      }
      std::vector<Cell> row{"feedback",     f.asset,  f.version, Cell(i.rating).shown(num(i.rating) + (i.needs_update ? " !" : "")),
                            i.needs_update, i.device, i.at,      i.comment};
      if (!i.comment.empty()) t.comments.add(row);
      t.rows.add(std::move(row));
    }
    t.summary.add({f.asset, f.version, f.title, f.count, f.mean_rating, f.needs_update, Cell("").valued(std::move(items))});
  }
  for (const rep::ContentRequest& c : r.requests) {
    t.requests.add({c.device, c.at, Cell(c.asset).shown(c.asset.empty() ? "-" : c.asset), c.text});
    t.rows.add({"request", c.asset, std::optional<std::uint64_t>(), std::optional<std::uint64_t>(), "", c.device, c.at,
                c.text});
  }
  return t;
}

// ---- leads

ReportTable leads_table(bool show, bool device) {
  std::vector<Column> columns;
  if (show) columns.push_back({"show", "SHOW"});
  if (device) columns.push_back({"device", "KIOSK"});
  for (Column c : std::vector<Column>{{"leads", "LEADS"},
                                      {"repeat_visits", "REPEAT-VISITS"},
                                      {"first_received", "FIRST-RECEIVED"},
                                      {"last_received", "LAST-RECEIVED"}}) {
    columns.push_back(std::move(c));
  }
  return ReportTable(std::move(columns));
}

ReportTable leads_of(const std::vector<rep::LeadRow>& list, bool show, bool device) {
  ReportTable table = leads_table(show, device);
  for (const rep::LeadRow& l : list) {
    std::vector<Cell> row;
    if (show) row.emplace_back(l.show);
    if (device) row.emplace_back(l.device);
    for (Cell c : {Cell(l.leads), Cell(l.repeat_visits), Cell(l.first_received), Cell(l.last_received)}) {
      row.push_back(std::move(c));
    }
    table.add(std::move(row));
  }
  return table;
}

namespace {

std::vector<Column> sla_columns(std::vector<Column> keys) {
  for (Column c : std::vector<Column>{{"captured", "CAPTURED"},
                                      {"assigned", "ASSIGNED"},
                                      {"within", "WITHIN"},
                                      {"late", "LATE"},
                                      {"overdue", "OVERDUE"},
                                      {"escalated", "ESCALATED"}}) {
    keys.push_back(std::move(c));
  }
  return keys;
}

std::vector<Cell> sla_cells(std::vector<Cell> keys, const hub::SlaRow& row) {
  for (Cell c : {Cell(row.captured), Cell(row.assigned), Cell(row.within), Cell(row.late), Cell(row.overdue),
                 Cell(row.escalated)}) {
    keys.push_back(std::move(c));
  }
  return keys;
}

}  // namespace

SlaTables sla_tables(const hub::SlaReport& r) {
  SlaTables t{ReportTable(sla_columns({{"group", "GROUP"}, {"key", "KEY"}})),
              ReportTable(sla_columns({{"show", "SHOW"}})), ReportTable(sla_columns({{"rep", "REP"}})),
              ReportTable({{"lead", "LEAD"},
                           {"rep", "REP"},
                           {"show", "SHOW"},
                           {"due_at", "DUE"},
                           {"hours_overdue", "HOURS-OVERDUE"},
                           {"escalated", "ESCALATED"}})};
  for (const hub::SlaRow& row : r.by_show) {
    t.rows.add(sla_cells({"show", row.key}, row));
    t.by_show.add(sla_cells({row.key}, row));
  }
  for (const hub::SlaRow& row : r.by_rep) {
    t.rows.add(sla_cells({"rep", row.key}, row));
    t.by_rep.add(sla_cells({row.key}, row));
  }
  for (const hub::OverdueLead& o : r.overdue) {
    t.overdue.add({o.lead, o.rep, o.show, o.due_at, o.hours_overdue, o.escalated});
  }
  return t;
}

}  // namespace outpost::report_tables
