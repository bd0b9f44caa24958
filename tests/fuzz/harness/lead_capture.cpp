// Lead capture requests at a kiosk: the request an app passes to the C API
// (outpost_lead_capture's request_json) read by parse_capture_request, then
// validated and normalised against a lead form (leads::normalise), as every
// shell does before sealing a lead. Input: [request JSON] against the
// world's form, or [form JSON, request JSON] (a form that does not parse is
// replaced by the world's), cut at the separator.
// Invariants: parse_capture_request throws only ApiError (its contract);
// normalise never throws, fails only with invalid_argument, and lists a
// problem for every failure; a normalised lead holds only the form's
// fields, valid UTF-8 without control characters, every required field
// unless it is an incomplete badge capture, a lower-case email, the score
// of its answers, a show; and normalising it again changes nothing.
#include <algorithm>

#include "args.hpp"
#include "outpost/base/utf8.hpp"
#include "outpost/leads/attendees.hpp"
#include "outpost/leads/lead_capture.hpp"
#include "support/fuzz.hpp"
#include "support/world_catalog.hpp"

using namespace outpost;

namespace {

const leads::LeadForm& world_form() {
  static const leads::LeadForm form = leads::LeadForm::parse(fuzz::bytes_of(fuzz::world_form_json())).value();
  return form;
}

bool clean(const std::string& s) {
  return valid_utf8(s) && std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

void check_lead(const leads::LeadForm& form, const leads::NormalisedLead& lead) {
  for (const auto& field : lead.fields) {
    const std::string& name = field.first;  // not structured bindings: clang before 16 cannot capture them
    const std::string& value = field.second;
    const auto f = std::find_if(form.fields.begin(), form.fields.end(), [&](const auto& x) { return x.name == name; });
    OUTPOST_FUZZ_CHECK_MSG(f != form.fields.end(), "'" + name + "' is not a field of the form");
    OUTPOST_FUZZ_CHECK(!value.empty() && clean(value));
    if (f->type == leads::FieldType::email) {
      OUTPOST_FUZZ_CHECK(std::none_of(value.begin(), value.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
      OUTPOST_FUZZ_CHECK(value.find('@') != std::string::npos);
    }
  }
  for (const leads::FormField& f : form.fields) {
    if (f.required && !lead.incomplete) OUTPOST_FUZZ_CHECK_MSG(lead.fields.contains(f.name), f.name + " is required");
  }
  OUTPOST_FUZZ_CHECK(!lead.incomplete || !lead.badge.empty());
  std::uint64_t score = 0;
  for (const auto& answer : lead.answers) {
    const std::string& name = answer.first;
    const std::string& value = answer.second;
    const auto q = std::find_if(form.qualification.begin(), form.qualification.end(), [&](const auto& x) { return x.name == name; });
    OUTPOST_FUZZ_CHECK(q != form.qualification.end());
    const auto o = std::find_if(q->options.begin(), q->options.end(), [&](const auto& x) { return x.value == value; });
    OUTPOST_FUZZ_CHECK(o != q->options.end());
    score += o->score;
  }
  OUTPOST_FUZZ_CHECK(score == lead.score);
  OUTPOST_FUZZ_CHECK(!lead.show.empty() && valid_utf8(lead.show));
  OUTPOST_FUZZ_CHECK(leads::normal_badge(lead.badge) == lead.badge);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<Bytes> parts = fuzz::split({data, size});
  std::optional<leads::LeadForm> parsed_form;
  if (parts.size() > 1) {
    Result<leads::LeadForm> f = fuzz::no_throw("LeadForm::parse", [&] { return leads::LeadForm::parse(parts[0]); });
    if (f) parsed_form = std::move(*f);
  }
  const leads::LeadForm& form = parsed_form ? *parsed_form : world_form();

  leads::CaptureRequest request;
  try {
    request = capi::parse_capture_request(fuzz::text(parts.back()));
  } catch (const capi::ApiError& e) {
    OUTPOST_FUZZ_CHECK(e.code() == OUTPOST_ERR_INVALID_ARGUMENT);
    return 0;
  } catch (const std::exception& e) {
    fuzz::fail(__FILE__, __LINE__, std::string("parse_capture_request threw ") + typeid(e).name() + ": " + e.what());
  }

  std::vector<leads::FieldError> problems;
  const Result<leads::NormalisedLead> lead = fuzz::no_throw("normalise", [&] { return leads::normalise(form, request, &problems); });
  fuzz::check_code(lead.status(), {Errc::invalid_argument}, "normalise");
  OUTPOST_FUZZ_CHECK(lead.is_ok() == problems.empty());
  if (!lead) return 0;
  check_lead(form, *lead);

  leads::CaptureRequest again;
  again.fields = lead->fields;
  again.answers = lead->answers;
  again.show = lead->show;
  again.badge = lead->badge;
  const Result<leads::NormalisedLead> twice = fuzz::no_throw("normalise (again)", [&] { return leads::normalise(form, again); });
  OUTPOST_FUZZ_CHECK_MSG(twice.is_ok(), twice.status().to_string());
  OUTPOST_FUZZ_CHECK(twice->fields == lead->fields && twice->answers == lead->answers && twice->score == lead->score &&
                     twice->show == lead->show && twice->badge == lead->badge && twice->incomplete == lead->incomplete);
  return 0;
}
