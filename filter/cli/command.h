// command.h - how `sluice` subcommands plug into the CLI.
//
// Each command lives in its own cmd_<name>.cc and registers itself at static
// initialisation with RegisterCommand(); main.cc builds the CLI11 app from the registry.
// A command's callback stores its exit code in Globals::exit_code. Exceptions stop here:
// commands catch what they throw and turn it into a message and an exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "filter/config/config.h"
#include "filter/util/status.h"

namespace sluice::cli {

struct Globals {
  std::string config_path;  // --config FILE; "" = the search order in config.h
  int exit_code = 0;
  // Loads the configuration named by --config (or the default search order).
  Result<Config> LoadConfiguration() const;
};

using CommandSetup = std::function<void(CLI::App& app, Globals& globals)>;

// Adds a subcommand; `order` sorts them in `sluice help`. Returns true (for static init).
bool RegisterCommand(int order, CommandSetup setup);

}  // namespace sluice::cli
