// Lead forms: the content of an asset of kind "form", versioned and gated
// like any other asset. A form is JSON:
//
//   { "show": "rsa-2027",                      optional default trade show
//     "fields": [ { "name": "email", "label": "Email", "type": "email", "required": true },
//                 { "name": "phone", "type": "phone" },
//                 { "name": "company", "type": "text", "max_length": 120 },
//                 { "name": "size", "type": "select", "options": ["1-50", "51-500"] },
//                 { "name": "seats", "type": "number", "min": 1, "max": 100000 },
//                 { "name": "newsletter", "type": "checkbox" } ],
//     "consent": { "text": "I agree that ...", "version": "2027-01" },
//     "qualification": [ { "name": "timeline", "question": "When will you buy?",
//                          "options": [ { "value": "now", "score": 30 }, { "value": "later", "score": 5 } ] } ] }
//
// Exactly one field has type "email" and it is required: the email is what
// tells a repeat visit from a new lead.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "outpost/base/bytes.hpp"
#include "outpost/base/status.hpp"

namespace outpost::leads {

enum class FieldType { text, email, phone, number, select, checkbox };

struct FormField {
  std::string name;
  std::string label;  // defaults to the name
  FieldType type = FieldType::text;
  bool required = false;
  std::size_t max_length = 200;
  std::optional<std::int64_t> min, max;  // number
  std::vector<std::string> options;     // select
};

struct QualificationOption {
  std::string value;
  std::string label;
  std::uint64_t score = 0;
};

struct QualificationQuestion {
  std::string name;
  std::string question;
  bool required = false;
  std::vector<QualificationOption> options;
};

struct LeadForm {
  std::string show;  // may be empty: the kiosk then names the show
  std::vector<FormField> fields;
  std::string consent_text;
  std::string consent_version;
  std::vector<QualificationQuestion> qualification;

  // invalid_argument naming the problem (e.g. "fields[2].type: 'date' is not
  // one of text, email, phone, number, select, checkbox").
  static Result<LeadForm> parse(ByteView json);
  const FormField& email_field() const;
};

std::string_view field_type_name(FieldType type);

}  // namespace outpost::leads
