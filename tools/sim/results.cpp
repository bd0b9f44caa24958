#include "results.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "text.hpp"

namespace outpost::sim {

namespace {

using nlohmann::json;

json distribution_json(const Distribution& d) {
  return {{"count", d.count}, {"p50", d.p50}, {"p95", d.p95}, {"max", d.max}, {"mean", d.mean}};
}

json delivery_json(const Delivery& d) {
  return {{"sent", d.sent},
          {"received", d.received},
          {"undelivered", d.undelivered},
          {"lost", d.lost()},
          {"duplicates", d.duplicates},
          {"unacknowledged", d.unacknowledged},
          {"extra_from_killed", d.extra},
          {"delay_s", distribution_json(summarize(d.delay_s))}};
}

std::string share(std::uint64_t part, std::uint64_t whole) {
  if (whole == 0) return "n/a";
  return cat(fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 1), "%");
}

std::string seconds(double s) { return cat(fixed(s, 2), " s"); }

std::string delivery_row(const char* what, const Delivery& d, const char* must) {
  return cat("| ", what, " | ", d.sent, " | ", d.received, " (", share(d.received, d.sent), ") | ", d.undelivered,
             " | ", d.lost(), " | ",
             d.duplicates, " | ", d.unacknowledged, " | ", d.extra, " | ", must, " |\n");
}

void delivery_violations(std::vector<std::string>& out, const char* what, const Delivery& d) {
  if (d.lost() > 0) {
    out.push_back(cat(what, ": ", d.lost(), " of ", d.sent, " acknowledged are neither at the hub nor on their device"));
  }
  if (d.duplicates > 0) out.push_back(cat(what, ": ", d.duplicates, " held more than once at the hub"));
}

}  // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  return values[std::min(index, values.size() - 1)];
}

Distribution summarize(const std::vector<double>& values) {
  Distribution d;
  d.count = values.size();
  if (values.empty()) return d;
  d.p50 = percentile(values, 50);
  d.p95 = percentile(values, 95);
  d.max = *std::max_element(values.begin(), values.end());
  d.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  return d;
}

std::vector<double> Results::delivery_delays() const {
  std::vector<double> all = usage.delay_s;
  all.insert(all.end(), leads.delay_s.begin(), leads.delay_s.end());
  all.insert(all.end(), feedback.delay_s.begin(), feedback.delay_s.end());
  return all;
}

std::vector<std::string> must_violations(const Results& r) {
  std::vector<std::string> out;
  if (r.crashes > 0) out.push_back(cat(r.crashes, " device process(es) crashed (see the notes)"));
  if (r.hub_crashed) out.push_back("the hub crashed (see the notes)");
  if (r.after_newer > 0) out.push_back(cat(r.after_newer, " presentation(s) of a version after the device held a newer one"));
  if (r.after_revocation > 0) out.push_back(cat(r.after_revocation, " presentation(s) of a revoked version after the device had the revocation"));
  if (r.after_expiry > 0) out.push_back(cat(r.after_expiry, " presentation(s) of an expired version"));
  delivery_violations(out, "usage events", r.usage);
  delivery_violations(out, "leads", r.leads);
  delivery_violations(out, "feedback and content requests", r.feedback);
  const LeadBookCheck& b = r.lead_book;
  if (b.checked && b.leads < b.visitors) {
    out.push_back(cat("lead book: ", b.leads, " lead(s) for ", b.visitors, " visitors whose capture was acknowledged"));
  }
  if (b.checked && b.leads > b.visitors_possible) {
    out.push_back(cat("lead book: ", b.leads, " lead(s) for at most ", b.visitors_possible, " visitors (duplicates)"));
  }
  if (b.repeat_recognised < b.repeat_scans) {
    out.push_back(cat(b.repeat_scans - b.repeat_recognised, " second scan(s) of a captured visitor not seen as a repeat visit"));
  }
  return out;
}

Outcome outcome(const Results& r) {
  if (!must_violations(r).empty()) return Outcome::fail;
  return incomplete_reasons(r).empty() ? Outcome::pass : Outcome::incomplete;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::pass: return "pass";
    case Outcome::fail: return "fail";
    case Outcome::incomplete: return "incomplete";
  }
  return "?";
}

std::vector<std::string> incomplete_reasons(const Results& r) {
  std::vector<std::string> out;
  auto queued = [&r](const std::string& device) {
    const auto it = r.undelivered_by_device.find(device);
    return it == r.undelivered_by_device.end() ? std::uint64_t{0} : it->second;
  };
  for (const auto& [device, why] : r.final_sync_failed) {
    out.push_back(cat(device, ": its final sync did not succeed (", why, "); ", queued(device),
                      " acknowledged item(s) still queued on it"));
  }
  for (const auto& [device, n] : r.undelivered_by_device) {
    if (n > 0 && r.final_sync_failed.count(device) == 0) {
      out.push_back(cat(device, ": ", n, " acknowledged item(s) still queued on it although its final sync succeeded"));
    }
  }
  if (!out.empty() && !r.final_phase_stop.empty()) out.insert(out.begin(), cat("the final phase stopped: ", r.final_phase_stop));
  return out;
}

json report_json(const Results& r) {
  json propagation = json::array();
  for (const Propagation& p : r.propagation) {
    propagation.push_back({{"label", p.label},
                           {"published_at_s", p.at_s},
                           {"online_s", distribution_json(summarize(p.online))},
                           {"offline_after_reconnect_s", distribution_json(summarize(p.offline))},
                           {"not_reached", p.not_reached}});
  }
  const std::vector<std::string> broken = must_violations(r);
  json unfinished = json::object();
  for (const auto& [device, why] : r.final_sync_failed) unfinished[device] = why;
  return {{"scenario", r.scenario},
          {"seed", r.seed},
          {"plan_digest", r.plan_digest},
          {"ticks", r.ticks},
          {"tick_s", r.tick_s},
          {"field_minutes_per_tick", r.field_minutes_per_tick},
          {"wall_s", r.wall_s},
          {"fleet", {{"reps", r.reps}, {"kiosks", r.kiosks}}},
          {"gate",
           {{"presentations", r.presentations},
            {"opens", r.opens},
            {"blocked", r.blocked},
            {"after_newer", r.after_newer},
            {"after_revocation", r.after_revocation},
            {"after_expiry", r.after_expiry},
            {"after_expiry_clock_back_offline", r.after_expiry_clock_back},
            {"in_grace", r.in_grace},
            {"update_pending", r.update_pending},
            {"stale_catalog", r.stale_catalog}}},
          {"usage_events", delivery_json(r.usage)},
          {"leads", delivery_json(r.leads)},
          {"feedback_and_requests", delivery_json(r.feedback)},
          {"lead_book",
           {{"checked", r.lead_book.checked},
            {"problem", r.lead_book.problem},
            {"leads", r.lead_book.leads},
            {"visits", r.lead_book.visits},
            {"visitors", r.lead_book.visitors},
            {"visitors_possible", r.lead_book.visitors_possible},
            {"repeat_scans", r.lead_book.repeat_scans},
            {"repeat_recognised", r.lead_book.repeat_recognised}}},
          {"delivery_delay_s", distribution_json(summarize(r.delivery_delays()))},
          {"propagation", propagation},
          {"faults",
           {{"syncs", r.syncs},
            {"syncs_failed", r.syncs_failed},
            {"link_cuts", r.link_cuts},
            {"kills", r.kills},
            {"hub_restarts", r.hub_restarts},
            {"clock_back_devices", r.clock_back_devices},
            {"clock_forward_devices", r.clock_forward_devices},
            {"crashes", r.crashes},
            {"errors", r.errors},
            {"hub_crashed", r.hub_crashed}}},
          {"bytes_per_device", distribution_json(summarize(r.bytes_per_device))},
          {"hub", {{"cpu_s", r.hub_cpu_s}, {"peak_rss_kib", r.hub_peak_rss_kib}}},
          {"final_phase",
           {{"wall_s", r.final_phase_s}, {"stopped_waiting", r.final_phase_stop}, {"final_sync_failed", unfinished}}},
          {"notes", r.notes},
          {"must_violations", broken},
          {"incomplete", incomplete_reasons(r)},
          {"outcome", outcome_name(outcome(r))},
          {"pass", outcome(r) == Outcome::pass}};
}

std::string report_markdown(const Results& r) {
  std::ostringstream md;
  const std::vector<std::string> broken = must_violations(r);
  md << "# Field simulation: " << r.scenario << "\n\n";
  switch (outcome(r)) {
    case Outcome::pass: md << "**PASS**: every must figure holds and every acknowledged item reached the hub.\n"; break;
    case Outcome::fail: md << "**FAIL**: a must figure is broken.\n"; break;
    case Outcome::incomplete:
      md << "**INCOMPLETE**: no must figure is broken, but final syncs did not finish: items are still queued on "
            "their devices (undelivered, not lost).\n";
      break;
  }
  for (const std::string& b : broken) md << "- " << b << "\n";
  for (const std::string& b : incomplete_reasons(r)) md << "- " << b << "\n";
  md << "\nSeed " << r.seed << ", plan digest `" << r.plan_digest << "`; " << r.reps << " reps and " << r.kiosks
     << " kiosks, " << r.ticks << " ticks of " << fixed(r.tick_s, 2) << " s (" << fixed(r.field_minutes_per_tick, 0)
     << " field minutes each), " << fixed(r.wall_s, 1) << " s of wall time.\n\n";

  md << "## The version gate\n\n"
     << "Judged against what the simulator saw each device hold after its syncs (not against the hub's reports).\n\n"
     << "| figure | count | must |\n|---|---|---|\n"
     << "| presentations (allowed) | " << r.presentations << " | |\n"
     << "| opens (allowed) | " << r.opens << " | |\n"
     << "| refused by the gate | " << r.blocked << " | |\n"
     << "| shown after the device held a newer version | " << r.after_newer << " | 0 |\n"
     << "| shown after the device had the revocation | " << r.after_revocation << " | 0 |\n"
     << "| shown after it expired | " << r.after_expiry << " | 0 |\n"
     << "| shown after it expired, clock set back and no sync since the expiry | " << r.after_expiry_clock_back
     << " | (counted) |\n"
     << "| shown within a supersede grace | " << r.in_grace << " | (counted) |\n"
     << "| shown with an update pending (newer known, not yet fetched) | " << r.update_pending << " | (counted) |\n"
     << "| stale-catalog warnings or refusals | " << r.stale_catalog << " | (counted) |\n\n";

  md << "## Delivery to the hub\n\n"
     << "Each item the device acknowledged, looked up in the hub's stored events (by device and id), and if not "
        "there, among the events still queued on its device after the run (`outpost journal show --json` past "
        "the acknowledged seq): undelivered. Lost: neither.\n\n"
     << "| what | acknowledged | at the hub | undelivered (queued on the device) | lost | duplicates | "
        "unacknowledged (killed) | extra from killed | must |\n"
     << "|---|---|---|---|---|---|---|---|---|\n"
     << delivery_row("usage events", r.usage, "100%, no duplicates")
     << delivery_row("leads", r.leads, "100%, 0 duplicates, 0 lost")
     << delivery_row("feedback and content requests", r.feedback, "100%");
  const LeadBookCheck& b = r.lead_book;
  md << "\nThe hub's lead book (`outpost-hub leads list`): ";
  if (b.checked) {
    md << b.leads << " lead(s) with " << b.visits << " visit(s) for " << b.visitors
       << " visitors whose capture was acknowledged (" << b.visitors_possible
       << " counting captures cut short by kill -9); must be one lead per visitor.";
  } else {
    md << "not checked: " << b.problem;
  }
  md << " Second scans of a captured visitor seen as a repeat visit by the kiosk: " << b.repeat_recognised << " of "
     << b.repeat_scans << " (must be all).\n";
  md << "\nDelay from the device's answer to the hub's receipt (the device syncs on its schedule, and not while "
        "offline):\n\n| what | items | p50 | p95 | max |\n|---|---|---|---|---|\n";
  const std::pair<const char*, std::vector<double>> delays[] = {
      {"usage events", r.usage.delay_s}, {"leads", r.leads.delay_s},
      {"feedback and content requests", r.feedback.delay_s}, {"all", r.delivery_delays()}};
  for (const auto& [what, values] : delays) {
    const Distribution d = summarize(values);
    md << "| " << what << " | " << d.count << " | " << seconds(d.p50) << " | " << seconds(d.p95) << " | "
       << seconds(d.max) << " |\n";
  }
  md << "\n";

  md << "## Propagation of marketing's changes\n\n"
     << "| change | published at | online devices p50 / p95 / max | offline devices, after reconnect p50 / p95 / max | "
        "never reached |\n|---|---|---|---|---|\n";
  for (const Propagation& p : r.propagation) {
    const Distribution on = summarize(p.online);
    const Distribution off = summarize(p.offline);
    md << "| " << p.label << " | " << seconds(p.at_s) << " | " << on.count << ": " << fixed(on.p50, 2) << " / "
       << fixed(on.p95, 2) << " / " << fixed(on.max, 2) << " s | " << off.count << ": " << fixed(off.p50, 2) << " / "
       << fixed(off.p95, 2) << " / " << fixed(off.max, 2) << " s | " << p.not_reached << " |\n";
  }
  const Distribution bytes = summarize(r.bytes_per_device);
  md << "\n## Faults and resources\n\n"
     << "- syncs: " << r.syncs << " (" << r.syncs_failed << " failed or cut), link drops mid-transfer: " << r.link_cuts
     << ", kill -9 of device processes: " << r.kills << ", hub restarts: " << r.hub_restarts
     << ", devices with the clock set back: " << r.clock_back_devices
     << ", set forward: " << r.clock_forward_devices << "\n"
     << "- device processes crashed: " << r.crashes << " (must be 0); commands that failed unexpectedly: " << r.errors
     << "; hub crashed: " << (r.hub_crashed ? "yes" : "no") << " (must be no)\n"
     << "- final phase: " << fixed(r.final_phase_s, 1) << " s"
     << (r.final_phase_stop.empty() ? std::string(", every device's final sync succeeded")
                                    : cat("; stopped waiting: ", r.final_phase_stop))
     << "\n"
     << "- bytes moved per device (both directions, through the proxy): p50 " << fixed(bytes.p50 / 1024, 1)
     << " KiB, p95 " << fixed(bytes.p95 / 1024, 1) << " KiB, max " << fixed(bytes.max / 1024, 1) << " KiB\n"
     << "- hub: " << fixed(r.hub_cpu_s, 2) << " s of CPU (user + system, every hub process), peak RSS "
     << fixed(static_cast<double>(r.hub_peak_rss_kib) / 1024, 1) << " MiB\n";
  for (const std::string& n : r.notes) md << "- note: " << n << "\n";
  md << "\nChart: `timeline.svg` (propagation timeline, delivery delays). Machine-readable: `report.json`.\n";
  return md.str();
}

}  // namespace outpost::sim
