// Writing an offline bundle from the hub's store (format:
// outpost/sync/bundle_format.hpp) for a kiosk with no network. Any thread
// that may use the store.
#pragma once

#include <chrono>
#include <filesystem>

#include "outpost/hub/hub_store.hpp"
#include "outpost/sync/bundle_format.hpp"

namespace outpost::hub {

// Everything current: the delta from 0 with a timestamp valid for lifetime,
// and the newest version of every asset that is neither revoked nor
// expired. Refuses to overwrite out.
Result<sync::BundleSummary> export_bundle(HubStore& store, const crypto::SigningKey& hub_key, TimePoint now,
                                          std::chrono::seconds lifetime, const std::filesystem::path& out);

}  // namespace outpost::hub
