#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

extern char** environ;

namespace outpost::sim {

namespace {

void redirect(const std::string& path, int target) {
  const int fd = ::open(path.empty() ? "/dev/null" : path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) ::_exit(126);
  ::dup2(fd, target);
}

}  // namespace

Children::~Children() { kill_all(); }

pid_t Children::start(const Command& command) {
  // Everything exec needs is built before fork: the child only calls
  // async-signal-safe functions.
  std::vector<char*> argv;
  for (const std::string& a : command.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_text;
  // The simulator's own OUTPOST_* settings (a home, a hub, a passphrase, a
  // clock offset) must not leak into every device: each gets what it is given.
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("OUTPOST_", 0) != 0) env_text.emplace_back(*e);
  }
  for (const std::string& e : command.env) env_text.push_back(e);
  std::vector<char*> env;
  for (const std::string& e : env_text) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);  // the simulator died before prctl
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null_in = ::open("/dev/null", O_RDONLY);
    if (null_in >= 0) ::dup2(null_in, STDIN_FILENO);
    redirect(command.stdout_path, STDOUT_FILENO);
    redirect(command.stderr_path, STDERR_FILENO);
    ::execve(argv[0], argv.data(), env.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from here, so kill() finds the group at once
  live_.insert(pid);
  return pid;
}

std::optional<Finished> Children::poll(pid_t pid) {
  int status = 0;
  Finished f;
  const pid_t r = ::wait4(pid, &status, WNOHANG, &f.usage);
  if (r == 0) return std::nullopt;
  live_.erase(pid);
  if (r < 0) return f;  // not our child any more: treat as failed
  if (WIFEXITED(status)) f.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) f.signal = WTERMSIG(status);
  return f;
}

Finished Children::wait(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto f = poll(pid)) return *f;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid);
  const auto hard = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < hard) {
    if (auto f = poll(pid)) return *f;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  live_.erase(pid);  // a zombie we cannot reap is no longer ours to wait for
  return Finished{};
}

void Children::kill(pid_t pid) {
  if (live_.count(pid) == 0) return;
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
}

void Children::kill_all() {
  const std::set<pid_t> pids = live_;
  for (pid_t pid : pids) kill(pid);
  for (pid_t pid : pids) (void)wait(pid, std::chrono::seconds(5));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Captured run_captured(Children& children, Command command, const std::string& scratch_dir,
                      std::chrono::milliseconds timeout) {
  static std::atomic<unsigned> serial{0};
  const std::string base = scratch_dir + "/run-" + std::to_string(serial++);
  command.stdout_path = base + ".out";
  command.stderr_path = base + ".err";
  const pid_t pid = children.start(command);
  Captured c;
  c.finished = children.wait(pid, timeout);
  c.out = read_text(command.stdout_path);
  c.err = read_text(command.stderr_path);
  ::unlink(command.stdout_path.c_str());
  ::unlink(command.stderr_path.c_str());
  return c;
}

}  // namespace outpost::sim
