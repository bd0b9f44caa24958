// Recipes and recipe deltas (docs/protocol.md §10.4): a device unpacks the
// recipe the hub sends, or patches a delta onto the recipe of a version it
// holds; the hub and the publisher unpack a recipe a publisher sends.
// Input: [packed base recipe, delta or packed recipe, packed target], cut
// at the separator (parts may be missing).
// Invariants: no throw; failures are invalid_argument; an unpacked recipe
// packs back to the same bytes, with offsets that lie end to end from 0; a
// patched recipe takes its entries from the base or the delta, end to end;
// diff_recipe(base, target) patched onto base gives target back.
#include "outpost/sync/messages.hpp"
#include "support/fuzz.hpp"

using namespace outpost;
namespace msg = outpost::sync::msg;
using Recipe = std::vector<cache::RecipeEntry>;

namespace {

void check_end_to_end(const Recipe& r) {
  std::uint64_t offset = 0;
  for (const cache::RecipeEntry& e : r) {
    OUTPOST_FUZZ_CHECK(e.offset == offset);
    offset += e.size;
  }
}

bool same(const Recipe& a, const Recipe& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const auto& x, const auto& y) {
           return x.id == y.id && x.size == y.size && x.offset == y.offset;
         });
}

Result<Recipe> unpack(const Bytes& packed) {
  Result<Recipe> r = fuzz::no_throw("unpack_recipe", [&] { return msg::unpack_recipe(packed); });
  fuzz::check_code(r.status(), {Errc::invalid_argument}, "unpack_recipe");
  if (r) {
    OUTPOST_FUZZ_CHECK(msg::pack_recipe(*r) == packed);
    check_end_to_end(*r);
  }
  return r;
}

void diff_then_patch(const Recipe& base, const Recipe& target) {
  const Bytes delta = fuzz::no_throw("diff_recipe", [&] { return msg::diff_recipe(base, target); });
  const Result<Recipe> back = fuzz::no_throw("patch_recipe (own diff)", [&] { return msg::patch_recipe(base, delta); });
  OUTPOST_FUZZ_CHECK_MSG(back.is_ok(), back.status().to_string());
  OUTPOST_FUZZ_CHECK(same(*back, target));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<Bytes> parts = fuzz::split({data, size});
  const Result<Recipe> unpacked_base = unpack(parts[0]);
  const Recipe base = unpacked_base ? *unpacked_base : Recipe();
  if (parts.size() < 2) return 0;

  const Bytes& delta = parts[1];
  const Result<Recipe> patched = fuzz::no_throw("patch_recipe", [&] { return msg::patch_recipe(base, delta); });
  fuzz::check_code(patched.status(), {Errc::invalid_argument}, "patch_recipe");
  if (patched) {
    check_end_to_end(*patched);
    diff_then_patch(base, *patched);
  }
  if (const Result<Recipe> whole = unpack(delta)) diff_then_patch(base, *whole);
  if (parts.size() > 2) {
    if (const Result<Recipe> target = unpack(parts[2])) diff_then_patch(base, *target);
  }
  return 0;
}
