// The shared HTTP server (platform/common/http) under a flood of
// connections: out of file descriptors it neither spins on the failing
// accept nor leaves a real request waiting behind idle connections, and it
// keeps its open connections under a cap. The server runs on a thread of
// this process, whose descriptor limit the test lowers for a while.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "outpost/web/http.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using namespace std::chrono_literals;

namespace {

web::Response served(const web::Request&) {
  web::Response r;
  r.content_type = "text/plain";
  r.body = "served";
  return r;
}

web::Response error_page(const std::string&, unsigned status, const std::string& message) {
  web::Response r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = message;
  return r;
}

// The server on its own thread, stopped and joined at the end.
struct RunningServer {
  std::unique_ptr<web::HttpServer> server;
  std::thread thread;

  explicit RunningServer(const web::HttpOptions& options) {
    auto s = web::HttpServer::create(options, served, error_page);
    INFO(s.status().to_string());
    REQUIRE(s.is_ok());
    server = std::move(s).value();
    thread = std::thread([this] { server->run(); });
  }
  ~RunningServer() {
    server->stop();
    thread.join();
  }
  std::uint16_t port() const { return server->port(); }
  // CPU time the server's thread has used so far.
  std::chrono::microseconds cpu() {
    clockid_t clock{};
    REQUIRE(::pthread_getcpuclockid(thread.native_handle(), &clock) == 0);
    timespec ts{};
    REQUIRE(::clock_gettime(clock, &ts) == 0);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::microseconds(ts.tv_nsec / 1000);
  }
};

// Lowers this process's descriptor limit, restoring it on destruction.
struct DescriptorLimit {
  rlimit saved{};
  explicit DescriptorLimit(rlim_t soft) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit lowered = saved;
    lowered.rlim_cur = soft;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  }
  ~DescriptorLimit() { ::setrlimit(RLIMIT_NOFILE, &saved); }
};

// Owns descriptors; closes them on destruction.
struct Descriptors {
  std::vector<int> fds;
  ~Descriptors() { close_all(); }
  void close_all() {
    for (int fd : fds) ::close(fd);
    fds.clear();
  }
};

// A TCP socket with 10 s send and receive timeouts (bounds against
// hanging), not yet connected; -1 when no descriptor is left.
int new_socket() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

// The handshake completes in the server's listen queue whether or not the
// server has accepted the connection yet.
bool connect_to(int fd, std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

bool send_all(int fd, const std::string& data) {
  return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

// Everything until the server closes (or the 10 s receive timeout).
std::string receive_all(int fd) {
  std::string data;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) data.append(buf, static_cast<std::size_t>(n));
  return data;
}

std::string request(std::uint16_t port) {
  return "GET /kiosk HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\nConnection: close\r\n\r\n";
}

// Uses up every descriptor this process has left.
void exhaust_descriptors(Descriptors& filler) {
  for (;;) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      REQUIRE((errno == EMFILE || errno == ENFILE));
      return;
    }
    filler.fds.push_back(fd);
  }
}

}  // namespace

TEST_CASE("HTTP server: out of file descriptors it pauses accepting instead of spinning, then serves the waiting request",
          "[web][http][security][all-descriptors]") {
  web::HttpOptions options;
  options.idle_timeout = 60s;
  RunningServer s(options);
  Descriptors filler;
  Descriptors client;
  // While no descriptor is left, nothing here may assert: the sanitizers'
  // runtime needs descriptors of its own to check and report. The results
  // are kept and checked once the descriptors are back.
  bool connected = false, sent = false;
  int answered = -1;
  std::chrono::microseconds used{};
  {
    DescriptorLimit limit(256);
    client.fds.push_back(new_socket());
    REQUIRE(client.fds[0] >= 0);
    exhaust_descriptors(filler);
    // The connection waits in the listen queue; the server cannot accept it
    // (no descriptor left) and has no idle connection to close for one.
    connected = connect_to(client.fds[0], s.port());
    sent = connected && send_all(client.fds[0], request(s.port()));
    const auto cpu_before = s.cpu();
    pollfd answer{client.fds[0], POLLIN, 0};
    // Two seconds of the server facing a connection it cannot accept.
    answered = ::poll(&answer, 1, 2000);
    used = std::chrono::duration_cast<std::chrono::microseconds>(s.cpu() - cpu_before);
    filler.close_all();
  }
  REQUIRE(connected);
  REQUIRE(sent);
  CHECK(answered == 0);
  INFO("server thread CPU over 2 s out of descriptors: " << used.count() << " us");
  // A busy loop on the failing accept burns the whole window; pausing
  // between attempts costs next to nothing. Half a second is far from
  // either, so a loaded machine cannot fail this.
  CHECK(used < 500ms);
  // Descriptors are back: the waiting request is served.
  const std::string reply = receive_all(client.fds[0]);
  CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(reply.find("served") != std::string::npos);
}

TEST_CASE("HTTP server: a flood of idle connections at the descriptor limit does not keep a real request out",
          "[web][http][security][all-descriptors]") {
  web::HttpOptions options;
  options.idle_timeout = 60s;  // longer than the client waits: only closing idle connections can admit it
  RunningServer s(options);
  Descriptors flood;
  Descriptors real;
  std::string reply;
  // No assertion while descriptors run out (see above): results are kept.
  std::size_t flooded = 0;
  bool connected = false, sent = false;
  ssize_t oldest = -1;
  {
    DescriptorLimit limit(256);
    real.fds.push_back(new_socket());
    REQUIRE(real.fds[0] >= 0);
    // Idle connections until this process (client and server sides both)
    // runs out of descriptors.
    for (int i = 0; i < 1000; ++i) {
      const int fd = new_socket();
      if (fd < 0) break;
      flood.fds.push_back(fd);
      if (!connect_to(fd, s.port())) break;
    }
    flooded = flood.fds.size();
    connected = connect_to(real.fds[0], s.port());
    sent = connected && send_all(real.fds[0], request(s.port()));
    if (sent) reply = receive_all(real.fds[0]);
    // The oldest idle connection made room: the server closed it.
    char byte = 0;
    if (!flood.fds.empty()) oldest = ::recv(flood.fds.front(), &byte, 1, 0);
    flood.close_all();
  }
  REQUIRE(flooded > 50);
  REQUIRE(connected);
  REQUIRE(sent);
  CHECK(oldest == 0);
  CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(reply.find("served") != std::string::npos);
}

TEST_CASE("HTTP server: at its connection cap the longest idle connection is closed for a new one",
          "[web][http][security]") {
  web::HttpOptions options;
  options.idle_timeout = 60s;
  options.max_connections = 8;
  RunningServer s(options);
  Descriptors idle;
  for (int i = 0; i < 20; ++i) {
    idle.fds.push_back(new_socket());
    REQUIRE(idle.fds.back() >= 0);
    REQUIRE(connect_to(idle.fds.back(), s.port()));
  }
  // A real request still gets in, and answered.
  const HttpReply r = http_exchange(s.port(), request(s.port()));
  CHECK(r.status == 200);
  CHECK(r.body == "served");
  // Of the 20 idle connections the server keeps at most 8 - 1 (the real
  // request took a place): the oldest were closed, the newest kept.
  const auto closed = [&] {
    std::size_t n = 0;
    for (int fd : idle.fds) {
      char byte = 0;
      if (::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0) ++n;
    }
    return n;
  };
  CHECK(eventually([&] { return closed() >= 13; }));
  CHECK(closed() == 13);
  char byte = 0;
  CHECK(::recv(idle.fds.front(), &byte, 1, MSG_DONTWAIT) == 0);  // the first one in was the first one out
}
