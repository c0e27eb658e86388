// Runs a scenario in virtual time against the reference and judges it: builds the World (hosts,
// NATs, links, faults), the reference trunk/registrar at "trunk" and one emulated party per
// scenario party, schedules the steps, runs, then checks the expectations against the capture
// (what was on the wire) and the final state of the reference and the parties.
#pragma once

#include "reports/ladder/ladder.hpp"
#include "simulator/scenario/ladder_match.hpp"
#include "simulator/scenario/scenario.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::scenario {

struct RunOptions {
  std::optional<std::uint64_t> seed;  // overrides the scenario's seed
  bool keep_pcap = true;              // fill Verdict::pcap
  bool report_ladder = true;          // fill Verdict::ladder (for the ladder.* files)
};

struct Verdict {
  std::string name;
  std::string file;
  std::uint64_t seed = 0;
  bool passed = false;
  std::vector<std::string> failures;  // one per failed expectation, readable on their own
  std::vector<WireLine> lines;        // the actual ladder
  reports::Ladder ladder;             // for the report renderers (RunOptions::report_ladder)
  rt::Duration virtual_duration{};
  std::string pcap;                   // pcap file bytes (empty unless keep_pcap)
  std::uint64_t calls_started = 0;    // calls the parties placed (benchmarks)

  // The actual ladder, one annotated line per message: the golden file's content.
  std::string ladder_text() const;
  // Every failure, then the seed and how to reproduce the run.
  std::string failure_text() const;
  nlohmann::json to_json() const;
};

// Runs one scenario. Never throws for scenario-level problems: a topology the network refuses
// (duplicate addresses...) becomes a failed verdict with the message.
Verdict run_scenario(const Scenario& scenario, const RunOptions& options = {});

// Golden ladders: <scenario dir>/golden/<name>.ladder.txt.
std::filesystem::path golden_path(const Scenario& scenario);
// Compares the verdict's ladder with the golden file; a difference is added to the verdict's
// failures. With `update`, (re)writes the file instead. Returns an I/O error message, if any.
std::optional<std::string> check_golden(const Scenario& scenario, Verdict& verdict, bool update);

}  // namespace trunklab::scenario
