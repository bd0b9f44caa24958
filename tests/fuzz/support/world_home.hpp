// Device homes of the fuzz world: the world's root pinned, on a clock fixed
// at world().now.
#pragma once

#include <filesystem>
#include <memory>

#include "outpost/device/home.hpp"
#include "support/fuzz.hpp"

namespace outpost::fuzz {

const Clock& world_clock();
device::HomeOptions world_home_options();

// A new, empty home at dir (which must not exist): cheap after the first
// call, which makes a template home the later ones copy.
std::unique_ptr<device::DeviceHome> fresh_home(const std::filesystem::path& dir, Random& random);

// A home with the world's catalog applied and every content cached.
std::unique_ptr<device::DeviceHome> stocked_home(const std::filesystem::path& dir, Random& random);

}  // namespace outpost::fuzz
