// HomeRecord: <home>/home.json, what a device home records about itself
// outside the databases it is checked against - the organisation root key
// pinned at enrollment (catalog.db pins it too) and the id of the journal
// the home created (journal.db holds it too). So a catalog.db deleted or
// emptied is rebuilt under the same root, and a journal.db deleted or
// emptied is noticed instead of silently started anew.
//
// The file carries a keyed BLAKE2b under a key derived from the master key
// (crypto::purpose::home_record): an edit is caught. A deleted record is not
// (a home made before the record existed has none, and gets one at its
// next open). Used by DeviceHome on its owner's thread.
#pragma once

#include <filesystem>
#include <optional>

#include "outpost/base/bytes.hpp"
#include "outpost/base/status.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/crypto/sign.hpp"

namespace outpost::device {

struct HomeRecord {
  std::optional<crypto::PublicKey> root_key;
  std::optional<Bytes> journal_id;

  static std::filesystem::path path(const std::filesystem::path& root) { return root / "home.json"; }
  // nullopt when the home has no record yet; corrupt when the file is
  // malformed or was altered.
  static Result<std::optional<HomeRecord>> load(const std::filesystem::path& root, const crypto::SecretKey& key);
  // Replaces the file durably (a crash leaves the old record or the new).
  Status save(const std::filesystem::path& root, const crypto::SecretKey& key) const;
};

}  // namespace outpost::device
