// The device web server (`outpost serve`: kiosk lead form, presenter API;
// platform/device/web/README.md): the bytes a browser sends on one
// connection, read by the server's own parser and limits
// (web::read_requests), then each request answered by the app's routes
// (web::App) over a home holding the world's catalog and content: a PDF, a
// lead form, an attendee list. Input: the raw HTTP/1.1 bytes; 64 x 'C'
// stands for the app's CSRF token. The home lives for the whole run (its
// journal and pins change as requests come); the app is new for each input.
// Invariants: no handler throws (the server would answer 500); every
// response passes check_response (http_check.hpp), as does the error page
// of a request the parser refused.
#include <filesystem>

#include "app.hpp"
#include "support/http_check.hpp"
#include "support/world_home.hpp"

using namespace outpost;

namespace {

constexpr std::uint16_t port = 8080;

device::DeviceHome& home() {
  static fuzz::FixedRandom random(2);
  static const std::unique_ptr<device::DeviceHome> h = fuzz::stocked_home(fuzz::scratch() / "home", random);
  return *h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  web::ServerOptions options;
  options.staff_pin = "2468";
  fuzz::FixedRandom random(11);
  web::App app(home(), fuzz::world_clock(), random, options);
  app.set_port(port);
  static const std::string csrf = [] {
    fuzz::FixedRandom same(11);
    return web::random_hex_token(same);
  }();

  std::string bytes = fuzz::text({data, size});
  fuzz::put_secret(bytes, 'C', csrf);
  web::HttpOptions limits;
  limits.body_limit = options.body_limit;
  limits.header_limit = options.header_limit;
  for (const web::ReadOutcome& read : fuzz::no_throw("read_requests", [&] { return web::read_requests(bytes, limits); })) {
    if (!read.request && read.status == 0) break;
    web::Response response = fuzz::no_throw("App::handle", [&] {
      return read.request ? app.handle(*read.request) : app.error(read.target, read.status, read.message);
    });
    fuzz::check_response(response);
  }
  return 0;
}
