// Lead forms (core/include/outpost/leads/lead_form.hpp): the JSON content
// of an asset of kind "form", which a kiosk loads and renders. Input: the
// form's bytes.
// Invariants: parse never throws and fails only with invalid_argument; a
// form it accepts has exactly one email field, required; unique field and
// question names of 1-64 identifier characters; labels; selects with
// options; min <= max; max_length 1-4000; questions with options scored
// 0-1000; consent text and version; and an empty capture request against
// it is refused with problems, never a crash.
#include <algorithm>
#include <set>

#include "outpost/leads/lead_capture.hpp"
#include "outpost/leads/lead_form.hpp"
#include "support/fuzz.hpp"

using namespace outpost;

namespace {

bool identifier(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '-';
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Result<leads::LeadForm> form = fuzz::no_throw("LeadForm::parse", [&] { return leads::LeadForm::parse({data, size}); });
  fuzz::check_code(form.status(), {Errc::invalid_argument}, "LeadForm::parse");
  if (!form) return 0;
  std::set<std::string> names;
  std::size_t emails = 0;
  for (const leads::FormField& f : form->fields) {
    OUTPOST_FUZZ_CHECK(identifier(f.name) && names.insert(f.name).second);
    OUTPOST_FUZZ_CHECK(!f.label.empty());
    OUTPOST_FUZZ_CHECK(f.max_length >= 1 && f.max_length <= 4000);
    OUTPOST_FUZZ_CHECK(!f.min || !f.max || *f.min <= *f.max);
    OUTPOST_FUZZ_CHECK(f.type != leads::FieldType::select || !f.options.empty());
    if (f.type == leads::FieldType::email) {
      ++emails;
      OUTPOST_FUZZ_CHECK(f.required);
    }
  }
  OUTPOST_FUZZ_CHECK(emails == 1 && form->email_field().type == leads::FieldType::email);
  std::set<std::string> questions;
  for (const leads::QualificationQuestion& q : form->qualification) {
    OUTPOST_FUZZ_CHECK(identifier(q.name) && questions.insert(q.name).second);
    OUTPOST_FUZZ_CHECK(!q.options.empty());
    for (const leads::QualificationOption& o : q.options) OUTPOST_FUZZ_CHECK(!o.value.empty() && o.score <= 1000);
  }
  OUTPOST_FUZZ_CHECK(!form->consent_text.empty() && !form->consent_version.empty());

  std::vector<leads::FieldError> problems;
  const Result<leads::NormalisedLead> empty = fuzz::no_throw("normalise", [&] { return leads::normalise(*form, {}, &problems); });
  OUTPOST_FUZZ_CHECK(!empty.is_ok() && !problems.empty());
  return 0;
}
