// outpost-hub and outpost-publish as an admin and marketing run them: the
// real binaries against a hub home in a temp dir, `serve` as a child process
// on ports the test picks (killed at the end of each test, bounded waits).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "hub_fixture.hpp"
#include "raw_client.hpp"
#include "outpost/sync/enroll_token.hpp"
#include "outpost/hub/hub_store.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using Output = CliOutput;

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// A hub home in a temp dir and the two binaries pointed at it.
struct HubCli {
  TempDir dir;
  fs::path home = dir / "hub";
  std::uint16_t port = pick_ports();

  Output hub(const std::string& args) const { return run_cli("'" OUTPOST_HUB_PATH "'", home, args); }

  Output publish(const std::string& args) const {
    Output o{};
    o.code = run("'" OUTPOST_PUBLISH_PATH "' --quiet " + args, &o.out, &o.err);
    return o;
  }

  // init on the picked ports; what it printed with --json.
  json init() const {
    const Output o = hub("--json init --port " + std::to_string(port));
    INFO(o.err);
    REQUIRE(o.code == 0);
    return json::parse(o.out);
  }

  std::string address() const {
    const Output o = hub("address");
    REQUIRE(o.code == 0);
    return first_line(o.out);
  }

  // A new publisher key in the temp dir; returns its public key (hex).
  std::string keygen(const std::string& name) const {
    const Output o = publish("keygen --out " + quoted(dir / name));
    INFO(o.err);
    REQUIRE(o.code == 0);
    return first_line(o.out);
  }

  // "--key FILE --hub ADDRESS" for a key made by keygen.
  std::string as(const std::string& key_name) const {
    return "--key " + quoted(dir / key_name) + " --hub '" + address() + "' ";
  }
};

// `outpost-hub serve` as a child process; killed when it goes out of scope.
class Serve {
 public:
  Serve(const HubCli& cli, const std::string& name = "serve.log") : log_(cli.dir / name) {
    const std::string home = cli.home.string();
    const std::string log = log_.string();
    pid_ = fork_child([&] {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::execl(OUTPOST_HUB_PATH, "outpost-hub", "--home", home.c_str(), "serve", static_cast<char*>(nullptr));
      return 127;
    });
  }
  ~Serve() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      (void)wait_child(pid_, 10000);
    }
  }
  Serve(const Serve&) = delete;
  Serve& operator=(const Serve&) = delete;

  std::string log() const {
    std::ifstream in(log_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  // Waits (bounded) until it says it serves; false if it exits first.
  bool wait_ready() {
    bool serving = false;
    (void)eventually(
        [&] {
          serving = log().find("hub serving on") != std::string::npos;
          if (serving) return true;
          int status = 0;
          if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
          exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
          pid_ = -1;
          return true;
        },
        10s, 20ms);
    return serving;
  }

  // Its resident memory now (VmRSS), in KiB; 0 once it is gone.
  std::uint64_t rss_kib() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
    }
    return 0;
  }

  // SIGTERM, then its exit code (killed after 10 s).
  int stop() {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, SIGTERM);
    exit_code_ = wait_child(pid_, 10000);
    pid_ = -1;
    return exit_code_;
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

}  // namespace

TEST_CASE("Hub CLI: init, address, enroll-token, devices and their errors", "[cli][hub]") {
  HubCli cli;
  const Output init = cli.hub("init --port " + std::to_string(cli.port));
  INFO(init.err);
  REQUIRE(init.code == 0);
  CHECK(init.err.find("WARNING") != std::string::npos);
  CHECK(init.err.find("root key") != std::string::npos);
  CHECK(init.out.find("outpost://127.0.0.1:" + std::to_string(cli.port) + "#") != std::string::npos);

  const Output address = cli.hub("address");
  REQUIRE(address.code == 0);
  CHECK(address.out == first_line(address.out) + "\n");
  auto parsed = sync::parse_hub_address(first_line(address.out));
  REQUIRE(parsed.is_ok());
  CHECK(parsed->address.host == "127.0.0.1");
  CHECK(parsed->address.port == cli.port);

  const Output again = cli.hub("init");
  CHECK(again.code == 1);
  CHECK(again.err.find("outpost-hub: already exists") != std::string::npos);

  const Output token = cli.hub("enroll-token --device anna-ipad --role rep --valid-hours 2");
  INFO(token.err);
  REQUIRE(token.code == 0);
  CHECK(token.out == first_line(token.out) + "\n");
  CHECK(token.err.find("outpost enroll") != std::string::npos);
  auto decoded = sync::EnrollToken::parse(first_line(token.out));
  INFO(decoded.status().to_string());
  REQUIRE(decoded.is_ok());
  CHECK(decoded->device == "anna-ipad");
  CHECK(decoded->role == "rep");
  CHECK(decoded->endpoint == "tcp://127.0.0.1:" + std::to_string(cli.port + 1));
  CHECK(cli.hub("enroll-token --device kiosk-1 --role admin").code == 2);

  const Output devices = cli.hub("devices --json");
  REQUIRE(devices.code == 0);
  CHECK(json::parse(devices.out) == json::array());
  CHECK(cli.hub("devices").out.find("no devices enrolled yet") != std::string::npos);

  const Output ghost = cli.hub("revoke-device ghost");
  CHECK(ghost.code == 1);
  CHECK(ghost.err == "outpost-hub: not found: no device named 'ghost' (see `outpost-hub devices`)\n");
  CHECK(cli.hub("wipe-device ghost").code == 1);

  const Output alerts = cli.hub("--json alerts");
  REQUIRE(alerts.code == 0);
  CHECK(json::parse(alerts.out) == json::array());

  const Output no_hub = run_cli("'" OUTPOST_HUB_PATH "'", cli.dir / "nothing", "devices");
  CHECK(no_hub.code == 1);
  CHECK(no_hub.err.find("init` first") != std::string::npos);
  CHECK(run("env -u OUTPOST_HUB_HOME '" OUTPOST_HUB_PATH "' devices") == 2);
}

TEST_CASE("Hub CLI: register a publisher, publish, list, revoke, and export a bundle a device applies", "[cli][hub]") {
  HubCli cli;
  const std::string root_key = cli.init()["root_key"];
  const std::string key = cli.keygen("marketing.key");
  CHECK(key.size() == 64);
  const Output overwrite = cli.publish("keygen --out " + quoted(cli.dir / "marketing.key"));
  CHECK(overwrite.code == 1);
  CHECK(overwrite.err.find("already exists") != std::string::npos);

  const Output added = cli.hub("publishers add marketing " + key);
  INFO(added.err);
  REQUIRE(added.code == 0);
  const json publishers = json::parse(cli.hub("publishers list --json").out);
  REQUIRE(publishers.size() == 1);
  CHECK(publishers[0]["name"] == "marketing");
  CHECK(publishers[0]["key"] == key);
  CHECK(publishers[0]["state"] == "active");
  CHECK(cli.hub("publishers add marketing " + key).code == 1);

  Serve serve(cli);
  const bool ready = serve.wait_ready();
  INFO(serve.log());
  REQUIRE(ready);
  CHECK(serve.log().find("hub serving on tcp://127.0.0.1:" + std::to_string(cli.port) + "-" +
                         std::to_string(cli.port + 3)) != std::string::npos);

  const fs::path v1 = cli.dir / "deck.pdf";
  write_file(v1, random_bytes(300'000, 1));
  const std::string as = cli.as("marketing.key");
  const Output first = cli.publish(as + "publish " + quoted(v1) + " --asset deck --title 'Q3 deck' --tags a,b");
  INFO(first.err);
  REQUIRE(first.code == 0);
  CHECK(first.out.rfind("published deck@1 (catalog seq 1): ", 0) == 0);

  const fs::path v2 = cli.dir / "deck2.pdf";
  write_file(v2, random_bytes(200'000, 2));
  const Output second =
      cli.publish(as + "--json publish " + quoted(v2) + " --asset deck --title 'Q3 deck' --note fixed");
  INFO(second.err);
  REQUIRE(second.code == 0);
  const json report = json::parse(second.out);
  CHECK(report["version"] == 2);
  CHECK(report["seq"] == 2);
  CHECK(report["chunks_uploaded"].get<std::size_t>() >= 1);

  json listed = json::parse(cli.publish(as + "list --json").out);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0]["state"] == "superseded");
  CHECK(listed[1]["state"] == "current");
  CHECK(listed[1]["title"] == "Q3 deck");

  const Output revoked = cli.publish(as + "revoke deck@2 --reason 'wrong price'");
  INFO(revoked.err);
  REQUIRE(revoked.code == 0);
  CHECK(revoked.out.rfind("revoked deck@2 (catalog seq 3)", 0) == 0);
  listed = json::parse(cli.publish(as + "list --json").out);
  CHECK(listed[1]["state"] == "revoked");
  CHECK(listed[0]["state"] == "current");
  CHECK(cli.publish(as + "list").out.find("revoked") != std::string::npos);

  // The catalog and its content as a file, applied by a device that never talks to the hub.
  const fs::path bundle = cli.dir / "kiosk.opb";
  const Output exported = cli.hub("bundle export --out " + quoted(bundle));
  INFO(exported.err);
  REQUIRE(exported.code == 0);
  CHECK(exported.out.find("catalog seq 3, 1 version(s)") != std::string::npos);
  CHECK(cli.hub("bundle export --out " + quoted(bundle)).code == 1);  // never overwritten
  auto device = [&](const std::string& args) {
    return run_cli("'" OUTPOST_CLI_PATH "' --quiet", cli.dir / "device", args);
  };
  REQUIRE(device("init --root " + root_key).code == 0);
  const Output applied = device("--json catalog apply " + quoted(bundle));
  INFO(applied.err);
  REQUIRE(applied.code == 0);
  CHECK(json::parse(applied.out)["catalog_seq"] == 3);
  CHECK(json::parse(applied.out)["versions"] == 1);
  REQUIRE(device("open deck --out " + quoted(cli.dir / "opened")).code == 0);  // deck@1: @2 was revoked

  const Output retired = cli.hub("publishers remove marketing");
  REQUIRE(retired.code == 0);
  CHECK(retired.out.find("up to catalog seq 3") != std::string::npos);
  CHECK(cli.hub("publishers list").out.find("retired") != std::string::npos);

  CHECK(serve.stop() == 0);
  // One log line per event on stderr: the signal, the publications, the stop with its counters.
  const std::string log = serve.log();
  CHECK(log.find("info hub.signal signal=Terminated") != std::string::npos);
  CHECK(log.find("info hub.published publisher=marketing seq=") != std::string::npos);
  CHECK(log.find("info hub.stop requests=") != std::string::npos);
}

TEST_CASE("Hub CLI: the hub refuses an unregistered publisher, and a second serve on busy ports fails", "[cli][hub]") {
  HubCli cli;
  cli.init();
  cli.keygen("stranger.key");
  Serve serve(cli);
  const bool ready = serve.wait_ready();
  INFO(serve.log());
  REQUIRE(ready);

  const fs::path file = cli.dir / "flyer.pdf";
  write_file(file, random_bytes(50'000, 3));
  const Output refused =
      cli.publish(cli.as("stranger.key") + "publish " + quoted(file) + " --asset flyer --title Flyer");
  CHECK(refused.code == 1);
  CHECK(refused.err.find("outpost-publish: permission: ") == 0);
  CHECK(refused.err.find("refused this publisher key: it is not registered") != std::string::npos);
  // An unregistered key cannot even connect: nothing is uploaded, nothing is listed.
  const Output listing = cli.publish(cli.as("stranger.key") + "list --json");
  CHECK(listing.code == 1);
  CHECK(json::parse(listing.out)["error"]["code"] == "permission");

  Serve second(cli, "second.log");
  CHECK_FALSE(second.wait_ready());
  CHECK(second.stop() == 1);
  CHECK(second.log().find("cannot listen on tcp://127.0.0.1:") != std::string::npos);

  CHECK(serve.stop() == 0);
}

TEST_CASE("Hub CLI: publishing to a hub that is not running fails within the timeout", "[cli][hub]") {
  HubCli cli;
  cli.init();
  cli.keygen("marketing.key");
  const fs::path file = cli.dir / "flyer.pdf";
  write_file(file, random_bytes(10'000, 4));
  const std::string as = cli.as("marketing.key") + "--timeout 1 ";

  const Output published = cli.publish(as + "publish " + quoted(file) + " --asset flyer --title Flyer --version 1");
  const Output listed = cli.publish(as + "list");
  CHECK(published.code == 1);
  CHECK(published.err.find("did not answer within 1 s (is it running?") != std::string::npos);
  CHECK(listed.code == 1);
  CHECK(listed.err.find("did not answer") != std::string::npos);

  Output no_hub{};
  no_hub.code =
      run("env -u OUTPOST_HUB '" OUTPOST_PUBLISH_PATH "' --key " + quoted(cli.dir / "marketing.key") + " list",
          &no_hub.out, &no_hub.err);
  CHECK(no_hub.code == 2);
  CHECK(no_hub.err.find("--hub ADDRESS is required") != std::string::npos);
  const Output bad_time = cli.publish(as + "publish " + quoted(file) + " --asset flyer --title F --expires tomorrow");
  CHECK(bad_time.code == 2);
  CHECK(bad_time.err.find("not a time") != std::string::npos);
}

TEST_CASE("Hub CLI: an enrolled device is listed, and wipe-device and revoke-device change its state", "[cli][hub]") {
  HubCli cli;
  cli.init();
  Serve serve(cli);
  const bool ready = serve.wait_ready();
  INFO(serve.log());
  REQUIRE(ready);

  const Output token = cli.hub("enroll-token --device anna-ipad --role rep");
  REQUIRE(token.code == 0);
  SeededRandom random(9);
  SystemClock clock;
  const fs::path root = cli.dir / "device";
  must(device::DeviceHome::init(root, random, {}));
  auto home = must(device::DeviceHome::open(root, clock, random, {}));
  must(sync::enroll(*home, must(sync::EnrollToken::parse(first_line(token.out)))));

  json devices = json::parse(cli.hub("devices --json").out);
  REQUIRE(devices.size() == 1);
  CHECK(devices[0]["name"] == "anna-ipad");
  CHECK(devices[0]["role"] == "rep");
  CHECK(devices[0]["state"] == "active");
  const Output table = cli.hub("devices");
  CHECK(table.out.rfind("NAME", 0) == 0);
  CHECK(table.out.find("anna-ipad") != std::string::npos);

  const Output wipe = cli.hub("wipe-device anna-ipad");
  REQUIRE(wipe.code == 0);
  CHECK(wipe.out.find("wipe requested for device 'anna-ipad'") != std::string::npos);
  CHECK(json::parse(cli.hub("devices --json").out)[0]["state"] == "wipe pending");

  const Output revoke = cli.hub("revoke-device anna-ipad");
  REQUIRE(revoke.code == 0);
  CHECK(revoke.out.find("revoked device 'anna-ipad'") != std::string::npos);
  CHECK(revoke.err.find("no longer can be") != std::string::npos);
  devices = json::parse(cli.hub("devices --json").out);
  CHECK(devices[0]["state"] == "revoked");
  CHECK(cli.hub("revoke-device anna-ipad").out.find("already revoked") != std::string::npos);
  const Output wipe_revoked = cli.hub("wipe-device anna-ipad");
  CHECK(wipe_revoked.code == 1);
  CHECK(wipe_revoked.err.find("cannot connect to receive a wipe") != std::string::npos);

  CHECK(serve.stop() == 0);
}

TEST_CASE("Hub CLI: strangers sending oversized messages to every port cost the hub no memory, devices go on syncing",
          "[cli][hub][attack]") {
  HubCli cli;
  cli.init();
  Serve serve(cli);
  const bool ready = serve.wait_ready();
  INFO(serve.log());
  REQUIRE(ready);
  const std::uint64_t idle_kib = serve.rss_kib();
  REQUIRE(idle_kib > 0);

  // Strangers (fresh random keys, as anyone who read a token's hub key
  // could make) on the enrollment and sync ports, each sending one message
  // of 384 MiB that a hub reading it before admission would hold: 12 frames
  // of 16 MiB to the sync port, 6,144 frames of 64 KiB (under any frame
  // limit) to the enrollment port.
  SeededRandom random(11);
  const auto hub_key = must(sync::EnrollToken::parse(first_line(cli.hub("enroll-token --device probe --role rep").out)))
                           .hub_curve_key;
  const std::string host = "tcp://127.0.0.1:";
  std::vector<std::unique_ptr<RawClient>> strangers;
  const std::pair<std::uint16_t, std::size_t> attacks[] = {{cli.port, std::size_t{16} << 20},
                                                            {static_cast<std::uint16_t>(cli.port + 1), 64 * 1024 - 64}};
  for (const auto& [port, frame_size] : attacks) {
    strangers.push_back(
        std::make_unique<RawClient>(sync::CurveKeyPair::generate(random), hub_key, host + std::to_string(port)));
    const std::size_t frames = (std::size_t{384} << 20) / frame_size;
    for (std::size_t i = 0; i < frames; ++i) {
      zmq::message_t frame(frame_size);
      std::memset(frame.data(), 0x5a, frame.size());
      (void)strangers.back()->socket.send(frame, i + 1 < frames ? zmq::send_flags::sndmore | zmq::send_flags::dontwait
                                                                : zmq::send_flags::dontwait);
    }
  }

  // Meanwhile a real device enrolls and syncs.
  const Output token = cli.hub("enroll-token --device anna-ipad --role rep");
  REQUIRE(token.code == 0);
  SystemClock clock;
  const fs::path root = cli.dir / "device";
  must(device::DeviceHome::init(root, random, {}));
  auto home = must(device::DeviceHome::open(root, clock, random, {}));
  const sync::DeviceLink link = must(sync::enroll(*home, must(sync::EnrollToken::parse(first_line(token.out)))));
  must(sync::sync_once(*home, link, random, {}));

  // The attack runs for two seconds more (libzmq retries each refused
  // handshake); the hub's memory is sampled all along.
  std::uint64_t peak_kib = serve.rss_kib();
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(100ms);  // an observation window, not a wait for an event
    peak_kib = std::max(peak_kib, serve.rss_kib());
  }
  INFO("hub RSS idle " << idle_kib << " KiB, peak " << peak_kib << " KiB");
  // The growth, not the total: a sanitizer build's hub starts larger.
  CHECK(peak_kib - idle_kib < 128 * 1024);
  must(sync::sync_once(*home, link, random, {}));  // still serving
  for (auto& s : strangers) CHECK_FALSE(s->reply(100ms));  // never answered
  CHECK(serve.stop() == 0);
}
