// The HTML the server renders: the kiosk form, its thank-you, the staff
// view and error pages. No inline script or style (the CSP forbids both):
// behaviour and looks come from the fixed static files (static_files.hpp).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/device/home.hpp"
#include "outpost/leads/lead_capture.hpp"
#include "outpost/web/http_util.hpp"

namespace outpost::web {

// The kiosk form; values and errors re-fill it after a rejected submit
// (keys "f.NAME", "q.NAME", "consent").
std::string kiosk_html(const device::DeviceHome::Form& form, const std::string& csrf,
                       const std::map<std::string, std::string>& values, const std::vector<leads::FieldError>& errors);
std::string thanks_html();
std::string unavailable_html(const std::string& why);

struct StaffFigures {
  std::string form;
  std::uint64_t queued_leads = 0;
  std::uint64_t queued_events = 0;
  std::string verified_as_of;  // catalog, "never" if none
  std::string last_sync;       // "not this run" if none
};
// problem: "" for the plain form, else why the last PIN was not taken.
std::string staff_login_html(const std::string& csrf, const std::string& problem);
std::string staff_html(const StaffFigures& figures);
std::string error_html(unsigned status, const std::string& message);
// The rep's presenter (/): search, cards, viewer, feedback and request
// widgets; presenter.js drives it through the JSON API.
std::string presenter_html(const std::string& csrf);

}  // namespace outpost::web
