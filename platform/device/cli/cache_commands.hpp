// `outpost cache ...`: import, cat, verify, stats, list, pin/unpin, evict,
// quota and shred on the device's encrypted asset cache.
#pragma once

#include <CLI/CLI.hpp>

#include "cli_support.hpp"

namespace outpost::cli {

void add_cache_commands(CLI::App& app, Context& ctx);

}  // namespace outpost::cli
