// The device web server: App's routes on the shared HttpServer, with the
// optional background sync engine on the same io_context thread.
#include "outpost/web/server.hpp"

#include "app.hpp"
#include "outpost/web/http.hpp"

namespace outpost::web {

struct Server::Impl {
  Impl(device::DeviceHome& home, const Clock& clock, Random& random, ServerOptions opts)
      : options(std::move(opts)), app(home, clock, random, options), home_(home), random_(random) {}

  ServerOptions options;
  App app;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<sync::SyncEngine> engine;
  device::DeviceHome& home_;
  Random& random_;
};

Result<std::unique_ptr<Server>> Server::create(device::DeviceHome& home, const Clock& clock, Random& random,
                                               ServerOptions options) {
  auto impl = std::make_unique<Impl>(home, clock, random, std::move(options));
  HttpOptions http;
  http.port = impl->options.port;
  http.body_limit = impl->options.body_limit;
  http.header_limit = impl->options.header_limit;
  http.idle_timeout = impl->options.idle_timeout;
  App& app = impl->app;
  auto server = HttpServer::create(
      http, [&app](const Request& r) { return app.handle(r); },
      [&app](const std::string& target, unsigned status, const std::string& message) {
        return app.error(target, status, message);
      });
  if (!server) return server.status();
  impl->http = std::move(server).value();
  app.set_port(impl->http->port());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

std::uint16_t Server::port() const noexcept { return impl_->http->port(); }

void Server::run() {
  if (impl_->options.sync_link) {
    impl_->engine = std::make_unique<sync::SyncEngine>(impl_->http->io(), impl_->home_, *impl_->options.sync_link,
                                                       impl_->random_, impl_->options.sync);
    impl_->engine->run_daemon([this](const Result<sync::SyncReport>& r) {
      impl_->app.sync_finished(r);
      if (r && r->wiped) stop();
    });
  }
  impl_->http->run();
  impl_->engine.reset();
}

void Server::stop() {
  impl_->http->stop([impl = impl_.get()] {
    if (impl->engine) impl->engine->stop();
  });
}

void Server::call(const std::function<void()>& fn) { impl_->http->call(fn); }

}  // namespace outpost::web
