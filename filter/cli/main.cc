// main.cc - the `sluice` command: builds the CLI from the registered subcommands.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

#include "filter/cli/command.h"

namespace sluice::cli {
namespace {

struct Entry {
  int order;
  CommandSetup setup;
};

std::vector<Entry>& Registry() {
  static std::vector<Entry> entries;
  return entries;
}

}  // namespace

bool RegisterCommand(int order, CommandSetup setup) {
  Registry().push_back({order, std::move(setup)});
  return true;
}

Result<Config> Globals::LoadConfiguration() const { return LoadConfig(config_path); }

}  // namespace sluice::cli

int main(int argc, char** argv) {
  using namespace sluice::cli;
  CLI::App app{"sluice - a spam-filtering milter and SMTP proxy", "sluice"};
  app.set_version_flag("--version", std::string("sluice ") + SLUICE_VERSION);
  app.require_subcommand(0, 1);
  Globals globals;
  app.add_option("--config", globals.config_path, "configuration file (YAML)")->option_text("FILE");

  auto entries = Registry();
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  for (auto& entry : entries) entry.setup(app, globals);

  auto* help = app.add_subcommand("help", "show this help, or a command's: sluice help COMMAND");
  std::vector<std::string> help_topic;
  help->add_option("command", help_topic, "command to describe");
  help->callback([&] {
    if (!help_topic.empty()) {
      try {
        std::cout << app.get_subcommand(help_topic[0])->help();
      } catch (const CLI::OptionNotFound&) {
        std::cerr << "sluice: no such command: " << help_topic[0] << "\n";
        globals.exit_code = 2;
      }
      return;
    }
    // App::help() would describe the selected subcommand (this one); ask the formatter.
    std::cout << app.get_formatter()->make_help(&app, "sluice", CLI::AppFormatMode::Normal);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return 0;
  }
  return globals.exit_code;
}
