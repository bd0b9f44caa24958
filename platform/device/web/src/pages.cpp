// HTML of the kiosk, staff and error pages. Every value from the form asset
// or the visitor is escaped; no inline script or style (CSP).
#include "pages.hpp"

#include <algorithm>

#include "outpost/leads/lead_form.hpp"

namespace outpost::web {

namespace {

// The CSRF token rides in a meta tag, where kiosk.js and the presenter's
// scripts read it for the X-CSRF-Token header.
std::string head(const std::string& title, const std::string& csrf, bool refresh_to_kiosk = false,
                 std::string_view script = "/static/kiosk.js") {
  std::string out = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  if (!csrf.empty()) {
    out += "<meta name=\"csrf-token\" content=\"";
    out += csrf;
    out += "\">";
  }
  if (refresh_to_kiosk) out += "<meta http-equiv=\"refresh\" content=\"8;url=/kiosk\">";
  out += "<title>";
  out += html_escape(title);
  out += "</title><link rel=\"stylesheet\" href=\"/static/outpost.css\">";
  out += "<script src=\"";
  out += script;
  out += "\" defer></script></head><body><main>";
  return out;
}

constexpr std::string_view tail = "</main></body></html>\n";

std::string value_of(const std::map<std::string, std::string>& values, const std::string& key) {
  const auto it = values.find(key);
  return it == values.end() ? std::string() : it->second;
}

void error_line(std::string& out, const std::vector<leads::FieldError>& errors, const std::string& field) {
  for (const auto& e : errors) {
    if (e.field != field) continue;
    out += "<p class=\"error\" id=\"error-";
    out += html_escape(field);
    out += "\">";
    out += html_escape(e.field);
    out += ' ';
    out += html_escape(e.problem);
    out += "</p>";
  }
}

std::string_view input_type(leads::FieldType type) {
  switch (type) {
    case leads::FieldType::email: return "email";
    case leads::FieldType::phone: return "tel";
    case leads::FieldType::number: return "number";
    case leads::FieldType::checkbox: return "checkbox";
    default: return "text";
  }
}

void field_html(std::string& out, const leads::FormField& f, const std::map<std::string, std::string>& values,
                const std::vector<leads::FieldError>& errors) {
  const std::string key = "f." + f.name;
  const std::string name = html_escape(key);
  const std::string value = value_of(values, key);
  out += "<div class=\"field\"><label for=\"";
  out += name;
  out += "\">";
  out += html_escape(f.label.empty() ? f.name : f.label);
  if (f.required) out += " <span class=\"required\">*</span>";
  out += "</label>";
  if (f.type == leads::FieldType::select) {
    out += "<select id=\"" + name + "\" name=\"" + name + "\"";
    out += f.required ? " required>" : "><option value=\"\"></option>";
    if (f.required) out += "<option value=\"\"></option>";
    for (const auto& o : f.options) {
      out += "<option value=\"";
      out += html_escape(o);
      out += o == value ? "\" selected>" : "\">";
      out += html_escape(o);
      out += "</option>";
    }
    out += "</select>";
  } else {
    out += "<input id=\"" + name + "\" name=\"" + name + "\" type=\"";
    out += input_type(f.type);
    out += '"';
    if (f.type == leads::FieldType::checkbox) {
      out += " value=\"yes\"";
      if (!value.empty()) out += " checked";
    } else {
      out += " value=\"";
      out += html_escape(value);
      out += "\" maxlength=\"";
      out += std::to_string(f.max_length);
      out += "\" autocomplete=\"off\"";
    }
    if (f.required) out += " required";
    out += '>';
  }
  error_line(out, errors, f.name);
  out += "</div>";
}

// The consent text and its checkbox, named `name` (each kiosk form has its own).
void consent_html(std::string& out, const device::DeviceHome::Form& form, const std::map<std::string, std::string>& values,
                  const std::vector<leads::FieldError>& errors, const std::string& name) {
  out += "<div class=\"consent\"><p class=\"consent-text\">";
  out += html_escape(form.form.consent_text);
  out += "</p><p class=\"consent-version\">Consent text version ";
  out += html_escape(form.form.consent_version);
  out += "</p><label><input type=\"checkbox\" name=\"";
  out += name;
  out += "\" value=\"yes\" required";
  if (!value_of(values, name).empty()) out += " checked";
  out += "> I agree</label>";
  error_line(out, errors, name);
  out += "</div>";
}

}  // namespace

std::string kiosk_html(const device::DeviceHome::Form& form, const std::string& csrf,
                       const std::map<std::string, std::string>& values, const std::vector<leads::FieldError>& errors) {
  std::string out = head("Welcome", csrf);
  out += "<h1>Stay in touch</h1>";
  if (!errors.empty()) out += "<p class=\"error\" role=\"alert\">Please check the highlighted fields.</p>";
  error_line(out, errors, "form");
  error_line(out, errors, "show");
  out += "<form id=\"lead-form\" method=\"post\" action=\"/kiosk\" autocomplete=\"off\">";
  out += "<input type=\"hidden\" name=\"csrf\" value=\"";
  out += csrf;
  out += "\">";
  for (const auto& f : form.form.fields) field_html(out, f, values, errors);
  for (const auto& q : form.form.qualification) {
    const std::string key = "q." + q.name;
    out += "<fieldset class=\"question\"><legend>";
    out += html_escape(q.question.empty() ? q.name : q.question);
    out += "</legend>";
    for (const auto& o : q.options) {
      out += "<label><input type=\"radio\" name=\"";
      out += html_escape(key);
      out += "\" value=\"";
      out += html_escape(o.value);
      out += '"';
      if (value_of(values, key) == o.value) out += " checked";
      if (q.required) out += " required";
      out += "> ";
      out += html_escape(o.label.empty() ? o.value : o.label);
      out += "</label>";
    }
    error_line(out, errors, q.name);
    out += "</fieldset>";
  }
  consent_html(out, form, values, errors, "consent");
  out += "<button type=\"submit\">Send</button></form>";
  // A badge scan instead: the show's attendee list fills the details on
  // this device (a badge on no list is completed at the hub).
  out += "<form id=\"badge-form\" method=\"post\" action=\"/kiosk/badge\" autocomplete=\"off\">";
  out += "<h2>Or scan your badge</h2><input type=\"hidden\" name=\"csrf\" value=\"";
  out += csrf;
  out += "\"><div class=\"field\"><label for=\"badge\">Badge code</label>";
  out += "<input id=\"badge\" name=\"badge\" type=\"text\" maxlength=\"128\" required value=\"";
  out += html_escape(value_of(values, "badge"));
  out += "\">";
  error_line(out, errors, "badge");
  out += "</div>";
  consent_html(out, form, values, errors, "badge-consent");
  out += "<button type=\"submit\">Send with my badge</button></form>";
  out += "<p class=\"staff-link\"><a href=\"/kiosk/staff\">Staff</a></p>";
  out += tail;
  return out;
}

std::string thanks_html() {
  std::string out = head("Thank you", "", true);
  out += "<h1>Thank you!</h1><p>We will be in touch.</p><p><a href=\"/kiosk\">Next visitor</a></p>";
  out += tail;
  return out;
}

std::string unavailable_html(const std::string& why) {
  std::string out = head("Kiosk unavailable", "");
  out += "<h1>This kiosk is not ready</h1><p class=\"error\">";
  out += html_escape(why);
  out += "</p>";
  out += tail;
  return out;
}

std::string staff_login_html(const std::string& csrf, const std::string& problem) {
  std::string out = head("Staff", csrf);
  out += "<h1>Staff</h1>";
  if (!problem.empty()) {
    out += "<p class=\"error\" role=\"alert\">";
    out += html_escape(problem);
    out += "</p>";
  }
  out += "<form method=\"post\" action=\"/kiosk/staff\" autocomplete=\"off\"><input type=\"hidden\" name=\"csrf\" value=\"";
  out += csrf;
  out += "\"><label for=\"pin\">PIN</label><input id=\"pin\" name=\"pin\" type=\"password\" inputmode=\"numeric\" "
         "required><button type=\"submit\">Show</button></form><p><a href=\"/kiosk\">Back to the form</a></p>";
  out += tail;
  return out;
}

std::string staff_html(const StaffFigures& f) {
  std::string out = head("Staff", "");
  out += "<h1>Kiosk status</h1><dl>";
  auto row = [&](std::string_view name, const std::string& value, std::string_view id) {
    out += "<dt>";
    out += name;
    out += "</dt><dd id=\"";
    out += id;
    out += "\">";
    out += html_escape(value);
    out += "</dd>";
  };
  row("Lead form", f.form, "form");
  row("Leads not yet delivered to the hub", std::to_string(f.queued_leads), "queued-leads");
  row("Journal events not yet delivered", std::to_string(f.queued_events), "queued-events");
  row("Catalog verified as of", f.verified_as_of, "verified-as-of");
  row("Last sync", f.last_sync, "last-sync");
  out += "</dl><p><a href=\"/kiosk\">Back to the form</a></p>";
  out += tail;
  return out;
}

std::string error_html(unsigned status, const std::string& message) {
  std::string out = head("Error " + std::to_string(status), "");
  out += "<h1>Error ";
  out += std::to_string(status);
  out += "</h1><p class=\"error\">";
  out += html_escape(message);
  out += "</p><p><a href=\"/kiosk\">Back</a></p>";
  out += tail;
  return out;
}

// The presenter's frame: every list and viewer in it is filled by
// presenter.js from the JSON API, with textContent (never markup).
std::string presenter_html(const std::string& csrf) {
  std::string out = head("Outpost library", csrf, false, "/static/presenter.js");
  out += R"HTML(<div class="presenter">
<section id="library" aria-label="Library">
<h1>Library</h1>
<input id="search" type="search" placeholder="Search titles, tags and text" autocomplete="off" aria-label="Search the library">
<div id="facets" aria-label="Filters"></div>
<p id="summary" aria-live="polite"></p>
<ul id="results"></ul>
<section id="leads" hidden aria-label="My leads">
<h2>My leads</h2>
<p id="leads-summary" aria-live="polite"></p>
<ul id="lead-list"></ul>
</section>
</section>
<section id="viewer" hidden aria-label="Viewer">
<div class="viewer-head"><button type="button" id="close">&larr; Library</button><h2 id="viewer-title"></h2>
<button type="button" id="pin" aria-pressed="false">Keep offline</button></div>
<div id="banner" class="banner" role="status" hidden></div>
<div id="stage"></div>
<div id="present-bar">
<button type="button" id="present">Present</button>
<button type="button" id="page-prev" disabled aria-label="Previous page">&lsaquo;</button>
<span id="page-number"></span>
<button type="button" id="page-next" disabled aria-label="Next page">&rsaquo;</button>
<button type="button" id="present-end" disabled>End</button>
<span id="present-status" aria-live="polite"></span>
</div>
<h3>Versions</h3>
<ul id="versions"></ul>
<div class="widgets">
<form id="feedback"><h3>Feedback</h3>
<label for="rating">Rating</label><select id="rating" name="rating" required><option value="">Choose</option>
<option value="5">5 - great</option><option value="4">4</option><option value="3">3</option><option value="2">2</option><option value="1">1 - poor</option></select>
<label for="comment">Comment</label><textarea id="comment" name="comment" rows="3" maxlength="2000"></textarea>
<label class="inline"><input type="checkbox" name="needs_update"> This document needs an update</label>
<button type="submit">Send feedback</button><p id="feedback-status" aria-live="polite"></p></form>
<form id="request"><h3>Ask marketing for content</h3>
<label for="request-text">What do you need?</label><textarea id="request-text" name="text" rows="3" maxlength="2000" required></textarea>
<button type="submit">Send request</button><p id="request-status" aria-live="polite"></p></form>
</div>
</section>
</div>
)HTML";
  out += tail;
  return out;
}

}  // namespace outpost::web
