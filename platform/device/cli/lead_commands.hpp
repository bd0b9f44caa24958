// `outpost lead list | show | followup`: the leads the hub assigned to this
// rep device (opened with its lead key; personal data shown to the rep on
// screen, never logged), and recording their follow-up in the journal.
#pragma once

#include <CLI/CLI.hpp>

#include "cli_support.hpp"

namespace outpost::cli {

// Adds the rep's commands under the existing `lead` command.
void add_assigned_lead_commands(CLI::App& lead, Context& ctx);

}  // namespace outpost::cli
