// Routing and handlers of the web shells: each handler parses its input,
// calls DeviceHome (or Presentation) and answers with the shells' shared
// JSON documents (outpost/shell/json.hpp) or a page (pages.hpp).
#include "app.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "outpost/cache/version_ref.hpp"
#include "outpost/cli/text.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/leads/attendees.hpp"
#include "outpost/shell/json.hpp"
#include "pages.hpp"
#include "static_files.hpp"

namespace outpost::web {

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;
using shell::json;

constexpr std::string_view json_type = "application/json";

Response json_response(unsigned status, const json& doc) {
  Response r;
  r.status = status;
  r.content_type = json_type;
  r.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // stored text may predate the UTF-8 checks
  return r;
}

Response html_response(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::optional<json> parse_json(const std::string& body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return doc;
}

std::string text_member(const json& doc, const char* name) {
  const auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::uint64_t> version_member(const json& doc) {
  const auto it = doc.find("version");
  if (it == doc.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint64_t>();
}

unsigned status_of(const Status& s) {
  switch (s.code()) {
    case Errc::invalid_argument: return 400;
    case Errc::not_found: return 404;
    case Errc::permission: return 403;
    default: return 500;
  }
}

// The content's media type from its first bytes (the publisher's kind is a
// label for people: a price sheet is usually a PDF), else from the kind.
std::string media_type(cache::AssetReader& reader, const std::string& kind) {
  std::array<std::uint8_t, 12> head{};
  const auto got = reader.read_at(0, head);
  const std::size_t n = got ? *got : 0;
  auto starts = [&](std::initializer_list<std::uint8_t> magic, std::size_t at = 0) {
    return n >= at + magic.size() && std::equal(magic.begin(), magic.end(), head.begin() + static_cast<long>(at));
  };
  if (starts({'%', 'P', 'D', 'F', '-'})) return "application/pdf";
  if (starts({0x1a, 0x45, 0xdf, 0xa3})) return "video/webm";
  if (starts({'f', 't', 'y', 'p'}, 4)) return kind == "audio" ? "audio/mp4" : "video/mp4";
  if (starts({0x89, 'P', 'N', 'G'})) return "image/png";
  if (starts({0xff, 0xd8, 0xff})) return "image/jpeg";
  if (kind == "pdf") return "application/pdf";
  if (kind == "video") return "video/mp4";
  if (kind == "form" || kind == "attendees") return "application/json";
  return "application/octet-stream";
}

Response failure(const Status& s) { return json_response(status_of(s), {{"error", s.to_string()}}); }

Response blocked(const gate::Decision& d) {
  const bool gone = d.reason && *d.reason == gate::BlockReason::revoked;
  return json_response(gone ? 410 : 403, shell::decision_json(d));
}

std::string first(const Pairs& pairs, std::string_view name) {
  for (const auto& [k, v] : pairs) {
    if (k == name) return v;
  }
  return {};
}

// "/api/presentations/ID/page" -> {"api", "presentations", "ID", "page"}.
// Each segment is decoded on its own, so an escaped '/' stays inside its
// segment (and then fails the asset id rules) instead of adding a level.
std::optional<std::vector<std::string>> segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    auto decoded = url_decode(path.substr(start, end - start), false);
    if (!decoded) return std::nullopt;
    out.push_back(std::move(*decoded));
    start = end + 1;
  }
  return out;
}

}  // namespace

App::App(device::DeviceHome& home, const Clock& clock, Random& random, const ServerOptions& options)
    : home_(home), clock_(clock), random_(random), options_(options), csrf_(random_hex_token(random)) {}

void App::sync_finished(const Result<sync::SyncReport>& report) {
  std::string line = cli::iso_time(clock_.now());
  if (report) {
    line += ": synced, ";
    line += std::to_string(report->events_pushed);
    line += " events delivered";
  } else {
    line += ": failed (";
    line += report.status().to_string();
    line += "), will retry";
  }
  last_sync_ = std::move(line);
}

bool App::csrf_ok(const Request& request, const Pairs& form) const {
  if (!request.csrf_header.empty()) return constant_time_equal(request.csrf_header, csrf_);
  return constant_time_equal(first(form, "csrf"), csrf_);
}

Response App::error(const std::string& target, unsigned status, const std::string& message) const {
  if (target.starts_with("/api/") || target.starts_with("/content/")) {
    return json_response(status, {{"error", message}});
  }
  return html_response(status, error_html(status, message));
}

Response App::handle(const Request& request) {
  // DNS rebinding: a page of another site that resolves its name to
  // 127.0.0.1 still sends its own name as Host.
  if (!loopback_host(request.host, port_)) return error(request.target, 403, "this server answers only to 127.0.0.1 and localhost");
  const std::size_t q = request.target.find('?');
  // Fixed routes are matched on the raw path; only the parts that name
  // something (asset ids, presentation ids) are decoded, segment by segment.
  const std::string path = request.target.substr(0, q);
  const auto params = parse_pairs(q == std::string::npos ? std::string_view() : std::string_view(request.target).substr(q + 1));
  if (!params || !path.starts_with('/')) return error(request.target, 400, "malformed request target");
  if (request.method != "GET" && request.method != "HEAD" && request.method != "POST") {
    return error(path, 405, "method not allowed");
  }
  if (request.method == "POST") {
    Pairs form;
    if (request.content_type.starts_with("application/x-www-form-urlencoded")) {
      auto parsed = parse_pairs(request.body);
      if (!parsed) return error(path, 400, "malformed form data");
      form = std::move(*parsed);
    }
    if (!csrf_ok(request, form)) return error(path, 403, "missing or wrong CSRF token: reload the page");
    if (path == "/kiosk") return kiosk_submit(form);
    if (path == "/kiosk/badge") return kiosk_badge(form);
    if (path == "/kiosk/staff") return staff(&form);
  }
  return route(request, path, *params);
}

Response App::route(const Request& request, const std::string& path, const Pairs& params) {
  const bool get = request.method != "POST";
  const auto decoded = segments(path);
  if (!decoded) return error(path, 400, "malformed escape in the path");
  const std::vector<std::string>& parts = *decoded;
  auto wrong_method = [&] { return error(path, 405, "method not allowed"); };
  if (path == "/") return get ? html_response(200, presenter_html(csrf_)) : wrong_method();
  if (path == "/favicon.ico") return html_response(204, "");  // none: say so without an error
  if (path == "/kiosk") return get ? kiosk_page() : wrong_method();
  if (path == "/kiosk/thanks") return get ? html_response(200, thanks_html()) : wrong_method();
  if (path == "/kiosk/badge") return wrong_method();  // a POST, handled above
  if (path == "/kiosk/staff") return get ? staff(nullptr) : wrong_method();
  if (path.starts_with("/static/")) {
    const StaticFile* file = static_file(path);
    if (!file) return error(path, 404, "no such file");
    if (!get) return wrong_method();
    Response r;
    r.content_type = file->content_type;
    r.body = file->body;
    return r;
  }
  if (parts.size() == 2 && parts[0] == "content") return get ? content(parts[1], request.range) : wrong_method();
  if (parts.size() >= 2 && parts[0] == "api") {
    const std::string& what = parts[1];
    if (what == "search" && parts.size() == 2) return get ? search(params) : wrong_method();
    if (what == "search" && parts.size() == 3 && parts[2] == "choice") {
      return get ? wrong_method() : search_choice(request.body);
    }
    if (what == "assets" && parts.size() == 3) return get ? asset(parts[2]) : wrong_method();
    if (what == "leads" && parts.size() == 2) return get ? assigned_leads() : wrong_method();
    if (what == "leads" && parts.size() == 3) return get ? assigned_lead(parts[2]) : wrong_method();
    if (what == "leads" && parts.size() == 4 && parts[3] == "followup") {
      return get ? wrong_method() : lead_follow_up(parts[2], request.body);
    }
    if (get && (what == "feedback" || what == "request" || what == "presentations" || what == "pin")) {
      return wrong_method();
    }
    if (what == "feedback" && parts.size() == 2) return feedback(request.body);
    if (what == "request" && parts.size() == 2) return content_request(request.body);
    if (what == "pin" && parts.size() == 2) return pin(request.body);
    if (what == "presentations" && parts.size() == 2) return presentation_start(request.body);
    if (what == "presentations" && parts.size() == 4 && parts[3] == "page") return presentation_page(parts[2], request.body);
    if (what == "presentations" && parts.size() == 4 && parts[3] == "end") return presentation_end(parts[2]);
  }
  return error(path, 404, "no such page");
}

// ---- kiosk

Result<std::string> App::kiosk_form_asset() {
  if (!options_.form.empty()) return options_.form;
  std::optional<catalog::Release> newest;
  for (catalog::Release& r : home_.catalog().latest_releases()) {
    if (r.kind == "form" && (!newest || r.published_at > newest->published_at)) newest = std::move(r);
  }
  if (!newest) return Status(Errc::not_found, "the catalog holds no lead form (kind form): publish one or pass --form");
  return newest->asset;
}

Response App::kiosk_page() {
  auto asset = kiosk_form_asset();
  if (!asset) return html_response(503, unavailable_html(asset.status().message()));
  auto form = home_.load_form(*asset);
  if (!form) return html_response(503, unavailable_html(form.status().message()));
  return html_response(200, kiosk_html(*form, csrf_, {}, {}));
}

Response App::kiosk_submit(const Pairs& posted) {
  leads::CaptureRequest request;
  std::map<std::string, std::string> values;
  for (const auto& [name, value] : posted) {
    if (name.starts_with("f.")) request.fields[name.substr(2)] = value;
    if (name.starts_with("q.")) request.answers[name.substr(2)] = value;
    if (name == "consent") request.consent = !value.empty();
    if (name != "csrf") values[name] = value;
  }
  return kiosk_capture(request, values, false);
}

Response App::kiosk_badge(const Pairs& posted) {
  leads::CaptureRequest request;
  request.badge = first(posted, "badge");
  request.consent = !first(posted, "badge-consent").empty();
  return kiosk_capture(request, {{"badge", request.badge}}, true);
}

Response App::kiosk_capture(const leads::CaptureRequest& request, const std::map<std::string, std::string>& values,
                            bool by_badge) {
  auto asset = kiosk_form_asset();
  if (!asset) return html_response(503, unavailable_html(asset.status().message()));
  auto form = home_.load_form(*asset);
  if (!form) return html_response(503, unavailable_html(form.status().message()));
  std::vector<leads::FieldError> errors;
  if (by_badge && leads::normal_badge(request.badge).empty()) {
    errors.push_back({"badge", "is empty: scan the badge or type its code"});
  } else {
    (void)leads::normalise(form->form, request, &errors);
  }
  if (!request.consent) errors.push_back({by_badge ? "badge-consent" : "consent", "must be accepted to send your details"});
  if (errors.empty()) {
    auto captured = home_.capture_lead(*asset, request);
    if (captured) {
      // Post/redirect/get: the thank-you has its own URL, so reloading it
      // never re-sends the lead, and the URL carries nothing of it.
      Response r = html_response(303, "");
      r.headers.emplace_back("Location", "/kiosk/thanks");
      return r;
    }
    if (captured.status().code() != Errc::invalid_argument) {
      return html_response(500, error_html(500, "the lead could not be stored: " + captured.status().message()));
    }
    errors.push_back({by_badge ? "badge" : "form", captured.status().message()});
  }
  // The visitor's own answers go back only in this response, to correct.
  return html_response(422, kiosk_html(*form, csrf_, values, errors));
}

Response App::staff(const Pairs* form) {
  if (options_.staff_pin.empty()) return error("/kiosk/staff", 404, "the staff view is off (start with --staff-pin)");
  if (!form) return html_response(200, staff_login_html(csrf_, ""));
  const TimePoint now = clock_.now();
  constexpr auto longest = std::chrono::minutes(15);
  // A clock set back must not lock the staff out for longer than the longest wait.
  if (pin_locked_until_ - now > longest) pin_locked_until_ = now + longest;
  if (now < pin_locked_until_) {
    const auto wait = std::chrono::ceil<std::chrono::seconds>(pin_locked_until_ - now).count();
    return html_response(429, staff_login_html(csrf_, "Too many wrong PINs: try again in " + std::to_string(wait) + " s."));
  }
  if (!constant_time_equal(first(*form, "pin"), options_.staff_pin)) {
    if (++pin_failures_ >= pin_tries) {
      const unsigned doublings = std::min(pin_failures_ - pin_tries, 5u);
      pin_locked_until_ = now + std::min<std::chrono::milliseconds>(std::chrono::seconds(30) * (1u << doublings), longest);
    }
    return html_response(403, staff_login_html(csrf_, "Wrong PIN."));
  }
  pin_failures_ = 0;
  StaffFigures f;
  auto asset = kiosk_form_asset();
  f.form = asset ? *asset : asset.status().message();
  const auto queued = home_.journal().count_after_acked("lead.captured");
  f.queued_leads = queued ? *queued : 0;
  const journal::JournalStats stats = home_.journal().stats();
  f.queued_events = stats.head_seq - std::min(stats.head_seq, stats.acked_seq);
  const auto verified = home_.catalog().verified_as_of();
  f.verified_as_of = verified ? cli::iso_time(*verified) : "never";
  f.last_sync = last_sync_.empty() ? (options_.sync_link ? "not yet this run" : "background sync is off") : last_sync_;
  return html_response(200, staff_html(f));
}

// ---- presenter API

Response App::search(const Pairs& params) {
  search::Query query;
  auto how = device::DeviceHome::SearchRecord::journal;
  for (const auto& [name, value] : params) {
    if (name == "typing" && value == "1") how = device::DeviceHome::SearchRecord::typing;
    if (name == "q") query.text = value;
    if (name == "facet") {
      const std::size_t colon = value.find(':');
      if (colon == std::string::npos) return json_response(400, {{"error", "facet must be NAME:VALUE"}});
      query.facets[value.substr(0, colon)] = value.substr(colon + 1);
    }
    if (name == "limit") {
      std::size_t limit = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc() || p != value.data() + value.size() || limit == 0 || limit > 200) {
        return json_response(400, {{"error", "limit must be 1 to 200"}});
      }
      query.limit = limit;
    }
  }
  auto outcome = home_.search(query, how);
  if (!outcome) return failure(outcome.status());
  return json_response(200, shell::search_json(*outcome));
}

// The user opened a result: {q, facets: {name: value}, result_count, asset}.
Response App::search_choice(const std::string& body) {
  const auto doc = parse_json(body);
  if (!doc) return json_response(400, {{"error", "expected a JSON object"}});
  search::Query query;
  query.text = text_member(*doc, "q");
  if (const auto f = doc->find("facets"); f != doc->end() && f->is_object()) {
    for (const auto& [name, value] : f->items()) {
      if (value.is_string()) query.facets[name] = value.get<std::string>();
    }
  }
  const auto count = doc->find("result_count");
  const std::string asset = text_member(*doc, "asset");
  if (count == doc->end() || !count->is_number_unsigned()) {
    return json_response(400, {{"error", "result_count must be a number"}});
  }
  if (auto valid = cache::validate_asset_id(asset); !valid) return failure(valid);
  home_.record_search_choice(query, count->get<std::size_t>(), asset);
  return json_response(200, {{"asset", asset}});
}

Response App::asset(const std::string& id) {
  auto selector = cache::parse_selector(id);
  if (!selector) return failure(selector.status());
  const auto releases = home_.catalog().releases(selector->asset);
  if (releases.empty()) return json_response(404, {{"error", "no asset '" + selector->asset + "' in the catalog"}});
  const gate::Decision decision = home_.peek(selector->asset, selector->version);
  json doc = {{"decision", shell::decision_json(decision)},
              {"pinned", false},
              {"releases", json::array()}};
  for (const auto& r : releases) doc["releases"].push_back(shell::release_json(r));
  const auto pinned = home_.cache().pinned_assets();
  doc["pinned"] = std::find(pinned.begin(), pinned.end(), selector->asset) != pinned.end();
  // What /content/ will answer with, so the page picks its viewer (a price
  // sheet published as kind price-sheet is still a PDF); null when it cannot
  // be shown (blocked, not downloaded).
  doc["media_type"] = nullptr;
  const gate::Decision& d = decision;
  if (d.allowed && d.version) {
    auto reader = home_.cache().open_reader(selector->asset, *d.version);
    const auto release = home_.catalog().release({selector->asset, *d.version});
    if (reader) doc["media_type"] = media_type(*reader, release ? release->kind : std::string());
  }
  return json_response(200, doc);
}

Response App::content(const std::string& id, const std::string& range_header) {
  auto selector = cache::parse_selector(id);
  if (!selector) return failure(selector.status());
  // A seek is not a new open: only a request from the start is journaled
  // (asset.opened / asset.blocked); a later range is judged by the same
  // gate without being recorded, so a video seek does not count as views.
  const bool from_start = range_header.empty() || range_header.starts_with("bytes=0-");
  // A browser's viewer fetches the same document again right after the
  // page did (Chromium's PDF viewer does): one open, not two.
  const TimePoint now = clock_.now();
  std::erase_if(recent_opens_, [&](const auto& entry) { return now - entry.second >= reopen_window; });
  const bool refetch = recent_opens_.contains(id);
  std::optional<cache::AssetReader> reader;
  gate::Decision decision;
  if (from_start && !refetch) {
    auto opened = home_.open_asset(selector->asset, selector->version);
    if (!opened) return failure(opened.status());
    decision = opened->decision;
    reader = std::move(opened->reader);
    if (decision.allowed) recent_opens_[id] = now;
  } else {
    decision = home_.peek(selector->asset, selector->version);
    if (decision.allowed) {
      auto r = home_.cache().open_reader(selector->asset, decision.version);
      if (!r) return failure(r.status());
      reader.emplace(std::move(r).value());
    }
  }
  if (!decision.allowed || !reader) return blocked(decision);
  Response r;
  const std::uint64_t size = reader->size();
  const auto release = home_.catalog().release(reader->version());
  r.content_type = media_type(*reader, release ? release->kind : std::string());
  if (r.content_type == "application/pdf") {
    // The presenter shows PDFs in a frame of its own page: framing by this
    // origin only (the browser's PDF viewer runs as a plugin in the frame).
    r.headers.emplace_back("X-Frame-Options", "SAMEORIGIN");
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; object-src 'self'; frame-ancestors 'self'");
  }
  r.headers.emplace_back("Accept-Ranges", "bytes");
  r.headers.emplace_back("X-Outpost-Version", std::to_string(reader->version().version));
  const auto range = range_header.empty() ? std::nullopt : parse_range(range_header, size);
  if (range && range->length == 0) {
    Response e = json_response(416, {{"error", "range not satisfiable"}, {"size", size}});
    e.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
    return e;
  }
  r.offset = range ? range->first : 0;
  r.length = range ? range->length : size;
  if (range) {
    r.status = 206;
    std::string cr = "bytes ";
    cr += std::to_string(r.offset);
    cr += '-';
    cr += std::to_string(r.offset + r.length - 1);
    cr += '/';
    cr += std::to_string(size);
    r.headers.emplace_back("Content-Range", std::move(cr));
  }
  r.reader = std::move(reader);
  return r;
}

Response App::feedback(const std::string& body) {
  const auto doc = parse_json(body);
  if (!doc) return json_response(400, {{"error", "expected a JSON object"}});
  journal::Feedback f;
  f.asset = text_member(*doc, "asset");
  f.version = version_member(*doc);
  f.rating = doc->value("rating", json(0)).is_number_unsigned() ? doc->value("rating", std::uint64_t{0}) : 0;
  f.comment = text_member(*doc, "comment");
  f.needs_update = doc->value("needs_update", json(false)).is_boolean() && doc->value("needs_update", false);
  if (f.rating < 1 || f.rating > 5) return json_response(400, {{"error", "rating must be 1 (poor) to 5 (great)"}});
  if (home_.catalog().releases(f.asset).empty()) {
    return json_response(404, {{"error", "no asset '" + f.asset + "' in the catalog"}});
  }
  auto appended = home_.record(journal::asset_feedback(f));
  if (!appended) return failure(appended.status());
  return json_response(200, {{"seq", appended->seq}});
}

Response App::content_request(const std::string& body) {
  const auto doc = parse_json(body);
  if (!doc) return json_response(400, {{"error", "expected a JSON object"}});
  auto appended = home_.record(journal::content_request(text_member(*doc, "text"), text_member(*doc, "asset")));
  if (!appended) return failure(appended.status());
  return json_response(200, {{"seq", appended->seq}});
}

Response App::pin(const std::string& body) {
  const auto doc = parse_json(body);
  if (!doc) return json_response(400, {{"error", "expected a JSON object"}});
  const std::string asset = text_member(*doc, "asset");
  const bool pinned = !doc->contains("pinned") || ((*doc)["pinned"].is_boolean() && (*doc)["pinned"].get<bool>());
  if (auto valid = cache::validate_asset_id(asset); !valid) return failure(valid);
  if (home_.catalog().releases(asset).empty()) {
    return json_response(404, {{"error", "no asset '" + asset + "' in the catalog"}});
  }
  if (auto s = home_.cache().set_asset_pinned(asset, pinned); !s) return failure(s);
  return json_response(200, {{"asset", asset}, {"pinned", pinned}, {"decision", shell::decision_json(home_.peek(asset))}});
}

// ---- a rep's assigned leads (personal data: served to this loopback page only)

Response App::assigned_leads() {
  auto leads = home_.assigned_leads().list();
  if (!leads) return failure(leads.status());
  const TimePoint now = home_.catalog().trusted_now();
  json list = json::array();
  for (const leads::AssignedLead& l : *leads) list.push_back(shell::assigned_summary_json(l, now));
  return json_response(200, {{"leads", std::move(list)}});
}

Response App::assigned_lead(const std::string& id) {
  auto lead = home_.assigned_leads().get(id);
  if (!lead) return failure(lead.status());
  return json_response(200, shell::assigned_lead_json(*lead, home_.catalog().trusted_now()));
}

Response App::lead_follow_up(const std::string& id, const std::string& body) {
  const auto doc = parse_json(body);
  if (!doc) return json_response(400, {{"error", "expected a JSON object"}});
  const std::string outcome = text_member(*doc, "outcome");
  std::string note = text_member(*doc, "note");
  auto appended = home_.follow_up_lead(id, outcome, note);
  crypto::wipe(MutableByteView(reinterpret_cast<std::uint8_t*>(note.data()), note.size()));
  if (!appended) return failure(appended.status());
  return json_response(200, {{"lead", id}, {"outcome", outcome}, {"seq", appended->seq}});
}

Response App::presentation_start(const std::string& body) {
  const auto doc = parse_json(body);
  if (!doc) return json_response(400, {{"error", "expected a JSON object"}});
  const std::string asset = text_member(*doc, "asset");
  if (auto valid = cache::validate_asset_id(asset); !valid) return failure(valid);
  auto started = device::Presentation::start(home_, clock_, random_, asset, version_member(*doc));
  if (!started) return failure(started.status());
  if (!started->presentation) return blocked(started->decision);
  const std::string id = started->presentation->id();
  presentations_.insert_or_assign(id, std::move(*started->presentation));
  return json_response(200, {{"id", id}, {"decision", shell::decision_json(started->decision)}});
}

Response App::presentation_page(const std::string& id, const std::string& body) {
  const auto it = presentations_.find(id);
  if (it == presentations_.end()) return json_response(404, {{"error", "no presentation '" + id + "' in progress"}});
  const auto doc = parse_json(body);
  if (!doc || !doc->contains("page") || !(*doc)["page"].is_number_unsigned()) {
    return json_response(400, {{"error", "expected {\"page\": N} (1-based)"}});
  }
  if (auto s = it->second.show_page((*doc)["page"].get<std::uint64_t>()); !s) return failure(s);
  return json_response(200, {{"id", id}, {"page", it->second.current_page()}});
}

Response App::presentation_end(const std::string& id) {
  const auto it = presentations_.find(id);
  if (it == presentations_.end()) return json_response(404, {{"error", "no presentation '" + id + "' in progress"}});
  auto summary = it->second.end();
  presentations_.erase(it);
  if (!summary) return failure(summary.status());
  return json_response(200, shell::presentation_json(*summary));
}

}  // namespace outpost::web
