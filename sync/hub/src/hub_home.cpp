// The hub home: its keys file, its store configuration, the catalog
// authority rebuilt from the store, and the shorthand that opens a store.
#include <nlohmann/json.hpp>

#include "outpost/base/guard.hpp"
#include "outpost/hub/hub_store.hpp"
#include "outpost/hub/store/at_rest.hpp"
#include "outpost/hub/store/backend.hpp"
#include "outpost/storage/file_io.hpp"
#include "store/sqlite/sqlite_backend.hpp"

namespace outpost::hub {

namespace {

using json = nlohmann::json;

json bin(ByteView b) { return json::binary(std::vector<std::uint8_t>(b.begin(), b.end())); }

}  // namespace

// ---- configuration and backend

Result<StoreConfig> StoreConfig::load(const fs::path& home) {
  return guarded([&]() -> Result<StoreConfig> {
    StoreConfig config;
    const fs::path file = path(home);
    if (!fs::exists(file)) return config;
    const Bytes bytes = storage::read_file(file);
    json doc;
    try {
      doc = json::parse(bytes.begin(), bytes.end());
    } catch (const json::exception& e) {
      return Status(Errc::invalid_argument, file.string() + " is not valid JSON (" + e.what() + ")");
    }
    if (!doc.is_object()) return Status(Errc::invalid_argument, file.string() + " must be a JSON object");
    for (const auto& [key, value] : doc.items()) {
      if (key != "store") return Status(Errc::invalid_argument, file.string() + ": unknown key '" + key + "' (store)");
    }
    if (doc.contains("store")) {
      if (!doc["store"].is_string()) return Status(Errc::invalid_argument, file.string() + ": 'store' must be text");
      config.engine = doc["store"].get<std::string>();
    }
    if (config.engine != "sqlite") {
      return Status(Errc::invalid_argument, file.string() + ": unknown store '" + config.engine + "' (sqlite)");
    }
    return config;
  });
}

Result<std::unique_ptr<Backend>> open_backend(const fs::path& home, const crypto::SecretKey& lead_secret, bool create) {
  auto config = StoreConfig::load(home);
  if (!config) return config.status();
  return sqlite::open_backend(home, create, std::make_shared<const AtRest>(lead_secret));
}

Result<std::unique_ptr<Backend>> open_backend(const fs::path& home) {
  auto config = StoreConfig::load(home);
  if (!config) return config.status();
  if (!fs::exists(HubStore::db_path(home))) {
    return Status(Errc::not_found, "no hub in " + home.string() + " (run `outpost-hub --home " + home.string() +
                                       " init` first)");
  }
  if (!fs::exists(HubStore::keys_path(home))) {
    return Status(Errc::not_found,
                  "no hub keys in " + home.string() + " (init did not finish: remove it and init again)");
  }
  auto keys = load_hub_keys(HubStore::keys_path(home));
  if (!keys) return keys.status();
  return open_backend(home, keys->lead.secret_key());
}

Result<std::unique_ptr<HubStore>> HubStore::open(const fs::path& home) {
  auto backend = open_backend(home);
  if (!backend) return backend.status();
  return (*backend)->store();
}

Status HubStore::in_transaction(const std::function<Status()>& f) {
  return guarded([&]() -> Status {
    const UnitPtr tx = write();
    Status s = f();
    tx->commit();  // each request's own savepoint already undid a failed request
    return s;
  });
}

// ---- the catalog

Result<catalog::CatalogAuthority> load_authority(HubStore& store) {
  return guarded([&]() -> Result<catalog::CatalogAuthority> {
    auto root = store.root_key();
    if (!root) return root.status();
    auto trust = store.trust_list();
    if (!trust) return Status(Errc::corrupt, "the hub store has no trust list (was init interrupted?)");
    auto authority = catalog::CatalogAuthority::create(*trust, *root);
    if (!authority) return authority.status();
    if (Status s = catch_up_authority(*authority, store); !s) return s;
    return authority;
  });
}

Status catch_up_authority(catalog::CatalogAuthority& authority, HubStore& store) {
  return guarded([&]() -> Status {
    for (StoredStatement& s : store.statements(authority.seq())) {
      if (s.seq != authority.seq() + 1) {
        return Status(Errc::corrupt, "the hub store's catalog has no statement " + std::to_string(authority.seq() + 1));
      }
      auto seq = authority.submit(s.statement);
      if (!seq) {
        return Status(seq.status().code(), "stored statement " + std::to_string(s.seq) + ": " + seq.status().message());
      }
    }
    return {};
  });
}

// ---- keys

HubKeys generate_hub_keys(Random& random, bool with_root) {
  HubKeys keys{sync::CurveKeyPair::generate(random), crypto::SigningKey::generate(random),
               crypto::BoxKeyPair::generate(random), std::nullopt};
  if (with_root) keys.root = crypto::SigningKey::generate(random);
  return keys;
}

Status save_hub_keys(const fs::path& path, const HubKeys& keys) {
  return guarded([&]() -> Status {
    json doc{{"format", "outpost-hub-keys/1"},
             {"curve", bin(keys.curve.secret_key().view())},
             {"signing", bin(keys.signing.seed().view())},
             {"lead", bin(keys.lead.secret_key().view())}};
    if (keys.root) doc["root"] = bin(keys.root->seed().view());
    Bytes bytes = json::to_msgpack(doc);
    storage::create_file_durably(path, bytes, 0600);
    crypto::wipe(bytes);
    for (auto& [name, value] : doc.items()) {
      if (value.is_binary()) crypto::wipe(value.get_binary());
    }
    return {};
  });
}

Result<HubKeys> load_hub_keys(const fs::path& path) {
  return guarded([&]() -> Result<HubKeys> {
    Bytes bytes = storage::read_file(path);
    json doc;
    try {
      doc = json::from_msgpack(bytes.begin(), bytes.end());
    } catch (const json::exception&) {
      doc = nullptr;
    }
    crypto::wipe(bytes);
    auto key = [&](const char* name) -> std::optional<crypto::SecretKey> {
      if (!doc.is_object() || !doc.contains(name) || !doc[name].is_binary() || doc[name].get_binary().size() != 32) {
        return std::nullopt;
      }
      crypto::SecretKey k = crypto::SecretKey::from_bytes(doc[name].get_binary());
      crypto::wipe(doc[name].get_binary());
      return k;
    };
    auto curve = key("curve");
    auto signing = key("signing");
    auto lead = key("lead");
    auto root = key("root");
    if (!doc.is_object() || doc.value("format", "") != "outpost-hub-keys/1" || !curve || !signing || !lead) {
      return Status(Errc::corrupt, path.string() + " is not a readable hub key file");
    }
    HubKeys keys{sync::CurveKeyPair::from_secret(curve->view()), crypto::SigningKey::from_seed(signing->view()),
                 crypto::BoxKeyPair::from_secret(lead->view()), std::nullopt};
    if (root) keys.root = crypto::SigningKey::from_seed(root->view());
    return keys;
  });
}

}  // namespace outpost::hub
