// leads: the hub's lead book as the admin runs it - route, assign, list,
// show, sla, escalate, export, erase. Every command first absorbs the lead
// events the hub took in since the last run. Personal data is printed only
// by `leads show`, `leads export` and `leads route --pii`, and never logged.
#include <iostream>

#include "hub_cli.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/report_tables/hub_tables.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/storage/file_io.hpp"
#include "outpost/hub/lead_book.hpp"

namespace outpost::hub_cli {

namespace {

using nlohmann::json;

json opt_time(const std::optional<TimePoint>& t) { return t ? json(iso_time(*t)) : json(nullptr); }

// The book of the hub home, with what arrived since the last run absorbed.
struct Book {
  std::unique_ptr<hub::HubAdmin> admin;
  std::unique_ptr<hub::LeadBook> book;
};

Book open_book(Context& ctx) {
  Book b;
  b.admin = ctx.open_admin();
  b.book = ctx.take(hub::LeadBook::open(b.admin->backend(), b.admin->keys().lead, ctx.random));
  const hub::AbsorbReport r = ctx.take(b.book->absorb(ctx.clock.now()));
  if (r.refused > 0) {
    std::cerr << "outpost-hub: note: " << r.refused
              << " lead event(s) could not be taken in (see `outpost-hub alerts`)\n";
  }
  const hub::BadgeReport badges = ctx.take(b.book->complete_badges(b.admin->store(), ctx.clock.now()));
  if (badges.completed > 0 || badges.filled > 0) {
    std::cerr << "outpost-hub: note: " << badges.completed + badges.filled
              << " badge-only lead(s) completed from an attendee list\n";
  }
  if (badges.bad_lists > 0) {
    std::cerr << "outpost-hub: note: " << badges.bad_lists
              << " attendee list(s) could not be read (see `outpost-hub alerts`)\n";
  }
  return b;
}

hub::LeadSummary find_summary(Context& ctx, hub::LeadBook& book, const std::string& id) {
  for (hub::LeadSummary& s : ctx.take(book.list())) {
    if (s.id == id) return std::move(s);
  }
  ctx.fail({Errc::not_found, "no lead '" + id + "' (see `outpost-hub leads list`)"});
}

json summary_json(const hub::LeadSummary& s, TimePoint now) {
  return {{"lead", s.id},
          {"show", s.show},
          {"score", s.score},
          {"visits", s.visits},
          {"first_captured_at", iso_time(s.first_captured_at)},
          {"last_captured_at", iso_time(s.last_captured_at)},
          {"team", s.team.empty() ? json(nullptr) : json(s.team)},
          {"rep", s.rep.empty() ? json(nullptr) : json(s.rep)},
          {"assigned_at", opt_time(s.assigned_at)},
          {"due_at", opt_time(s.due_at)},
          {"followed_up_at", opt_time(s.followed_up_at)},
          {"outcome", s.outcome.empty() ? json(nullptr) : json(s.outcome)},
          {"escalated_at", opt_time(s.escalated_at)},
          {"state", s.state(now)}};
}

std::string read_text_file(Context& ctx, const std::string& path) {
  auto bytes = guarded([&]() -> Result<Bytes> { return storage::read_file(path); });
  if (!bytes) ctx.fail({bytes.status().code(), "cannot read " + path + ": " + bytes.status().message()});
  return {bytes->begin(), bytes->end()};
}

void add_route(CLI::App& leads, Context& ctx) {
  auto* cmd = leads.add_subcommand("route", "Assign every unassigned lead to a rep by the routing rules");
  cmd->footer("Rules file format: docs/lead-routing.md. Prints lead ids, rules, teams and reps; --pii adds emails.");
  auto rules_path = std::make_shared<std::string>();
  auto pii = std::make_shared<bool>(false);
  cmd->add_option("--rules", *rules_path, "Routing rules (JSON)")->required();
  cmd->add_flag("--pii", *pii, "Also print each routed lead's email (personal data)");
  cmd->callback([&ctx, rules_path, pii] {
    const hub::RoutingRules rules = ctx.take(hub::RoutingRules::parse(read_text_file(ctx, *rules_path)));
    Book b = open_book(ctx);
    const auto decisions = ctx.take(b.book->route(rules, ctx.clock.now()));
    json doc = json::array();
    std::vector<std::vector<std::string>> rows{{"LEAD", "SHOW", "RULE", "TEAM", "REP"}};
    if (*pii) rows[0].emplace_back("EMAIL");
    std::size_t routed = 0;
    for (const hub::RouteDecision& d : decisions) {
      json row = {{"lead", d.lead}, {"show", d.show}, {"rule", d.rule}, {"team", d.team}, {"rep", d.rep}};
      if (!d.problem.empty()) row["problem"] = d.problem;
      std::vector<std::string> line{d.lead, d.show, d.rule.empty() ? "-" : d.rule, d.team.empty() ? "-" : d.team,
                                    d.rep.empty() ? "not routed: " + d.problem : d.rep};
      if (*pii) {
        const hub::Lead lead = ctx.take(b.book->lead(d.lead));
        const auto email = lead.fields.find("email");
        const std::string e = email == lead.fields.end() ? std::string() : email->second;
        row["email"] = e;
        line.push_back(e);
      }
      if (!d.rep.empty()) ++routed;
      doc.push_back(std::move(row));
      rows.push_back(std::move(line));
    }
    std::string text = decisions.empty() ? "no unassigned leads" : table(rows);
    if (!decisions.empty()) {
      text.append("\nrouted ").append(std::to_string(routed)).append(" of ").append(std::to_string(decisions.size()));
      text.append(" unassigned lead(s)");
    }
    ctx.print(doc, text);
  });
}

void add_assign(CLI::App& leads, Context& ctx) {
  auto* cmd = leads.add_subcommand("assign", "Assign or reassign a lead to a rep device by hand");
  cmd->footer("A reassignment withdraws the lead from the previous rep's device at its next sync.");
  auto id = std::make_shared<std::string>();
  auto rep = std::make_shared<std::string>();
  auto hours = std::make_shared<unsigned>(48);
  cmd->add_option("LEAD", *id, "Lead id, as `leads list` shows it")->required();
  cmd->add_option("--rep", *rep, "Rep device (active, enrolled with role rep)")->required();
  cmd->add_option("--sla-hours", *hours, "Hours from now until the follow-up is due (default 48)")
      ->check(CLI::Range(1, 8760));
  cmd->callback([&ctx, id, rep, hours] {
    Book b = open_book(ctx);
    const std::string before = find_summary(ctx, *b.book, *id).rep;
    ctx.check(b.book->assign(*id, *rep, ctx.clock.now(), std::chrono::hours(*hours)));
    const hub::LeadSummary now = find_summary(ctx, *b.book, *id);
    std::string text = "assigned " + *id + " to " + *rep + ", due " + iso_time(*now.due_at);
    if (!before.empty() && before != *rep) text.append(" (withdrawn from ").append(before).append(")");
    ctx.print({{"lead", *id},
               {"rep", *rep},
               {"previous_rep", before.empty() ? json(nullptr) : json(before)},
               {"due_at", opt_time(now.due_at)}},
              text);
  });
}

void add_list(CLI::App& leads, Context& ctx) {
  auto* cmd = leads.add_subcommand("list", "List the leads (no personal data)");
  cmd->footer("STATE is unassigned, assigned, overdue (no follow-up, past due) or followed-up.");
  auto state = std::make_shared<std::string>();
  cmd->add_option("--state", *state, "Only leads in this state")
      ->check(CLI::IsMember({"unassigned", "assigned", "overdue", "followed-up"}));
  cmd->callback([&ctx, state] {
    Book b = open_book(ctx);
    const TimePoint now = ctx.clock.now();
    json doc = json::array();
    std::vector<std::vector<std::string>> rows{{"LEAD", "SHOW", "SCORE", "VISITS", "REP", "DUE", "STATE", "ESC"}};
    for (const hub::LeadSummary& s : ctx.take(b.book->list())) {
      if (!state->empty() && s.state(now) != *state) continue;
      doc.push_back(summary_json(s, now));
      rows.push_back({s.id, s.show, std::to_string(s.score), std::to_string(s.visits), s.rep.empty() ? "-" : s.rep,
                      s.due_at ? iso_time(*s.due_at) : "-", s.state(now), s.escalated_at ? "yes" : ""});
    }
    ctx.print(doc, rows.size() > 1 ? table(rows) : "no leads" + (state->empty() ? std::string() : " " + *state));
  });
}

void add_show(CLI::App& leads, Context& ctx) {
  auto* cmd = leads.add_subcommand("show", "One lead in full, with its personal data");
  auto id = std::make_shared<std::string>();
  cmd->add_option("LEAD", *id, "Lead id")->required();
  cmd->callback([&ctx, id] {
    Book b = open_book(ctx);
    const TimePoint now = ctx.clock.now();
    const hub::Lead lead = ctx.take(b.book->lead(*id));
    json doc = summary_json(lead, now);
    doc["fields"] = lead.fields;
    std::string text = "lead " + lead.id + " (" + lead.state(now) + ")";
    text.append("\n  score ").append(std::to_string(lead.score));
    text.append(", rep ").append(lead.rep.empty() ? "-" : lead.rep);
    if (lead.due_at) text.append(", due ").append(iso_time(*lead.due_at));
    if (lead.escalated_at) text.append(", escalated ").append(iso_time(*lead.escalated_at));
    for (const auto& [name, value] : lead.fields) text.append("\n  ").append(name).append(": ").append(value);
    doc["visits"] = json::array();
    for (const hub::LeadVisit& v : lead.history) {
      doc["visits"].push_back({{"show", v.show},
                               {"kiosk", v.kiosk},
                               {"captured_at", iso_time(v.captured_at)},
                               {"score", v.score},
                               {"answers", v.answers},
                               {"consent_version", v.consent_version}});
      text.append("\n  visit ").append(iso_time(v.captured_at)).append(" ").append(v.show).append(" at ").append(v.kiosk);
      text.append(", score ").append(std::to_string(v.score));
      for (const auto& [q, a] : v.answers) text.append(", ").append(q).append("=").append(a);
    }
    doc["consents"] = json::array();
    for (const hub::LeadConsent& c : lead.consents) {
      doc["consents"].push_back({{"show", c.show},
                                 {"version", c.version},
                                 {"accepted_at", iso_time(c.accepted_at)},
                                 {"withdrawn_at", opt_time(c.withdrawn_at)}});
      text.append("\n  consent ").append(c.show).append(" version ").append(c.version);
      text.append(c.withdrawn_at ? " WITHDRAWN " + iso_time(*c.withdrawn_at) : " given " + iso_time(c.accepted_at));
    }
    doc["follow_ups"] = json::array();
    for (const hub::LeadFollowUp& f : lead.follow_ups) {
      doc["follow_ups"].push_back({{"device", f.device}, {"outcome", f.outcome}, {"note", f.note}, {"at", iso_time(f.at)}});
      text.append("\n  follow-up ").append(iso_time(f.at)).append(" by ").append(f.device).append(": ");
      text.append(f.outcome);
      if (!f.note.empty()) text.append(" - ").append(f.note);
    }
    ctx.print(doc, text);
  });
}

void add_sla(CLI::App& leads, Context& ctx) {
  auto* cmd = leads.add_subcommand("sla", "Follow-up against the SLA, per show and per rep, and the overdue leads");
  cmd->footer(
      "A lead counts at the show where it was first captured. WITHIN: first follow-up by the assigned rep\n"
      "at or before the due time; LATE: after it; OVERDUE: no follow-up and past due.\n"
      "CSV columns: group,key,captured,assigned,within,late,overdue,escalated (group: show or rep)");
  auto csv = std::make_shared<bool>(false);
  auto since = std::make_shared<std::string>();
  auto until = std::make_shared<std::string>();
  cmd->add_flag("--csv", *csv, "One CSV table (RFC 4180) instead of text");
  cmd->add_option("--since", *since, "Leads first captured from this time (UTC)");
  cmd->add_option("--until", *until, "Leads first captured up to this time (UTC; a date includes that day)");
  cmd->callback([&ctx, csv, since, until] {
    if (*csv && ctx.json) ctx.usage("--csv and --json cannot be combined: pick one");
    const TimeWindow window = parse_window(ctx, *since, *until);
    Book b = open_book(ctx);
    const hub::SlaReport r = ctx.take(b.book->sla(ctx.clock.now(), {window.since, window.until}));
    const report_tables::SlaTables t = report_tables::sla_tables(r);
    if (*csv) {
      std::cout << t.rows.csv();
      return;
    }
    const json doc{{"report", "leads-sla"},
                   {"now", iso_time(r.now)},
                   {"by_show", t.by_show.json()},
                   {"by_rep", t.by_rep.json()},
                   {"overdue", t.overdue.json()}};
    std::string text = t.by_show.empty() ? "no leads yet\n" : t.by_show.text();
    if (!t.by_rep.empty()) text.append("\n").append(t.by_rep.text());
    text.append("\n").append(t.overdue.empty() ? "nothing overdue" : "overdue:\n" + t.overdue.text());
    ctx.print(doc, text);
  });
}

void add_escalate(CLI::App& leads, Context& ctx) {
  auto* cmd = leads.add_subcommand("escalate", "Mark an assigned lead escalated (shown in the SLA report)");
  cmd->footer("To move it to another rep: outpost-hub leads assign LEAD --rep DEVICE");
  auto id = std::make_shared<std::string>();
  cmd->add_option("LEAD", *id, "Lead id")->required();
  cmd->callback([&ctx, id] {
    Book b = open_book(ctx);
    const TimePoint now = ctx.clock.now();
    ctx.check(b.book->escalate(*id, now));
    ctx.print({{"lead", *id}, {"escalated_at", iso_time(now)}}, "escalated " + *id);
  });
}

void add_export(CLI::App& leads, Context& ctx) {
  auto* cmd = leads.add_subcommand("export", "Export the consented leads for the CRM (personal data)");
  cmd->footer(
      "Only leads whose consent (for --show, if given) is not withdrawn. Columns: lead, each form field,\n"
      "shows, score, consent_show, consent_version, consent_accepted_at, first_captured_at,\n"
      "last_captured_at, rep, outcome. --out writes a new file with mode 0600 (never replaces one).");
  auto csv = std::make_shared<bool>(false);
  auto show = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_flag("--csv", *csv, "CSV (RFC 4180); the only format")->required();
  cmd->add_option("--show", *show, "Only leads met at this show, with consent for it");
  cmd->add_option("--out", *out, "Write to this new file (mode 0600) instead of stdout");
  // The callback holds csv too: CLI11 writes the flag through its pointer.
  cmd->callback([&ctx, csv, show, out] {
    Book b = open_book(ctx);
    std::string text = ctx.take(b.book->export_csv(show->empty() ? std::nullopt : std::optional<std::string>(*show)));
    const MutableByteView bytes(reinterpret_cast<std::uint8_t*>(text.data()), text.size());
    if (out->empty()) {
      std::cout << text << std::flush;
      crypto::wipe(bytes);
      return;
    }
    const Status written = guarded([&]() -> Status {
      storage::create_file_durably(*out, bytes, 0600);
      return {};
    });
    crypto::wipe(bytes);
    ctx.check(written);
    ctx.print({{"out", *out}}, "wrote " + *out + " (mode 0600)");
  });
}

void add_erase(CLI::App& leads, Context& ctx) {
  auto* cmd = leads.add_subcommand("erase", "Erase a person on request, everywhere the hub holds them");
  cmd->footer(
      "Removes the lead, its visits and follow-ups, clears the payload of their events (the chain still\n"
      "verifies), withdraws it from the rep's device at its next sync, and keeps a tombstone without\n"
      "personal data so events made before the erase are never taken in again.");
  auto email = std::make_shared<std::string>();
  cmd->add_option("--email", *email, "The person's email address")->required();
  cmd->callback([&ctx, email] {
    Book b = open_book(ctx);
    const hub::EraseReport r = ctx.take(b.book->erase(*email, ctx.clock.now()));
    std::string text = r.found ? "erased lead " + (r.lead.empty() ? std::string("(consent records only)") : r.lead)
                               : "no lead for that address; a tombstone is kept so none is taken in later";
    text.append("\n  events cleared: ").append(std::to_string(r.events_cleared));
    if (!r.withdrawn_from.empty()) text.append("\n  withdrawn from rep device ").append(r.withdrawn_from);
    ctx.print({{"found", r.found},
               {"lead", r.lead.empty() ? json(nullptr) : json(r.lead)},
               {"events_cleared", r.events_cleared},
               {"withdrawn_from", r.withdrawn_from.empty() ? json(nullptr) : json(r.withdrawn_from)}},
              text);
  });
}

}  // namespace

void add_lead_commands(CLI::App& app, Context& ctx) {
  auto* leads = app.add_subcommand("leads", "The lead book: route, assign, follow up, export, erase");
  leads->require_subcommand(1);
  leads->footer(
      "Every command first takes in the lead events the hub received. Examples:\n"
      "  outpost-hub leads route --rules routing.json\n"
      "  outpost-hub leads list --state overdue\n"
      "  outpost-hub leads export --csv --show rsa-2027 --out leads.csv");
  add_route(*leads, ctx);
  add_assign(*leads, ctx);
  add_list(*leads, ctx);
  add_show(*leads, ctx);
  add_sla(*leads, ctx);
  add_escalate(*leads, ctx);
  add_export(*leads, ctx);
  add_erase(*leads, ctx);
}

}  // namespace outpost::hub_cli
