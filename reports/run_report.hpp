// The run report of `trunklab run`: per-scenario ladders, DIR/index.html and DIR/junit.xml.
// A neutral API: the runner fills ScenarioReport values; nothing here knows the scenario format.
#pragma once

#include "reports/ladder/ladder.hpp"
#include "reports/render/render.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::reports {

struct ScenarioReport {
  std::string name;   // "failover-5xx"
  std::string file;   // the scenario file as given on the command line
  bool passed = false;
  rt::Duration virtual_duration{};          // simulated time the scenario covered
  std::chrono::microseconds wall_duration{};  // real time the run took (measured by the runner)
  std::uint64_t seed = 0;
  std::string failure_text;  // why it failed, with the ladder diff; "" when passed
  // Links relative to the report directory ("" = none): the folder holding ladder.* files
  // (written by write_ladders) and the pcap.
  std::string ladder_dir;
  std::string pcap;
  std::string limit;  // the cap of limits the run reached ("messages", ...): a failure; "" = none
  // The file could not be used (bad JSON, unknown member, wrong type, unknown name): no run;
  // failure_text says file, JSON path and reason. A JUnit <error>, "ERROR" in the index.
  bool error = false;
};

// The report of a file that could not be used: named after the file, failure_text = `reason`.
ScenarioReport unusable_report(const std::string& file, const std::string& reason);

// JUnit XML in the shape Jenkins, GitLab and GitHub (test reporter actions) read: one
// <testsuite>, one <testcase> per scenario, <failure> with failure_text (<error> for a file
// that could not be used).
std::string junit_xml(const std::vector<ScenarioReport>& reports,
                      std::string_view suite_name = "trunklab");

// The index page: every scenario with its verdict, durations, seed and links.
std::string index_html(const std::vector<ScenarioReport>& reports,
                       std::string_view title = "trunklab run");

// Write DIR/index.html and DIR/junit.xml (DIR is created). Error message, or nullopt.
std::optional<std::string> write_index_html(const std::filesystem::path& dir,
                                            const std::vector<ScenarioReport>& reports);
std::optional<std::string> write_junit_xml(const std::filesystem::path& dir,
                                           const std::vector<ScenarioReport>& reports);

// Write DIR/ladder.txt, ladder.mmd, ladder.svg and ladder.html (DIR is created).
std::optional<std::string> write_ladders(const std::filesystem::path& dir, const Ladder& ladder,
                                         const RenderOptions& options = {});

}  // namespace trunklab::reports
