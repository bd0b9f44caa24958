// report usage | unused | adoption | blocked | searches | feedback | leads:
// marketing's answers from the hub store (sync/hub_reports.hpp), printed as
// text tables, a --json document, or --csv: one table per report, its
// finest-grained rows (the text's other tables follow from them), with the
// columns each report's --help lists.
#include <iostream>

#include "hub_cli.hpp"
#include "outpost/sync/hub_reports.hpp"
#include "report_table.hpp"

namespace outpost::hub_cli {

namespace {

using nlohmann::json;
namespace rep = sync::reports;

const char* const report_names = "usage, unused, adoption, blocked, searches, feedback, leads";

struct ReportOptions {
  std::string since;
  std::string until;
  bool csv = false;
  std::uint64_t days = 30;  // unused
  std::size_t top = 20;     // searches: rows in the text's top list
};

std::string num(std::uint64_t n) { return std::to_string(n); }

std::string plural(std::uint64_t n, const std::string& one, const std::string& many) {
  std::string out = num(n);
  return out.append(" ").append(n == 1 ? one : many);
}

// "1h 02m", "4m 05s", "12s".
std::string duration_text(std::uint64_t ms) {
  const std::uint64_t s = ms / 1000;
  std::string out;
  auto two = [](std::uint64_t v) { return (v < 10 ? "0" : "") + num(v); };
  if (s >= 3600) return out.append(num(s / 3600)).append("h ").append(two(s / 60 % 60)).append("m");
  if (s >= 60) return out.append(num(s / 60)).append("m ").append(two(s % 60)).append("s");
  return out.append(num(s)).append("s");
}

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

// A text section: a title line and its table, or what to say when it is empty.
std::string section(const std::string& title, const ReportTable& table, const std::string& empty) {
  std::string out = "\n" + title + "\n";
  return out.append(table.empty() ? "  " + empty + "\n" : table.text());
}

// The --help footer: what the report answers, its CSV columns, an example.
std::string footer(const std::string& what, const ReportTable& csv_table, const std::string& example) {
  std::string out = what;
  return out.append("\nCSV columns: ").append(csv_table.csv_header()).append("\nExample: ").append(example);
}

// A report being run: its window (checked) and the store.
struct Run {
  rep::Window window;
  std::unique_ptr<rep::HubReports> reports;

  std::string window_text() const {
    if (!window.since && !window.until) return "all events";
    std::string out = "events";
    if (window.since) out.append(" from ").append(iso_time(*window.since));
    if (window.until) out.append(" until ").append(iso_time(*window.until));
    return out;
  }
  json window_json() const { return {{"since", Cell(window.since).value()}, {"until", Cell(window.until).value()}}; }
};

Run start(Context& ctx, const ReportOptions& o, bool takes_window = true) {
  if (o.csv && ctx.json) ctx.usage("--csv and --json cannot be combined: pick one");
  if (!takes_window && (!o.since.empty() || !o.until.empty())) {
    ctx.usage("--since/--until do not apply to this report (it shows the state now)");
  }
  Run run;
  auto bound = [&](const std::string& text, const char* option, bool end_of_day) -> std::optional<TimePoint> {
    if (text.empty()) return std::nullopt;
    auto t = parse_time(text, end_of_day);
    if (!t) ctx.usage(std::string(option) + ": '" + text + "' is not a date: " + time_formats);
    return *t;
  };
  run.window.since = bound(o.since, "--since", false);
  run.window.until = bound(o.until, "--until", true);
  if (run.window.since && run.window.until && *run.window.until <= *run.window.since) {
    ctx.usage("--until (" + iso_time(*run.window.until) + ") must be after --since (" + iso_time(*run.window.since) +
              ")");
  }
  run.reports = ctx.take(rep::HubReports::open(ctx.home));
  return run;
}

// Prints the report: the CSV table, the JSON document or the text, with a
// note on skipped events (on stderr with --csv, so the table stays clean).
void emit(Context& ctx, const ReportOptions& o, json doc, std::string text, const ReportTable& csv_table,
          const rep::Skipped& skipped) {
  std::string note;
  if (skipped.total() > 0) {
    note = "note: " + plural(skipped.total(), "event", "events") + " skipped (" + num(skipped.no_payload) +
           " without payload: dropped on the device for its journal quota; " + num(skipped.malformed) + " malformed)";
  }
  if (o.csv) {
    std::cout << csv_table.csv();
    if (!note.empty()) std::cerr << ctx.program << ": " << note << "\n";
    return;
  }
  doc["skipped"] = {{"no_payload", skipped.no_payload}, {"malformed", skipped.malformed}};
  if (!note.empty()) text.append("\n").append(note).append("\n");
  ctx.print(doc, text);
}

CLI::App* add_report(CLI::App& parent, const std::string& name, const std::string& what, const std::string& help,
                     ReportOptions& o, bool takes_window = true) {
  auto* cmd = parent.add_subcommand(name, what);
  cmd->footer(help);
  // A report of the state now takes no window: the options stay (hidden),
  // so giving them is a clear usage error rather than a stray argument.
  const std::string group = takes_window ? "Options" : "";
  cmd->add_option("--since", o.since, "Only events at or after this time: 2026-03-01 or 2026-03-01T09:30:00Z (UTC)")
      ->group(group);
  cmd->add_option("--until", o.until, "Only events before this time; a bare date includes that day")->group(group);
  cmd->add_flag("--csv", o.csv, "One CSV table (RFC 4180) instead of text");
  return cmd;
}

// ---- the reports

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

void add_usage(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  const std::string help = footer(
      "Per asset and version: opens (asset.opened), presentations (presentation.started), time presented\n"
      "(presentation.ended durations), pages viewed and distinct devices, by the devices' event times.",
      usage_table(), "outpost-hub --home /srv/hub report usage --since 2026-03-01 --until 2026-03-31");
  add_report(parent, "usage", "Which assets and versions are used: opens, presentations, time presented", help, *o)
      ->callback([&ctx, o] {
        const Run run = start(ctx, *o);
        const rep::UsageReport r = ctx.take(run.reports->usage(run.window));
        ReportTable rows = usage_table();
        std::uint64_t unfinished = 0;
        for (const rep::UsageRow& u : r.rows) {
          rows.add({u.ref.asset, u.ref.version, u.title, u.opens, u.presentations,
                    Cell(u.presented_ms).shown(duration_text(u.presented_ms)), u.pages, u.devices, u.unfinished});
          unfinished += u.unfinished;
        }
        std::string out = "Usage, " + run.window_text() + "\n";
        out.append(rows.empty() ? "no opens or presentations\n" : rows.text());
        if (unfinished > 0) out.append(plural(unfinished, "presentation has", "presentations have") + " no end yet\n");
        if (r.unattributed > 0) {
          out.append(plural(r.unattributed, "presentation", "presentations") +
                     " started before the window (time and pages not attributed)\n");
        }
        emit(ctx, *o,
             {{"report", "usage"},
              {"window", run.window_json()},
              {"rows", rows.json()},
              {"unattributed", r.unattributed}},
             out, rows, r.skipped);
      });
}

ReportTable unused_table() {
  return ReportTable({{"asset", "ASSET"},
                      {"version", "VERSION"},
                      {"title", "TITLE"},
                      {"published_at", "PUBLISHED"},
                      {"older_versions_opened", "OPENED"}});
}

void add_unused(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  const std::string help = footer(
      "A live asset is one whose current version (newest in force, not revoked or expired) was published\n"
      "more than --days ago; it is unused if no device opened any version of it (within --since/--until,\n"
      "if given; a lead form counts as opened when leads are captured with it). Listed: every current\n"
      "version never opened, with whether an older version was.",
      unused_table(), "outpost-hub --home /srv/hub report unused --days 60");
  auto* cmd =
      add_report(parent, "unused", "Live assets never opened on any device (the '65% unused' question)", help, *o);
  cmd->add_option("--days", o->days, "Judge only versions published more than this many days ago (default 30)")
      ->check(CLI::Range(0, 36500));
  cmd->callback([&ctx, o] {
    const Run run = start(ctx, *o);
    const rep::UnusedReport r = ctx.take(run.reports->unused(run.window, o->days, ctx.clock.now()));
    ReportTable rows = unused_table();
    for (const rep::UnusedRow& u : r.rows) {
      rows.add({u.ref.asset, u.ref.version, u.title, u.published_at,
                Cell(u.older_opened).shown(u.older_opened ? "older versions" : "never")});
    }
    std::string out = num(r.never_opened) + " of " + plural(r.live_assets, "live asset", "live assets") + " (" +
                      Cell(r.share_percent()).text() + "%) never opened, " + run.window_text() + "\n";
    out.append("(current version published more than " + plural(r.days, "day", "days") + " ago; " + num(r.too_new) +
               " newer not judged)\n");
    if (!rows.empty()) out.append("\n" + rows.text());
    emit(ctx, *o,
         {{"report", "unused"},
          {"window", run.window_json()},
          {"days", r.days},
          {"live_assets", r.live_assets},
          {"never_opened", r.never_opened},
          {"share_percent", r.share_percent()},
          {"too_new", r.too_new},
          {"rows", rows.json()}},
         out, rows, r.skipped);
  });
}

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

void add_adoption(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  const std::string help = footer(
      "Per active device: its catalog seq against the hub's, last contact, the complete versions it\n"
      "reported holding at its last sync, and what it is behind on: an older catalog, or a current\n"
      "version it should hold (automatic download, or an asset it holds) and does not. Devices that\n"
      "never reported holdings show 'unknown'. Then, per current version, how many devices hold it.\n"
      "In CSV, held and missing are asset@version lists separated by spaces.",
      adoption_table(), "outpost-hub --home /srv/hub report adoption --json");
  add_report(parent, "adoption", "Which devices run the current catalog and versions, which are behind", help, *o,
             false)
      ->callback([&ctx, o] {
        const Run run = start(ctx, *o, false);
        const rep::AdoptionReport r = ctx.take(run.reports->adoption(ctx.clock.now()));
        ReportTable rows = adoption_table();
        json devices = json::array();
        for (const rep::DeviceAdoption& d : r.devices) {
          std::string behind;
          if (d.catalog_behind) behind = "catalog " + num(d.catalog_seq) + " < " + num(r.hub_seq);
          if (!d.missing.empty()) behind.append(behind.empty() ? "" : "; ").append("lacks " + refs(d.missing).text());
          Cell held =
              d.holdings_at ? refs(d.held).shown(num(d.held.size())) : Cell("").valued(nullptr).shown("unknown");
          rows.add({d.device, d.role, d.catalog_seq, d.last_seen, d.holdings_at, std::move(held),
                    Cell(d.behind()).shown(behind.empty() ? "-" : behind), refs(d.missing)});
        }
        ReportTable versions({{"asset", ""},
                              {"version", ""},
                              {"current", "CURRENT"},
                              {"title", "TITLE"},
                              {"holding", "HOLDING"},
                              {"older_only", "OLDER-ONLY"}});
        for (const rep::VersionAdoption& v : r.versions) {
          versions.add({v.ref.asset, v.ref.version, v.ref.to_string(), v.title,
                        Cell(v.holding).shown(num(v.holding) + " of " + num(r.reporting)), v.older_only});
        }
        std::string out = "Hub catalog seq " + num(r.hub_seq) + "; " + num(r.behind) + " of " +
                          plural(r.devices.size(), "active device", "active devices") + " behind; " + num(r.reporting) +
                          " reported their holdings\n";
        out.append(rows.empty() ? "no active devices\n" : rows.text());
        out.append(section("Current versions held (of the devices that report)", versions, "no live assets"));
        emit(ctx, *o,
             {{"report", "adoption"},
              {"hub_seq", r.hub_seq},
              {"reporting", r.reporting},
              {"behind", r.behind},
              {"devices", rows.json()},
              {"versions", versions.json()}},
             out, rows, {});
      });
}

ReportTable blocked_table() {
  return ReportTable({{"asset", ""}, {"version", ""}, {"reason", ""}, {"device", ""}, {"count", ""}});
}

void add_blocked(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  const std::string help = footer(
      "asset.blocked events: by reason and device, and by asset and version, with the total. In CSV the\n"
      "finest grain (version empty when the device held none to name).",
      blocked_table(), "outpost-hub --home /srv/hub report blocked --since 2026-03-01");
  add_report(parent, "blocked", "Opens the version gate refused (outdated, withdrawn, expired ...): drive it to zero",
             help, *o)
      ->callback([&ctx, o] {
        const Run run = start(ctx, *o);
        const rep::BlockedReport r = ctx.take(run.reports->blocked(run.window));
        ReportTable rows = blocked_table();
        for (const rep::BlockedRow& b : r.rows) rows.add({b.asset, b.version, b.reason, b.device, b.count});
        ReportTable by_reason({{"reason", "REASON"}, {"device", "DEVICE"}, {"count", "COUNT"}});
        for (const rep::BlockedRow& b : r.by_reason_device) by_reason.add({b.reason, b.device, b.count});
        ReportTable by_version({{"asset", "ASSET"}, {"count", "COUNT"}, {"reasons", "REASONS"}});
        for (const rep::BlockedTally& t : r.by_version) {
          std::string reasons;
          for (const auto& [reason, n] : t.reasons)
            reasons.append(reasons.empty() ? "" : ", ").append(reason + " " + num(n));
          by_version.add({t.name, t.count, Cell(reasons).valued(t.reasons)});
        }
        std::string out = plural(r.total, "blocked open", "blocked opens") + ", " + run.window_text() + "\n";
        if (r.total > 0) {
          out.append(section("By reason and device", by_reason, ""))
              .append(section("By asset and version", by_version, ""));
        }
        emit(ctx, *o,
             {{"report", "blocked"},
              {"window", run.window_json()},
              {"total", r.total},
              {"by_reason_device", by_reason.json()},
              {"by_version", by_version.json()},
              {"rows", rows.json()}},
             out, rows, r.skipped);
      });
}

ReportTable searches_table() {
  return ReportTable({{"query", "QUERY"},
                      {"searches", "SEARCHES"},
                      {"no_result", "NO-RESULT"},
                      {"clicks", "CLICKS"},
                      {"devices", "DEVICES"}});
}

void add_searches(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  const std::string help = footer(
      "search.performed events, queries compared trimmed and in lower case. A search counts once; picking\n"
      "a result counts as a click. 'Found nothing': searches with no result (content to make). 'Never\n"
      "clicked': queries that found something nobody opened (content hard to recognise). CSV: every query.",
      searches_table(), "outpost-hub --home /srv/hub report searches --top 50");
  auto* cmd =
      add_report(parent, "searches",
                 "What people search for: top queries, queries with no result, results never clicked", help, *o);
  cmd->add_option("--top", o->top, "Queries in the text's top list (default 20)")->check(CLI::Range(1, 100000));
  cmd->callback([&ctx, o] {
    const Run run = start(ctx, *o);
    const rep::SearchReport r = ctx.take(run.reports->searches(run.window));
    ReportTable rows = searches_table();
    ReportTable top = searches_table();
    ReportTable none({{"query", "QUERY"}, {"no_result", "SEARCHES-WITH-NO-RESULT"}, {"devices", "DEVICES"}});
    ReportTable unclicked({{"query", "QUERY"}, {"searches", "SEARCHES"}, {"devices", "DEVICES"}});
    json queries = json::array();
    for (const rep::QueryRow& q : r.queries) {
      // A search with facets only has no text: say so in the text tables.
      auto query = [&] { return Cell(q.query).shown(q.query.empty() ? "(facets only)" : one_line(q.query)); };
      rows.add({query(), q.searches, q.no_result, q.clicks, q.devices});
      if (top.size() < o->top) top.add({query(), q.searches, q.no_result, q.clicks, q.devices});
      if (q.found_nothing()) none.add({query(), q.no_result, q.devices});
      if (q.results_not_clicked()) unclicked.add({query(), q.searches, q.devices});
      queries.push_back({{"query", q.query},
                         {"searches", q.searches},
                         {"no_result", q.no_result},
                         {"clicks", q.clicks},
                         {"devices", q.devices},
                         {"found_nothing", q.found_nothing()},
                         {"results_not_clicked", q.results_not_clicked()}});
    }
    std::string out = plural(r.searches, "search", "searches") + " (" + num(r.no_result) + " with no result), " +
                      plural(r.clicks, "click", "clicks") + " on a result, " + run.window_text() + "\n";
    out.append(section("Top queries", top, "no searches"));
    out.append(section("Searched, found nothing", none, "none"));
    out.append(section("Found, never clicked", unclicked, "none"));
    emit(ctx, *o,
         {{"report", "searches"},
          {"window", run.window_json()},
          {"searches", r.searches},
          {"no_result", r.no_result},
          {"clicks", r.clicks},
          {"queries", queries}},
         out, rows, r.skipped);
  });
}

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

void add_feedback(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  const std::string help = footer(
      "asset.feedback per asset and version (count, mean rating 1-5, needs-update count, every comment)\n"
      "and the content.request texts (what the field asks marketing to make). In CSV one row per\n"
      "feedback (kind feedback, text = its comment) or request (kind request, no rating).",
      feedback_table(), "outpost-hub --home /srv/hub report feedback --csv > feedback.csv");
  add_report(parent, "feedback", "What the field says: ratings, needs-update flags, comments, content requests", help,
             *o)
      ->callback([&ctx, o] {
        const Run run = start(ctx, *o);
        const rep::FeedbackReport r = ctx.take(run.reports->feedback(run.window));
        ReportTable rows = feedback_table();
        ReportTable comments = feedback_table();
        ReportTable summary({{"asset", "ASSET"},
                             {"version", "VERSION"},
                             {"title", "TITLE"},
                             {"count", "FEEDBACK"},
                             {"mean_rating", "MEAN-RATING"},
                             {"needs_update", "NEEDS-UPDATE"},
                             {"items", ""}});
        for (const rep::FeedbackRow& f : r.rows) {
          json items = json::array();  // the JSON document's only: a long list to build for nothing otherwise
          for (const rep::FeedbackItem& i : f.items) {
            if (ctx.json) {
              items.push_back({{"device", i.device},
                               {"at", iso_time(i.at)},
                               {"rating", i.rating},
                               {"needs_update", i.needs_update},
                               {"comment", i.comment}});
            }
            std::vector<Cell> row{
                "feedback",     f.asset,  f.version, Cell(i.rating).shown(num(i.rating) + (i.needs_update ? " !" : "")),
                i.needs_update, i.device, i.at,      i.comment};
            if (!i.comment.empty()) comments.add(row);
            rows.add(std::move(row));
          }
          summary.add(
              {f.asset, f.version, f.title, f.count, f.mean_rating, f.needs_update, Cell("").valued(std::move(items))});
        }
        ReportTable requests({{"device", "DEVICE"}, {"at", "AT"}, {"asset", "ASSET"}, {"text", "REQUEST"}});
        for (const rep::ContentRequest& c : r.requests) {
          requests.add({c.device, c.at, Cell(c.asset).shown(c.asset.empty() ? "-" : c.asset), c.text});
          rows.add({"request", c.asset, std::optional<std::uint64_t>(), std::optional<std::uint64_t>(), "", c.device,
                    c.at, c.text});
        }
        std::string out = "Feedback, " + run.window_text() + " (rating 1-5; '!' = needs update)\n";
        out.append(summary.empty() ? "no feedback\n" : summary.text());
        out.append(section("Comments", comments, "none"));
        out.append(section("Content requests", requests, "none"));
        emit(ctx, *o,
             {{"report", "feedback"},
              {"window", run.window_json()},
              {"rows", summary.json()},
              {"requests", requests.json()}},
             out, rows, r.skipped);
      });
}

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

void add_leads(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  const std::string help = footer(
      "lead.captured and lead.repeat_visit per show (the trade-show event) and kiosk. A lead at the hub\n"
      "is delivered: first and last received say when. Counts only: the leads stay sealed to the\n"
      "hub's lead key and no personal data is shown. Follow-up status comes in a later release.",
      leads_table(true, true), "outpost-hub --home /srv/hub report leads --since 2026-06-01");
  add_report(parent, "leads", "Leads delivered to the hub per kiosk and per show (counts only)", help, *o)
      ->callback([&ctx, o] {
        const Run run = start(ctx, *o);
        const rep::LeadReport r = ctx.take(run.reports->leads(run.window));
        const ReportTable rows = leads_of(r.rows, true, true);
        const ReportTable shows = leads_of(r.by_show, true, false);
        std::string out = plural(r.leads, "lead", "leads") + " and " +
                          plural(r.repeat_visits, "repeat visit", "repeat visits") + " delivered, " +
                          run.window_text() + "\n";
        if (!rows.empty()) out.append(rows.text()).append(section("By show", shows, ""));
        emit(ctx, *o,
             {{"report", "leads"},
              {"window", run.window_json()},
              {"leads", r.leads},
              {"repeat_visits", r.repeat_visits},
              {"rows", rows.json()},
              {"by_show", shows.json()},
              {"by_device", leads_of(r.by_device, false, true).json()}},
             out, rows, r.skipped);
      });
}

}  // namespace

void add_report_commands(CLI::App& app, Context& ctx) {
  auto* report = app.add_subcommand("report", "Marketing's answers from the hub store: usage, unused assets, ...");
  report->footer(std::string("Reports: ") + report_names +
                 ".\nRun 'outpost-hub report NAME --help' for what each answers. Text by default; --json or --csv.\n"
                 "Example: outpost-hub --home /srv/hub report unused --days 60");
  add_usage(*report, ctx);
  add_unused(*report, ctx);
  add_adoption(*report, ctx);
  add_blocked(*report, ctx);
  add_searches(*report, ctx);
  add_feedback(*report, ctx);
  add_leads(*report, ctx);
  // A known NAME is taken as its subcommand, so one that reaches this
  // positional is unknown: say which exist (while parsing, so exit 2).
  auto unknown = std::make_shared<std::string>();
  report->add_option("NAME", *unknown, "The report: " + std::string(report_names))
      ->check(CLI::Validator(
          [](std::string& name) { return "unknown report '" + name + "' (one of: " + report_names + ")"; }, "NAME"));
  report->callback([&ctx, report] {
    if (report->get_subcommands().empty())
      ctx.usage(std::string("report: name a report (one of: ") + report_names + ")");
  });
}

}  // namespace outpost::hub_cli
