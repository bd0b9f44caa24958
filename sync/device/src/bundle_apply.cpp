#include "outpost/sync/bundle.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>

#include "outpost/base/guard.hpp"
#include "outpost/cache/content_digest.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/storage/file_io.hpp"
#include "outpost/sync/messages.hpp"

namespace outpost::sync {

namespace {

using json = nlohmann::json;

constexpr std::size_t apply_batch_bytes = 4u << 20;

bool get_be32(std::istream& in, std::uint32_t& v) {
  std::uint8_t b[4];
  if (!in.read(reinterpret_cast<char*>(b), 4)) return false;
  v = load_be32(b);
  return true;
}

}  // namespace

bool is_bundle(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::uint8_t head[sizeof bundle_magic] = {};
  return in.read(reinterpret_cast<char*>(head), sizeof head) && std::memcmp(head, bundle_magic, sizeof bundle_magic) == 0;
}

Result<BundleSummary> apply_bundle(device::DeviceHome& home, const std::filesystem::path& path,
                                   const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  return guarded([&]() -> Result<BundleSummary> {
    const auto bad = [&](const std::string& why) { return Status(Errc::integrity, path.string() + ": " + why); };
    std::ifstream in(path, std::ios::binary);
    if (!is_bundle(path)) return Status(Errc::invalid_argument, path.string() + " is not an Outpost bundle");
    in.seekg(sizeof bundle_magic);
    std::uint32_t n = 0;
    if (!get_be32(in, n) || n > bundle_max_header) return bad("cut short or malformed header");
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

    // All or nothing: the whole file is verified - the catalog with every
    // rule, each recipe against its release, each chunk against its id -
    // before anything is written, so a bundle damaged anywhere leaves the
    // device exactly as it was.
    auto checked = home.catalog().check(*delta);
    if (!checked) return checked.status();
    const auto release_of = [&](const cache::VersionRef& ref) -> std::optional<catalog::Release> {
      for (const catalog::Release& r : checked->released) {
        if (r.asset == ref.asset && r.version == ref.version) return r;
      }
      return home.catalog().release(ref);
    };
    const auto revoked = [&](const cache::VersionRef& ref) {
      return home.catalog().is_revoked(ref) ||
             std::find(checked->revoked.begin(), checked->revoked.end(), ref) != checked->revoked.end();
    };
    struct Version {
      cache::VersionRef ref;
      std::vector<cache::RecipeEntry> recipe;
      catalog::Release release;
    };
    std::vector<Version> versions;
    for (const json& v : doc["versions"]) {
      if (!v.is_object() || !v.contains("asset") || !v["asset"].is_string() || !v.contains("version") ||
          !v["version"].is_number_unsigned() || !v.contains("recipe") || !v["recipe"].is_binary()) {
        return bad("a version entry is malformed");
      }
      const cache::VersionRef ref{v["asset"].get<std::string>(), v["version"].get<std::uint64_t>()};
      std::optional<catalog::Release> release = release_of(ref);
      if (!release) return bad(ref.to_string() + " is not in the bundle's catalog");
      if (revoked(ref)) continue;
      auto recipe = msg::unpack_recipe(v["recipe"].get_binary());
      if (!recipe) return bad(ref.to_string() + ": " + recipe.status().message());
      if (Status s = cache::check_recipe(*recipe, release->size, release->digest); !s) {
        return bad(ref.to_string() + ": " + s.message());
      }
      versions.push_back({ref, std::move(recipe).value(), std::move(*release)});
    }
    const std::streampos chunks_start = in.tellg();
    // Reads the next chunk into id and bytes: false at the end of the file,
    // an error when the rest is not a whole chunk.
    const auto next_chunk = [&](cache::ChunkId& id, Bytes& bytes) -> Result<bool> {
      if (in.peek() == std::char_traits<char>::eof()) return false;
      std::uint32_t size = 0;
      if (!in.read(reinterpret_cast<char*>(id.bytes.data()), 32) || !get_be32(in, size) ||
          size > cache::ChunkerParams{}.max_size) {
        return bad("cut short or malformed in its chunks");
      }
      bytes.resize(size);
      if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) return bad("cut short in a chunk");
      return true;
    };
    {
      cache::ChunkId id;
      Bytes bytes;
      for (std::uint64_t index = 0;; ++index) {
        Result<bool> more = next_chunk(id, bytes);
        if (!more) return more.status();
        if (!*more) break;
        if (crypto::blake2b(bytes) != id) {
          return bad("chunk " + std::to_string(index) + " (" + to_hex(id.bytes) + ") does not hash to its id");
        }
      }
    }

    auto applied = home.apply_catalog(*delta);
    if (!applied) return applied.status();

    BundleSummary summary;
    summary.catalog_seq = applied->to_seq;
    std::uint64_t total = 0;
    for (const Version& v : versions) {
      auto added = home.cache().add_recipe(v.ref, v.recipe, v.release.digest, v.release.size);
      if (!added) return added.status();
      ++summary.versions;
      total += v.release.size;
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
    in.clear();
    in.seekg(chunks_start);
    for (;;) {
      cache::ChunkId id;
      Bytes bytes;
      Result<bool> more = next_chunk(id, bytes);
      if (!more) return more.status();
      if (!*more) break;
      const std::size_t size = bytes.size();
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
