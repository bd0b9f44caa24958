// HttpServer (http.hpp), the only Boost.Beast translation unit: accept on
// 127.0.0.1, read each request with size limits and an idle timeout, hand it
// to the handler on the io_context's thread, write the answer with the
// security headers, and stream asset content in pieces; read_requests()
// reads from memory with the same parser, limits and errors.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <future>
#include <list>
#include <sstream>

#include "outpost/web/http.hpp"

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

// How long accepting pauses after a failed accept that nothing could fix at
// once (out of descriptors with no idle connection to close, out of
// memory): the listen queue would report the same error again at once, and
// accepting again straight away spins a core.
constexpr std::chrono::milliseconds accept_backoff{100};

class Session;

// The defaults, then the response's own headers, each replacing a default
// of the same name.
template <class Message>
void secure(Message& m, const Response& r) {
  m.set("Content-Security-Policy", csp);
  m.set("X-Content-Type-Options", "nosniff");
  m.set("Referrer-Policy", "no-referrer");
  m.set("X-Frame-Options", "DENY");
  m.set(http::field::cache_control, "no-store");
  m.set(http::field::server, "outpost");
  m.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) m.set(name, value);
}

using RequestParser = http::request_parser<http::string_body>;

void limit(RequestParser& parser, const HttpOptions& options) {
  parser.body_limit(options.body_limit);
  parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
}

// What a read that ended with ec makes: the request for the handler, an
// error page, or nothing (the client went away or stayed idle: close).
ReadOutcome outcome_of(beast::error_code ec, const RequestParser& parser) {
  ReadOutcome out;
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted) {
    return out;
  }
  if (parser.is_header_done()) out.target = std::string(parser.get().target());
  if (ec == http::error::body_limit) {
    out.status = 413;
    out.message = "the request body is over the limit";
  } else if (ec == http::error::header_limit) {
    out.status = 431;
    out.message = "the request headers are over the limit";
  } else if (ec) {
    out.status = 400;
    out.message = "malformed HTTP request";
  }
  if (ec) return out;
  const auto& req = parser.get();
  Request& request = out.request.emplace();
  request.method = std::string(req.method_string());
  request.target = out.target;
  request.host = std::string(req[http::field::host]);
  request.content_type = std::string(req[http::field::content_type]);
  request.csrf_header = std::string(req["X-CSRF-Token"]);
  request.range = std::string(req[http::field::range]);
  request.cookie = std::string(req[http::field::cookie]);
  request.body = req.body();
  out.keep_alive = req.keep_alive();
  out.head = req.method() == http::verb::head;
  return out;
}

// A connection's bytes in memory, as a SyncReadStream for http::read.
class MemoryStream {
 public:
  explicit MemoryStream(std::string_view bytes) : rest_(bytes) {}

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers, beast::error_code& ec) {
    if (rest_.empty()) {
      ec = net::error::eof;
      return 0;
    }
    ec = {};
    const std::size_t n = net::buffer_copy(buffers, net::buffer(rest_.data(), rest_.size()));
    rest_.remove_prefix(n);
    return n;
  }

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers) {
    beast::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }

 private:
  std::string_view rest_;
};

}  // namespace

std::vector<ReadOutcome> read_requests(std::string_view bytes, const HttpOptions& options, std::size_t max_requests) {
  MemoryStream stream(bytes);
  beast::flat_buffer buffer;
  std::vector<ReadOutcome> out;
  while (out.size() < max_requests) {
    RequestParser parser;
    limit(parser, options);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    out.push_back(outcome_of(ec, parser));
    if (!out.back().request || !out.back().keep_alive) break;
  }
  return out;
}

struct HttpServer::Impl {
  HttpOptions options;
  Handler handler;
  ErrorPage error_page;
  // Every live session, oldest first. Declared before io so that it
  // outlives the handlers io destroys (each holds a session that removes
  // itself from here).
  std::list<Session*> sessions;
  std::size_t open_sessions = 0;  // sessions whose socket is not closed yet
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  net::steady_timer accept_timer{io};
  std::uint16_t port = 0;

  void accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  // Closes the connection that has waited longest for a request; false
  // when every connection is busy answering one.
  bool evict_idle();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server), entry_(server.sessions.insert(server.sessions.end(), this)) {
    ++server_.open_sessions;
  }
  ~Session() {
    if (!closed_) --server_.open_sessions;  // the socket closes itself
    server_.sessions.erase(entry_);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() { read(); }

  // Waiting for (the rest of) a request, not answering one.
  bool idle() const noexcept { return waiting_ && !closed_; }
  std::chrono::steady_clock::time_point waiting_since() const noexcept { return waiting_since_; }

  void close() {
    if (closed_) return;
    closed_ = true;
    waiting_ = false;
    --server_.open_sessions;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  HttpServer::Impl& server_;
  std::string head_;  // the response header being written (content)
  std::optional<cache::AssetReader> reader_;
  std::uint64_t offset_ = 0;
  std::uint64_t left_ = 0;
  std::vector<std::uint8_t> piece_;
  bool keep_alive_ = false;
  std::list<Session*>::iterator entry_;
  bool waiting_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point waiting_since_;

  void read() {
    if (closed_) return;
    waiting_ = true;
    waiting_since_ = std::chrono::steady_clock::now();
    parser_.emplace();
    limit(*parser_, server_.options);
    stream_.expires_after(server_.options.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    waiting_ = false;
    if (closed_) return;
    ReadOutcome read = outcome_of(ec, *parser_);
    if (!read.request && read.status == 0) return close();
    if (!read.request) {
      keep_alive_ = false;
      return send(server_.error_page(read.target, read.status, read.message), false);
    }
    keep_alive_ = read.keep_alive;
    Response response;
    try {
      response = server_.handler(*read.request);
    } catch (const std::exception&) {
      response = server_.error_page(read.request->target, 500, "internal error");
    }
    send(std::move(response), read.head);
  }

  void send(Response r, bool head_only) {
    if (r.reader) return stream(std::move(r), head_only);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    secure(*res, r);
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
    secure(h, r);
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
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted) return;
  if (!ec) {
    // At the cap the connection that has waited longest for a request
    // makes room; when every one is busy answering, the newcomer is turned
    // away (closed) rather than queued without bound.
    if (open_sessions < options.max_connections || evict_idle()) {
      std::make_shared<Session>(std::move(socket), *this)->start();
    }
    return accept();
  }
  if (ec == net::error::connection_aborted) return accept();  // that client gave up; the next one may not have
  // Out of file descriptors: closing an idle connection frees one for the
  // connection waiting in the listen queue (a real request must not wait
  // behind a flood of half-open ones for their idle timeout).
  const bool out_of_descriptors =
      ec == net::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system;
  if (out_of_descriptors && evict_idle()) return accept();
  accept_timer.expires_after(accept_backoff);
  accept_timer.async_wait([this](beast::error_code wait_ec) {
    if (!wait_ec) accept();
  });
}

bool HttpServer::Impl::evict_idle() {
  Session* oldest = nullptr;
  for (Session* s : sessions) {
    if (s->idle() && (oldest == nullptr || s->waiting_since() < oldest->waiting_since())) oldest = s;
  }
  if (oldest == nullptr) return false;
  oldest->close();
  return true;
}

Result<std::unique_ptr<HttpServer>> HttpServer::create(const HttpOptions& options, Handler handler,
                                                       ErrorPage error_page) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = std::move(handler);
  impl->error_page = std::move(error_page);
  beast::error_code ec;
  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string message = "cannot listen on 127.0.0.1:";
    message += std::to_string(options.port);
    message += ": ";
    message += ec.message();
    return Status(Errc::io, message);
  }
  impl->port = impl->acceptor.local_endpoint().port();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::port() const noexcept { return impl_->port; }

net::io_context& HttpServer::io() noexcept { return impl_->io; }

void HttpServer::run() {
  impl_->accept();
  impl_->io.run();
}

void HttpServer::stop(std::function<void()> on_stop) {
  net::post(impl_->io, [impl = impl_.get(), on_stop = std::move(on_stop)] {
    if (on_stop) on_stop();
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    impl->accept_timer.cancel();
    impl->io.stop();
  });
}

void HttpServer::post(std::function<void()> fn) { net::post(impl_->io, std::move(fn)); }

void HttpServer::call(const std::function<void()>& fn) {
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
