// The hub's storage backend: where the data of a hub home lives, chosen by
// the home's configuration, and the connections its threads use.
//
// <home>/hub.conf (optional; JSON):  {"store": "sqlite"}
// Without it the embedded default is used: SQLite in <home>/hub.db and the
// chunk files under <home>/chunks/ (no external service). Each connection a
// backend hands out is for one thread at a time and brings its schema up to
// date when opened (each repository owns its migrations).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "outpost/base/status.hpp"
#include "outpost/crypto/secret_key.hpp"

namespace outpost::hub {

class HubStore;
class LeadRepository;
class ReportSource;

struct StoreConfig {
  std::string engine = "sqlite";
  static std::filesystem::path path(const std::filesystem::path& home) { return home / "hub.conf"; }
  // The home's configuration: the default when there is no hub.conf;
  // invalid_argument naming the problem for a malformed one or an unknown
  // engine.
  static Result<StoreConfig> load(const std::filesystem::path& home);
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view engine() const noexcept = 0;
  // A new connection with every hub repository on it.
  virtual Result<std::unique_ptr<HubStore>> store() = 0;
  // A new connection for the lead book (synchronous writes).
  virtual Result<std::unique_ptr<LeadRepository>> leads() = 0;
  // A new read-only connection for the reports.
  virtual Result<std::unique_ptr<ReportSource>> reports() = 0;
};

// The backend of a hub home, sealing what it holds at rest under keys from
// the home's hub.keys (store/at_rest.hpp). not_found when the home holds no
// hub, or no keys.
Result<std::unique_ptr<Backend>> open_backend(const std::filesystem::path& home);
// The same with the hub's lead secret given; create makes the embedded
// store (init, which writes hub.keys last).
Result<std::unique_ptr<Backend>> open_backend(const std::filesystem::path& home, const crypto::SecretKey& lead_secret,
                                              bool create = false);

}  // namespace outpost::hub
