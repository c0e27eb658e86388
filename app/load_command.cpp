#include "app/commands.hpp"

namespace trunklab::app {

// Not yet built: adds no subcommand, so `trunklab --help` does not list it.
void add_load_command(CLI::App& app, int& exit_code) {
  (void)app;
  (void)exit_code;
}

}  // namespace trunklab::app
