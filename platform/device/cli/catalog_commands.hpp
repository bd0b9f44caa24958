// `outpost catalog ...`, `outpost open` and `outpost status`: the signed
// catalog, the version gate, and how fresh this device's view is.
#pragma once

#include <CLI/CLI.hpp>

#include "cli_support.hpp"

namespace outpost::cli {

void add_catalog_commands(CLI::App& app, Context& ctx);

}  // namespace outpost::cli
