// `trunklab run --swarm N`: each scenario with N seeds, each on a network drawn from the seed
// within the scenario's "swarm" bounds (scenario/swarm.hpp); `--swarm-seed S` runs one of them.
// One line per scenario (N seeds, k failed), every failing seed with its failures, its draw and
// the command that reproduces it, a summary; exit 0 all seeds passed, 1 a seed failed, 2
// unusable input. With --out: junit.xml, summary.json and index.html list every seed; the failing ones leave
// DIR/<name>/seed-<S>/ (pcap, ladders, verdict.json), written by running that seed again.
#include "app/run_files.hpp"

#include "scenario/swarm.hpp"

#include <fmt/core.h>

#include <chrono>
#include <filesystem>

namespace trunklab::app {

namespace {

using Clock = std::chrono::steady_clock;  // the app is the edge: wall time for the report only

struct Totals {
  std::size_t runs = 0;
  std::size_t failed_runs = 0;
  std::size_t scenarios = 0;
  std::size_t failing_scenarios = 0;
  std::size_t unusable = 0;
};

double ms_since(Clock::time_point start) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count()) / 1000.0;
}

std::vector<std::uint64_t> seeds_of(const SwarmArgs& args, const scenario::Scenario& s) {
  if (args.one_seed) return {*args.one_seed};
  std::vector<std::uint64_t> seeds;
  for (std::uint64_t i = 0; i < args.count; ++i) seeds.push_back(scenario::swarm_seed(args.base_seed.value_or(s.seed), i));
  return seeds;
}

reports::ScenarioReport seed_report(const scenario::Scenario& s, const scenario::Verdict& v,
                                    std::chrono::microseconds wall) {
  auto r = scenario_report(s, v, wall);
  r.name = fmt::format("{} seed {}", v.name, v.seed);
  return r;
}

// The failing seed again, with its pcap and ladders, into DIR/<name>/seed-<S>/ (deterministic:
// the same seed gives the same run).
void write_seed_outputs(const SwarmArgs& args, const scenario::Scenario& s, const scenario::RunOptions& options,
                        reports::ScenarioReport& report) {
  auto again = options;
  again.keep_pcap = true;
  again.report_ladder = true;
  auto verdict = scenario::run_swarm_seed(s, report.seed, again, args.limit_args);
  verdict.name = fmt::format("seed-{}", report.seed);
  if (auto e = write_outputs(std::filesystem::path(args.out) / s.name, verdict, report)) {
    report.failures.push_back(*e);
    report.failure_text += *e + "\n";
    return;
  }
  report.ladder_dir = s.name + "/" + report.ladder_dir;
  report.pcap = s.name + "/" + report.pcap;
}

void run_one(const SwarmArgs& args, const scenario::Scenario& s, std::vector<reports::ScenarioReport>& reports,
             Totals& totals) {
  const auto started = Clock::now();
  scenario::RunOptions options;
  options.keep_pcap = false;
  options.report_ladder = false;
  options.limits = args.limits;
  std::size_t failed = 0;
  const auto seeds = seeds_of(args, s);
  for (const auto seed : seeds) {
    const auto one_started = Clock::now();
    auto verdict = scenario::run_swarm_seed(s, seed, options, args.limit_args);
    auto report = seed_report(s, verdict, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - one_started));
    if (!verdict.passed) {
      ++failed;
      fmt::print("FAIL {} seed {}\n{}", s.name, seed, indent(verdict.failure_text()));
      if (!args.out.empty()) write_seed_outputs(args, s, options, report);
    } else if (args.one_seed && !args.quiet) {
      fmt::print("PASS {} seed {} (swarm draw: {})\n", s.name, seed, verdict.swarm_draw);
    }
    reports.push_back(std::move(report));
  }
  totals.runs += seeds.size();
  totals.failed_runs += failed;
  ++totals.scenarios;
  if (failed > 0) ++totals.failing_scenarios;
  if (args.one_seed || (failed == 0 && args.quiet)) return;
  fmt::print("{} {:<28} {:>4} seeds, {} failed  {}  {:.1f} ms wall\n", failed > 0 ? "FAIL" : "PASS", s.name,
             seeds.size(), failed, s.swarm ? "swarm: " + scenario::bounds_text(*s.swarm) : "own network (no swarm bounds)",
             ms_since(started));
}

}  // namespace

int run_swarm(const SwarmArgs& args) {
  const auto started = Clock::now();
  std::vector<reports::ScenarioReport> reports;
  const auto files = collect_files(args.paths, reports);
  Totals totals;
  totals.unusable = reports.size();
  for (const auto& r : reports) fmt::print("ERROR {}\n", r.failure_text);
  Progress progress(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::optional<scenario::Scenario> s;
    try {
      s = scenario::load_scenario_file(files[i]);
    } catch (const config::InputError& e) {
      progress.clear();
      fmt::print("ERROR {}\n", e.what());
      reports.push_back(reports::unusable_report(files[i], e.what(), e.json_path(), e.expected()));
      ++totals.unusable;
      continue;
    }
    if (!name_matches(s->name, args.filter)) continue;
    progress.show(i, s->name);
    run_one(args, *s, reports, totals);
    progress.clear();
  }
  if (totals.runs + totals.unusable == 0) {
    // Nothing ran (every scenario filtered out): a green run would mean nothing.
    const auto reason = fmt::format("no scenario matches --filter \"{}\"", args.filter);
    fmt::print("ERROR {}\n", reason);
    reports.push_back(reports::unusable_report(args.paths.front(), reason));
    ++totals.unusable;
  }
  if (!args.out.empty()) {
    if (auto e = reports::write_run_report(args.out, reports)) fmt::print(stderr, "error: {}\n", *e);
  }
  fmt::print("swarm: {} scenario(s), {} run(s): {} passed, {} failed ({} scenario(s) with a failing seed), "
             "{} unusable ({:.0f} ms wall)\n",
             totals.scenarios, totals.runs, totals.runs - totals.failed_runs, totals.failed_runs,
             totals.failing_scenarios, totals.unusable, ms_since(started));
  if (!args.out.empty()) {
    fmt::print("report: {0}/index.html, {0}/junit.xml, {0}/summary.json; failing seeds: {0}/<scenario>/seed-<S>/\n", display_dir(args.out));
  }
  if (totals.unusable > 0) return 2;
  return totals.failed_runs > 0 ? 1 : 0;
}

}  // namespace trunklab::app
