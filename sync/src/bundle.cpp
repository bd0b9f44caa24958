#include "outpost/sync/bundle.hpp"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <set>

#include "outpost/core/guard.hpp"
#include "outpost/storage/file_io.hpp"
#include "outpost/sync/messages.hpp"

namespace outpost::sync {

namespace {

using json = nlohmann::json;

constexpr std::uint8_t magic[] = {'O', 'P', 'B', '1', 1};
constexpr std::size_t max_header = 256u << 20;
constexpr std::size_t apply_batch_bytes = 4u << 20;

void put_be32(std::ostream& out, std::uint32_t v) {
  const char b[] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                    static_cast<char>(v)};
  out.write(b, 4);
}

bool get_be32(std::istream& in, std::uint32_t& v) {
  unsigned char b[4];
  if (!in.read(reinterpret_cast<char*>(b), 4)) return false;
  v = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  return true;
}

json bin(ByteView b) { return json::binary(std::vector<std::uint8_t>(b.begin(), b.end())); }

}  // namespace

Result<BundleSummary> export_bundle(HubStore& store, const crypto::SigningKey& hub_key, TimePoint now,
                                    std::chrono::seconds lifetime, const std::filesystem::path& out) {
  return guarded([&]() -> Result<BundleSummary> {
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
    BundleSummary summary;
    summary.catalog_seq = authority->seq();
    json versions = json::array();
    std::vector<std::vector<cache::RecipeEntry>> recipes;
    for (const auto& [asset, r] : newest) {
      auto recipe = store.recipe({asset, r->version});
      if (!recipe) return recipe.status();
      versions.push_back({{"asset", asset}, {"version", r->version}, {"recipe", bin(msg::pack_recipe(*recipe))}});
      recipes.push_back(std::move(*recipe));
    }
    summary.versions = recipes.size();
    const Bytes header = json::to_msgpack(json{{"delta", bin(delta->encode())}, {"versions", versions}});

    const std::filesystem::path temp = out.string() + ".partial";
    {
      std::ofstream file(temp, std::ios::binary | std::ios::trunc);
      file.write(reinterpret_cast<const char*>(magic), sizeof magic);
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

bool is_bundle(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::uint8_t head[sizeof magic] = {};
  return in.read(reinterpret_cast<char*>(head), sizeof head) && std::memcmp(head, magic, sizeof magic) == 0;
}

Result<BundleSummary> apply_bundle(device::DeviceHome& home, const std::filesystem::path& path,
                                   const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  return guarded([&]() -> Result<BundleSummary> {
    const auto bad = [&](const std::string& why) { return Status(Errc::integrity, path.string() + ": " + why); };
    std::ifstream in(path, std::ios::binary);
    if (!is_bundle(path)) return Status(Errc::invalid_argument, path.string() + " is not an Outpost bundle");
    in.seekg(sizeof magic);
    std::uint32_t n = 0;
    if (!get_be32(in, n) || n > max_header) return bad("cut short or malformed header");
    Bytes header(n);
    if (!in.read(reinterpret_cast<char*>(header.data()), n)) return bad("cut short in its header");
    json doc;
    try {
      doc = json::from_msgpack(header.begin(), header.end());
    } catch (const json::exception&) {
      return bad("the header is not MessagePack");
    }
    if (!doc.is_object() || !doc.contains("delta") || !doc["delta"].is_binary() || !doc.contains("versions") ||
        !doc["versions"].is_array()) {
      return bad("the header lacks its delta or versions");
    }
    auto delta = catalog::CatalogDelta::decode(doc["delta"].get_binary());
    if (!delta) return delta.status();
    // A bundle starts at seq 0; a device already further along skips what it
    // holds (the timestamp's digest still covers the whole chain, so a
    // skipped statement that differs from the device's is caught).
    const std::uint64_t local = home.catalog().status().seq;
    if (delta->from_seq < local) {
      const std::uint64_t skip = local - delta->from_seq;
      if (skip > delta->statements.size()) {
        return Status(Errc::invalid_argument, path.string() + " is older than this device's catalog (seq " +
                                                  std::to_string(local) + ")");
      }
      delta->statements.erase(delta->statements.begin(), delta->statements.begin() + static_cast<std::ptrdiff_t>(skip));
      delta->from_seq = local;
    }
    auto applied = home.apply_catalog(*delta);
    if (!applied) return applied.status();

    BundleSummary summary;
    summary.catalog_seq = applied->to_seq;
    std::uint64_t total = 0;
    for (const json& v : doc["versions"]) {
      if (!v.is_object() || !v.contains("asset") || !v["asset"].is_string() || !v.contains("version") ||
          !v["version"].is_number_unsigned() || !v.contains("recipe") || !v["recipe"].is_binary()) {
        return bad("a version entry is malformed");
      }
      const cache::VersionRef ref{v["asset"].get<std::string>(), v["version"].get<std::uint64_t>()};
      const auto release = home.catalog().release(ref);
      if (!release) return bad(ref.to_string() + " is not in the bundle's catalog");
      if (home.catalog().is_revoked(ref)) continue;
      auto recipe = msg::unpack_recipe(v["recipe"].get_binary());
      if (!recipe) return recipe.status();
      auto added = home.cache().add_recipe(ref, *recipe, release->digest, release->size);
      if (!added) return added.status();
      ++summary.versions;
      total += release->size;
    }

    // Chunks, in batches; those the cache does not miss are skipped.
    std::vector<Bytes> held;
    std::vector<cache::ChunkData> batch;
    std::size_t batch_bytes = 0;
    std::uint64_t done = 0;
    auto flush = [&]() -> Status {
      if (batch.empty()) return {};
      auto stored = home.cache().store_chunks(batch);
      if (!stored) return stored.status();
      summary.chunks += stored->stored;
      batch.clear();
      held.clear();
      batch_bytes = 0;
      if (progress) progress(done, total);
      return {};
    };
    std::set<cache::ChunkId> wanted;
    for (const auto& ref : home.cache().incomplete_versions()) {
      auto missing = home.cache().missing_chunks(ref);
      if (!missing) return missing.status();
      for (const auto& c : *missing) wanted.insert(c.id);
    }
    held.reserve(1024);
    while (in.peek() != std::char_traits<char>::eof()) {
      cache::ChunkId id;
      std::uint32_t size = 0;
      if (!in.read(reinterpret_cast<char*>(id.bytes.data()), 32) || !get_be32(in, size) ||
          size > cache::ChunkerParams{}.max_size) {
        return bad("cut short or malformed in its chunks");
      }
      Bytes bytes(size);
      if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) return bad("cut short in a chunk");
      done += size;
      summary.bytes += size;
      if (!wanted.contains(id)) continue;
      if (held.size() == held.capacity()) {
        if (Status s = flush(); !s) return s;
      }
      held.push_back(std::move(bytes));
      batch.push_back({id, held.back()});
      batch_bytes += size;
      if (batch_bytes >= apply_batch_bytes) {
        if (Status s = flush(); !s) return s;
      }
    }
    if (Status s = flush(); !s) return s;
    return summary;
  });
}

}  // namespace outpost::sync
