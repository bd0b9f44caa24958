#include "proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>
#include <string>

namespace outpost::sim {

namespace {

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int listen_any_port(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("proxy: socket failed");
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("proxy: cannot listen on 127.0.0.1");
  }
  set_nonblocking(fd);
  port = ntohs(a.sin_port);
  return fd;
}

// Loopback connects complete (or are refused) at once: a blocking connect
// keeps the loop simple. -1 when the hub is not listening (restarting).
int connect_hub(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const sockaddr_in a = loopback(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct Conn {
  int device = 0;
  bool sync = false;
  std::array<int, 2> fd{-1, -1};              // 0: the device, 1: the hub
  std::array<std::string, 2> pending{};       // bytes waiting to be written to fd[i]
  bool closed = false;

  void close() {
    for (int& f : fd) {
      if (f >= 0) ::close(f);
      f = -1;
    }
    closed = true;
  }
};

// Writes what it can of pending to fd and keeps the rest. false when the
// peer is gone.
bool flush(int fd, std::string& pending) {
  while (!pending.empty()) {
    const ssize_t w = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
    if (w < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    pending.erase(0, static_cast<std::size_t>(w));
  }
  return true;
}

bool forward(int fd, std::string& pending, const char* data, std::size_t n) {
  pending.append(data, n);
  return flush(fd, pending);
}

}  // namespace

struct FaultProxy::Loop {
  std::vector<Conn> conns;
};

FaultProxy::FaultProxy(int devices, std::uint16_t hub_sync_port, std::uint16_t hub_notice_port)
    : hub_sync_port_(hub_sync_port),
      hub_notice_port_(hub_notice_port),
      state_(std::make_unique<DeviceState[]>(static_cast<std::size_t>(devices))) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("proxy: pipe failed");
  try {
    for (int i = 0; i < devices * 2; ++i) {
      std::uint16_t port = 0;
      listeners_.push_back(listen_any_port(port));
      ports_.push_back(port);
    }
  } catch (...) {
    for (int fd : listeners_) ::close(fd);
    ::close(wake_[0]);
    ::close(wake_[1]);
    throw;
  }
  thread_ = std::thread([this] { run(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  const char byte = 1;
  (void)!::write(wake_[1], &byte, 1);
  if (thread_.joinable()) thread_.join();
  for (int fd : listeners_) ::close(fd);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void FaultProxy::set_online(int device, bool online) { state_[static_cast<std::size_t>(device)].online = online; }
void FaultProxy::cut_after(int device, std::uint64_t bytes) {
  state_[static_cast<std::size_t>(device)].cut_budget = bytes;
}
std::uint64_t FaultProxy::bytes(int device) const { return state_[static_cast<std::size_t>(device)].bytes; }
std::uint64_t FaultProxy::cuts(int device) const { return state_[static_cast<std::size_t>(device)].cuts; }

void FaultProxy::run() {
  Loop loop;
  std::vector<pollfd> fds;
  std::vector<char> buffer(64 * 1024);
  while (!stop_) {
    fds.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    for (int fd : listeners_) fds.push_back({fd, POLLIN, 0});
    for (const Conn& c : loop.conns) {
      for (int side = 0; side < 2; ++side) {
        short events = c.pending[static_cast<std::size_t>(1 - side)].empty() ? POLLIN : 0;
        if (!c.pending[static_cast<std::size_t>(side)].empty()) events |= POLLOUT;
        fds.push_back({c.fd[static_cast<std::size_t>(side)], events, 0});
      }
    }
    if (::poll(fds.data(), fds.size(), 50) < 0 && errno != EINTR) break;

    // Offline devices lose their connections at once.
    for (Conn& c : loop.conns) {
      if (!state_[static_cast<std::size_t>(c.device)].online) c.close();
    }
    std::size_t at = 1;
    for (std::size_t i = 0; i < listeners_.size(); ++i, ++at) {
      if ((fds[at].revents & POLLIN) == 0) continue;
      const int client = ::accept4(listeners_[i], nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      const int device = static_cast<int>(i / 2);
      const bool sync = i % 2 == 0;
      const int hub = state_[static_cast<std::size_t>(device)].online
                          ? connect_hub(sync ? hub_sync_port_ : hub_notice_port_)
                          : -1;
      if (hub < 0) {
        ::close(client);
        continue;
      }
      for (int fd : {client, hub}) {
        set_nonblocking(fd);
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      Conn c;
      c.device = device;
      c.sync = sync;
      c.fd = {client, hub};
      loop.conns.push_back(std::move(c));
    }
    // Connections accepted above have no poll entry yet: only the first n.
    const std::size_t polled = (fds.size() - at) / 2;
    for (std::size_t k = 0; k < polled && k < loop.conns.size(); ++k) {
      Conn& c = loop.conns[k];
      for (std::size_t side = 0; side < 2 && !c.closed; ++side) {
        const short revents = fds[at + 2 * k + side].revents;
        if ((revents & POLLOUT) != 0 && !flush(c.fd[side], c.pending[side])) c.close();
        if (c.closed || (revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t n = ::recv(c.fd[side], buffer.data(), buffer.size(), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          c.close();
          continue;
        }
        if (n < 0) continue;
        DeviceState& st = state_[static_cast<std::size_t>(c.device)];
        st.bytes += static_cast<std::uint64_t>(n);
        if (c.sync) {
          const std::uint64_t budget = st.cut_budget;
          if (budget > 0 && static_cast<std::uint64_t>(n) >= budget) {
            st.cut_budget = 0;
            ++st.cuts;
            for (Conn& other : loop.conns) {
              if (other.device == c.device && other.sync) other.close();
            }
            continue;
          }
          if (budget > 0) st.cut_budget = budget - static_cast<std::uint64_t>(n);
        }
        const std::size_t to = 1 - side;
        if (!forward(c.fd[to], c.pending[to], buffer.data(), static_cast<std::size_t>(n))) c.close();
      }
    }
    std::erase_if(loop.conns, [](const Conn& c) { return c.closed; });
    char drain[64];
    while (::read(wake_[0], drain, sizeof drain) > 0) {
    }
  }
  for (Conn& c : loop.conns) c.close();
}

}  // namespace outpost::sim
