#include "journal_commands.hpp"

#include "lead_commands.hpp"

#include <iostream>
#include <sstream>

#include "outpost/cache/version_ref.hpp"

namespace outpost::cli {

namespace {

using nlohmann::json;

// "name=value" -> (name, value); the value may contain '='.
std::pair<std::string, std::string> split_assignment(const std::string& text, const Context& ctx, const char* what) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    ctx.fail({Errc::invalid_argument, std::string(what) + " '" + text.substr(0, 40) + "...' must look like name=value"});
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

json event_json(const journal::StoredEvent& e) {
  json j = {{"seq", e.seq},
            {"time", iso_time(e.time.time_point())},
            {"hlc", e.time.value},
            {"type", e.type != nullptr ? std::string(e.type->name) : std::string("?")}};
  if (!e.payload) {
    j["payload"] = nullptr;
    j["dropped"] = true;
  } else if (e.type != nullptr && e.type->personal) {
    j["payload"] = "(personal data, sealed: not shown)";
  } else {
    j["payload"] = json::parse(journal::payload_json(*e.payload));
  }
  return j;
}

void add_show(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("show", "List journal events (payloads of personal events are not shown)");
  cmd->footer("Example: outpost journal show --after 100 --limit 20");
  auto after = std::make_shared<std::uint64_t>(0);
  auto limit = std::make_shared<std::size_t>(50);
  cmd->add_option("--after", *after, "Only events after this seq (default: from the oldest held)");
  cmd->add_option("--limit", *limit, "At most this many events")->check(CLI::Range(1, 100000));
  cmd->callback([&ctx, after, limit] {
    auto home = ctx.open_home();
    ctx.check(home->journal().flush());
    const std::uint64_t from = std::max(*after, home->journal().anchor().seq);
    const auto events = ctx.take(home->journal().read_after(from, *limit, std::size_t{64} << 20));
    json doc = json::array();
    std::ostringstream text;
    for (const auto& e : events) {
      json j = event_json(e);
      text << j["seq"].get<std::uint64_t>() << "  " << j["time"].get<std::string>() << "  "
           << j["type"].get<std::string>() << "  "
           << (j["payload"].is_string() ? j["payload"].get<std::string>() : j["payload"].dump()) << "\n";
      doc.push_back(std::move(j));
    }
    ctx.print(doc, events.empty() ? "no events" : text.str());
  });
}

void add_verify(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("verify", "Check the journal's hash chain and every payload");
  cmd->footer("Exit 0 when every link holds; exit 1 naming the first broken event otherwise.\n"
              "Example: outpost journal verify");
  cmd->callback([&ctx] {
    auto home = ctx.open_home();
    ctx.check(home->journal().flush());
    const journal::VerifyReport r = ctx.take(home->journal().verify());
    const journal::ChainLink anchor = home->journal().anchor();
    json doc = {{"ok", r.ok()}, {"checked", r.checked}, {"anchor_seq", anchor.seq}};
    if (!r.ok()) {
      doc["broken_at"] = *r.broken_at;
      doc["problem"] = r.problem;
    }
    if (!r.ok()) {
      if (ctx.json) std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      std::cerr << "outpost: journal chain broken: " << r.problem << "\n";
      throw Exit{1};
    }
    ctx.print(doc, "journal ok: " + std::to_string(r.checked) + " event(s) chain from seq " + std::to_string(anchor.seq));
  });
}

void add_reset(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand(
      "reset", "Start a new journal after this home's journal.db went missing, empty or was replaced");
  cmd->footer("Only when the home refuses to open for that reason: the events the old journal had not yet\n"
              "delivered to the hub are lost (restore journal.db from a backup instead, if there is one).\n"
              "What is left of it is kept as journal.db.lost-XXXXXXXX. An intact journal is never reset.\n"
              "Example: outpost journal reset");
  cmd->callback([&ctx] {
    ctx.check(device::DeviceHome::reset_journal(ctx.home, ctx.clock, ctx.random, ctx.home_options()));
    auto home = ctx.open_home();
    ctx.print({{"journal_id", to_hex(home->journal().id())}},
              "started a new journal in " + ctx.home + " (events the old one had not delivered are lost)");
  });
}

void add_stats(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("stats", "Journal size, quota, delivery and dropped telemetry");
  cmd->footer("Delivered events are compacted away; leads and feedback are never dropped for quota.\n"
              "Example: outpost journal stats --json");
  cmd->callback([&ctx] {
    auto home = ctx.open_home();
    ctx.check(home->journal().flush());
    const journal::JournalStats s = home->journal().stats();
    ctx.print(journal_stats_json(s),
              std::to_string(s.events) + " event(s) held (seq " + std::to_string(s.first_seq) + ".." +
                  std::to_string(s.head_seq) + "), delivered up to " + std::to_string(s.acked_seq) + "; " +
                  format_size(s.bytes) + " of " + format_size(s.quota_bytes) + "; telemetry dropped: " +
                  std::to_string(s.dropped_total));
  });
}

void add_export(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("export", "Write the undelivered journal to a file sealed to the hub");
  cmd->footer("For a device being retired with no network: carry the file to the hub and import it there.\n"
              "Only the hub can open it. Example: outpost journal export --out kiosk7.opjx");
  auto out = std::make_shared<std::string>();
  cmd->add_option("--out", *out, "File to create (must not exist)")->required();
  cmd->callback([&ctx, out] {
    auto home = ctx.open_home();
    const journal::ExportSummary s = ctx.take(home->export_journal(*out, ctx.random));
    ctx.print({{"file", *out}, {"events", s.events}, {"first_seq", s.first_seq}, {"last_seq", s.last_seq}},
              "exported " + std::to_string(s.events) + " undelivered event(s) to " + *out);
  });
}

void add_capture(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("capture", "Capture a lead with the current version of a lead form");
  cmd->footer("Works offline. The lead is sealed to the hub at once: this device cannot read it back.\n"
              "Example: outpost lead capture --form booth-form --field email=ana@example.com \\\n"
              "           --field name='Ana Lima' --answer timeline=now --consent\n"
              "Badge scan: outpost lead capture --form booth-form --badge RSA-7Q4K-9XW2 --consent\n"
              "  (fields come from the show's attendee list asset, offline; a badge on no list is\n"
              "  captured as-is and completed at the hub)");
  struct Args {
    std::string form, show, badge;
    std::vector<std::string> fields, answers;
    bool consent = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--form", a->form, "Lead form asset id")->required();
  cmd->add_option("--field", a->fields, "A form field, name=value (repeat)");
  cmd->add_option("--answer", a->answers, "A qualification answer, question=value (repeat)");
  cmd->add_flag("--consent", a->consent, "The visitor accepted the form's consent text");
  cmd->add_option("--show", a->show, "The trade show (default: the form's)");
  cmd->add_option("--badge", a->badge, "A scanned badge code: fields not given come from the attendee list");
  cmd->callback([&ctx, a] {
    leads::CaptureRequest request;
    for (const auto& f : a->fields) request.fields.insert(split_assignment(f, ctx, "--field"));
    for (const auto& f : a->answers) request.answers.insert(split_assignment(f, ctx, "--answer"));
    request.consent = a->consent;
    request.show = a->show;
    request.badge = a->badge;
    auto home = ctx.open_home();
    const leads::Captured c = ctx.take(home->capture_lead(a->form, request));
    ctx.print(captured_json(c),
              std::string(c.repeat ? "repeat visit recorded" : "lead captured") + " (event " + std::to_string(c.seq) +
                  ", show " + c.show + ", score " + std::to_string(c.score) + ")");
  });
}

void add_count(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("count", "Leads captured per show, repeat visits, and how many await delivery");
  cmd->footer("Counts only: a kiosk cannot read its leads back (they are sealed to the hub).\n"
              "Example: outpost lead count");
  cmd->callback([&ctx] {
    auto home = ctx.open_home();
    const auto scopes = ctx.take(home->journal().scope_counts());
    const std::uint64_t waiting = ctx.take(home->journal().count_after_acked("lead.captured")) +
                                  ctx.take(home->journal().count_after_acked("lead.repeat_visit"));
    json shows = json::array();
    std::ostringstream text;
    std::uint64_t total = 0;
    for (const auto& s : scopes) {
      if (!s.scope.starts_with("lead:")) continue;
      const std::string show = s.scope.substr(5);
      shows.push_back({{"show", show}, {"leads", s.keys}, {"repeat_visits", s.appends - s.keys}});
      text << show << ": " << s.keys << " lead(s), " << (s.appends - s.keys) << " repeat visit(s)\n";
      total += s.keys;
    }
    text << total << " lead(s) in all; " << waiting << " capture(s) not yet delivered to the hub";
    ctx.print({{"shows", shows}, {"leads", total}, {"undelivered", waiting}}, text.str());
  });
}

void add_withdraw(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("withdraw-consent", "Record that a visitor withdrew consent");
  cmd->footer("The hub erases the person's lead. Example: outpost lead withdraw-consent --show rsa-2027 "
              "--email ana@example.com");
  auto show = std::make_shared<std::string>();
  auto email = std::make_shared<std::string>();
  cmd->add_option("--show", *show, "The trade show the lead was captured at")->required();
  cmd->add_option("--email", *email, "The visitor's email")->required();
  cmd->callback([&ctx, show, email] {
    auto home = ctx.open_home();
    const journal::Appended a = ctx.take(home->withdraw_consent(*show, *email));
    ctx.print({{"seq", a.seq}}, "consent withdrawal recorded (event " + std::to_string(a.seq) + ")");
  });
}

void add_form(CLI::App& parent, Context& ctx) {
  auto* cmd = parent.add_subcommand("form", "Show the fields of the current version of a lead form");
  cmd->footer("The fields, qualification questions and consent text a capture must satisfy.\n"
              "Example: outpost lead form booth-form");
  auto id = std::make_shared<std::string>();
  cmd->add_option("ID", *id, "Lead form asset id")->required();
  cmd->callback([&ctx, id] {
    auto home = ctx.open_home();
    const device::DeviceHome::Form f = ctx.take(home->load_form(*id));
    std::ostringstream text;
    text << f.ref.asset << " v" << f.ref.version << (f.form.show.empty() ? "" : ", show " + f.form.show) << "\n";
    for (const auto& field : f.form.fields) {
      text << "  --field " << field.name << "=...  " << field.label << " (" << leads::field_type_name(field.type)
           << (field.required ? ", required" : "") << ")\n";
    }
    for (const auto& q : f.form.qualification) {
      std::string list;
      for (const auto& o : q.options) list += (list.empty() ? "" : "|") + o.value;
      text << "  --answer " << q.name << "=" << list << "  " << q.question << "\n";
    }
    text << "  consent (version " << f.form.consent_version << "): " << f.form.consent_text;
    ctx.print(form_json(f), text.str());
  });
}

void add_feedback(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("feedback", "Rate an asset and tell marketing what to fix");
  cmd->footer("Stored durably at once, delivered at the next sync.\n"
              "Example: outpost feedback pricing-deck --rating 2 --comment 'EMEA prices missing' --needs-update");
  struct Args {
    std::string selector, comment;
    std::uint64_t rating = 0;
    bool needs_update = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("ID[@N]", a->selector, "Asset id, optionally with @version")->required();
  cmd->add_option("--rating", a->rating, "1 (poor) to 5 (great)")->required()->check(CLI::Range(1, 5));
  cmd->add_option("--comment", a->comment, "What works, what is missing");
  cmd->add_flag("--needs-update", a->needs_update, "The asset is out of date");
  cmd->callback([&ctx, a] {
    const cache::AssetSelector sel = ctx.take(cache::parse_selector(a->selector));
    auto home = ctx.open_home();
    if (home->catalog().releases(sel.asset).empty()) {
      ctx.fail({Errc::not_found, "no asset '" + sel.asset + "' in the catalog"});
    }
    journal::Feedback f{sel.asset, sel.version, a->rating, a->comment, a->needs_update};
    const journal::Appended r = ctx.take(home->record(journal::asset_feedback(f)));
    ctx.print({{"seq", r.seq}}, "feedback recorded (event " + std::to_string(r.seq) + ")");
  });
}

void add_request(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("request", "Ask marketing for content that does not exist yet");
  cmd->footer("Example: outpost request 'Case study for hospitals in Spain' --asset hospital-deck");
  auto text = std::make_shared<std::string>();
  auto asset = std::make_shared<std::string>();
  cmd->add_option("TEXT", *text, "What is needed")->required();
  cmd->add_option("--asset", *asset, "The asset it relates to");
  cmd->callback([&ctx, text, asset] {
    auto home = ctx.open_home();
    const journal::Appended r = ctx.take(home->record(journal::content_request(*text, *asset)));
    ctx.print({{"seq", r.seq}}, "content request recorded (event " + std::to_string(r.seq) + ")");
  });
}

}  // namespace

void add_journal_commands(CLI::App& app, Context& ctx) {
  auto* journal = app.add_subcommand("journal", "The device's tamper-evident event journal");
  journal->require_subcommand(1);
  add_show(*journal, ctx);
  add_verify(*journal, ctx);
  add_stats(*journal, ctx);
  add_export(*journal, ctx);
  add_reset(*journal, ctx);
  auto* lead = app.add_subcommand(
      "lead", "Capture leads at a booth (kiosks, sealed to the hub); list and follow up assigned leads (reps)");
  lead->require_subcommand(1);
  add_capture(*lead, ctx);
  add_count(*lead, ctx);
  add_withdraw(*lead, ctx);
  add_form(*lead, ctx);
  add_assigned_lead_commands(*lead, ctx);
  add_feedback(app, ctx);
  add_request(app, ctx);
}

}  // namespace outpost::cli
