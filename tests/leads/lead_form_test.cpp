// Lead forms: a valid form with every field type parses into exactly what
// it says, and every malformed form is refused as invalid_argument with a
// message naming the place ("fields[2].type: ...").
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "outpost/leads/lead_form.hpp"

using namespace outpost;
using namespace outpost::leads;
using Catch::Matchers::Contains;
using json = nlohmann::json;

namespace {

// Every field type, a default show, consent and two qualification questions.
json full_form() {
  return json::parse(R"({
    "show": "rsa-2027",
    "fields": [
      { "name": "email", "label": "Email", "type": "email", "required": true },
      { "name": "name", "label": "Your name", "required": true, "max_length": 80 },
      { "name": "phone", "type": "phone" },
      { "name": "company", "type": "text", "max_length": 120 },
      { "name": "size", "type": "select", "options": ["1-50", "51-500", "500+"] },
      { "name": "seats", "type": "number", "min": 1, "max": 100000 },
      { "name": "newsletter", "type": "checkbox" }
    ],
    "consent": { "text": "I agree that ACME may contact me.", "version": "2027-01" },
    "qualification": [
      { "name": "timeline", "question": "When will you buy?", "required": true,
        "options": [ { "value": "now", "label": "This quarter", "score": 30 }, { "value": "later", "score": 5 } ] },
      { "name": "budget", "question": "Budget approved?",
        "options": [ { "value": "yes", "score": 1000 }, { "value": "no" } ] }
    ]
  })");
}

Result<LeadForm> parse(const json& doc) { return LeadForm::parse(as_bytes(doc.dump())); }
Result<LeadForm> parse_text(const std::string& text) { return LeadForm::parse(as_bytes(text)); }

// Refused as invalid_argument, with a message holding every one of parts.
void check_refused(const Result<LeadForm>& result, const std::vector<std::string>& parts) {
  INFO(result.status().to_string());
  REQUIRE_FALSE(result.is_ok());
  CHECK(result.status().code() == Errc::invalid_argument);
  CHECK_THAT(result.status().message(), Contains("lead form"));
  for (const std::string& part : parts) CHECK_THAT(result.status().message(), Contains(part));
}

}  // namespace

TEST_CASE("LeadForm: a form with every field type and qualification parses into what it says", "[leads]") {
  auto parsed = parse(full_form());
  INFO(parsed.status().to_string());
  REQUIRE(parsed.is_ok());
  const LeadForm& f = *parsed;
  CHECK(f.show == "rsa-2027");
  CHECK(f.consent_text == "I agree that ACME may contact me.");
  CHECK(f.consent_version == "2027-01");
  REQUIRE(f.fields.size() == 7);

  CHECK(f.fields[0].name == "email");
  CHECK(f.fields[0].label == "Email");
  CHECK(f.fields[0].type == FieldType::email);
  CHECK(f.fields[0].required);

  CHECK(f.fields[1].name == "name");
  CHECK(f.fields[1].label == "Your name");
  CHECK(f.fields[1].type == FieldType::text);  // the default type
  CHECK(f.fields[1].required);
  CHECK(f.fields[1].max_length == 80);

  CHECK(f.fields[2].type == FieldType::phone);
  CHECK(f.fields[2].label == "phone");  // the label defaults to the name
  CHECK_FALSE(f.fields[2].required);
  CHECK(f.fields[3].type == FieldType::text);
  CHECK(f.fields[3].max_length == 120);
  CHECK(f.fields[2].max_length == 200);  // the default length

  CHECK(f.fields[4].type == FieldType::select);
  CHECK(f.fields[4].options == std::vector<std::string>{"1-50", "51-500", "500+"});
  CHECK(f.fields[5].type == FieldType::number);
  CHECK(f.fields[5].min == std::optional<std::int64_t>(1));
  CHECK(f.fields[5].max == std::optional<std::int64_t>(100000));
  CHECK(f.fields[6].type == FieldType::checkbox);
  CHECK_FALSE(f.fields[6].min.has_value());

  CHECK(&f.email_field() == &f.fields[0]);

  REQUIRE(f.qualification.size() == 2);
  const QualificationQuestion& timeline = f.qualification[0];
  CHECK(timeline.name == "timeline");
  CHECK(timeline.question == "When will you buy?");
  CHECK(timeline.required);
  REQUIRE(timeline.options.size() == 2);
  CHECK(timeline.options[0].value == "now");
  CHECK(timeline.options[0].label == "This quarter");
  CHECK(timeline.options[0].score == 30);
  CHECK(timeline.options[1].label == "later");  // the label defaults to the value
  CHECK(timeline.options[1].score == 5);
  const QualificationQuestion& budget = f.qualification[1];
  CHECK_FALSE(budget.required);
  CHECK(budget.options[0].score == 1000);  // the largest score allowed
  CHECK(budget.options[1].score == 0);     // the default score
}

TEST_CASE("LeadForm: a minimal form needs only the email field and consent", "[leads]") {
  auto parsed = parse_text(R"({ "fields": [ { "name": "mail", "type": "email", "required": true } ],
                                "consent": { "text": "ok", "version": "1" } })");
  INFO(parsed.status().to_string());
  REQUIRE(parsed.is_ok());
  CHECK(parsed->show.empty());
  CHECK(parsed->qualification.empty());
  CHECK(parsed->email_field().name == "mail");
}

TEST_CASE("LeadForm: field_type_name names every type as the form spells it", "[leads]") {
  const std::vector<std::pair<FieldType, std::string>> all = {
      {FieldType::text, "text"},     {FieldType::email, "email"},   {FieldType::phone, "phone"},
      {FieldType::number, "number"}, {FieldType::select, "select"}, {FieldType::checkbox, "checkbox"}};
  for (const auto& [type, name] : all) {
    CHECK(field_type_name(type) == name);
    json doc = full_form();
    doc["fields"].push_back({{"name", "extra"}, {"type", name}, {"options", {"a"}}});
    if (type == FieldType::email) continue;  // a second email field is refused (tested below)
    auto parsed = parse(doc);
    INFO(name << ": " << parsed.status().to_string());
    REQUIRE(parsed.is_ok());
    CHECK(parsed->fields.back().type == type);
  }
}

TEST_CASE("LeadForm: text that is not JSON, or not a JSON object, is refused", "[leads]") {
  for (const std::string& text : {std::string(""), std::string("not json"), std::string("{\"fields\": ["),
                                  std::string("{'fields': []}"), full_form().dump().substr(0, 100)}) {
    INFO("text: " << text);
    check_refused(parse_text(text), {"not valid JSON"});
  }
  for (const char* text : {"[]", "42", "\"form\"", "null"}) {
    INFO("text: " << text);
    check_refused(parse_text(text), {"must be a JSON object"});
  }
  // Invalid UTF-8 inside a string is not JSON either.
  std::string bad_utf8 = full_form().dump();
  bad_utf8.replace(bad_utf8.find("Your name"), 4, "\xff\xfe\xfd\xfc");
  check_refused(parse_text(bad_utf8), {"not valid JSON"});
}

TEST_CASE("LeadForm: a form without fields is refused, naming 'fields'", "[leads]") {
  json doc = full_form();
  doc.erase("fields");
  check_refused(parse(doc), {"fields: is missing"});

  doc["fields"] = json::array();
  check_refused(parse(doc), {"fields", "email"});

  doc["fields"] = "email";
  check_refused(parse(doc), {"fields: must be an array"});

  doc["fields"] = json::array({"email"});
  check_refused(parse(doc), {"fields[0]: must be an object"});
}

TEST_CASE("LeadForm: an unknown field type is refused, naming the field and the known types", "[leads]") {
  json doc = full_form();
  doc["fields"][2]["type"] = "date";
  check_refused(parse(doc), {"fields[2].type: 'date' is not one of text, email, phone, number, select, checkbox"});
  doc["fields"][2]["type"] = "Email";  // type names are exact
  check_refused(parse(doc), {"fields[2].type", "'Email'"});
  doc["fields"][2]["type"] = 3;
  check_refused(parse(doc), {"fields[2].type: must be a string"});
}

TEST_CASE("LeadForm: a field or question name used twice is refused, naming the second", "[leads]") {
  json doc = full_form();
  doc["fields"][3]["name"] = "phone";
  check_refused(parse(doc), {"fields[3]", "'phone' is used twice"});

  doc = full_form();
  doc["qualification"][1]["name"] = "timeline";
  check_refused(parse(doc), {"qualification[1]", "'timeline' is used twice"});
}

TEST_CASE("LeadForm: a form needs exactly one email field, and it must be required", "[leads]") {
  json doc = full_form();
  doc["fields"].erase(0);  // no email field
  check_refused(parse(doc), {"fields", "exactly one field of type email"});

  doc = full_form();
  doc["fields"].push_back({{"name", "work_email"}, {"type", "email"}, {"required", true}});
  check_refused(parse(doc), {"fields", "exactly one field of type email"});

  doc = full_form();
  doc["fields"][0]["required"] = false;
  check_refused(parse(doc), {"fields", "the email field must be required"});
  doc["fields"][0].erase("required");  // optional by default
  check_refused(parse(doc), {"the email field must be required"});
  doc["fields"][0]["required"] = "yes";
  check_refused(parse(doc), {"fields[0].required: must be true or false"});
}

TEST_CASE("LeadForm: consent text and version are required", "[leads]") {
  json doc = full_form();
  doc.erase("consent");
  check_refused(parse(doc), {"consent", "is missing"});

  doc["consent"] = "I agree";
  check_refused(parse(doc), {"consent", "is missing (text and version)"});

  doc["consent"] = {{"version", "2027-01"}};
  check_refused(parse(doc), {"consent.text: is missing"});
  doc["consent"] = {{"text", ""}, {"version", "2027-01"}};
  check_refused(parse(doc), {"consent.text: must not be empty"});

  doc["consent"] = {{"text", "I agree"}};
  check_refused(parse(doc), {"consent.version: is missing"});
  doc["consent"] = {{"text", "I agree"}, {"version", ""}};
  check_refused(parse(doc), {"consent.version: must not be empty"});
  doc["consent"] = {{"text", "I agree"}, {"version", 2027}};
  check_refused(parse(doc), {"consent.version: must be a string"});
  doc["consent"] = {{"text", "I agree"}, {"version", std::string(65, 'v')}};
  check_refused(parse(doc), {"consent.version", "longer than 64"});
}

TEST_CASE("LeadForm: a select without options is refused", "[leads]") {
  json doc = full_form();
  doc["fields"][4].erase("options");
  check_refused(parse(doc), {"fields[4].options", "a select needs options"});
  doc["fields"][4]["options"] = json::array();
  check_refused(parse(doc), {"fields[4].options", "a select needs options"});
  doc["fields"][4]["options"] = {"a", ""};
  check_refused(parse(doc), {"fields[4].options: must be non-empty strings"});
  doc["fields"][4]["options"] = {"a", 2};
  check_refused(parse(doc), {"fields[4].options: must be non-empty strings"});
  doc["fields"][4]["options"] = "a,b";
  check_refused(parse(doc), {"fields[4].options: must be an array"});
}

TEST_CASE("LeadForm: qualification options need a value and a score from 0 to 1000", "[leads]") {
  for (const json& score : {json(-1), json(1001), json(2.5), json("10"), json(true)}) {
    json doc = full_form();
    doc["qualification"][0]["options"][1]["score"] = score;
    INFO("score " << score.dump());
    check_refused(parse(doc), {"qualification[0].options[1].score"});
  }
  json doc = full_form();
  doc["qualification"][0]["options"][1]["score"] = 18446744073709551615ull;  // wraps to -1 as int64
  check_refused(parse(doc), {"qualification[0].options[1].score"});

  doc = full_form();
  doc["qualification"][0]["options"][0].erase("value");
  check_refused(parse(doc), {"qualification[0].options[0].value: is missing"});
  doc = full_form();
  doc["qualification"][0]["options"][0] = "now";
  check_refused(parse(doc), {"qualification[0].options[0]: must be an object"});
  doc = full_form();
  doc["qualification"][0]["options"] = json::array();
  check_refused(parse(doc), {"qualification[0].options: must not be empty"});
  doc["qualification"][0].erase("options");
  check_refused(parse(doc), {"qualification[0].options", "is missing"});
  doc = full_form();
  doc["qualification"][1].erase("question");
  check_refused(parse(doc), {"qualification[1].question: is missing"});
  doc = full_form();
  doc["qualification"] = {{"name", "timeline"}};
  check_refused(parse(doc), {"qualification: must be an array"});
}

TEST_CASE("LeadForm: field and question names must be identifiers", "[leads]") {
  for (const std::string& name : {std::string("e mail"), std::string(""), std::string(65, 'n'), std::string("naïve"),
                                  std::string("a.b"), std::string("a/b")}) {
    json doc = full_form();
    doc["fields"][3]["name"] = name;
    INFO("name '" << name << "'");
    check_refused(parse(doc), {"fields[3].name"});
    doc = full_form();
    doc["qualification"][0]["name"] = name;
    check_refused(parse(doc), {"qualification[0].name"});
  }
  json doc = full_form();
  doc["fields"][3].erase("name");
  check_refused(parse(doc), {"fields[3].name: is missing"});
  doc["fields"][3]["name"] = 7;
  check_refused(parse(doc), {"fields[3].name: must be a string"});
  doc["fields"][3]["name"] = "Company_Name-2";  // letters, digits, '_' and '-' are fine
  CHECK(parse(doc).is_ok());
  doc["fields"][3]["name"] = std::string(64, 'n');
  CHECK(parse(doc).is_ok());
}

TEST_CASE("LeadForm: field limits are checked and named", "[leads]") {
  json doc = full_form();
  doc["fields"][3]["max_length"] = 0;
  check_refused(parse(doc), {"fields[3].max_length: must be 1 to 4000"});
  doc["fields"][3]["max_length"] = 4001;
  check_refused(parse(doc), {"fields[3].max_length: must be 1 to 4000"});
  doc["fields"][3]["max_length"] = "120";
  check_refused(parse(doc), {"fields[3].max_length: must be an integer"});

  doc = full_form();
  doc["fields"][5]["min"] = 10;
  doc["fields"][5]["max"] = 9;
  check_refused(parse(doc), {"fields[5]", "min is greater than max"});
  doc["fields"][5]["max"] = 1.5;
  check_refused(parse(doc), {"fields[5].max: must be an integer"});
  // A bound past the signed 64-bit range must not wrap into a negative one.
  doc["fields"][5].erase("min");
  doc["fields"][5]["max"] = 9223372036854775808ull;
  check_refused(parse(doc), {"fields[5].max"});
  doc["fields"][5]["max"] = 9223372036854775807ll;  // the largest that fits
  CHECK(parse(doc).is_ok());

  doc = full_form();
  doc["fields"][1]["label"] = std::string(201, 'l');
  check_refused(parse(doc), {"fields[1].label", "longer than 200"});
  doc = full_form();
  doc["show"] = 2027;
  check_refused(parse(doc), {"form.show: must be a string"});
}
