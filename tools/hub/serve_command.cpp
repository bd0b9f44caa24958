// serve: runs the hub in the foreground until SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <iostream>

#include "hub_cli.hpp"
#include "outpost/sync/hub.hpp"

namespace outpost::hub_cli {

void add_serve_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("serve", "Run the hub in the foreground until SIGINT or SIGTERM");
  cmd->footer(
      "Listens on four consecutive ports (sync, enroll, notices, publish). Admin commands work while\n"
      "it runs. Example: outpost-hub --home /srv/outpost-hub serve --bind 0.0.0.0");
  auto bind = std::make_shared<BindOptions>();
  auto workers = std::make_shared<std::size_t>(2);
  bind->add_to(*cmd, "default: the address saved by init");
  cmd->add_option("--workers", *workers, "Threads answering catalog and chunk reads (default 2)")
      ->check(CLI::Range(1, 64));
  cmd->callback([&ctx, bind, workers] {
    sync::HubOptions options;
    std::string hub_address;
    {
      auto admin = ctx.open_admin();
      const sync::HubAddress saved = ctx.take(admin->address());
      hub_address = sync::format_hub_address(saved, admin->keys().curve.public_key());
      options.bind = bind->apply(saved);
    }
    options.workers = *workers;

    // Blocked before the hub starts its threads (they inherit the mask), so
    // the signals wait for sigwait() below instead of killing the process.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    auto hub = ctx.take(sync::Hub::start(ctx.home, ctx.clock, ctx.random, options));
    ctx.print({{"serving", endpoint_range(hub->address())}, {"address", hub_address}},
              "hub serving on " + endpoint_range(hub->address()) + "\nhub address: " + hub_address);
    std::cout.flush();

    int received = 0;
    while (sigwait(&stop_signals, &received) != 0) {
    }
    std::cerr << "outpost-hub: " << strsignal(received) << ", stopping\n";
    hub->stop();
    const sync::HubCounters& c = hub->counters();
    std::cerr << "outpost-hub: stopped after " << c.requests.load() << " request(s) (" << c.refused.load()
              << " refused), " << c.events_ingested.load() << " journal event(s) ingested\n";
  });
}

}  // namespace outpost::hub_cli
