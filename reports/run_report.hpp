// The run report of `trunklab run --out DIR`: per-scenario ladders, DIR/index.html
// (index_html.cpp), DIR/junit.xml (junit_xml.cpp) and DIR/summary.json (summary_json.cpp).
// A neutral API: the runner fills ScenarioReport values; nothing here knows the scenario format.
#pragma once

#include "reports/ladder/ladder.hpp"
#include "reports/render/render.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::reports {

// What went over the wire in one run (summary.json "counts", the index's figures).
struct ScenarioCounts {
  std::uint64_t messages = 0;         // SIP messages sent, retransmissions included
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
  std::uint64_t retransmissions = 0;  // copies of an earlier message by its sender
  std::uint64_t dropped = 0;          // messages the network dropped
  std::uint64_t calls = 0;            // calls the parties placed ("call" steps)
  std::uint64_t rtp_streams = 0;      // RTP streams the parties heard
  std::uint64_t rtp_packets = 0;      // RTP packets they heard
};

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
  std::string json_path;  // error: where in the file ("$.steps[0].bob"; "" = the file itself)
  std::string reason;     // error: what was expected there (failure_text without file and path)
  std::string description;            // the scenario's "description"
  std::vector<std::string> failures;  // each failed expectation on its own (Verdict::failures)
  std::vector<std::string> notes;     // checks that could not be made (against a target)
  ScenarioCounts counts;
  std::string swarm_draw;  // a swarm seed: the network drawn for it
  std::string reproduce;   // a swarm seed: the command that reproduces it
};

// summary.json's "verdict" of a report: "passed", "failed", "limit" (a cap was reached: a
// failure) or "error" (the file could not be used).
std::string_view verdict_name(const ScenarioReport& report);

// The report of a file that could not be used: named after the file, failure_text = `message`
// (file, JSON path and reason in one line), json_path and reason apart when known.
ScenarioReport unusable_report(const std::string& file, const std::string& message,
                               const std::string& json_path = "", const std::string& reason = "");

// JUnit XML in the shape Jenkins, GitLab and GitHub (test reporter actions) read: one
// <testsuite>, one <testcase> per scenario, <failure> with failure_text (<error> for a file
// that could not be used).
std::string junit_xml(const std::vector<ScenarioReport>& reports,
                      std::string_view suite_name = "trunklab");

// The index page: a summary, the failures with their diff, the unusable files with their
// errors, then every scenario with its description, figures, links and a preview of its ladder.
// Self-contained (no external resource), works without JavaScript.
std::string index_html(const std::vector<ScenarioReport>& reports,
                       std::string_view title = "trunklab run");

// summary.json: every scenario's verdict, seed, times, counts, failing expectations and links,
// and the totals (shape in README.md, "Scenarios: trunklab run").
nlohmann::ordered_json summary_json(const std::vector<ScenarioReport>& reports);

// Write DIR/index.html, DIR/junit.xml, DIR/summary.json (DIR is created). Error message, or nullopt.
std::optional<std::string> write_index_html(const std::filesystem::path& dir,
                                            const std::vector<ScenarioReport>& reports);
std::optional<std::string> write_junit_xml(const std::filesystem::path& dir,
                                           const std::vector<ScenarioReport>& reports);
std::optional<std::string> write_summary_json(const std::filesystem::path& dir,
                                              const std::vector<ScenarioReport>& reports);
// All three (each attempted); the first error, or nullopt.
std::optional<std::string> write_run_report(const std::filesystem::path& dir,
                                            const std::vector<ScenarioReport>& reports);

// Write DIR/ladder.txt, ladder.mmd, ladder.svg and ladder.html (DIR is created).
std::optional<std::string> write_ladders(const std::filesystem::path& dir, const Ladder& ladder,
                                         const RenderOptions& options = {});

// Internal to the report's files: DIR is created; error message, or nullopt.
std::optional<std::string> write_report_file(const std::filesystem::path& path, const std::string& text);
// "12.345": seconds with milliseconds.
std::string report_seconds(std::chrono::microseconds d);

}  // namespace trunklab::reports
