#include "sync_commands.hpp"

#include <csignal>
#include <iostream>

#include "outpost/sync/device_sync.hpp"

namespace outpost::cli {

namespace {

// Set by SIGINT/SIGTERM; the daemon checks it a few times a second.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "used from a signal handler");
extern "C" void on_stop_signal(int) { stop_requested = true; }

std::string report_text(const sync::SyncReport& r) {
  if (r.wiped) return "the hub asked for this device to be wiped: its keys, cache and journal are destroyed";
  std::string text = "catalog seq " + std::to_string(r.catalog_from) + " -> " + std::to_string(r.catalog_to);
  text += " (" + std::to_string(r.releases) + " new releases, " + std::to_string(r.revocations) + " revocations); ";
  text += std::to_string(r.versions_fetched) + " versions fetched (" + format_size(r.bytes_fetched) + " in " +
          std::to_string(r.chunks_fetched) + " chunks); ";
  text += std::to_string(r.events_pushed) + " journal events delivered (hub holds up to " +
          std::to_string(r.journal_acked) + ")";
  if (r.leads_assigned + r.leads_withdrawn + r.leads_unreadable > 0) {
    text += "; leads: " + std::to_string(r.leads_assigned) + " assigned, " + std::to_string(r.leads_withdrawn) +
            " withdrawn";
  }
  if (r.leads_unreadable > 0) {
    text += "; WARNING: " + std::to_string(r.leads_unreadable) +
            " lead assignment(s) were sealed to another key and kept out (tell the hub admin)";
  }
  if (r.journal_forked_at) {
    text += "; NOTE: the hub held this device's journal differently after event " +
            std::to_string(*r.journal_forked_at) + " (the device was restored from a copy, or cloned): its " +
            std::to_string(r.journal_events_continued) + " later event(s) continue in a new journal";
  }
  return text;
}

sync::SyncOptions options_with_timeout(double seconds) {
  sync::SyncOptions options;
  options.request_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  return options;
}

void add_enroll(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("enroll", "Join a hub with a one-time enrollment token");
  cmd->footer("Creates the device home if needed, pins the organisation's root key from the token and\n"
              "registers this device's key with the hub. Example:\n"
              "  outpost --home ~/.outpost enroll \"$(outpost-hub --home /srv/hub enroll-token --device tab-7 --role rep)\"");
  auto token = std::make_shared<std::string>();
  auto timeout = std::make_shared<double>(10);
  cmd->add_option("TOKEN", *token, "The token outpost-hub enroll-token printed")->required();
  cmd->add_option("--timeout", *timeout, "Seconds to wait for the hub (default 10)");
  cmd->callback([&ctx, token, timeout] {
    const sync::EnrollToken parsed = ctx.take(sync::EnrollToken::parse(*token));
    if (!std::filesystem::exists(device::DeviceHome::key_path(ctx.home))) {
      auto options = ctx.home_options();
      options.root_key = parsed.root_key;
      ctx.check(device::DeviceHome::init(ctx.home, ctx.random, options));
    }
    auto home = ctx.open_home();
    const sync::DeviceLink link = ctx.take(
        sync::enroll(*home, parsed, std::chrono::milliseconds(static_cast<std::int64_t>(*timeout * 1000))));
    ctx.print({{"device", link.device}, {"role", link.role}, {"hub", link.sync_endpoint}},
              "enrolled as " + link.device + " (" + link.role + ") with the hub at " + link.sync_endpoint +
                  "\nnext: outpost --home " + ctx.home + " sync");
  });
}

void add_sync(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("sync", "Sync once with the hub: catalog, journal, content");
  cmd->footer("Exits 0 when the device holds every current version and the hub holds its whole journal;\n"
              "1 with the reason otherwise (hub unreachable, refused, ...). Example: outpost sync");
  auto timeout = std::make_shared<double>(10);
  cmd->add_option("--timeout", *timeout, "Seconds to wait for each answer from the hub (default 10)");
  cmd->callback([&ctx, timeout] {
    auto home = ctx.open_home();
    const sync::DeviceLink link = ctx.take(sync::DeviceLink::load(ctx.home));
    const cache::ProgressFn bar = ctx.progress("fetching");
    const bool talk = !ctx.json && !ctx.quiet;
    std::string phase;
    auto progress = [&](const sync::SyncProgress& p) {
      if (p.phase != phase && talk && p.phase != "chunks" && p.phase != "done") std::cerr << p.phase << "...\n";
      phase = p.phase;
      if (p.phase == "chunks" && bar && p.total > 0) bar(p.done, p.total);
    };
    const sync::SyncReport report = ctx.take(sync::sync_once(*home, link, ctx.random, options_with_timeout(*timeout), progress));
    ctx.print(report_json(report), report_text(report));
    if (report.wiped) throw Exit{4};
  });
}

void add_daemon(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("daemon", "Stay connected: sync on every hub notice and on a timer");
  cmd->footer("Prints one line per session. Stops on SIGINT/SIGTERM, or when the hub wipes the device.\n"
              "Example: outpost daemon --interval 300");
  auto interval = std::make_shared<double>(300);
  auto timeout = std::make_shared<double>(10);
  cmd->add_option("--interval", *interval, "Seconds between syncs without notices (default 300)");
  cmd->add_option("--timeout", *timeout, "Seconds to wait for each answer from the hub (default 10)");
  cmd->callback([&ctx, interval, timeout] {
    auto home = ctx.open_home();
    const sync::DeviceLink link = ctx.take(sync::DeviceLink::load(ctx.home));
    sync::SyncOptions options = options_with_timeout(*timeout);
    options.resync_interval = std::chrono::milliseconds(static_cast<std::int64_t>(*interval * 1000));
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    if (!ctx.json) std::cerr << "daemon: syncing with " << link.sync_endpoint << " (Ctrl-C stops)\n";
    bool wiped = false;
    ctx.check(sync::run_daemon(
        *home, link, ctx.random, options,
        [&](const Result<sync::SyncReport>& r) {
          const std::string when = iso_time(ctx.clock.now());
          if (r) {
            wiped = wiped || r->wiped;
            if (ctx.json) {
              nlohmann::json doc = report_json(*r);
              doc["at"] = when;
              std::cout << doc.dump() << std::endl;
            } else {
              std::cout << when << " synced: " << report_text(*r) << std::endl;
            }
          } else if (ctx.json) {
            std::cout << nlohmann::json{{"at", when}, {"error", r.status().to_string()}}.dump() << std::endl;
          } else {
            std::cout << when << " sync failed, will retry: " << r.status().to_string() << std::endl;
          }
        },
        stop_requested));
    if (wiped) throw Exit{4};
  });
}

}  // namespace

void add_sync_commands(CLI::App& app, Context& ctx) {
  add_enroll(app, ctx);
  add_sync(app, ctx);
  add_daemon(app, ctx);
}

}  // namespace outpost::cli
