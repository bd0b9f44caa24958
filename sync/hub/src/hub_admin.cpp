#include "outpost/hub/hub_admin.hpp"

#include <algorithm>

#include "outpost/catalog/statement.hpp"
#include "outpost/base/guard.hpp"
#include "outpost/hub/store/backend.hpp"

namespace outpost::hub {

Status HubAdmin::init(const fs::path& home, Random& random, const Clock& clock, const sync::HubAddress& address) {
  return guarded([&]() -> Status {
    if (fs::exists(HubStore::keys_path(home)) || fs::exists(HubStore::db_path(home))) {
      return {Errc::already_exists, home.string() + " already holds a hub"};
    }
    fs::create_directories(home);
    fs::permissions(home, fs::perms::owner_all, fs::perm_options::replace);  // hub.db, keys, chunks: the owner's alone
    HubKeys keys = generate_hub_keys(random, true);
    auto backend = open_backend(home, keys.lead.secret_key(), true);
    if (!backend) return backend.status();
    auto store = (*backend)->store();
    if (!store) return store.status();
    if (Status s = (*store)->set_address(address); !s) return s;
    if (Status s = (*store)->set_root_key(keys.root->public_key()); !s) return s;
    HubAdmin admin(std::move(*backend), std::move(*store), std::move(keys), random, clock);
    catalog::TrustList trust;
    trust.version = 0;  // save_trust moves it to 1
    trust.hub_key = admin.keys_.signing.public_key();
    trust.lead_key = admin.keys_.lead.public_key();
    trust.offline_budget = catalog::default_offline_budget();
    if (Status s = admin.save_trust(std::move(trust)); !s) return s;
    // Keys last: their file is what marks a finished init.
    return save_hub_keys(HubStore::keys_path(home), admin.keys_);
  });
}

Result<std::unique_ptr<HubAdmin>> HubAdmin::open(const fs::path& home, Random& random, const Clock& clock) {
  auto backend = open_backend(home);  // not_found without hub.db or hub.keys
  if (!backend) return backend.status();
  auto store = (*backend)->store();
  if (!store) return store.status();
  auto keys = load_hub_keys(HubStore::keys_path(home));
  if (!keys) return keys.status();
  return std::unique_ptr<HubAdmin>(
      new HubAdmin(std::move(*backend), std::move(*store), std::move(*keys), random, clock));
}

Result<sync::EnrollToken> HubAdmin::enroll_token(const std::string& device, const std::string& role,
                                           std::chrono::seconds lifetime) {
  auto root = store_->root_key();
  if (!root) return root.status();
  return store_->create_token(device, role, keys_, *root, random_, clock_.now(), lifetime);
}

Result<catalog::TrustList> HubAdmin::trust() {
  return guarded([&]() -> Result<catalog::TrustList> {
    auto statement = store_->trust_list();
    if (!statement) return Status(Errc::corrupt, "the hub has no trust list");
    return catalog::TrustList::from_body(statement->body);
  });
}

Status HubAdmin::save_trust(catalog::TrustList trust) {
  if (!keys_.root) {
    return {Errc::permission, "this hub does not hold the root key: sign the new trust list offline"};
  }
  trust.version += 1;
  trust.issued_at = clock_.now();
  const catalog::SignedStatement signed_list = catalog::sign_statement(trust.to_body(), *keys_.root);
  return store_->save_trust_list(signed_list, trust.version);
}

Status HubAdmin::add_publisher(const std::string& name, const crypto::PublicKey& key) {
  auto current = trust();
  if (!current) return current.status();
  for (const auto& p : current->publishers) {
    if (p.name == name) return {Errc::already_exists, "a publisher named '" + name + "' is registered already"};
    if (p.key == key) return {Errc::already_exists, "this key is registered already, as '" + p.name + "'"};
  }
  for (const auto& r : current->retired) {
    if (r.key == key) return {Errc::permission, "this key was retired as '" + r.name + "' and cannot come back"};
  }
  current->publishers.push_back({name, key});
  return save_trust(std::move(*current));
}

Status HubAdmin::remove_publisher(const std::string& name) {
  auto current = trust();
  if (!current) return current.status();
  const auto it = std::find_if(current->publishers.begin(), current->publishers.end(),
                               [&](const catalog::Publisher& p) { return p.name == name; });
  if (it == current->publishers.end()) return {Errc::not_found, "no publisher named '" + name + "'"};
  const std::uint64_t seq = store_->catalog_seq();
  current->retired.push_back({it->name, it->key, seq});
  current->publishers.erase(it);
  return save_trust(std::move(*current));
}

}  // namespace outpost::hub
