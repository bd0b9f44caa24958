// The HTTP side of the device web server (the only Boost.Beast translation
// unit): accept on 127.0.0.1, read each request with size limits and an idle
// timeout, hand it to App on the io_context's thread, write the answer with
// the security headers, and stream asset content in pieces.
#include "outpost/web/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <future>
#include <sstream>

#include "app.hpp"

namespace outpost::web {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// default-src 'self' with no inline script or style; no framing, no
// plugins, forms post only to this server.
constexpr char csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

constexpr std::size_t piece_bytes = 64u << 10;

template <class Message>
void secure(Message& m) {
  m.set("Content-Security-Policy", csp);
  m.set("X-Content-Type-Options", "nosniff");
  m.set("Referrer-Policy", "no-referrer");
  m.set("X-Frame-Options", "DENY");
  m.set(http::field::cache_control, "no-store");
  m.set(http::field::server, "outpost");
}

}  // namespace

struct Server::Impl {
  Impl(device::DeviceHome& home, const Clock& clock, Random& random, ServerOptions opts)
      : options(std::move(opts)), app(home, clock, random, options), home_(home), random_(random) {}

  ServerOptions options;
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  App app;
  std::unique_ptr<sync::SyncEngine> engine;
  device::DeviceHome& home_;
  Random& random_;

  void accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {}

  void start() { read(); }

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Server::Impl& server_;
  std::string head_;  // the response header being written (content)
  std::optional<cache::AssetReader> reader_;
  std::uint64_t offset_ = 0;
  std::uint64_t left_ = 0;
  std::vector<std::uint8_t> piece_;
  bool keep_alive_ = false;

  void read() {
    parser_.emplace();
    parser_->body_limit(server_.options.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    stream_.expires_after(server_.options.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted) {
      return close();
    }
    if (ec == http::error::body_limit) return fail(413, "the request body is over the limit");
    if (ec == http::error::header_limit) return fail(431, "the request headers are over the limit");
    if (ec) return fail(400, "malformed HTTP request");
    const auto& req = parser_->get();
    Request request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.host = std::string(req[http::field::host]);
    request.content_type = std::string(req[http::field::content_type]);
    request.csrf_header = std::string(req["X-CSRF-Token"]);
    request.range = std::string(req[http::field::range]);
    request.body = req.body();
    keep_alive_ = req.keep_alive();
    const bool head = req.method() == http::verb::head;
    Response response;
    try {
      response = server_.app.handle(request);
    } catch (const std::exception&) {
      response = server_.app.error(request.target, 500, "internal error");
    }
    send(std::move(response), head);
  }

  void fail(unsigned status, const std::string& message) {
    keep_alive_ = false;
    const std::string target = parser_ && parser_->is_header_done() ? std::string(parser_->get().target()) : "/";
    send(server_.app.error(target, status, message), false);
  }

  void send(Response r, bool head_only) {
    if (r.reader) return stream(std::move(r), head_only);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    secure(*res);
    res->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res->set(name, value);
    res->keep_alive(keep_alive_);
    res->body() = head_only ? std::string() : std::move(r.body);
    res->prepare_payload();
    stream_.expires_after(server_.options.idle_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec || !self->keep_alive_) return self->close();
      self->read();
    });
  }

  // The header, then the content in pieces read from the encrypted cache:
  // memory stays bounded whatever the asset's size.
  void stream(Response r, bool head_only) {
    http::response_header<> h;
    h.version(11);
    h.result(static_cast<http::status>(r.status));
    secure(h);
    h.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) h.set(name, value);
    h.set(http::field::content_length, std::to_string(r.length));
    h.set(http::field::connection, keep_alive_ ? "keep-alive" : "close");
    std::ostringstream out;
    out << h;
    head_ = out.str();
    reader_ = std::move(r.reader);
    offset_ = r.offset;
    left_ = head_only ? 0 : r.length;
    stream_.expires_after(server_.options.idle_timeout);
    net::async_write(stream_, net::buffer(head_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->next_piece();
    });
  }

  void next_piece() {
    if (left_ == 0) {
      reader_.reset();
      if (!keep_alive_) return close();
      return read();
    }
    piece_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(left_, piece_bytes)));
    auto got = reader_->read_at(offset_, piece_);
    // A chunk that fails verification ends the response short: the client
    // sees a truncated body, never a wrong byte.
    if (!got || *got == 0) return close();
    piece_.resize(*got);
    offset_ += *got;
    left_ -= *got;
    stream_.expires_after(server_.options.idle_timeout);
    net::async_write(stream_, net::buffer(piece_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->next_piece();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(std::move(socket), *this)->start();
    accept();
  });
}

Result<std::unique_ptr<Server>> Server::create(device::DeviceHome& home, const Clock& clock, Random& random,
                                               ServerOptions options) {
  auto impl = std::make_unique<Impl>(home, clock, random, std::move(options));
  beast::error_code ec;
  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), impl->options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string message = "cannot listen on 127.0.0.1:";
    message += std::to_string(impl->options.port);
    message += ": ";
    message += ec.message();
    return Status(Errc::io, message);
  }
  impl->app.set_port(impl->acceptor.local_endpoint().port());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

std::uint16_t Server::port() const noexcept { return impl_->acceptor.local_endpoint().port(); }

void Server::run() {
  impl_->accept();
  if (impl_->options.sync_link) {
    impl_->engine = std::make_unique<sync::SyncEngine>(impl_->io, impl_->home_, *impl_->options.sync_link,
                                                       impl_->random_, impl_->options.sync);
    impl_->engine->run_daemon([this](const Result<sync::SyncReport>& r) {
      impl_->app.sync_finished(r);
      if (r && r->wiped) stop();
    });
  }
  impl_->io.run();
  impl_->engine.reset();
}

void Server::stop() {
  net::post(impl_->io, [impl = impl_.get()] {
    if (impl->engine) impl->engine->stop();
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    impl->io.stop();
  });
}

void Server::call(const std::function<void()>& fn) {
  std::promise<void> done;
  net::post(impl_->io, [&] {
    try {
      fn();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  done.get_future().get();
}

}  // namespace outpost::web
