// Simulated calls per wall-clock second: one phone places N sequential calls through the
// reference (407 challenge, provider answers, BYE), everything captured as in `trunklab run`.
// Also the whole bundled suite (load + run + judge every scenarios/*.json).
#include "scenario/runner.hpp"
#include "scenario/scenario.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace trunklab;

// A scenario with `calls` calls, one every 2 s, each answered after 100 ms and hung up at 1.5 s.
scenario::Scenario many_calls(int calls) {
  nlohmann::json steps = nlohmann::json::array();
  for (int i = 0; i < calls; ++i) {
    steps.push_back({{"at", fmt::format("{}ms", i * 2000)}, {"alice", {{"call", "+15551234567"}}}});
    steps.push_back({{"at", fmt::format("{}ms", i * 2000 + 1500)}, {"alice", "hangup"}});
  }
  nlohmann::json doc = {
      {"seed", 1},
      {"reference",
       {{"extensions", {{{"name", "office-1"}, {"username", "office1"}, {"password", "s3cret"}}}},
        {"providers", {{{"name", "telnyx"}}}},
        {"routes", {{{"provider", "telnyx"}}}}}},
      {"parties",
       {{"alice", {{"phone", {{"extension", "office-1"}}}}},
        {"telnyx", {{"provider", {{"invite", {{{"reply", 100}}, {{"reply", 200}, {"after", "100ms"}}}}}}}}}},
      {"steps", steps},
      {"expect", {{"finally", {{"channels_in_use", 0}, {"trunk_counters", {{"answered", calls}}}}}}}};
  return scenario::read_scenario(doc, "bench.json", "bench");
}

void BM_SimulatedCalls(benchmark::State& state) {
  const auto calls = static_cast<int>(state.range(0));
  auto scenario = many_calls(calls);
  scenario::RunOptions options;
  options.keep_pcap = false;
  options.report_ladder = false;  // as `trunklab run` without --out
  for (auto _ : state) {
    auto verdict = scenario::run_scenario(scenario, options);
    if (!verdict.passed) {
      state.SkipWithError(verdict.failure_text().c_str());
      return;
    }
    benchmark::DoNotOptimize(verdict.lines.size());
  }
  state.SetItemsProcessed(state.iterations() * calls);  // items/s = simulated calls per second
}
BENCHMARK(BM_SimulatedCalls)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_BundledSuite(benchmark::State& state) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(TRUNKLAB_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() == ".json" && entry.path().filename() != "schema.json") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  for (auto _ : state) {
    for (const auto& file : files) {
      auto verdict = scenario::run_scenario(scenario::load_scenario_file(file));
      if (!verdict.passed) {
        state.SkipWithError(verdict.failure_text().c_str());
        return;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(files.size()));
}
BENCHMARK(BM_BundledSuite)->Unit(benchmark::kMillisecond);

}  // namespace
