// The fuzz world's catalog, the same in every harness and in the seed
// maker: trust list version 1 (publisher "marketing", the world's hub and
// lead keys) and one release of each content below.
#pragma once

#include <string>
#include <vector>

#include "outpost/catalog/catalog_authority.hpp"
#include "support/fuzz.hpp"

namespace outpost::fuzz {

struct Content {
  std::string asset;
  std::uint64_t version;
  std::string kind;
  Bytes bytes;
};
// A PDF ("deck"), a lead form ("form"), an attendee list ("attendees",
// badges A-100 and B-200, show "expo-2027").
const std::vector<Content>& world_contents();
std::string world_form_json();

catalog::SignedStatement world_trust_list();
catalog::Release release_of(const Content& content);
// The authority with the trust list and a release of every content.
catalog::CatalogAuthority world_authority();
// Its delta from 0, with a timestamp valid for a day from world().now.
catalog::CatalogDelta world_delta();

}  // namespace outpost::fuzz
