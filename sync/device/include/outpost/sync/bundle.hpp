// Applying an offline bundle on a device (format: bundle_format.hpp).
// Main thread of the device home's owner.
#pragma once

#include <filesystem>
#include <functional>

#include "outpost/device/home.hpp"
#include "outpost/sync/bundle_format.hpp"

namespace outpost::sync {

bool is_bundle(const std::filesystem::path& file);

// Applies the catalog, then stores the content of every version in the
// bundle (chunks the device holds are skipped). The whole file is verified
// first: one cut short or altered anywhere is refused with what is wrong,
// and nothing of it is applied.
Result<BundleSummary> apply_bundle(device::DeviceHome& home, const std::filesystem::path& file,
                                   const std::function<void(std::uint64_t done, std::uint64_t total)>& progress = {});

}  // namespace outpost::sync
