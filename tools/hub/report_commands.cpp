// report usage | unused | adoption | blocked | searches | feedback | leads:
// marketing's answers from the hub store (sync/hub_reports.hpp), printed as
// text tables, a --json document, or --csv (RFC 4180, one table per report:
// its finest-grained rows, from which the text's other tables follow).
#include <cstdio>
#include <iostream>

#include "hub_cli.hpp"
#include "outpost/sync/hub_reports.hpp"

namespace outpost::hub_cli {

namespace {

using nlohmann::json;
namespace rep = sync::reports;
using Rows = std::vector<std::vector<std::string>>;

const char* const report_names = "usage, unused, adoption, blocked, searches, feedback, leads";

struct ReportOptions {
  std::string since;
  std::string until;
  bool csv = false;
  std::uint64_t days = 30;  // unused
  std::size_t top = 20;     // searches: rows in the text's top list
};

// RFC 4180: fields with a comma, quote or line break are quoted, quotes
// doubled; records end in CRLF.
std::string csv_text(const Rows& rows) {
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out.push_back(',');
      const std::string& field = row[i];
      if (field.find_first_of(",\"\r\n") == std::string::npos) {
        out.append(field);
        continue;
      }
      out.push_back('"');
      for (char c : field) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
      }
      out.push_back('"');
    }
    out.append("\r\n");
  }
  return out;
}

// A free text on one line of a table.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text;
}

std::string num(std::uint64_t n) { return std::to_string(n); }
std::string version_text(std::optional<std::uint64_t> v) { return v ? num(*v) : std::string(); }
json version_json(std::optional<std::uint64_t> v) { return v ? json(*v) : json(nullptr); }
json time_json(const std::optional<TimePoint>& t) { return t ? json(iso_time(*t)) : json(nullptr); }

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// "1h 02m", "4m 05s", "12s".
std::string duration_text(std::uint64_t ms) {
  const std::uint64_t s = ms / 1000;
  char buf[48];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lluh %02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%llum %02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llus", static_cast<unsigned long long>(s));
  }
  return buf;
}

std::string plural(std::uint64_t n, const std::string& one, const std::string& many) {
  std::string out = num(n);
  out.append(" ").append(n == 1 ? one : many);
  return out;
}

// A text section: a title line and a table, or what to say when it is empty.
std::string section(const std::string& title, const Rows& rows, const std::string& empty) {
  std::string out = "\n";
  out.append(title).append("\n");
  out.append(rows.size() > 1 ? table(rows) : "  " + empty + "\n");
  return out;
}

// A report being run: its window (checked) and the store.
struct Run {
  rep::Window window;
  std::unique_ptr<rep::HubReports> reports;

  std::string window_text() const {
    if (!window.since && !window.until) return "all events";
    std::string out = "events";
    if (window.since) out.append(" from ").append(iso_time(*window.since));
    if (window.until) out.append(" before ").append(iso_time(*window.until));
    return out;
  }
  json window_json() const { return {{"since", time_json(window.since)}, {"until", time_json(window.until)}}; }
};

Run start(Context& ctx, const ReportOptions& o, bool takes_window = true) {
  if (o.csv && ctx.json) ctx.usage("--csv and --json cannot be combined: pick one");
  if (!takes_window && (!o.since.empty() || !o.until.empty())) {
    ctx.usage("--since/--until do not apply to this report (it shows the state now)");
  }
  Run run;
  auto bound = [&](const std::string& text, const char* option, bool end_of_day) -> std::optional<TimePoint> {
    if (text.empty()) return std::nullopt;
    auto t = rep::parse_time(text, end_of_day);
    if (!t) ctx.usage(std::string(option) + ": " + t.status().message());
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

// Prints the report: CSV, the JSON document or the text, with a note on
// skipped events (on stderr with --csv, so the table stays clean).
void emit(Context& ctx, const ReportOptions& o, json doc, std::string text, const Rows& csv_rows,
          const rep::Skipped& skipped) {
  std::string note;
  if (skipped.total() > 0) {
    note = "note: " + plural(skipped.total(), "event", "events") + " skipped (" + num(skipped.no_payload) +
           " without payload: dropped on the device for its journal quota; " + num(skipped.malformed) +
           " malformed)";
  }
  if (o.csv) {
    std::cout << csv_text(csv_rows);
    if (!note.empty()) std::cerr << ctx.program << ": " << note << "\n";
    return;
  }
  doc["skipped"] = {{"no_payload", skipped.no_payload}, {"malformed", skipped.malformed}};
  if (!note.empty()) text.append("\n").append(note).append("\n");
  ctx.print(doc, text);
}

CLI::App* add_report(CLI::App& parent, const std::string& name, const std::string& what, const std::string& footer,
                     ReportOptions& o, bool takes_window = true) {
  auto* cmd = parent.add_subcommand(name, what);
  cmd->footer(footer);
  // A report of the state now takes no window: the options stay (hidden),
  // so giving them is a clear usage error rather than a stray argument.
  const std::string group = takes_window ? "Options" : "";
  cmd->add_option("--since", o.since, "Only events at or after this time: 2026-03-01 or 2026-03-01T09:30:00Z (UTC)")
      ->group(group);
  cmd->add_option("--until", o.until, "Only events before this time; a bare date includes that day")->group(group);
  cmd->add_flag("--csv", o.csv, "One CSV table (RFC 4180) instead of text");
  return cmd;
}

void add_usage(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  add_report(parent, "usage", "Which assets and versions are used: opens, presentations, time presented",
             "Per asset and version: opens (asset.opened), presentations (presentation.started), time presented\n"
             "(presentation.ended durations), pages viewed and distinct devices, by the devices' event times.\n"
             "CSV columns: asset,version,title,opens,presentations,presented_ms,pages,devices,unfinished.\n"
             "Example: outpost-hub --home /srv/hub report usage --since 2026-03-01 --until 2026-03-31",
             *o)
      ->callback([&ctx, o] {
        const Run run = start(ctx, *o);
        const rep::UsageReport r = ctx.take(run.reports->usage(run.window));
        json rows = json::array();
        Rows text{{"ASSET", "VERSION", "TITLE", "OPENS", "PRESENTATIONS", "PRESENTED", "PAGES", "DEVICES"}};
        Rows csv{{"asset", "version", "title", "opens", "presentations", "presented_ms", "pages", "devices",
                  "unfinished"}};
        std::uint64_t unfinished = 0;
        for (const rep::UsageRow& u : r.rows) {
          rows.push_back({{"asset", u.ref.asset}, {"version", u.ref.version}, {"title", u.title}, {"opens", u.opens},
                          {"presentations", u.presentations}, {"presented_ms", u.presented_ms}, {"pages", u.pages},
                          {"devices", u.devices}, {"unfinished", u.unfinished}});
          text.push_back({u.ref.asset, num(u.ref.version), one_line(u.title), num(u.opens), num(u.presentations),
                          duration_text(u.presented_ms), num(u.pages), num(u.devices)});
          csv.push_back({u.ref.asset, num(u.ref.version), u.title, num(u.opens), num(u.presentations),
                         num(u.presented_ms), num(u.pages), num(u.devices), num(u.unfinished)});
          unfinished += u.unfinished;
        }
        std::string out = "Usage, " + run.window_text() + "\n";
        out.append(text.size() > 1 ? table(text) : "no opens or presentations\n");
        if (unfinished > 0) out.append(plural(unfinished, "presentation has", "presentations have") + " no end yet\n");
        if (r.unattributed > 0) {
          out.append(plural(r.unattributed, "presentation", "presentations") +
                     " started before the window (time and pages not attributed)\n");
        }
        emit(ctx, *o,
             {{"report", "usage"}, {"window", run.window_json()}, {"rows", rows}, {"unattributed", r.unattributed}},
             out, csv, r.skipped);
      });
}

void add_unused(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  auto* cmd = add_report(
      parent, "unused", "Live assets never opened on any device (the '65% unused' question)",
      "A live asset is one whose current version (newest in force, not revoked or expired) was published\n"
      "more than --days ago; it is unused if no device opened any version of it (within --since/--until,\n"
      "if given). Also listed: current versions never opened while an older version was.\n"
      "CSV columns: asset,version,title,published_at,opened (never | older versions).\n"
      "Example: outpost-hub --home /srv/hub report unused --days 60",
      *o);
  cmd->add_option("--days", o->days, "Judge only versions published more than this many days ago (default 30)")
      ->check(CLI::Range(0, 36500));
  cmd->callback([&ctx, o] {
    const Run run = start(ctx, *o);
    const rep::UnusedReport r = ctx.take(run.reports->unused(run.window, o->days, ctx.clock.now()));
    json rows = json::array();
    Rows text{{"ASSET", "VERSION", "TITLE", "PUBLISHED", "OPENED"}};
    Rows csv{{"asset", "version", "title", "published_at", "opened"}};
    for (const rep::UnusedRow& u : r.rows) {
      const std::string opened = u.older_opened ? "older versions" : "never";
      rows.push_back({{"asset", u.ref.asset}, {"version", u.ref.version}, {"title", u.title},
                      {"published_at", iso_time(u.published_at)}, {"asset_opened", u.older_opened}});
      text.push_back({u.ref.asset, num(u.ref.version), one_line(u.title), iso_time(u.published_at), opened});
      csv.push_back({u.ref.asset, num(u.ref.version), u.title, iso_time(u.published_at), opened});
    }
    std::string out = num(r.never_opened) + " of " + plural(r.live_assets, "live asset", "live assets") + " (" +
                      fixed1(r.share_percent()) + "%) never opened, " + run.window_text() + "\n";
    out.append("(current version published more than " + plural(r.days, "day", "days") + " ago; " +
               num(r.too_new) + " newer not judged)\n");
    if (text.size() > 1) out.append("\n" + table(text));
    emit(ctx, *o,
         {{"report", "unused"}, {"window", run.window_json()}, {"days", r.days}, {"live_assets", r.live_assets},
          {"never_opened", r.never_opened}, {"share_percent", r.share_percent()}, {"too_new", r.too_new},
          {"rows", rows}},
         out, csv, r.skipped);
  });
}

std::string refs_text(const std::vector<cache::VersionRef>& refs) {
  std::string out;
  for (const cache::VersionRef& ref : refs) out.append(out.empty() ? "" : " ").append(ref.to_string());
  return out;
}

json refs_json(const std::vector<cache::VersionRef>& refs) {
  json out = json::array();
  for (const cache::VersionRef& ref : refs) out.push_back({{"asset", ref.asset}, {"version", ref.version}});
  return out;
}

void add_adoption(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  add_report(parent, "adoption", "Which devices run the current catalog and versions, which are behind",
             "Per active device: its catalog seq against the hub's, last contact, the complete versions it\n"
             "reported holding at its last sync, and what it is behind on: an older catalog, or a current\n"
             "version it should hold (automatic download, or an asset it holds) and does not. Devices that\n"
             "never reported holdings show 'unknown'. Then, per current version, how many devices hold it.\n"
             "CSV columns: device,role,catalog_seq,hub_seq,last_contact,holdings_reported_at,held,behind,missing\n"
             "(held and missing: asset@version lists separated by spaces).\n"
             "Example: outpost-hub --home /srv/hub report adoption --json",
             *o, false)
      ->callback([&ctx, o] {
        const Run run = start(ctx, *o, false);
        const rep::AdoptionReport r = ctx.take(run.reports->adoption(ctx.clock.now()));
        json devices = json::array();
        Rows text{{"DEVICE", "ROLE", "CATALOG-SEQ", "LAST-CONTACT", "HELD", "BEHIND"}};
        Rows csv{{"device", "role", "catalog_seq", "hub_seq", "last_contact", "holdings_reported_at", "held", "behind",
                  "missing"}};
        for (const rep::DeviceAdoption& d : r.devices) {
          devices.push_back({{"device", d.device}, {"role", d.role}, {"catalog_seq", d.catalog_seq},
                             {"last_contact", time_json(d.last_seen)}, {"holdings_reported_at", time_json(d.holdings_at)},
                             {"held", d.holdings_at ? refs_json(d.held) : json(nullptr)},
                             {"catalog_behind", d.catalog_behind}, {"missing", refs_json(d.missing)},
                             {"behind", d.behind()}});
          std::string behind;
          if (d.catalog_behind) behind = "catalog " + num(d.catalog_seq) + " < " + num(r.hub_seq);
          if (!d.missing.empty()) behind.append(behind.empty() ? "" : "; ").append("lacks " + refs_text(d.missing));
          text.push_back({d.device, d.role, num(d.catalog_seq), d.last_seen ? iso_time(*d.last_seen) : "never",
                          d.holdings_at ? num(d.held.size()) : "unknown", behind.empty() ? "-" : behind});
          csv.push_back({d.device, d.role, num(d.catalog_seq), num(r.hub_seq), d.last_seen ? iso_time(*d.last_seen) : "",
                         d.holdings_at ? iso_time(*d.holdings_at) : "", refs_text(d.held), d.behind() ? "yes" : "no",
                         refs_text(d.missing)});
        }
        json versions = json::array();
        Rows vtext{{"CURRENT", "TITLE", "HOLDING", "OLDER-ONLY"}};
        for (const rep::VersionAdoption& v : r.versions) {
          versions.push_back({{"asset", v.ref.asset}, {"version", v.ref.version}, {"title", v.title},
                              {"holding", v.holding}, {"older_only", v.older_only}});
          vtext.push_back({v.ref.to_string(), one_line(v.title), num(v.holding) + " of " + num(r.reporting),
                           num(v.older_only)});
        }
        std::string out = "Hub catalog seq " + num(r.hub_seq) + "; " + num(r.behind) + " of " +
                          plural(r.devices.size(), "active device", "active devices") + " behind; " +
                          num(r.reporting) + " reported their holdings\n";
        out.append(text.size() > 1 ? table(text) : "no active devices\n");
        out.append(section("Current versions held (of the devices that report)", vtext, "no live assets"));
        emit(ctx, *o,
             {{"report", "adoption"}, {"hub_seq", r.hub_seq}, {"reporting", r.reporting}, {"behind", r.behind},
              {"devices", devices}, {"versions", versions}},
             out, csv, {});
      });
}

std::string reasons_text(const std::map<std::string, std::uint64_t>& reasons) {
  std::string out;
  for (const auto& [reason, n] : reasons) out.append(out.empty() ? "" : ", ").append(reason + " " + num(n));
  return out;
}

void add_blocked(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  add_report(parent, "blocked", "Opens the version gate refused (outdated, withdrawn, expired ...): drive it to zero",
             "asset.blocked events: by reason and device, and by asset and version, with the total.\n"
             "CSV columns: asset,version,reason,device,count (the finest grain; version empty when the device\n"
             "held none to name).\n"
             "Example: outpost-hub --home /srv/hub report blocked --since 2026-03-01",
             *o)
      ->callback([&ctx, o] {
        const Run run = start(ctx, *o);
        const rep::BlockedReport r = ctx.take(run.reports->blocked(run.window));
        json rows = json::array();
        Rows csv{{"asset", "version", "reason", "device", "count"}};
        for (const rep::BlockedRow& b : r.rows) {
          rows.push_back({{"asset", b.asset}, {"version", version_json(b.version)}, {"reason", b.reason},
                          {"device", b.device}, {"count", b.count}});
          csv.push_back({b.asset, version_text(b.version), b.reason, b.device, num(b.count)});
        }
        json by_reason = json::array();
        Rows rtext{{"REASON", "DEVICE", "COUNT"}};
        for (const rep::BlockedRow& b : r.by_reason_device) {
          by_reason.push_back({{"reason", b.reason}, {"device", b.device}, {"count", b.count}});
          rtext.push_back({b.reason, b.device, num(b.count)});
        }
        json by_version = json::array();
        Rows vtext{{"ASSET", "COUNT", "REASONS"}};
        for (const rep::BlockedTally& t : r.by_version) {
          by_version.push_back({{"asset", t.name}, {"count", t.count}, {"reasons", t.reasons}});
          vtext.push_back({t.name, num(t.count), reasons_text(t.reasons)});
        }
        std::string out = plural(r.total, "blocked open", "blocked opens") + ", " + run.window_text() + "\n";
        if (r.total > 0) {
          out.append(section("By reason and device", rtext, ""));
          out.append(section("By asset and version", vtext, ""));
        }
        emit(ctx, *o,
             {{"report", "blocked"}, {"window", run.window_json()}, {"total", r.total}, {"by_reason_device", by_reason},
              {"by_version", by_version}, {"rows", rows}},
             out, csv, r.skipped);
      });
}

std::string query_text(const std::string& query) { return query.empty() ? "(facets only)" : one_line(query); }

void add_searches(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  auto* cmd = add_report(
      parent, "searches", "What people search for: top queries, queries with no result, results never clicked",
      "search.performed events, queries compared trimmed and in lower case. A search counts once; picking\n"
      "a result counts as a click. 'No result': searches that found nothing (content to make). 'Not\n"
      "clicked': queries that found something that nobody opened (content hard to recognise).\n"
      "CSV columns: query,searches,no_result,clicks,devices (every query).\n"
      "Example: outpost-hub --home /srv/hub report searches --top 50",
      *o);
  cmd->add_option("--top", o->top, "Queries in the text's top list (default 20)")->check(CLI::Range(1, 100000));
  cmd->callback([&ctx, o] {
    const Run run = start(ctx, *o);
    const rep::SearchReport r = ctx.take(run.reports->searches(run.window));
    json queries = json::array();
    Rows csv{{"query", "searches", "no_result", "clicks", "devices"}};
    Rows top{{"QUERY", "SEARCHES", "NO-RESULT", "CLICKS", "DEVICES"}};
    Rows none{{"QUERY", "SEARCHES-WITH-NO-RESULT", "DEVICES"}};
    Rows unclicked{{"QUERY", "SEARCHES", "DEVICES"}};
    for (const rep::QueryRow& q : r.queries) {
      queries.push_back({{"query", q.query}, {"searches", q.searches}, {"no_result", q.no_result},
                         {"clicks", q.clicks}, {"devices", q.devices}, {"found_nothing", q.found_nothing()},
                         {"results_not_clicked", q.results_not_clicked()}});
      csv.push_back({q.query, num(q.searches), num(q.no_result), num(q.clicks), num(q.devices)});
      if (top.size() <= o->top) {
        top.push_back({query_text(q.query), num(q.searches), num(q.no_result), num(q.clicks), num(q.devices)});
      }
      if (q.found_nothing()) none.push_back({query_text(q.query), num(q.no_result), num(q.devices)});
      if (q.results_not_clicked()) unclicked.push_back({query_text(q.query), num(q.searches), num(q.devices)});
    }
    std::string out = plural(r.searches, "search", "searches") + " (" + num(r.no_result) + " with no result), " +
                      plural(r.clicks, "click", "clicks") + " on a result, " + run.window_text() + "\n";
    out.append(section("Top queries", top, "no searches"));
    out.append(section("Searched, found nothing", none, "none"));
    out.append(section("Found, never clicked", unclicked, "none"));
    emit(ctx, *o,
         {{"report", "searches"}, {"window", run.window_json()}, {"searches", r.searches}, {"no_result", r.no_result},
          {"clicks", r.clicks}, {"queries", queries}},
         out, csv, r.skipped);
  });
}

void add_feedback(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  add_report(parent, "feedback", "What the field says: ratings, needs-update flags, comments, content requests",
             "asset.feedback per asset and version (count, mean rating 1-5, needs-update count, every comment)\n"
             "and the content.request texts (what the field asks marketing to make).\n"
             "CSV columns: kind,asset,version,rating,needs_update,device,at,text - one row per feedback\n"
             "(kind feedback, text = comment) or request (kind request, rating empty).\n"
             "Example: outpost-hub --home /srv/hub report feedback --csv > feedback.csv",
             *o)
      ->callback([&ctx, o] {
        const Run run = start(ctx, *o);
        const rep::FeedbackReport r = ctx.take(run.reports->feedback(run.window));
        json rows = json::array();
        Rows summary{{"ASSET", "VERSION", "TITLE", "FEEDBACK", "MEAN-RATING", "NEEDS-UPDATE"}};
        Rows comments{{"ASSET", "VERSION", "RATING", "DEVICE", "AT", "COMMENT"}};
        Rows csv{{"kind", "asset", "version", "rating", "needs_update", "device", "at", "text"}};
        for (const rep::FeedbackRow& f : r.rows) {
          json items = json::array();
          for (const rep::FeedbackItem& i : f.items) {
            items.push_back({{"device", i.device}, {"at", iso_time(i.at)}, {"rating", i.rating},
                             {"needs_update", i.needs_update}, {"comment", i.comment}});
            if (!i.comment.empty()) {
              comments.push_back({f.asset, version_text(f.version), num(i.rating) + (i.needs_update ? " !" : ""),
                                  i.device, iso_time(i.at), one_line(i.comment)});
            }
            csv.push_back({"feedback", f.asset, version_text(f.version), num(i.rating), i.needs_update ? "yes" : "no",
                           i.device, iso_time(i.at), i.comment});
          }
          rows.push_back({{"asset", f.asset}, {"version", version_json(f.version)}, {"title", f.title},
                          {"count", f.count}, {"mean_rating", f.mean_rating}, {"needs_update", f.needs_update},
                          {"items", items}});
          summary.push_back({f.asset, version_text(f.version), one_line(f.title), num(f.count), fixed1(f.mean_rating),
                             num(f.needs_update)});
        }
        json requests = json::array();
        Rows rtext{{"AT", "DEVICE", "ASSET", "REQUEST"}};
        for (const rep::ContentRequest& c : r.requests) {
          requests.push_back({{"device", c.device}, {"at", iso_time(c.at)}, {"text", c.text}, {"asset", c.asset}});
          rtext.push_back({iso_time(c.at), c.device, c.asset.empty() ? "-" : c.asset, one_line(c.text)});
          csv.push_back({"request", c.asset, "", "", "", c.device, iso_time(c.at), c.text});
        }
        std::string out = "Feedback, " + run.window_text() + " (rating 1-5; '!' = needs update)\n";
        out.append(summary.size() > 1 ? table(summary) : "no feedback\n");
        out.append(section("Comments", comments, "none"));
        out.append(section("Content requests", rtext, "none"));
        emit(ctx, *o, {{"report", "feedback"}, {"window", run.window_json()}, {"rows", rows}, {"requests", requests}},
             out, csv, r.skipped);
      });
}

json lead_json(const rep::LeadRow& l) {
  return {{"show", l.show},
          {"device", l.device},
          {"leads", l.leads},
          {"repeat_visits", l.repeat_visits},
          {"first_received", iso_time(l.first_received)},
          {"last_received", iso_time(l.last_received)}};
}

void add_leads(CLI::App& parent, Context& ctx) {
  auto o = std::make_shared<ReportOptions>();
  add_report(parent, "leads", "Leads delivered to the hub per kiosk and per show (counts only)",
             "lead.captured and lead.repeat_visit per show (the trade-show event) and kiosk. A lead at the hub\n"
             "is delivered: first and last received say when. Counts only: the leads stay sealed to the\n"
             "hub's lead key and no personal data is shown. Follow-up status comes in a later release.\n"
             "CSV columns: show,device,leads,repeat_visits,first_received,last_received.\n"
             "Example: outpost-hub --home /srv/hub report leads --since 2026-06-01",
             *o)
      ->callback([&ctx, o] {
        const Run run = start(ctx, *o);
        const rep::LeadReport r = ctx.take(run.reports->leads(run.window));
        json rows = json::array();
        json shows = json::array();
        Rows text{{"SHOW", "KIOSK", "LEADS", "REPEAT-VISITS", "FIRST-RECEIVED", "LAST-RECEIVED"}};
        Rows by_show{{"SHOW", "LEADS", "REPEAT-VISITS", "FIRST-RECEIVED", "LAST-RECEIVED"}};
        Rows csv{{"show", "device", "leads", "repeat_visits", "first_received", "last_received"}};
        for (const rep::LeadRow& l : r.rows) {
          rows.push_back(lead_json(l));
          text.push_back({l.show, l.device, num(l.leads), num(l.repeat_visits), iso_time(l.first_received),
                          iso_time(l.last_received)});
          csv.push_back({l.show, l.device, num(l.leads), num(l.repeat_visits), iso_time(l.first_received),
                         iso_time(l.last_received)});
        }
        for (const rep::LeadRow& l : r.by_show) {
          shows.push_back(lead_json(l));
          by_show.push_back({l.show, num(l.leads), num(l.repeat_visits), iso_time(l.first_received),
                             iso_time(l.last_received)});
        }
        json devices = json::array();
        for (const rep::LeadRow& l : r.by_device) devices.push_back(lead_json(l));
        std::string out = plural(r.leads, "lead", "leads") + " and " +
                          plural(r.repeat_visits, "repeat visit", "repeat visits") + " delivered, " +
                          run.window_text() + "\n";
        out.append(text.size() > 1 ? table(text) : "");
        if (by_show.size() > 1) out.append(section("By show", by_show, ""));
        emit(ctx, *o,
             {{"report", "leads"}, {"window", run.window_json()}, {"leads", r.leads},
              {"repeat_visits", r.repeat_visits}, {"rows", rows}, {"by_show", shows}, {"by_device", devices}},
             out, csv, r.skipped);
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
    if (report->get_subcommands().empty()) ctx.usage(std::string("report: name a report (one of: ") + report_names + ")");
  });
}

}  // namespace outpost::hub_cli
