// `outpost present` and `outpost pin/unpin`: what a rep does in front of a
// client, and what they keep on the tablet for the road.
#pragma once

#include <CLI/CLI.hpp>

#include "cli_support.hpp"

namespace outpost::cli {

void add_present_commands(CLI::App& app, Context& ctx);

}  // namespace outpost::cli
