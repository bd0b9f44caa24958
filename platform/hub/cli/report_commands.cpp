// report usage | unused | adoption | blocked | searches | feedback | leads:
// marketing's answers from the hub store (sync/hub_reports.hpp), printed as
// text tables, a --json document, or --csv: one table per report, its
// finest-grained rows (the text's other tables follow from them), with the
// columns each report's --help lists.
#include <iostream>

#include "hub_cli.hpp"
#include "outpost/report_tables/hub_tables.hpp"
#include "outpost/hub/hub_reports.hpp"
#include "outpost/hub/lead_book.hpp"
#include "outpost/hub/store/backend.hpp"

namespace outpost::hub_cli {

namespace {

using nlohmann::json;
namespace rep = hub::reports;
using namespace report_tables;  // NOLINT(google-build-using-namespace): the tables these commands print

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
  std::unique_ptr<hub::Backend> backend;
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
  const TimeWindow window = parse_window(ctx, o.since, o.until);
  run.window.since = window.since;
  run.window.until = window.until;
  run.backend = ctx.take(hub::open_backend(ctx.home));
  run.reports = ctx.take(rep::HubReports::open(*run.backend));
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
        const UsageTables t = usage_tables(r);
        const ReportTable& rows = t.rows;
        const std::uint64_t unfinished = t.unfinished;
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
    const ReportTable rows = unused_rows(r);
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
        const AdoptionTables t = adoption_tables(r);
        const ReportTable& rows = t.rows;
        const ReportTable& versions = t.versions;
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
        const BlockedTables t = blocked_tables(r);
        const ReportTable& rows = t.rows;
        const ReportTable& by_reason = t.by_reason;
        const ReportTable& by_version = t.by_version;
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
    const SearchTables t = search_tables(r, o->top);
    const ReportTable& rows = t.rows;
    const json& queries = t.queries;
    std::string out = plural(r.searches, "search", "searches") + " (" + num(r.no_result) + " with no result), " +
                      plural(r.clicks, "click", "clicks") + " on a result, " + run.window_text() + "\n";
    out.append(section("Top queries", t.top, "no searches"));
    out.append(section("Searched, found nothing", t.none, "none"));
    out.append(section("Found, never clicked", t.unclicked, "none"));
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
        const FeedbackTables t = feedback_tables(r, ctx.json);
        const ReportTable& rows = t.rows;
        const ReportTable& summary = t.summary;
        const ReportTable& requests = t.requests;
        std::string out = "Feedback, " + run.window_text() + " (rating 1-5; '!' = needs update)\n";
        out.append(summary.empty() ? "no feedback\n" : summary.text());
        out.append(section("Comments", t.comments, "none"));
        out.append(section("Content requests", requests, "none"));
        emit(ctx, *o,
             {{"report", "feedback"},
              {"window", run.window_json()},
              {"rows", summary.json()},
              {"requests", requests.json()}},
             out, rows, r.skipped);
      });
}

void add_leads(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  const std::string help = footer(
      "lead.captured and lead.repeat_visit per show (the trade-show event) and kiosk. A lead at the hub\n"
      "is delivered: first and last received say when. Counts only: the leads stay sealed to the\n"
      "hub's lead key and no personal data is shown. Then the follow-up against the SLA from the lead\n"
      "book (per show and per rep: captured, assigned, followed up within the SLA or late, overdue,\n"
      "escalated; the overdue leads by id): see 'outpost-hub leads sla' to escalate or reassign them.",
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
        // The follow-up comes from the lead book, which the hub's lead key
        // opens (this command runs where the hub home is).
        const auto admin = ctx.open_admin();
        const auto book = ctx.take(hub::LeadBook::open(admin->backend(), admin->keys().lead, ctx.random));
        const SlaTables sla = sla_tables(ctx.take(book->sla(ctx.clock.now(), {run.window.since, run.window.until})));
        out.append(section("Follow-up against the SLA, by show", sla.by_show, "no leads in the lead book"));
        if (!sla.by_rep.empty()) out.append(section("By rep", sla.by_rep, ""));
        out.append(section("Overdue", sla.overdue, "nothing overdue"));
        emit(ctx, *o,
             {{"report", "leads"},
              {"window", run.window_json()},
              {"leads", r.leads},
              {"repeat_visits", r.repeat_visits},
              {"rows", rows.json()},
              {"by_show", shows.json()},
              {"by_device", leads_of(r.by_device, false, true).json()},
              {"follow_up", {{"by_show", sla.by_show.json()}, {"by_rep", sla.by_rep.json()}, {"overdue", sla.overdue.json()}}}},
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
