#include "test_support.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <thread>

namespace outpost::test {

namespace {
std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// True if nothing listens on 127.0.0.1:port now.
bool port_free(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}
}  // namespace

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit, std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);  // the poll interval, not a wait for anything
  }
  return true;
}

std::uint16_t pick_ports() {
  static std::uint16_t next = static_cast<std::uint16_t>(20000 + (::getpid() % 2000) * 16);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::uint16_t base = next;
    next = static_cast<std::uint16_t>(next + 4 > 60000 ? 20000 : next + 4);
    if (port_free(base) && port_free(base + 1) && port_free(base + 2) && port_free(base + 3)) return base;
  }
  FAIL("no four free ports on 127.0.0.1");
  return 0;
}

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path candidate = fs::temp_directory_path() / ("outpost-test-" + std::to_string(rd()) + std::to_string(rd()));
    if (fs::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temp directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  // Chunk directories may have been made read-only by a test.
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

Bytes random_bytes(std::size_t size, std::uint64_t seed) {
  Bytes out(size);
  std::uint64_t state = seed;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const std::uint64_t v = splitmix(state);
    for (int b = 0; b < 8; ++b) out[i + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(v >> (8 * b));
  }
  const std::uint64_t v = splitmix(state);
  for (int b = 0; i < size; ++i, ++b) out[i] = static_cast<std::uint8_t>(v >> (8 * b));
  return out;
}

void SeededRandom::fill(std::span<std::uint8_t> out) {
  const std::lock_guard lock(mutex_);
  for (auto& byte : out) byte = static_cast<std::uint8_t>(splitmix(state_));
}

void write_file(const fs::path& path, ByteView data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string database_text(const fs::path& db) {
  std::string all;
  for (const char* suffix : {"", "-wal"}) {
    const fs::path file = db.string() + suffix;
    if (!fs::exists(file)) continue;
    const Bytes bytes = read_file(file);
    all.append(bytes.begin(), bytes.end());
  }
  for (char& c : all) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return all;
}

pid_t fork_child(const std::function<int()>& body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int code = 99;
    try {
      code = body();
    } catch (...) {
      code = 99;
    }
    std::_Exit(code);
  }
  return pid;
}

int wait_child(pid_t pid, int timeout_ms) {
  int status = 0;
  pid_t r = 0;
  const bool ended = eventually([&] { return (r = ::waitpid(pid, &status, WNOHANG)) != 0; },
                                std::chrono::milliseconds(timeout_ms), std::chrono::milliseconds(2));
  if (!ended) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1000;
  }
  if (r < 0) return -2000;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -3000;
}

int run(const std::string& command, std::string* out, std::string* err) {
  const std::string err_file = fs::temp_directory_path() / ("outpost-test-stderr-" + std::to_string(::getpid()));
  const std::string full = command + " 2>" + err_file;
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  std::string captured;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) captured.append(buf, n);
  const int status = ::pclose(pipe);
  if (out) *out = std::move(captured);
  if (err) {
    std::ifstream in(err_file);
    *err = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::error_code ec;
  fs::remove(err_file, ec);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace outpost::test
