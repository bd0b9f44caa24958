#include "outpost/hub/bundle_export.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "outpost/base/guard.hpp"
#include "outpost/storage/file_io.hpp"
#include "outpost/sync/messages.hpp"

namespace outpost::hub {

namespace {

using json = nlohmann::json;

json bin(ByteView b) { return json::binary(std::vector<std::uint8_t>(b.begin(), b.end())); }

void put_be32(std::ostream& out, std::uint32_t v) {
  std::uint8_t b[4];
  store_be32(b, v);
  out.write(reinterpret_cast<const char*>(b), 4);
}

}  // namespace

Result<sync::BundleSummary> export_bundle(HubStore& store, const crypto::SigningKey& hub_key, TimePoint now,
                                          std::chrono::seconds lifetime, const std::filesystem::path& out) {
  return guarded([&]() -> Result<sync::BundleSummary> {
    if (std::filesystem::exists(out)) return Status(Errc::already_exists, out.string() + " exists already");
    auto authority = load_authority(store);
    if (!authority) return authority.status();
    auto delta = authority->delta(0, hub_key, now, lifetime);
    if (!delta) return delta.status();

    // The newest live (not revoked, not expired) version of each asset.
    std::vector<catalog::Release> releases;
    std::set<std::pair<std::string, std::uint64_t>> revoked;
    for (const auto& s : delta->statements) {
      if (auto r = catalog::Release::from_body(s.body)) {
        releases.push_back(std::move(*r));
      } else if (auto v = catalog::Revocation::from_body(s.body)) {
        revoked.insert({v->asset, v->version});
      }
    }
    std::map<std::string, const catalog::Release*> newest;
    for (const catalog::Release& r : releases) {
      if (revoked.contains({r.asset, r.version}) || (r.expires_at && *r.expires_at <= now)) continue;
      const catalog::Release*& slot = newest[r.asset];
      if (slot == nullptr || r.version > slot->version) slot = &r;
    }
    sync::BundleSummary summary;
    summary.catalog_seq = authority->seq();
    json versions = json::array();
    std::vector<std::vector<cache::RecipeEntry>> recipes;
    for (const auto& [asset, r] : newest) {
      auto recipe = store.recipe({asset, r->version});
      if (!recipe) return recipe.status();
      versions.push_back({{"asset", asset}, {"version", r->version}, {"recipe", bin(sync::msg::pack_recipe(*recipe))}});
      recipes.push_back(std::move(*recipe));
    }
    summary.versions = recipes.size();
    const Bytes header = json::to_msgpack(json{{"delta", bin(delta->encode())}, {"versions", versions}});

    const std::filesystem::path temp = out.string() + ".partial";
    {
      std::ofstream file(temp, std::ios::binary | std::ios::trunc);
      file.write(reinterpret_cast<const char*>(sync::bundle_magic), sizeof sync::bundle_magic);
      put_be32(file, static_cast<std::uint32_t>(header.size()));
      file.write(reinterpret_cast<const char*>(header.data()), static_cast<std::streamsize>(header.size()));
      std::set<cache::ChunkId> written;
      for (const auto& recipe : recipes) {
        for (const cache::RecipeEntry& e : recipe) {
          if (!written.insert(e.id).second) continue;
          auto bytes = store.read_chunk(e.id);
          if (!bytes) return bytes.status();
          file.write(reinterpret_cast<const char*>(e.id.bytes.data()), 32);
          put_be32(file, static_cast<std::uint32_t>(bytes->size()));
          file.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
          ++summary.chunks;
          summary.bytes += bytes->size();
        }
      }
      file.flush();
      if (!file) return Status(Errc::io, "cannot write " + temp.string());
    }
    storage::rename_file(temp, out);
    return summary;
  });
}

}  // namespace outpost::hub
