#include "outpost/leads/lead_capture.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <variant>

#include "outpost/base/guard.hpp"
#include "outpost/base/utf8.hpp"
#include "outpost/leads/attendees.hpp"
#include "outpost/leads/email.hpp"

namespace outpost::leads {

namespace {

using json = nlohmann::json;

std::string trim(const std::string& s) {
  const auto space = [](unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
  std::size_t b = 0, e = s.size();
  while (b < e && space(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && space(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string lower_ascii(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

bool has_control(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool valid_email(const std::string& email) {
  if (!valid_utf8(email)) return false;
  const auto at = email.find('@');
  if (at == std::string::npos || at == 0 || at > 64 || email.find('@', at + 1) != std::string::npos) return false;
  if (email.size() > 254) return false;
  const std::string local = email.substr(0, at), domain = email.substr(at + 1);
  const auto bad_local = [](unsigned char c) { return c <= 0x20 || c == '"' || c == '(' || c == ')' || c == ',' ||
                                                      c == ':' || c == ';' || c == '<' || c == '>' || c == '[' ||
                                                      c == ']' || c == '\\'; };
  if (std::any_of(local.begin(), local.end(), bad_local)) return false;
  if (domain.empty() || domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string::npos) {
    return false;
  }
  return std::all_of(domain.begin(), domain.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '.' || c >= 0x80;
  });
}

// Digits only, a leading + kept; nullopt if it holds anything else than
// digits and the usual separators, or too few or many digits (E.164: 15).
std::optional<std::string> normal_phone(const std::string& value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c >= '0' && c <= '9') {
      out += c;
    } else if (c == '+' && i == 0) {
      out += c;
    } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.' && c != '/') {
      return std::nullopt;
    }
  }
  const auto digits = out.size() - (out.starts_with('+') ? 1 : 0);
  if (digits < 6 || digits > 15) return std::nullopt;
  return out;
}

std::optional<std::string> normal_checkbox(const std::string& value) {
  const std::string v = lower_ascii(value);
  if (v == "true" || v == "yes" || v == "on" || v == "1") return "true";
  if (v == "false" || v == "no" || v == "off" || v == "0") return "false";
  return std::nullopt;
}

// The normalised value, or a problem for people.
std::variant<std::string, std::string> check_field(const FormField& f, const std::string& raw) {
  using R = std::variant<std::string, std::string>;
  auto problem = [](std::string p) { return R(std::in_place_index<1>, std::move(p)); };
  auto value = [](std::string v) { return R(std::in_place_index<0>, std::move(v)); };
  if (has_control(raw)) return problem("contains control characters");
  switch (f.type) {
    case FieldType::text:
      if (code_points(raw) > f.max_length) {
        return problem("is longer than " + std::to_string(f.max_length) + " characters");
      }
      return value(raw);
    case FieldType::email: {
      std::string email = normal_email(raw);
      if (!valid_email(email)) return problem("is not a valid email address");
      return value(std::move(email));
    }
    case FieldType::phone:
      if (auto phone = normal_phone(raw)) return value(std::move(*phone));
      return problem("is not a phone number (6 to 15 digits, optionally starting with +)");
    case FieldType::number: {
      std::int64_t n = 0;
      const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), n);
      if (ec != std::errc() || end != raw.data() + raw.size()) return problem("is not a whole number");
      if ((f.min && n < *f.min) || (f.max && n > *f.max)) {
        return problem("must be from " + (f.min ? std::to_string(*f.min) : std::string("any")) + " to " +
                       (f.max ? std::to_string(*f.max) : std::string("any")));
      }
      return value(std::to_string(n));
    }
    case FieldType::select:
      if (std::find(f.options.begin(), f.options.end(), raw) == f.options.end()) {
        std::string list;
        for (const auto& o : f.options) list += (list.empty() ? "" : ", ") + o;
        return problem("must be one of: " + list);
      }
      return value(raw);
    case FieldType::checkbox:
      if (auto b = normal_checkbox(raw)) {
        if (f.required && *b != "true") return problem("must be ticked");
        return value(std::move(*b));
      }
      return problem("must be true or false");
  }
  return problem("has an unknown type");
}

Bytes seal_json(const json& message, const crypto::BoxPublicKey& to) {
  Bytes plain = json::to_msgpack(message);
  Bytes sealed = crypto::seal(to, plain);
  crypto::wipe(plain);
  return sealed;
}

}  // namespace

Result<NormalisedLead> normalise(const LeadForm& form, const CaptureRequest& request, std::vector<FieldError>* errors) {
  std::vector<FieldError> problems;
  NormalisedLead lead;
  lead.badge = normal_badge(request.badge);
  if (!valid_utf8(lead.badge) || has_control(lead.badge) || code_points(lead.badge) > 128) {
    problems.push_back({"badge", "is not a badge code"});
  }
  for (const auto& field : request.fields) {
    const std::string& name = field.first;  // not a structured binding: clang before 16 cannot capture one
    if (std::none_of(form.fields.begin(), form.fields.end(), [&](const FormField& f) { return f.name == name; })) {
      problems.push_back({sanitize_utf8(name), "is not a field of this form"});
    }
  }
  for (const FormField& f : form.fields) {
    const auto it = request.fields.find(f.name);
    const std::string raw = it == request.fields.end() ? std::string() : trim(it->second);
    if (!valid_utf8(raw)) {  // refused here, so no stored lead, export or report ever meets it
      problems.push_back({f.name, "is not valid UTF-8 text"});
      continue;
    }
    if (raw.empty()) {
      // A badge not on the attendee list: the hub completes it from the badge.
      if (f.required && !lead.badge.empty()) lead.incomplete = true;
      if (f.required && lead.badge.empty()) problems.push_back({f.name, "is required"});
      continue;
    }
    auto checked = check_field(f, raw);
    if (checked.index() == 1) {
      problems.push_back({f.name, std::get<1>(checked)});
    } else {
      lead.fields[f.name] = std::get<0>(std::move(checked));
    }
  }
  for (const auto& answer : request.answers) {
    const std::string& name = answer.first;
    if (std::none_of(form.qualification.begin(), form.qualification.end(),
                     [&](const QualificationQuestion& q) { return q.name == name; })) {
      problems.push_back({sanitize_utf8(name), "is not a qualification question of this form"});
    }
  }
  for (const QualificationQuestion& q : form.qualification) {
    const auto it = request.answers.find(q.name);
    const std::string answer = it == request.answers.end() ? std::string() : trim(it->second);
    if (answer.empty()) {
      if (q.required) problems.push_back({q.name, "needs an answer"});
      continue;
    }
    const auto option = std::find_if(q.options.begin(), q.options.end(),
                                     [&](const QualificationOption& o) { return o.value == answer; });
    if (option == q.options.end()) {
      std::string list;
      for (const auto& o : q.options) list += (list.empty() ? "" : ", ") + o.value;
      problems.push_back({q.name, "must be one of: " + list});
      continue;
    }
    lead.answers[q.name] = answer;
    lead.score += option->score;
  }
  // Trimmed either way, as withdraw_consent trims it: the dedupe key must match.
  lead.show = trim(request.show).empty() ? trim(form.show) : trim(request.show);
  if (!valid_utf8(lead.show)) {
    problems.push_back({"show", "is not valid UTF-8 text"});
    lead.show = sanitize_utf8(lead.show);
  }
  if (lead.show.empty()) problems.push_back({"show", "no trade show is named (the form has none, and none was given)"});
  if (errors != nullptr) *errors = problems;
  if (!problems.empty()) {
    std::string message = "lead not captured: ";
    for (std::size_t i = 0; i < problems.size(); ++i) {
      message += (i == 0 ? "" : "; ") + problems[i].field + " " + problems[i].problem;
    }
    return Status(Errc::invalid_argument, message);
  }
  return lead;
}

crypto::Digest dedupe_key(const crypto::SecretKey& key, const std::string& show, const std::string& email) {
  crypto::Blake2b h(key);
  h.update(ByteView(reinterpret_cast<const std::uint8_t*>(show.data()), show.size()));
  const std::uint8_t separator = 0;
  h.update(ByteView(&separator, 1));
  h.update(ByteView(reinterpret_cast<const std::uint8_t*>(email.data()), email.size()));
  return h.finish();
}

Result<Captured> capture(journal::Journal& journal, const LeadForm& form, const FormRef& ref,
                         const CaptureRequest& request, const LeadKeys& keys, TimePoint now) {
  return guarded([&]() -> Result<Captured> {
    Result<NormalisedLead> lead = normalise(form, request);
    if (!lead) return lead.status();
    if (!request.consent) {
      return Status(Errc::invalid_argument, "lead not captured: consent is required (the visitor must accept the "
                                            "consent text, version " + form.consent_version + ")");
    }
    // Without an email (a badge the kiosk could not resolve) the same
    // badge scanned twice is the repeat visit.
    const auto email = lead->fields.find(form.email_field().name);
    const crypto::Digest key = dedupe_key(keys.dedupe, lead->show,
                                          email != lead->fields.end() ? email->second : "badge:" + lead->badge);
    const crypto::Digest consent_hash = crypto::blake2b(
        ByteView(reinterpret_cast<const std::uint8_t*>(form.consent_text.data()), form.consent_text.size()));
    Captured out;
    out.score = lead->score;
    out.show = lead->show;
    Result<journal::Appended> appended = journal.append_once("lead:" + lead->show, key, [&](bool first) {
      out.repeat = !first;
      json sealed = {{"form", ref.asset},
                           {"form_version", ref.version},
                           {"show", lead->show},
                           {"captured_at", to_unix_ms(now)},
                           {"fields", lead->fields},
                           {"answers", lead->answers},
                           {"score", lead->score},
                           {"repeat", !first},
                           {"consent",
                            {{"version", form.consent_version},
                             {"text_hash", consent_hash.hex()},
                             {"accepted_at", to_unix_ms(now)}}}};
      if (!lead->badge.empty()) {
        sealed["badge"] = lead->badge;
        sealed["incomplete"] = lead->incomplete;
      }
      journal::LeadRecord record{ref.asset,          ref.version, lead->show, key, lead->score,
                                 form.consent_version, seal_json(sealed, keys.hub_lead)};
      return first ? journal::lead_captured(record) : journal::lead_repeat_visit(record);
    });
    if (!appended) return appended.status();
    out.seq = appended->seq;
    return out;
  });
}

Result<journal::Appended> withdraw_consent(journal::Journal& journal, const std::string& show,
                                           const std::string& email, const LeadKeys& keys, TimePoint now) {
  return guarded([&]() -> Result<journal::Appended> {
    const std::string normal = normal_email(email);
    if (!valid_email(normal)) return Status(Errc::invalid_argument, "consent withdrawal: not a valid email address");
    if (trim(show).empty()) return Status(Errc::invalid_argument, "consent withdrawal: no trade show named");
    if (!valid_utf8(show)) return Status(Errc::invalid_argument, "consent withdrawal: the show name is not valid UTF-8");
    const json sealed = {{"email", normal}, {"show", trim(show)}, {"withdrawn_at", to_unix_ms(now)}};
    Result<journal::Event> event =
        journal::consent_withdrawn(trim(show), dedupe_key(keys.dedupe, trim(show), normal), seal_json(sealed, keys.hub_lead));
    if (!event) return event.status();
    return journal.append(*event);
  });
}

}  // namespace outpost::leads
