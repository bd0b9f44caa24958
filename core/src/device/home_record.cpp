#include "home_record.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "outpost/base/guard.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/storage/file_io.hpp"

namespace outpost::device {

namespace {

using json = nlohmann::json;

constexpr const char* format = "outpost-home/1";

// The keyed hash covers every field, each with its length.
crypto::Digest mac_of(const HomeRecord& r, const crypto::SecretKey& key) {
  Bytes message = {'O', 'P', 'H', 'R', '1'};
  message.push_back(r.root_key ? 32 : 0);
  if (r.root_key) message.insert(message.end(), r.root_key->bytes.begin(), r.root_key->bytes.end());
  message.push_back(static_cast<std::uint8_t>(r.journal_id ? r.journal_id->size() : 0));
  if (r.journal_id) message.insert(message.end(), r.journal_id->begin(), r.journal_id->end());
  return crypto::keyed_blake2b(key, message);
}

}  // namespace

Result<std::optional<HomeRecord>> HomeRecord::load(const std::filesystem::path& root, const crypto::SecretKey& key) {
  return guarded([&]() -> Result<std::optional<HomeRecord>> {
    const std::filesystem::path file = path(root);
    if (!std::filesystem::exists(file)) return std::optional<HomeRecord>();
    const Bytes bytes = storage::read_file(file);
    const Status bad(Errc::corrupt, file.string() + " is damaged or was altered (it records the root key this home "
                                                    "trusts and its journal; restore it from a backup)");
    const json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
    if (!doc.is_object() || doc.value("format", "") != format || !doc.contains("mac") || !doc["mac"].is_string()) {
      return bad;
    }
    HomeRecord r;
    if (const auto it = doc.find("root_key"); it != doc.end() && !it->is_null()) {
      if (!it->is_string()) return bad;
      r.root_key = crypto::PublicKey::from_hex(it->get<std::string>());
      if (!r.root_key) return bad;
    }
    if (const auto it = doc.find("journal_id"); it != doc.end() && !it->is_null()) {
      if (!it->is_string()) return bad;
      r.journal_id = from_hex(it->get<std::string>());
      if (!r.journal_id || r.journal_id->empty() || r.journal_id->size() > 64) return bad;
    }
    const auto mac = crypto::Digest::from_hex(doc["mac"].get<std::string>());
    const crypto::Digest expected = mac_of(r, key);
    if (!mac || sodium_memcmp(mac->bytes.data(), expected.bytes.data(), expected.size) != 0) return bad;
    return std::optional<HomeRecord>(std::move(r));
  });
}

Status HomeRecord::save(const std::filesystem::path& root, const crypto::SecretKey& key) const {
  return guarded([&]() -> Status {
    json doc{{"format", format},
             {"root_key", root_key ? json(root_key->hex()) : json(nullptr)},
             {"journal_id", journal_id ? json(to_hex(*journal_id)) : json(nullptr)},
             {"mac", mac_of(*this, key).hex()}};
    storage::replace_file_durably(path(root), as_bytes(doc.dump(2) + "\n"), 0600);
    return Status::ok();
  });
}

}  // namespace outpost::device
