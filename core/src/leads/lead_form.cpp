#include "outpost/leads/lead_form.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>

namespace outpost::leads {

namespace {

using json = nlohmann::json;

constexpr FieldType all_types[] = {FieldType::text,   FieldType::email,  FieldType::phone,
                                   FieldType::number, FieldType::select, FieldType::checkbox};

[[noreturn]] void fail(const std::string& where, const std::string& problem) {
  throw Error(Status(Errc::invalid_argument, "lead form: " + where + ": " + problem));
}

std::string text(const json& obj, const char* key, const std::string& where, bool required, std::size_t max = 4000) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) fail(where + "." + key, "is missing");
    return {};
  }
  if (!it->is_string()) fail(where + "." + key, "must be a string");
  std::string s = it->get<std::string>();
  if (required && s.empty()) fail(where + "." + key, "must not be empty");
  if (s.size() > max) fail(where + "." + key, "is longer than " + std::to_string(max) + " bytes");
  return s;
}

bool flag(const json& obj, const char* key, const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end()) return false;
  if (!it->is_boolean()) fail(where + "." + key, "must be true or false");
  return it->get<bool>();
}

std::optional<std::int64_t> integer(const json& obj, const char* key, const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (!it->is_number_integer()) fail(where + "." + key, "must be an integer");
  // An unsigned value past the signed range would wrap into a negative one.
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    fail(where + "." + key, "is out of range");
  }
  return it->get<std::int64_t>();
}

const json& array(const json& obj, const char* key, const std::string& where, bool required) {
  static const json empty = json::array();
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) fail(where + key, "is missing");
    return empty;
  }
  if (!it->is_array()) fail(where + key, "must be an array");
  return *it;
}

// Names are identifiers: they become keys in the sealed lead and in forms.
void check_name(const std::string& name, const std::string& where) {
  const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '-';
  });
  if (!ok) fail(where + ".name", "'" + name + "' must be 1-64 letters, digits, '_' or '-'");
}

FormField parse_field(const json& f, const std::string& where) {
  if (!f.is_object()) fail(where, "must be an object");
  FormField field;
  field.name = text(f, "name", where, true, 64);
  check_name(field.name, where);
  field.label = text(f, "label", where, false, 200);
  if (field.label.empty()) field.label = field.name;
  const std::string type = text(f, "type", where, false, 32);
  if (!type.empty()) {
    const auto* t = std::find_if(std::begin(all_types), std::end(all_types),
                                 [&](FieldType ft) { return field_type_name(ft) == type; });
    if (t == std::end(all_types)) {
      fail(where + ".type", "'" + type + "' is not one of text, email, phone, number, select, checkbox");
    }
    field.type = *t;
  }
  field.required = flag(f, "required", where);
  if (auto max_length = integer(f, "max_length", where)) {
    if (*max_length < 1 || *max_length > 4000) fail(where + ".max_length", "must be 1 to 4000");
    field.max_length = static_cast<std::size_t>(*max_length);
  }
  field.min = integer(f, "min", where);
  field.max = integer(f, "max", where);
  if (field.min && field.max && *field.min > *field.max) fail(where, "min is greater than max");
  for (const json& o : array(f, "options", where + ".", false)) {
    if (!o.is_string() || o.get_ref<const std::string&>().empty()) fail(where + ".options", "must be non-empty strings");
    field.options.push_back(o.get<std::string>());
  }
  if (field.type == FieldType::select && field.options.empty()) fail(where + ".options", "a select needs options");
  return field;
}

QualificationQuestion parse_question(const json& q, const std::string& where) {
  if (!q.is_object()) fail(where, "must be an object");
  QualificationQuestion question;
  question.name = text(q, "name", where, true, 64);
  check_name(question.name, where);
  question.question = text(q, "question", where, true, 400);
  question.required = flag(q, "required", where);
  const json& options = array(q, "options", where + ".", true);
  if (options.empty()) fail(where + ".options", "must not be empty");
  for (std::size_t i = 0; i < options.size(); ++i) {
    const std::string at = where + ".options[" + std::to_string(i) + "]";
    if (!options[i].is_object()) fail(at, "must be an object");
    QualificationOption o;
    o.value = text(options[i], "value", at, true, 64);
    o.label = text(options[i], "label", at, false, 200);
    if (o.label.empty()) o.label = o.value;
    const auto score = integer(options[i], "score", at).value_or(0);
    if (score < 0 || score > 1000) fail(at + ".score", "must be 0 to 1000");
    o.score = static_cast<std::uint64_t>(score);
    question.options.push_back(std::move(o));
  }
  return question;
}

}  // namespace

std::string_view field_type_name(FieldType type) {
  switch (type) {
    case FieldType::text: return "text";
    case FieldType::email: return "email";
    case FieldType::phone: return "phone";
    case FieldType::number: return "number";
    case FieldType::select: return "select";
    case FieldType::checkbox: return "checkbox";
  }
  return "?";
}

const FormField& LeadForm::email_field() const {
  return *std::find_if(fields.begin(), fields.end(), [](const FormField& f) { return f.type == FieldType::email; });
}

Result<LeadForm> LeadForm::parse(ByteView bytes) {
  try {
    const json doc = json::parse(bytes.begin(), bytes.end());
    if (!doc.is_object()) fail("the form", "must be a JSON object");
    LeadForm form;
    form.show = text(doc, "show", "form", false, 256);
    const json& fields = array(doc, "fields", "", true);
    for (std::size_t i = 0; i < fields.size(); ++i) {
      FormField f = parse_field(fields[i], "fields[" + std::to_string(i) + "]");
      for (const FormField& other : form.fields) {
        if (other.name == f.name) fail("fields[" + std::to_string(i) + "]", "name '" + f.name + "' is used twice");
      }
      form.fields.push_back(std::move(f));
    }
    const auto emails = std::count_if(form.fields.begin(), form.fields.end(),
                                      [](const FormField& f) { return f.type == FieldType::email; });
    if (emails != 1) fail("fields", "need exactly one field of type email (it tells repeat visits from new leads)");
    if (!form.email_field().required) fail("fields", "the email field must be required");
    const auto consent = doc.find("consent");
    if (consent == doc.end() || !consent->is_object()) fail("consent", "is missing (text and version)");
    form.consent_text = text(*consent, "text", "consent", true, 4000);
    form.consent_version = text(*consent, "version", "consent", true, 64);
    const json& questions = array(doc, "qualification", "", false);
    for (std::size_t i = 0; i < questions.size(); ++i) {
      QualificationQuestion q = parse_question(questions[i], "qualification[" + std::to_string(i) + "]");
      for (const auto& other : form.qualification) {
        if (other.name == q.name) fail("qualification[" + std::to_string(i) + "]", "name '" + q.name + "' is used twice");
      }
      form.qualification.push_back(std::move(q));
    }
    return form;
  } catch (const json::exception& e) {
    return Status(Errc::invalid_argument, std::string("lead form: not valid JSON: ") + e.what());
  } catch (const Error& e) {
    return e.status();
  }
}

}  // namespace outpost::leads
