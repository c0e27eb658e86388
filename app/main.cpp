// trunklab: the command-line entry point. main.cpp only wires the subcommands together.
#include "app/commands.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

int main(int argc, char** argv) {
  CLI::App app{"trunklab: a SIP trunking and registration lab (reference trunk/registrar, "
               "deterministic simulator, pcaps and call ladders)",
               "trunklab"};
  app.set_version_flag("--version", std::string("trunklab ") + TRUNKLAB_VERSION);
  app.require_subcommand(0, 1);
  // A bad command line prints the full usage, not just the error, and exits 2.
  app.failure_message(CLI::FailureMessage::help);
  int exit_code = 0;
  trunklab::app::add_run_command(app, exit_code);
  trunklab::app::add_ladder_command(app, exit_code);
  trunklab::app::add_serve_command(app, exit_code);
  trunklab::app::add_load_command(app, exit_code);
  trunklab::app::add_bindings_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (app.get_subcommands().empty()) {
    fmt::print("{}", app.help());
  }
  return exit_code;
}
