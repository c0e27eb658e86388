// What `trunklab run` (run_command.cpp) and its swarm mode (run_swarm.cpp) share: the scenario
// files of the arguments, --filter, the output folder, the progress line.
#pragma once

#include "reports/run_report.hpp"
#include "scenario/runner.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::app {

// Scenario files named by the arguments, folders expanded to their sorted *.json (not
// schema.json); a path that is neither, or a folder without a scenario, goes to `unusable`.
std::vector<std::string> collect_files(const std::vector<std::string>& paths,
                                       std::vector<reports::ScenarioReport>& unusable);
// --filter: a substring of the scenario name, or a glob with '*'.
bool name_matches(std::string_view name, std::string_view filter);
std::string display_dir(const std::string& dir);  // "out/" and "./out" both print as "out"
std::string indent(const std::string& text);
// DIR/<verdict.name>/capture.pcap, ladder.*, wire.txt, names.txt, verdict.json.
std::optional<std::string> write_outputs(const std::filesystem::path& dir, const scenario::Verdict& verdict,
                                         reports::ScenarioReport& report);

// The report of one run of `scenario` (scenario_report.cpp): verdict, description, counts,
// failures, the command that reproduces it; links are set by write_outputs.
reports::ScenarioReport scenario_report(const scenario::Scenario& scenario, const scenario::Verdict& verdict,
                                        std::chrono::microseconds wall);
reports::ScenarioCounts scenario_counts(const scenario::Verdict& verdict);
// The verdict's failures again (after the runner added one, e.g. a golden ladder or a write error).
void set_failures(reports::ScenarioReport& report, const scenario::Verdict& verdict);

// "[3/29] name" on a terminal's stderr, nothing otherwise.
class Progress {
public:
  explicit Progress(std::size_t total);
  void show(std::size_t index, const std::string& name) const;
  void clear() const;

private:
  std::size_t total_;
  bool tty_;
};

// `trunklab run --swarm N` / `--swarm-seed S` (run_swarm.cpp).
struct SwarmArgs {
  std::vector<std::string> paths;
  std::optional<std::uint64_t> base_seed;   // --seed: the seeds derive from it, not the scenario's
  std::uint64_t count = 0;                  // --swarm N
  std::optional<std::uint64_t> one_seed;    // --swarm-seed S: that swarm seed only
  std::string filter;
  bool quiet = false;
  std::string out;
  scenario::LimitOverrides limits;
  std::string limit_args;  // the --max-* arguments as given, for the reproduction command
};
int run_swarm(const SwarmArgs& args);

}  // namespace trunklab::app
