// The web shells' logic, free of HTTP plumbing: a parsed request in, a
// response out (server.cpp does the sockets, limits and headers). Runs on
// the server's thread only, like the DeviceHome it calls.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "outpost/cache/asset_reader.hpp"
#include "outpost/device/presentation.hpp"
#include "outpost/web/http.hpp"
#include "outpost/web/http_util.hpp"
#include "outpost/web/server.hpp"

namespace outpost::web {

class App {
 public:
  App(device::DeviceHome& home, const Clock& clock, Random& random, const ServerOptions& options);

  void set_port(std::uint16_t port) { port_ = port; }
  Response handle(const Request& request);
  // An error page (HTML) or document (JSON, under /api/ and /content/).
  Response error(const std::string& target, unsigned status, const std::string& message) const;

  // The background sync's last outcome, for the staff view.
  void sync_finished(const Result<sync::SyncReport>& report);

 private:
  device::DeviceHome& home_;
  const Clock& clock_;
  Random& random_;
  ServerOptions options_;
  std::uint16_t port_ = 0;
  std::string csrf_;  // per server run
  std::map<std::string, device::Presentation> presentations_;
  // Content opened from the start in the last reopen_window, by the id as
  // requested ("deck", "deck@2"): a fetch of it again is not a new open.
  static constexpr std::chrono::seconds reopen_window{10};
  std::map<std::string, TimePoint> recent_opens_;
  std::string last_sync_;  // one line for people; empty: none this run
  // Wrong staff PINs: after pin_tries in a row no PIN is checked for 30 s,
  // doubling with each further wrong one up to 15 minutes.
  static constexpr unsigned pin_tries = 5;
  unsigned pin_failures_ = 0;
  TimePoint pin_locked_until_{};

  Response route(const Request& request, const std::string& path,
                 const std::vector<std::pair<std::string, std::string>>& params);
  bool csrf_ok(const Request& request, const std::vector<std::pair<std::string, std::string>>& form) const;
  Result<std::string> kiosk_form_asset();

  Response kiosk_page();
  Response kiosk_submit(const std::vector<std::pair<std::string, std::string>>& form);
  Response kiosk_badge(const std::vector<std::pair<std::string, std::string>>& form);
  // One lead from either kiosk form: 303 to the thank-you once stored, 422
  // with the form and its errors, 500 when it could not be stored.
  Response kiosk_capture(const leads::CaptureRequest& request, const std::map<std::string, std::string>& values,
                         bool by_badge);
  Response staff(const std::vector<std::pair<std::string, std::string>>* form);
  Response search(const std::vector<std::pair<std::string, std::string>>& params);
  Response search_choice(const std::string& body);
  Response asset(const std::string& id);
  Response content(const std::string& id, const std::string& range);
  Response feedback(const std::string& body);
  Response content_request(const std::string& body);
  Response presentation_start(const std::string& body);
  Response presentation_page(const std::string& id, const std::string& body);
  Response presentation_end(const std::string& id);
  Response pin(const std::string& body);
  Response assigned_leads();
  Response assigned_lead(const std::string& id);
  Response lead_follow_up(const std::string& id, const std::string& body);
};

}  // namespace outpost::web
