// The dashboard page: per report a section with a stable id (chart-NAME),
// its chart, its table(s) and its CSV link.
#include "dashboard_page.hpp"

#include <algorithm>
#include <map>

#include "dashboard_charts.hpp"
#include "outpost/report_tables/hub_tables.hpp"
#include "outpost/web/http_util.hpp"

namespace outpost::web {

namespace {

namespace rt = report_tables;
namespace rep = hub::reports;
using charts::Bar;

std::string num(std::uint64_t n) { return std::to_string(n); }

std::string head(const std::string& title, const std::string& csrf) {
  std::string out = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
  if (!csrf.empty()) out.append("<meta name=\"csrf-token\" content=\"").append(csrf).append("\">");
  out.append("<title>").append(html_escape(title)).append("</title>");
  out.append("<link rel=\"stylesheet\" href=\"/static/dashboard.css\"></head><body>");
  return out;
}

constexpr std::string_view tail = "</body></html>\n";

// A report table as HTML: the columns the text table shows, as it shows them.
std::string table_html(const rt::ReportTable& table, const std::string& css) {
  if (table.empty()) return "<p class=\"empty\">None.</p>";
  // "table-NAME": the series names (dashboard.css) colour chart parts only.
  std::string out = "<table class=\"table-";
  out.append(css).append("\"><thead><tr>");
  const auto& columns = table.columns();
  for (const rt::Column& c : columns) {
    if (!c.header.empty()) out.append("<th>").append(html_escape(c.header)).append("</th>");
  }
  out.append("</tr></thead><tbody>");
  for (const auto& row : table.rows()) {
    out.append("<tr>");
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (!columns[i].header.empty()) out.append("<td>").append(html_escape(row[i].text())).append("</td>");
    }
    out.append("</tr>");
  }
  return out.append("</tbody></table>");
}

struct Section {
  const DashboardView& view;
  std::string out;

  Section(const DashboardView& v, const std::string& id, const std::string& title) : view(v) {
    out.append("<section class=\"report\" id=\"chart-").append(id).append("\"><h2>").append(html_escape(title));
    out.append("</h2>");
  }
  Section& para(const std::string& text, const char* css = "summary") {
    out.append("<p class=\"").append(css).append("\">").append(html_escape(text)).append("</p>");
    return *this;
  }
  Section& raw(const std::string& html) {
    out.append(html);
    return *this;
  }
  Section& table(const std::string& caption, const rt::ReportTable& t, const std::string& css) {
    out.append("<h3>").append(html_escape(caption)).append("</h3>").append(table_html(t, css));
    return *this;
  }
  // A long table, folded until asked for.
  Section& folded_table(const std::string& caption, const rt::ReportTable& t, const std::string& css) {
    out.append("<details><summary>").append(html_escape(caption)).append("</summary>").append(table_html(t, css));
    out.append("</details>");
    return *this;
  }
  // The CSV of `report` for the page's window (adoption: the state now).
  Section& csv(const std::string& report, const std::string& label = "Download CSV") {
    std::string href = "/reports/";
    href.append(report).append(".csv");
    if (report != "adoption") {
      href.append("?since=").append(url_encode(view.since)).append("&until=").append(url_encode(view.until));
    }
    out.append("<p><a class=\"csv\" download href=\"").append(html_escape(href)).append("\">");
    out.append(html_escape(label)).append("</a></p>");
    return *this;
  }
  std::string done() { return out.append("</section>"); }
};

std::string usage_section(const DashboardView& v) {
  std::vector<charts::Day> days;
  std::uint64_t opens = 0;
  std::uint64_t presentations = 0;
  const rt::ReportTable daily = rt::daily_usage_rows(v.daily);
  for (std::size_t i = 0; i < v.daily.days.size(); ++i) {
    const rep::DayUsage& d = v.daily.days[i];
    const std::string day = daily.rows()[i][0].csv();
    days.push_back({day,
                    {Bar{day, static_cast<double>(d.opens), "opens"},
                     Bar{day, static_cast<double>(d.presentations), "presentations"}}});
    opens += d.opens;
    presentations += d.presentations;
  }
  return Section(v, "usage", "Usage over time")
      .para(num(opens) + " opens and " + num(presentations) + " presentations, by day of the devices' clocks")
      .raw(charts::legend({{"opens", "Opens"}, {"presentations", "Presentations"}}))
      .raw(charts::day_chart("Opens and presentations per day", days))
      .folded_table("Per day (" + num(days.size()) + " days)", daily, "daily")
      .csv("usage-by-day")
      .table("Per asset and version", rt::usage_tables(v.usage).rows, "usage")
      .csv("usage", "Download CSV (per asset and version)")
      .done();
}

std::string unused_section(const DashboardView& v) {
  const rep::UnusedReport& r = v.unused;
  std::string summary = num(r.never_opened) + " of " + num(r.live_assets) + " live assets (" +
                        charts::number_text(r.share_percent()) + "%) never opened in this window; judged: current ";
  summary.append("versions published more than " + num(r.days) + " days ago (" + num(r.too_new) + " newer not judged)");
  const std::vector<charts::StackedRow> share{
      {"live assets",
       {Bar{"never opened", static_cast<double>(r.never_opened), "never"},
        Bar{"opened", static_cast<double>(r.live_assets - r.never_opened), "opened"}}}};
  return Section(v, "unused", "Unused assets")
      .para(summary)
      .raw(charts::legend({{"never", "Never opened"}, {"opened", "Opened"}}))
      .raw(charts::stacked_chart("Share of live assets never opened", share))
      .table("Current versions never opened", rt::unused_rows(r), "unused")
      .csv("unused")
      .done();
}

std::string adoption_section(const DashboardView& v) {
  const rep::AdoptionReport& r = v.adoption;
  std::vector<charts::StackedRow> rows;
  for (const rep::VersionAdoption& a : r.versions) {
    const std::string label = a.ref.to_string();
    const std::uint64_t rest = r.reporting - std::min(r.reporting, a.holding + a.older_only);
    rows.push_back({label,
                    {Bar{label, static_cast<double>(a.holding), "holding"},
                     Bar{label, static_cast<double>(a.older_only), "older"},
                     Bar{label, static_cast<double>(rest), "none"}}});
  }
  const rt::AdoptionTables t = rt::adoption_tables(r);
  return Section(v, "adoption", "Version adoption across devices")
      .para("The state now (the window does not apply): hub catalog seq " + num(r.hub_seq) + "; " + num(r.behind) +
            " of " + num(r.devices.size()) + " active devices behind; " + num(r.reporting) +
            " reported the versions they hold")
      .raw(charts::legend({{"holding", "Holds the current version"},
                           {"older", "Only older versions"},
                           {"none", "None of it"}}))
      .raw(charts::stacked_chart("Devices per current version", rows, static_cast<double>(r.reporting)))
      .table("Current versions", t.versions, "versions")
      .table("Devices", t.rows, "devices")
      .csv("adoption")
      .done();
}

std::string blocked_section(const DashboardView& v) {
  const rep::BlockedReport& r = v.blocked;
  std::map<std::string, std::uint64_t> reasons;
  for (const rep::BlockedRow& b : r.by_reason_device) reasons[b.reason] += b.count;
  std::vector<Bar> by_reason;
  for (const auto& [reason, n] : reasons) by_reason.push_back({reason, static_cast<double>(n), "blocked"});
  std::vector<Bar> by_version;
  for (const rep::BlockedTally& t : r.by_version) by_version.push_back({t.name, static_cast<double>(t.count), "blocked"});
  const rt::BlockedTables t = rt::blocked_tables(r);
  return Section(v, "blocked", "Blocked-outdated attempts")
      .para(num(r.total) + " opens refused by the version gate (outdated, withdrawn, expired ...)")
      .raw("<h3>By reason</h3>")
      .raw(charts::bar_chart("Blocked opens by reason", by_reason))
      .raw("<h3>By asset and version</h3>")
      .raw(charts::bar_chart("Blocked opens by asset and version", by_version))
      .table("By reason and device", t.by_reason, "blocked-reason")
      .table("By asset and version", t.by_version, "blocked-version")
      .csv("blocked")
      .done();
}

std::string searches_section(const DashboardView& v) {
  const rep::SearchReport& r = v.searches;
  std::vector<Bar> bars;
  for (const rep::QueryRow& q : r.queries) {
    if (q.found_nothing() && bars.size() < 15) {
      bars.push_back({q.query.empty() ? "(facets only)" : q.query, static_cast<double>(q.no_result), "no-result"});
    }
  }
  const rt::SearchTables t = rt::search_tables(r, 20);
  return Section(v, "searches", "Zero-result searches")
      .para(num(r.searches) + " searches, " + num(r.no_result) + " with no result: content to make")
      .raw(charts::bar_chart("Top queries with no result", bars))
      .table("Searched, found nothing", t.none, "searches")
      .csv("searches")
      .done();
}

std::string feedback_section(const DashboardView& v) {
  const rep::FeedbackReport& r = v.feedback;
  std::vector<Bar> ratings;
  std::vector<Bar> updates;
  for (const rep::FeedbackRow& f : r.rows) {
    std::string label = f.asset;
    if (f.version) label.append("@").append(num(*f.version));
    ratings.push_back({label, f.mean_rating, "rating"});
    updates.push_back({label, static_cast<double>(f.needs_update), "needs-update"});
  }
  const rt::FeedbackTables t = rt::feedback_tables(r, false);
  return Section(v, "feedback", "Feedback")
      .raw("<h3>Mean rating (1-5)</h3>")
      .raw(charts::bar_chart("Mean rating per asset and version", ratings, 5))
      .raw("<h3>Needs update</h3>")
      .raw(charts::bar_chart("Needs-update flags per asset and version", updates))
      .table("Per asset and version", t.summary, "feedback")
      .table("Comments", t.comments, "comments")
      .table("Content requests", t.requests, "requests")
      .csv("feedback")
      .done();
}

// Follow-up per rep against the SLA: within, late, overdue, and assigned
// leads still open within their time (the rest of the row).
void sla_part(Section& section, const hub::SlaReport& sla) {
  const rt::SlaTables t = rt::sla_tables(sla);
  std::vector<charts::StackedRow> reps;
  for (const hub::SlaRow& row : sla.by_rep) {
    const std::uint64_t done = row.within + row.late + row.overdue;
    reps.push_back({row.key,
                    {Bar{row.key, static_cast<double>(row.within), "within"},
                     Bar{row.key, static_cast<double>(row.late), "late"},
                     Bar{row.key, static_cast<double>(row.overdue), "overdue"},
                     Bar{row.key, static_cast<double>(row.assigned - std::min(row.assigned, done)), "open"}}});
  }
  std::uint64_t overdue = 0;
  for (const hub::SlaRow& row : sla.by_show) overdue += row.overdue;
  section.raw("<h3>Follow-up against the SLA</h3>")
      .para(num(overdue) + " assigned leads are past their follow-up time with no follow-up recorded")
      .raw(charts::legend({{"within", "Followed up within the SLA"},
                           {"late", "Followed up late"},
                           {"overdue", "Overdue"},
                           {"open", "Not yet due"}}))
      .raw(charts::stacked_chart("Assigned leads per rep by follow-up state", reps))
      .table("Per show", t.by_show, "sla")
      .table("Per rep", t.by_rep, "sla")
      .table("Overdue leads", t.overdue, "overdue")
      .csv("leads-sla", "Download CSV (follow-up)");
}

std::string leads_section(const DashboardView& v) {
  const rep::LeadReport& r = v.leads;
  std::vector<Bar> kiosks;
  for (const rep::LeadRow& l : r.by_device) kiosks.push_back({l.device, static_cast<double>(l.leads), "leads"});
  std::vector<Bar> shows;
  for (const rep::LeadRow& l : r.by_show) {
    shows.push_back({l.show.empty() ? "(no show)" : l.show, static_cast<double>(l.leads), "leads"});
  }
  Section section(v, "leads", "Leads per kiosk and show, and their follow-up");
  section.para(num(r.leads) + " leads and " + num(r.repeat_visits) + " repeat visits delivered to the hub");
  if (!v.sla) {
    section.para("Follow-up state needs the hub's lead book: this dashboard was started without it "
                 "('outpost-hub leads sla' reports it).",
                 "notice");
  }
  section.raw("<h3>Per kiosk</h3>")
      .raw(charts::bar_chart("Leads per kiosk", kiosks))
      .raw("<h3>Per show</h3>")
      .raw(charts::bar_chart("Leads per show", shows))
      .table("Per show and kiosk", rt::leads_of(r.rows, true, true), "leads")
      .csv("leads");
  if (v.sla) sla_part(section, *v.sla);
  return section.done();
}

}  // namespace

std::string dashboard_html(const DashboardView& v, const std::string& csrf) {
  std::string out = head("Outpost hub dashboard", csrf);
  out.append("<header><h1>Outpost hub dashboard</h1>");
  out.append("<form class=\"logout\" method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"");
  out.append(csrf).append("\"><button type=\"submit\">Log out</button></form></header><main>");
  out.append("<form class=\"window\" method=\"get\" action=\"/\"><label>Last <input type=\"number\" name=\"days\" min=\"1\" ");
  out.append("max=\"731\" value=\"").append(html_escape(v.days)).append("\"> days</label> <span>or</span> ");
  out.append("<label>from <input type=\"date\" name=\"since\"></label> <label>until <input type=\"date\" name=\"until\">");
  out.append("</label> <button type=\"submit\">Show</button></form>");
  out.append("<p class=\"window-text\" id=\"window\">Events ").append(html_escape(v.window_text)).append("</p>");
  for (const std::string& section : {usage_section(v), unused_section(v), adoption_section(v), blocked_section(v),
                                     searches_section(v), feedback_section(v), leads_section(v)}) {
    out.append(section);
  }
  return out.append("</main>").append(tail);
}

std::string dashboard_login_html(const std::string& csrf, bool wrong) {
  std::string out = head("Outpost hub dashboard: log in", csrf);
  out.append("<main class=\"login\"><h1>Outpost hub dashboard</h1>");
  if (wrong) out.append("<p class=\"error\" id=\"wrong-token\">That is not the dashboard's admin token.</p>");
  out.append("<p>Paste the admin token: <code>outpost-hub --home HOME dashboard-token</code> prints it.</p>");
  out.append("<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"").append(csrf);
  out.append("\"><label>Admin token <input type=\"password\" name=\"token\" autocomplete=\"off\" required ");
  out.append("autofocus></label> <button type=\"submit\">Log in</button></form></main>");
  return out.append(tail);
}

std::string dashboard_error_html(unsigned status, const std::string& message) {
  std::string out = head("Error " + num(status), "");
  out.append("<main><h1>Error ").append(num(status)).append("</h1><p class=\"error\">").append(html_escape(message));
  out.append("</p><p><a href=\"/\">Back to the dashboard</a></p></main>");
  return out.append(tail);
}

}  // namespace outpost::web
