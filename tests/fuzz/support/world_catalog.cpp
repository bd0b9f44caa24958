#include "world_catalog.hpp"

#include <chrono>

#include "outpost/cache/content_digest.hpp"
#include "outpost/leads/attendees.hpp"

namespace outpost::fuzz {

using namespace std::chrono_literals;

std::string world_form_json() {
  return R"({"show": "expo-2027",
  "fields": [{"name": "email", "label": "Email", "type": "email", "required": true},
             {"name": "name", "type": "text", "max_length": 80},
             {"name": "phone", "type": "phone"},
             {"name": "size", "type": "select", "options": ["1-50", "51-500"]},
             {"name": "seats", "type": "number", "min": 1, "max": 100000},
             {"name": "newsletter", "type": "checkbox"}],
  "consent": {"text": "I agree to be contacted.", "version": "2027-01"},
  "qualification": [{"name": "timeline", "question": "When will you buy?", "required": false,
                     "options": [{"value": "now", "score": 30}, {"value": "later", "score": 5}]}]})";
}

const std::vector<Content>& world_contents() {
  static const std::vector<Content> contents = [] {
    std::vector<Content> out;
    out.push_back({"deck", 1, "pdf", bytes_of("%PDF-1.4\n% a deck\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")});
    out.push_back({"form", 1, "form", bytes_of(world_form_json())});
    FixedRandom random(7);
    const std::vector<leads::Attendee> attendees{
        {"A-100", {{"email", "ada@example.com"}, {"name", "Ada"}}},
        {"B-200", {{"email", "bob@example.org"}, {"name", "Bob"}, {"size", "1-50"}}}};
    out.push_back({"attendees", 1, "attendees", leads::make_attendee_list("expo-2027", attendees, random).value()});
    return out;
  }();
  return contents;
}

catalog::SignedStatement world_trust_list() {
  catalog::TrustList t;
  t.version = 1;
  t.publishers = {{"marketing", world().publisher.public_key()}};
  t.hub_key = world().hub.public_key();
  t.lead_key = world().lead.public_key();
  t.offline_budget = catalog::default_offline_budget();
  t.issued_at = world().now - 24h;
  return catalog::sign_statement(t.to_body(), world().root);
}

catalog::Release release_of(const Content& content) {
  catalog::Release r;
  r.asset = content.asset;
  r.version = content.version;
  r.title = "The " + content.asset;
  r.kind = content.kind;
  r.digest = cache::content_digest(content.bytes);
  r.size = content.bytes.size();
  r.valid_from = world().now - 1h;
  r.published_at = world().now - 1h;
  return r;
}

catalog::CatalogAuthority world_authority() {
  auto authority = catalog::CatalogAuthority::create(world_trust_list(), world().root.public_key()).value();
  for (const Content& c : world_contents()) {
    authority.submit(catalog::sign_statement(release_of(c).to_body(), world().publisher)).value();
  }
  return authority;
}

catalog::CatalogDelta world_delta() { return world_authority().delta(0, world().hub, world().now, 24h).value(); }

}  // namespace outpost::fuzz
