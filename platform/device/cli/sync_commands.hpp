// `outpost enroll`, `outpost sync`, `outpost daemon`: joining a hub and
// syncing with it.
#pragma once

#include <CLI/CLI.hpp>

#include "cli_support.hpp"

namespace outpost::cli {

void add_sync_commands(CLI::App& app, Context& ctx);

}  // namespace outpost::cli
