// A scenario's run as the run report sees it (reports::ScenarioReport): what `trunklab run`
// and its swarm mode put in index.html, junit.xml and summary.json.
#include "app/run_files.hpp"

#include <fmt/core.h>

namespace trunklab::app {

reports::ScenarioCounts scenario_counts(const scenario::Verdict& verdict) {
  reports::ScenarioCounts c;
  c.messages = verdict.lines.size();
  for (const auto& line : verdict.lines) {
    ++(line.is_request ? c.requests : c.responses);
    c.retransmissions += line.retransmission ? 1 : 0;
    c.dropped += line.dropped ? 1 : 0;
  }
  c.calls = verdict.calls_started;
  c.rtp_streams = verdict.media.size();
  for (const auto& stream : verdict.media) c.rtp_packets += stream.packets;
  return c;
}

reports::ScenarioReport scenario_report(const scenario::Scenario& scenario, const scenario::Verdict& verdict,
                                        std::chrono::microseconds wall) {
  reports::ScenarioReport r;
  r.name = verdict.name;
  r.file = verdict.file;
  r.description = scenario.description;
  r.passed = verdict.passed;
  r.virtual_duration = verdict.virtual_duration;
  r.wall_duration = wall;
  r.seed = verdict.seed;
  r.limit = verdict.limit;
  r.counts = scenario_counts(verdict);
  r.notes = verdict.notes;
  r.swarm_draw = verdict.swarm_draw;
  if (!verdict.reproduce.empty()) {
    r.reproduce = verdict.reproduce;
  } else if (!verdict.real_time) {
    // A run against a target is not reproduced by a seed: timing differs from run to run.
    r.reproduce = fmt::format("trunklab run {} --seed {}", verdict.file, verdict.seed);
  }
  set_failures(r, verdict);
  return r;
}

void set_failures(reports::ScenarioReport& report, const scenario::Verdict& verdict) {
  report.passed = verdict.passed;
  report.failures = verdict.failures;
  report.failure_text = verdict.passed ? std::string() : verdict.failure_text();
}

}  // namespace trunklab::app
