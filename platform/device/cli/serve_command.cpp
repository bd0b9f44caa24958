// `outpost serve`: the device web server (kiosk lead form, presenter API)
// on 127.0.0.1, with the background sync when the device is enrolled.
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli_support.hpp"
#include "outpost/sync/device_sync.hpp"
#include "outpost/web/server.hpp"

namespace outpost::cli {

namespace {

std::atomic<bool> serve_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "used from a signal handler");
extern "C" void on_serve_signal(int) { serve_stop = true; }

}  // namespace

void add_serve_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("serve", "Serve the kiosk lead form and the presenter API on 127.0.0.1");
  cmd->footer("Open http://127.0.0.1:PORT/kiosk in a kiosk-mode browser. The staff view (queued leads, last\n"
              "sync) needs --staff-pin or $OUTPOST_STAFF_PIN. An enrolled device syncs in the background\n"
              "unless --no-sync. Stops on SIGINT/SIGTERM.\n"
              "Example: outpost serve --port 8080 --form booth-form --staff-pin 4711");
  auto port = std::make_shared<std::uint16_t>(8080);
  auto form = std::make_shared<std::string>();
  auto pin = std::make_shared<std::string>();
  auto no_sync = std::make_shared<bool>(false);
  cmd->add_option("--port", *port, "TCP port on 127.0.0.1 (default 8080; 0: any free port)");
  cmd->add_option("--form", *form, "The kiosk's lead form asset (default: the newest form in the catalog)");
  cmd->add_option("--staff-pin", *pin, "PIN of the staff view ($OUTPOST_STAFF_PIN; none: no staff view)");
  cmd->add_flag("--no-sync", *no_sync, "Do not sync in the background even when enrolled");
  cmd->callback([&ctx, port, form, pin, no_sync] {
    auto home = ctx.open_home();
    web::ServerOptions options;
    options.port = *port;
    options.form = *form;
    options.staff_pin = *pin;
    if (options.staff_pin.empty()) {
      if (const char* env = std::getenv("OUTPOST_STAFF_PIN")) options.staff_pin = env;
    }
    if (!*no_sync) {
      if (auto link = sync::DeviceLink::load(ctx.home)) options.sync_link = std::move(link).value();
    }
    const bool syncing = options.sync_link.has_value();
    auto server = ctx.take(web::Server::create(*home, ctx.clock, ctx.random, std::move(options)));
    std::string url = "http://127.0.0.1:";
    url += std::to_string(server->port());
    ctx.print({{"url", url}, {"kiosk", url + "/kiosk"}, {"sync", syncing}},
              "serving " + url + "/kiosk" + (syncing ? " (syncing in the background)" : "") + "; Ctrl-C stops");
    std::cout.flush();  // a script waiting for the URL reads it now
    std::signal(SIGINT, on_serve_signal);
    std::signal(SIGTERM, on_serve_signal);
    std::atomic<bool> finished{false};
    // A signal handler may only set a flag; this thread turns it into stop().
    std::thread watcher([&] {
      while (!serve_stop && !finished) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      server->stop();
    });
    server->run();
    finished = true;
    watcher.join();
  });
}

}  // namespace outpost::cli
