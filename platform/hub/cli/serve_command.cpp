// serve: runs the hub in the foreground until SIGINT or SIGTERM, and with
// --http the marketing dashboard next to it, on its own thread.
#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <iostream>
#include <thread>

#include "hub_cli.hpp"
#include "outpost/hub/hub.hpp"
#include "outpost/hub/lead_book.hpp"
#include "outpost/log/stderr_logger.hpp"
#include "outpost/web/dashboard.hpp"

namespace outpost::hub_cli {

void add_serve_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("serve", "Run the hub in the foreground until SIGINT or SIGTERM");
  cmd->footer(
      "Listens on four consecutive ports (sync, enroll, notices, publish). Admin commands work while\n"
      "it runs. Example: outpost-hub --home /srv/outpost-hub serve --bind 0.0.0.0\n"
      "--http 127.0.0.1:PORT also serves the marketing dashboard (charts of the reports) on that port,\n"
      "on 127.0.0.1 only (reach it from elsewhere through an SSH tunnel); PORT 0 picks a free one. It asks\n"
      "for the admin token in HOME/dashboard-token: 'outpost-hub dashboard-token' prints it.\n"
      "Example: outpost-hub --home /srv/outpost-hub serve --http 127.0.0.1:8470\n"
      "Logs one line per event on stderr (start and stop, each device session, refusals with their\n"
      "reason, errors): --log-level debug|info|warn|error (default info), --log-json for JSON lines.");
  auto bind = std::make_shared<BindOptions>();
  auto workers = std::make_shared<std::size_t>(2);
  auto http = std::make_shared<std::string>();
  auto log_level = std::make_shared<std::string>("info");
  auto log_json = std::make_shared<bool>(false);
  bind->add_to(*cmd, "default: the address saved by init");
  cmd->add_option("--workers", *workers, "Threads answering catalog and chunk reads (default 2)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--http", *http, "Also serve the dashboard on 127.0.0.1:PORT (loopback only; admin token required)");
  cmd->add_option("--log-level", *log_level, "Least severe level logged: debug, info, warn, error (default info)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cmd->add_flag("--log-json", *log_json, "Log JSON lines instead of text");
  cmd->callback([&ctx, bind, workers, http, log_level, log_json] {
    const std::unique_ptr<Logger> logger = log::make_stderr_logger(*log::parse_log_level(*log_level), *log_json);
    hub::HubOptions options;
    options.logger = logger.get();
    std::string hub_address;
    // The dashboard's own connection to the lead book (its thread only),
    // for the follow-up SLA: it holds keys derived from the lead key.
    SystemRandom lead_random;
    std::unique_ptr<hub::LeadBook> dashboard_leads;
    {
      auto admin = ctx.open_admin();
      const sync::HubAddress saved = ctx.take(admin->address());
      hub_address = sync::format_hub_address(saved, admin->keys().curve.public_key());
      options.bind = bind->apply(saved);
      if (!http->empty()) dashboard_leads = ctx.take(hub::LeadBook::open(admin->backend(), admin->keys().lead, lead_random));
    }
    options.workers = *workers;

    // The dashboard binds first: a port in use fails before the hub starts.
    SystemRandom dashboard_random;
    std::unique_ptr<web::Dashboard> dashboard;
    if (!http->empty()) {
      web::DashboardOptions d;
      d.hub_home = ctx.home;
      d.port = dashboard_port(ctx, *http);
      (void)ctx.take(web::dashboard_token(ctx.home, dashboard_random));  // made now, or refused as unsafe
      d.current_token = [home = ctx.home, &dashboard_random] { return web::dashboard_token(home, dashboard_random); };
      d.lead_sla = [book = dashboard_leads.get()](TimePoint now, const hub::SlaWindow& window) {
        return book->sla(now, window);
      };
      dashboard = ctx.take(web::Dashboard::create(std::move(d), ctx.clock, dashboard_random));
    }

    // Blocked before the hub starts its threads (they inherit the mask), so
    // the signals wait for sigwait() below instead of killing the process.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    auto hub = ctx.take(hub::Hub::start(ctx.home, ctx.clock, ctx.random, options));
    std::thread dashboard_thread;
    nlohmann::json doc = {{"serving", endpoint_range(hub->address())}, {"address", hub_address}};
    std::string text = "hub serving on " + endpoint_range(hub->address()) + "\nhub address: " + hub_address;
    if (dashboard) {
      const std::string url = "http://127.0.0.1:" + std::to_string(dashboard->port()) + "/";
      const std::string token_file = web::dashboard_token_path(ctx.home).string();
      doc["dashboard"] = url;
      doc["dashboard_token_file"] = token_file;
      text.append("\ndashboard serving on ").append(url);
      text.append("\ndashboard admin token: in ").append(token_file).append(" (outpost-hub dashboard-token prints it)");
      dashboard_thread = std::thread([&dashboard] { dashboard->run(); });
    }
    ctx.print(doc, text);
    std::cout.flush();

    int received = 0;
    while (sigwait(&stop_signals, &received) != 0) {
    }
    logger->info("hub.signal", {{"signal", strsignal(received)}});
    if (dashboard) {
      dashboard->stop();
      dashboard_thread.join();
    }
    hub->stop();  // logs hub.stop with the counters
  });
}

}  // namespace outpost::hub_cli
