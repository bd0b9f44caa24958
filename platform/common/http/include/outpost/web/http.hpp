// The HTTP/1.1 server the local web UIs share (the device's kiosk and
// presenter, the hub's dashboard): it listens on 127.0.0.1 only, reads each
// request within size limits and an idle timeout (with a cap on open
// connections, the longest idle closed first), hands it to the caller's
// handler, and writes the answer with the security headers (a strict CSP, no
// framing, no sniffing, no caching), streaming asset content in pieces.
//
// Threading: the handler, the error page and whatever is post()ed run on the
// one thread that calls run(). stop() and post() may be called from any
// thread. Boost.Beast stays inside http_server.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outpost/cache/asset_reader.hpp"
#include "outpost/base/status.hpp"

namespace boost::asio {
class io_context;
}

namespace outpost::web {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string host;
  std::string content_type;
  std::string csrf_header;  // X-CSRF-Token
  std::string range;        // Range
  std::string cookie;       // Cookie, as sent
  std::string body;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  // Sent after the default security headers; one with the same name
  // replaces the default (e.g. X-Frame-Options for framed content).
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for content: the bytes [offset, offset + length) of the reader are
  // streamed after the headers instead of body.
  std::optional<cache::AssetReader> reader;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct HttpOptions {
  std::uint16_t port = 0;  // 0: a free port the system picks (see HttpServer::port())
  std::size_t body_limit = 64u << 10;
  std::size_t header_limit = 8u << 10;
  std::chrono::milliseconds idle_timeout{30'000};
  // Open connections at most. At the cap, and whenever accepting fails for
  // want of file descriptors, the connection that has waited longest for a
  // request is closed to make room; a failed accept nothing can fix at once
  // is retried after a short pause, never in a busy loop.
  std::size_t max_connections = 128;
};

// The application: a parsed request in, a response out. Exceptions become
// a 500 from the error page.
using Handler = std::function<Response(const Request&)>;
// The answer to a request that never reached the handler (malformed, over
// a limit) or that threw: target is "/" when it could not be read.
using ErrorPage = std::function<Response(const std::string& target, unsigned status, const std::string& message)>;

// What the server makes of the bytes a client sends on one connection, read
// exactly as run() reads them (the same parser, limits and errors) but from
// memory: for tests and the fuzz harnesses, which drive the handlers
// without a socket.
struct ReadOutcome {
  std::optional<Request> request;  // set: handed to the handler
  unsigned status = 0;             // else the error page's status (400, 413, 431) ...
  std::string message;             // ... and its message; 0: the connection just closes
  std::string target = "/";        // what the error page is given
  bool keep_alive = false;         // the server reads another request after this one
  bool head = false;               // HEAD: the answer is sent without its body
};
// The outcome of each request in bytes, in order, ending at the first one
// after which the server would close the connection (or at max_requests).
std::vector<ReadOutcome> read_requests(std::string_view bytes, const HttpOptions& options,
                                       std::size_t max_requests = 16);

class HttpServer {
 public:
  // Binds 127.0.0.1:port (io when the port is taken). Nothing is served
  // until run().
  static Result<std::unique_ptr<HttpServer>> create(const HttpOptions& options, Handler handler, ErrorPage error_page);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const noexcept;
  // The io_context run() drives: for other work on the same thread (the
  // device's background sync).
  boost::asio::io_context& io() noexcept;

  // Serves on the calling thread until stop().
  void run();
  // Any thread: ends run() soon (after on_stop, run on the server's
  // thread); connections in progress are closed.
  void stop(std::function<void()> on_stop = {});
  // Any thread: runs fn on the server's thread, later.
  void post(std::function<void()> fn);
  // Runs fn on the server's thread and waits for it (while run() is running,
  // from another thread). Rethrows what fn threw.
  void call(const std::function<void()>& fn);

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::web
