#include "lead_commands.hpp"

#include <sstream>

#include "outpost/shell/json.hpp"
#include "outpost/sync/device_sync.hpp"

namespace outpost::cli {

namespace {

using nlohmann::json;

const char* const kiosk_note =
    "this device is a kiosk: leads are assigned to rep devices only, so it has none (and the leads it "
    "captures are sealed to the hub: it cannot read them back either)";

// The device's role from its enrollment, or "" before enrollment.
std::string role_of(const Context& ctx) {
  auto link = sync::DeviceLink::load(ctx.home);
  return link ? link->role : std::string();
}

std::string opt_time(const std::optional<TimePoint>& t) { return t ? iso_time(*t) : std::string(); }

std::string join(const json& items, const char* sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out.append(sep);
    out.append(s.get<std::string>());
  }
  return out;
}

std::string state_of(const leads::AssignedLead& l, TimePoint now) {
  if (l.follow_up) return "followed up: " + l.follow_up->outcome;
  return l.overdue(now) ? "OVERDUE" : "open";
}

void add_list(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("list", "The leads the hub assigned to this rep device, soonest due first");
  cmd->footer("Works offline: assignments arrive at each sync, sealed to this device's key.\n"
              "Example: outpost lead list --json");
  cmd->callback([&ctx] {
    if (role_of(ctx) == "kiosk") {
      ctx.print({{"leads", json::array()}, {"note", kiosk_note}}, kiosk_note);
      return;
    }
    auto home = ctx.open_home();
    const TimePoint now = home->catalog().trusted_now();
    const auto leads = ctx.take(home->assigned_leads().list());
    json doc = json::array();
    std::ostringstream text;
    std::size_t overdue = 0;
    for (const auto& l : leads) {
      const json summary = shell::assigned_summary_json(l, now);
      if (l.overdue(now)) ++overdue;
      const leads::Assignment& a = l.assignment;
      text << a.lead << "  score " << a.score << "  " << join(summary["shows"], ",") << "  due "
           << (a.due_at ? iso_time(*a.due_at) : std::string("-")) << "  " << state_of(l, now) << "  "
           << summary["name"].get<std::string>() << " <" << summary["email"].get<std::string>() << ">\n";
      doc.push_back(summary);
    }
    if (leads.empty()) {
      text << "no leads assigned to this device (they arrive at the next `outpost sync`)";
    } else {
      text << leads.size() << " lead(s), " << overdue << " overdue";
    }
    ctx.print({{"leads", doc}}, text.str());
  });
}

void add_show_lead(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("show", "One assigned lead: contact fields, visits, answers, consent, due time");
  cmd->footer("Example: outpost lead show L-7Q2M4K9XBD");
  auto id = std::make_shared<std::string>();
  cmd->add_option("ID", *id, "The lead id (see outpost lead list)")->required();
  cmd->callback([&ctx, id] {
    if (role_of(ctx) == "kiosk") ctx.fail({Errc::not_found, kiosk_note});
    auto home = ctx.open_home();
    const TimePoint now = home->catalog().trusted_now();
    const leads::AssignedLead l = ctx.take(home->assigned_leads().get(*id));
    const leads::Assignment& a = l.assignment;
    std::ostringstream text;
    text << a.lead << "  score " << a.score << "  " << state_of(l, now) << "\n";
    text << "  assigned " << opt_time(a.assigned_at) << ", due " << opt_time(a.due_at) << "\n";
    for (const auto& [name, value] : a.fields) text << "  " << name << ": " << value << "\n";
    for (const auto& v : a.visits) {
      text << "  visit: " << v.show << " at " << v.kiosk << ", " << opt_time(v.captured_at) << "\n";
      for (const auto& [q, value] : v.answers) text << "    " << q << ": " << value << "\n";
    }
    text << "  consent " << a.consent_version << " accepted " << opt_time(a.consent_at);
    if (l.follow_up) text << "\n  followed up: " << l.follow_up->outcome << " at " << iso_time(l.follow_up->at);
    ctx.print(shell::assigned_lead_json(l, now), text.str());
  });
}

void add_followup(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("followup", "Record the outcome of an assigned lead (journaled, synced to the hub)");
  cmd->footer("Stored durably at once, delivered to the hub at the next sync.\n"
              "Example: outpost lead followup L-7Q2M4K9XBD --outcome meeting --note 'demo on Tuesday'");
  auto id = std::make_shared<std::string>();
  auto outcome = std::make_shared<std::string>();
  auto note = std::make_shared<std::string>();
  cmd->add_option("ID", *id, "The lead id (see outpost lead list)")->required();
  cmd->add_option("--outcome", *outcome, "called | meeting | disqualified | no-answer")->required();
  cmd->add_option("--note", *note, "What was agreed (up to 4000 bytes)");
  cmd->callback([&ctx, id, outcome, note] {
    if (!leads::valid_outcome(*outcome)) {
      ctx.usage("--outcome '" + *outcome + "' is not one of called, meeting, disqualified, no-answer");
    }
    if (role_of(ctx) == "kiosk") ctx.fail({Errc::not_found, kiosk_note});
    auto home = ctx.open_home();
    const journal::Appended r = ctx.take(home->follow_up_lead(*id, *outcome, *note));
    crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(note->data()), note->size()));
    ctx.print({{"lead", *id}, {"outcome", *outcome}, {"seq", r.seq}},
              "follow-up of " + *id + " recorded (" + *outcome + ", event " + std::to_string(r.seq) +
                  "); it reaches the hub at the next sync");
  });
}

}  // namespace

void add_assigned_lead_commands(CLI::App& lead, Context& ctx) {
  add_list(lead, ctx);
  add_show_lead(lead, ctx);
  add_followup(lead, ctx);
}

}  // namespace outpost::cli
