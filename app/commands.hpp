// The subcommands of `trunklab`, each in its own file. main.cpp calls every add_*_command.
#pragma once

#include <CLI/CLI.hpp>

namespace trunklab::app {

// Each adds its subcommand to `app` (with its options and callback). The callback sets
// `exit_code` (0 ok, 1 failure found, 2 unusable input).
void add_run_command(CLI::App& app, int& exit_code);     // run_command.cpp
void add_ladder_command(CLI::App& app, int& exit_code);  // ladder_command.cpp
void add_serve_command(CLI::App& app, int& exit_code);   // serve_command.cpp
void add_load_command(CLI::App& app, int& exit_code);    // load_command.cpp
void add_bindings_command(CLI::App& app, int& exit_code);  // bindings_command.cpp

}  // namespace trunklab::app
