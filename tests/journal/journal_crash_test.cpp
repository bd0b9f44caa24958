// The journal across kill -9 and a full disk: a child process appends and
// reports through a pipe every seq it was told is stored; the parent then
// reopens the journal and checks that each reported seq is there, the seqs
// are dense, the chain verifies, and appending goes on from the head.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "outpost/base/clock.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/journal/event.hpp"
#include "outpost/journal/journal.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::journal;
using namespace outpost::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t all = std::numeric_limits<std::size_t>::max();
using steady = std::chrono::steady_clock;

// Not must: these events are made in forked children too, where a Catch
// assertion must not run (fork_child turns the exception into exit 99).
Event or_throw(Result<Event> r) {
  if (!r) throw Error(r.status());
  return std::move(r).value();
}
Event telemetry(std::uint64_t i) { return or_throw(page_viewed("pres-" + std::to_string(i), i % 1000 + 1, i)); }
Event durable(std::uint64_t i) {
  return or_throw(asset_feedback(Feedback{"deck-" + std::to_string(i), 1, 4, std::string(200 + i % 800, 'c'), false}));
}

// Seqs known stored, sent as 8-byte values (a pipe write this small is atomic).
class Reporter {
 public:
  explicit Reporter(int fd) : fd_(fd) {}
  // Reports every seq up to through not reported yet.
  void stored_through(std::uint64_t through) {
    std::vector<std::uint64_t> batch;
    while (reported_ < through) batch.push_back(++reported_);
    for (const std::uint64_t seq : batch) {
      const char* p = reinterpret_cast<const char*>(&seq);
      std::size_t left = sizeof seq;
      while (left > 0) {
        const ssize_t n = ::write(fd_, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        p += n;
        left -= static_cast<std::size_t>(n);
      }
    }
  }
  void skip_to(std::uint64_t seq) { reported_ = seq; }

 private:
  int fd_;
  std::uint64_t reported_ = 0;
};

// Reads whole 8-byte values from fd until the deadline, end of file, or
// (when until_any) the first value.
bool drain(int fd, std::vector<std::uint64_t>& out, Bytes& partial, steady::time_point deadline,
           bool until_any = false) {
  std::uint8_t buf[65536];
  while (true) {
    if (until_any && !out.empty()) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
    if (left <= 0) return true;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return true;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // end of file: the child is gone
    partial.insert(partial.end(), buf, buf + n);
    std::size_t used = 0;
    for (; used + 8 <= partial.size(); used += 8) {
      std::uint64_t v;
      std::memcpy(&v, partial.data() + used, 8);
      out.push_back(v);
    }
    partial.erase(partial.begin(), partial.begin() + static_cast<std::ptrdiff_t>(used));
  }
}

struct CrashFixture {
  TempDir dir;
  SystemRandom random;
  SystemClock clock;
  crypto::SecretKey key = crypto::SecretKey::random(random, 32);
  fs::path path() const { return dir / "journal.db"; }

  std::unique_ptr<Journal> open(JournalOptions options) {
    auto opened = Journal::open(path(), key, clock, random, options);
    if (!opened) throw Error(opened.status());
    return std::move(opened).value();
  }

  // Reopens in this process and checks the journal as a survivor must be:
  // every reported seq present, dense from 1, chained, verifiable, and
  // appendable. Returns the head after the check's own append.
  std::uint64_t check_survivor(const std::vector<std::uint64_t>& reported) {
    JournalOptions options;
    options.background_flush = false;
    auto j = open(options);
    const JournalStats stats = j->stats();
    CHECK(stats.stored_seq == stats.head_seq);
    auto events = j->read_after(0, all, all);
    REQUIRE(events.is_ok());
    REQUIRE(events->size() == stats.stored_seq);
    std::set<std::uint64_t> present;
    crypto::Digest prev{};
    for (std::size_t i = 0; i < events->size(); ++i) {
      const StoredEvent& e = (*events)[i];
      REQUIRE(e.seq == i + 1);  // dense from 1
      REQUIRE(e.type != nullptr);
      REQUIRE(e.payload);
      CHECK(crypto::blake2b(*e.payload) == e.payload_hash);
      prev = chain_hash(prev, e.seq, e.time, e.type->name, e.payload_hash);
      REQUIRE(prev == e.hash);
      present.insert(e.seq);
    }
    CHECK(prev == j->head().hash);
    std::uint64_t missing = 0;
    for (const std::uint64_t seq : reported) missing += present.count(seq) == 0 ? 1 : 0;
    INFO("reported " << reported.size() << ", stored " << stats.stored_seq);
    CHECK(missing == 0);
    auto report = j->verify();
    REQUIRE(report.is_ok());
    INFO(report->problem);
    CHECK(report->ok());
    CHECK(report->checked == stats.stored_seq);

    // The chain goes on from the head.
    auto next = j->append(durable(0));
    REQUIRE(next.is_ok());
    CHECK(next->seq == stats.stored_seq + 1);
    CHECK(next->time > j->read_after(stats.stored_seq - 1, 1)->front().time);
    report = j->verify();
    REQUIRE(report.is_ok());
    CHECK(report->ok());
    return next->seq;
  }
};

}  // namespace

TEST_CASE("Crash: kill -9 while appending both classes loses nothing reported stored", "[journal][crash]") {
  CrashFixture f;
  std::mt19937 rng(2024);
  std::uint64_t head = 0;
  const int base_delays_ms[] = {30, 120, 400};
  for (const int base : base_delays_ms) {
    const int delay_ms = base + static_cast<int>(rng() % 50);
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = fork_child([&]() -> int {
      ::close(fds[0]);
      JournalOptions options;
      options.background_flush = true;
      options.flush_delay = 3ms;
      options.flush_batch = 64;
      std::unique_ptr<Journal> j;
      try {
        j = f.open(options);
      } catch (const Error&) {
        return 11;
      }
      Reporter reporter(fds[1]);
      reporter.skip_to(j->stats().stored_seq);  // the parent knows those
      for (std::uint64_t i = 1; i < 10'000'000; ++i) {
        if (i % 16 == 0) {
          auto r = j->append(durable(i));
          if (!r || !r->stored) return 12;
          reporter.stored_through(r->seq);  // the waiting telemetry went with it
        } else {
          if (!j->append(telemetry(i))) return 13;
        }
        if (i % 101 == 0) {
          if (!j->flush()) return 14;
          reporter.stored_through(j->stats().stored_seq);
        }
      }
      return 0;
    });
    ::close(fds[1]);
    std::vector<std::uint64_t> reported;
    Bytes partial;
    drain(fds[0], reported, partial, steady::now() + 20s, true);
    const bool started = !reported.empty();
    drain(fds[0], reported, partial, steady::now() + std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    const int code = wait_child(pid);
    drain(fds[0], reported, partial, steady::now() + 5s);  // what was written before the kill
    ::close(fds[0]);
    INFO("delay " << delay_ms << " ms, child exit " << code << ", reported " << reported.size());
    REQUIRE(started);
    CHECK(code == -SIGKILL);
    // The child reports each seq once, in order, and only past what the parent already holds.
    REQUIRE_FALSE(reported.empty());
    CHECK(reported.front() == head + 1);
    for (std::size_t i = 1; i < reported.size(); ++i) REQUIRE(reported[i] == reported[i - 1] + 1);
    head = f.check_survivor(reported);
    CHECK(head > reported.back());
  }
  CHECK(head > 1000);  // thousands of events went through the three rounds
}

TEST_CASE("Crash: a disk that fills up mid-append fails with a clear error and keeps what was stored",
          "[journal][crash]") {
  CrashFixture f;
  {
    JournalOptions options;
    options.background_flush = false;
    auto j = f.open(options);
    for (std::uint64_t i = 1; i <= 50; ++i) REQUIRE(j->append(i % 5 ? telemetry(i) : durable(i)).is_ok());
    REQUIRE(j->flush().is_ok());
  }
  const std::uint64_t before = 50;

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = fork_child([&]() -> int {
    ::close(fds[0]);
    // Writes past the limit fail with EFBIG instead of killing the process.
    std::signal(SIGXFSZ, SIG_IGN);
    std::error_code ec;
    const auto size = fs::file_size(f.path(), ec);
    const rlim_t limit = static_cast<rlim_t>(size) + 192 * 1024;
    const rlimit lim{limit, limit};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) return 10;
    JournalOptions options;
    options.background_flush = false;
    options.flush_batch = 1000;
    std::unique_ptr<Journal> j;
    try {
      j = f.open(options);
    } catch (const Error&) {
      return 11;
    }
    Reporter reporter(fds[1]);
    reporter.skip_to(j->stats().stored_seq);
    Status failure;
    for (std::uint64_t i = 1; i < 100'000 && failure.is_ok(); ++i) {
      if (i % 4 == 0) {
        auto r = j->append(durable(i));
        if (!r) {
          failure = r.status();
          break;
        }
        reporter.stored_through(r->seq);
      } else {
        auto r = j->append(telemetry(i));
        if (!r) failure = r.status();
      }
      if (i % 7 == 0) {
        if (Status s = j->flush(); !s) {
          failure = s;
          break;
        }
        reporter.stored_through(j->stats().stored_seq);
      }
    }
    if (failure.is_ok()) return 2;
    // The journal goes on refusing cleanly, and closing it does not hang or crash.
    (void)j->append(durable(0));
    (void)j->flush();
    const auto v = j->verify();
    if (!v || !v->ok()) return 4;
    j.reset();
    if (failure.code() == Errc::disk_full) return 0;
    if (failure.code() == Errc::io) return 1;
    return 30 + static_cast<int>(failure.code());
  });
  ::close(fds[1]);
  std::vector<std::uint64_t> reported;
  Bytes partial;
  drain(fds[0], reported, partial, steady::now() + 30s);
  ::close(fds[0]);
  const int code = wait_child(pid);
  INFO("child exit " << code << " (0: disk_full, 1: io), reported " << reported.size());
  CHECK((code == 0 || code == 1));
  REQUIRE_FALSE(reported.empty());
  CHECK(reported.front() == before + 1);
  const std::uint64_t head = f.check_survivor(reported);
  CHECK(head > reported.back());
}
