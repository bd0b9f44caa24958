// The publisher's statements as the hub reads them (publish.statement,
// docs/protocol.md §10.6): the signed statement, its kind, the release or
// revocation body, the recipe that must match a release's digest, then the
// catalog's rules (CatalogAuthority::submit, and update_trust for a trust
// list). Input: byte 0 picks the form of part 0 - even: an encoded
// SignedStatement; odd: a statement body that the harness signs with the
// world's publisher, root or hub key (byte 0 / 2 % 3), so mutated bodies
// get past the signature; then part 1, if present, is the packed recipe,
// checked against a release as the hub does (the authority is given the
// statement whatever the recipe's fate, so that mutated releases, whose
// digest no recipe can match, still meet the catalog's rules).
// The authority starts as the world's (a trust list and three releases).
// Invariants: no throw; failures carry the documented codes; a record
// round-trips; what the authority accepts gets the next seq, and the delta
// it then serves applies on a fresh device catalog (what the hub accepts,
// every device accepts).
#include <filesystem>

#include "outpost/cache/content_digest.hpp"
#include "outpost/catalog/device_catalog.hpp"
#include "outpost/sync/messages.hpp"
#include "support/catalog_check.hpp"
#include "support/world_catalog.hpp"

using namespace outpost;
using namespace std::chrono_literals;

namespace {

void device_accepts(const catalog::CatalogAuthority& authority) {
  static const ManualClock clock(fuzz::world().now);
  const std::filesystem::path db = fuzz::scratch() / "catalog.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
  auto device = catalog::DeviceCatalog::open(db, clock, fuzz::world().device_master);
  OUTPOST_FUZZ_CHECK(device.is_ok() && (*device)->pin_root(fuzz::world().root.public_key()).is_ok());
  const auto delta = authority.delta(0, fuzz::world().hub, fuzz::world().now, 24h);
  OUTPOST_FUZZ_CHECK(delta.is_ok());
  const Result<catalog::CatalogDelta> decoded = catalog::CatalogDelta::decode(delta->encode());
  OUTPOST_FUZZ_CHECK(decoded.is_ok());
  const Result<catalog::ApplyReport> applied = fuzz::no_throw("apply", [&] { return (*device)->apply(*decoded); });
  OUTPOST_FUZZ_CHECK_MSG(applied.is_ok(), "the hub accepted a statement no device accepts: " + applied.status().to_string());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::vector<Bytes> parts = fuzz::split({data + 1, size - 1});
  std::optional<catalog::SignedStatement> statement;
  if (data[0] % 2 == 0) {
    Result<catalog::SignedStatement> decoded =
        fuzz::no_throw("SignedStatement::decode", [&] { return catalog::SignedStatement::decode(parts[0]); });
    fuzz::check_code(decoded.status(), {Errc::corrupt}, "SignedStatement::decode");
    if (!decoded) return 0;
    statement = std::move(*decoded);
  } else {
    const crypto::SigningKey* keys[] = {&fuzz::world().publisher, &fuzz::world().root, &fuzz::world().hub};
    statement = catalog::sign_statement(parts[0], *keys[(data[0] / 2) % 3]);
  }
  const std::optional<catalog::StatementType> type = fuzz::check_statement(*statement);
  if (!type) return 0;

  catalog::CatalogAuthority authority = fuzz::world_authority();
  const std::uint64_t before = authority.seq();
  if (*type == catalog::StatementType::trust_list) {
    const Status s = fuzz::no_throw("update_trust", [&] { return authority.update_trust(*statement, fuzz::world().root.public_key()); });
    fuzz::check_code(s, {Errc::invalid_argument, Errc::integrity, Errc::corrupt}, "update_trust");
    if (s) device_accepts(authority);
    return 0;
  }
  const Result<catalog::Release> release = catalog::Release::from_body(statement->body);
  if (release && parts.size() > 1) {
    const Result<std::vector<cache::RecipeEntry>> recipe =
        fuzz::no_throw("unpack_recipe", [&] { return sync::msg::unpack_recipe(parts[1]); });
    const Status checked = !recipe ? recipe.status() : fuzz::no_throw("check_recipe", [&] {
      return cache::check_recipe(*recipe, release->size, release->digest);
    });
    fuzz::check_code(checked, {Errc::invalid_argument, Errc::integrity}, "check_recipe");
    if (checked) OUTPOST_FUZZ_CHECK(cache::recipe_digest(*recipe) == release->digest);
  }
  const Result<std::uint64_t> seq = fuzz::no_throw("submit", [&] { return authority.submit(*statement); });
  fuzz::check_code(seq.status(), {Errc::invalid_argument, Errc::integrity, Errc::corrupt}, "submit");
  if (!seq) {
    OUTPOST_FUZZ_CHECK(authority.seq() == before);
    return 0;
  }
  OUTPOST_FUZZ_CHECK(*seq == before + 1 && authority.seq() == *seq);
  OUTPOST_FUZZ_CHECK(authority.trust().find_publisher(statement->signer) != nullptr);
  device_accepts(authority);
  return 0;
}
