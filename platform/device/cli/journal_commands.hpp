// `outpost journal ...`, `outpost lead ...`, `outpost feedback` and
// `outpost request`: the device's event journal and what feeds it by hand.
#pragma once

#include <CLI/CLI.hpp>

#include "cli_support.hpp"

namespace outpost::cli {

void add_journal_commands(CLI::App& app, Context& ctx);

}  // namespace outpost::cli
