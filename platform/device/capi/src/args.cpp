#include "args.hpp"

namespace outpost::capi {

namespace {

[[noreturn]] void bad_json(const std::string& what) { throw ApiError(OUTPOST_ERR_INVALID_ARGUMENT, what); }

json parse_object(std::string_view text, const char* what) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) bad_json(std::string(what) + " is not valid JSON");
  if (!doc.is_object()) bad_json(std::string(what) + " must be a JSON object");
  return doc;
}

// A value typed into a form: strings as they are; numbers and booleans as
// their JSON text ("42", "true"), which the form's validation understands.
std::map<std::string, std::string> string_map(const json& doc, const char* key) {
  std::map<std::string, std::string> out;
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return out;
  if (!it->is_object()) bad_json(std::string("\"") + key + "\" must be an object of name: value");
  for (const auto& [name, value] : it->items()) {
    if (value.is_string()) {
      out[name] = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      out[name] = value.dump();
    } else if (!value.is_null()) {
      bad_json(std::string(key) + "." + name + " must be a string, number or boolean");
    }
  }
  return out;
}

}  // namespace

char* json_string(const json& doc) { return make_string(doc.dump(-1, ' ', false, json::error_handler_t::replace)); }

std::map<std::string, std::string> parse_facets(const char* text) {
  std::map<std::string, std::string> out;
  if (text == nullptr || *text == '\0') return out;
  const json doc = parse_object(text, "facets_json");
  for (const auto& [name, value] : doc.items()) {
    if (!value.is_string()) bad_json("facet \"" + name + "\" must have a string value");
    out[name] = value.get<std::string>();
  }
  return out;
}

leads::CaptureRequest parse_capture_request(std::string_view text) {
  const json doc = parse_object(text, "request_json");
  for (const auto& [key, value] : doc.items()) {
    if (key != "fields" && key != "answers" && key != "consent" && key != "show" && key != "badge") {
      bad_json("request_json has an unknown key \"" + key + "\" (expected fields, answers, consent, show, badge)");
    }
  }
  leads::CaptureRequest request;
  request.fields = string_map(doc, "fields");
  request.answers = string_map(doc, "answers");
  if (const auto it = doc.find("consent"); it != doc.end() && !it->is_null()) {
    if (!it->is_boolean()) bad_json("\"consent\" must be true or false");
    request.consent = it->get<bool>();
  }
  if (const auto it = doc.find("show"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) bad_json("\"show\" must be a string");
    request.show = it->get<std::string>();
  }
  if (const auto it = doc.find("badge"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) bad_json("\"badge\" must be a string");
    request.badge = it->get<std::string>();
  }
  return request;
}

}  // namespace outpost::capi
