// Administering a hub home, as `outpost-hub` does: init, enrollment tokens,
// devices, publishers (each change is a new trust list signed by the root
// key, which the embedded default keeps in the hub home). Works while the
// hub serves: the running hub reads devices and tokens from the store, and
// picks up a new trust list before it accepts the next statement.
// A HubAdmin is used by one thread at a time.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "outpost/catalog/records.hpp"
#include "outpost/base/clock.hpp"
#include "outpost/base/random.hpp"
#include "outpost/hub/hub_store.hpp"
#include "outpost/hub/store/backend.hpp"

namespace outpost::hub {

class HubAdmin {
 public:
  // Creates the keys (with an embedded root key), the store and trust list
  // version 1 (no publishers yet). already_exists if home holds a hub.
  static Status init(const fs::path& home, Random& random, const Clock& clock, const sync::HubAddress& address);
  static Result<std::unique_ptr<HubAdmin>> open(const fs::path& home, Random& random, const Clock& clock);

  Backend& backend() noexcept { return *backend_; }
  HubStore& store() noexcept { return *store_; }
  const HubKeys& keys() const noexcept { return keys_; }
  Result<sync::HubAddress> address() { return store_->address(); }

  Result<sync::EnrollToken> enroll_token(const std::string& device, const std::string& role,
                                   std::chrono::seconds lifetime = std::chrono::hours(72));

  Result<catalog::TrustList> trust();
  Status add_publisher(const std::string& name, const crypto::PublicKey& key);
  // Retires it: statements it signed so far stay valid, later ones are refused.
  Status remove_publisher(const std::string& name);

 private:
  HubAdmin(std::unique_ptr<Backend> backend, std::unique_ptr<HubStore> store, HubKeys keys, Random& random,
           const Clock& clock)
      : backend_(std::move(backend)), store_(std::move(store)), keys_(std::move(keys)), random_(random), clock_(clock) {}
  Status save_trust(catalog::TrustList trust);

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<HubStore> store_;
  HubKeys keys_;
  Random& random_;
  const Clock& clock_;
};

}  // namespace outpost::hub
