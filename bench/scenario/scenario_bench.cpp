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

// A scenario with `calls` calls, one every `every_ms`, each answered after 100 ms and hung up
// `every_ms` - 500 ms after it started (media both ways while it lasts: PCMU, 20 ms).
scenario::Scenario many_calls(int calls, int every_ms = 2000) {
  nlohmann::json steps = nlohmann::json::array();
  for (int i = 0; i < calls; ++i) {
    steps.push_back({{"at", fmt::format("{}ms", i * every_ms)}, {"alice", {{"call", "+15551234567"}}}});
    steps.push_back({{"at", fmt::format("{}ms", i * every_ms + every_ms - 500)}, {"alice", "hangup"}});
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

// Simulated RTP packets per second of CPU on one core (issue 14's target: 1,000,000/s): N calls
// of 60 s, each with RTP both ways (about 2 x 2,970 packets per call), through the simulated
// network and the capture, judged as `trunklab run` does; range(1) = 1 also writes the pcap
// bytes and the report ladder, as `--out` does. Packets = what the receivers heard (verdict).
void BM_MediaPackets(benchmark::State& state) {
  const auto calls = static_cast<int>(state.range(0));
  auto scenario = many_calls(calls, 60'000);
  scenario::RunOptions options;
  options.keep_pcap = state.range(1) != 0;
  options.report_ladder = state.range(1) != 0;
  std::uint64_t packets = 0;
  for (auto _ : state) {
    auto verdict = scenario::run_scenario(scenario, options);
    if (!verdict.passed) {
      state.SkipWithError(verdict.failure_text().c_str());
      return;
    }
    std::uint64_t heard = 0;
    for (const auto& m : verdict.media) heard += m.packets;
    if (heard < static_cast<std::uint64_t>(calls) * 2 * 2900) {
      state.SkipWithError(fmt::format("only {} RTP packets heard", heard).c_str());
      return;
    }
    packets += heard;
    benchmark::DoNotOptimize(verdict.pcap.size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(packets));  // items/s = RTP packets per second
}
BENCHMARK(BM_MediaPackets)->Args({10, 0})->Args({10, 1})->Unit(benchmark::kMillisecond);

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
