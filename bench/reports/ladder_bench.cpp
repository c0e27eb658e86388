// Ladders of a 100,000-message capture: what `trunklab ladder` does, stage by stage.
// Target: the whole command (read + build + render) under 2 s.
#include "reports/pcap/pcap_reader.hpp"
#include "reports/render/render.hpp"
#include "tests/reports/fixtures.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>

namespace trunklab::reports {
namespace {

using namespace testing;

constexpr std::size_t kMessages = 100'000;

// 10,000 calls through a trunk to three providers, 10 messages each, 1 ms apart.
std::vector<Frame> capture_frames() {
  const char* providers[] = {kProvider, "192.0.2.20:5060", "198.51.100.5:5060"};
  std::vector<Frame> frames;
  frames.reserve(kMessages);
  std::int64_t ms = 0;
  for (std::size_t call = 0; frames.size() < kMessages; ++call) {
    std::string a = "a" + std::to_string(call) + "@10.0.0.1";
    std::string b = "b" + std::to_string(call) + "@10.0.0.2";
    const char* provider = providers[call % 3];
    std::vector<Datagram> legs = {
        datagram(ms, kAlice, kTrunk, request("INVITE", a, 1)),
        datagram(ms, kTrunk, kAlice, response(100, "Trying", a, 1, "INVITE")),
        datagram(ms, kTrunk, provider, request("INVITE", b, 1)),
        datagram(ms, provider, kTrunk, response(200, "OK", b, 1, "INVITE")),
        datagram(ms, kTrunk, kAlice, response(200, "OK", a, 1, "INVITE")),
        datagram(ms, kAlice, kTrunk, request("ACK", a, 1)),
        datagram(ms, kTrunk, provider, request("ACK", b, 1)),
        datagram(ms, kAlice, kTrunk, request("BYE", a, 2)),
        datagram(ms, kTrunk, provider, request("BYE", b, 2)),
        datagram(ms, provider, kTrunk, response(200, "OK", b, 2, "BYE"))};
    for (auto& d : legs) {
      d.time = rt::Instant{rt::from_ms(ms++)};
      frames.push_back({d.time, ethernet_frame(ipv4_packet(d))});
    }
  }
  return frames;
}

// The capture file, written once. TRUNKLAB_BENCH_PCAP names where (kept, so the command can be
// timed on it too); a temp file otherwise.
const std::string& capture_path() {
  static const std::string path = [] {
    const char* chosen = std::getenv("TRUNKLAB_BENCH_PCAP");
    std::string p = chosen != nullptr
                        ? std::string(chosen)
                        : (std::filesystem::temp_directory_path() / "trunklab-bench-ladder.pcap").string();
    if (!write_pcap(p, DLT_EN10MB, capture_frames()).empty()) std::abort();
    return p;
  }();
  return path;
}

const Ladder& ladder() {
  static const Ladder built = build_ladder(read_pcap(capture_path()).datagrams);
  return built;
}

void BM_ReadPcap(benchmark::State& state) {
  for (auto _ : state) {
    PcapRead read = read_pcap(capture_path());
    benchmark::DoNotOptimize(read.datagrams.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kMessages));
}

void BM_BuildLadder(benchmark::State& state) {
  PcapRead read = read_pcap(capture_path());
  for (auto _ : state) {
    Ladder l = build_ladder(read.datagrams);
    benchmark::DoNotOptimize(l.messages.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kMessages));
}

void BM_Render(benchmark::State& state) {
  auto format = static_cast<Format>(state.range(0));
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = render(format, ladder());
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["output_MB"] = static_cast<double>(bytes) / 1e6;
}

// The whole command's work: read, build, render as text.
void BM_LadderCommandText(benchmark::State& state) {
  for (auto _ : state) {
    std::string out = render_text(build_ladder(read_pcap(capture_path()).datagrams));
    benchmark::DoNotOptimize(out.data());
  }
}

BENCHMARK(BM_ReadPcap)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_BuildLadder)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Render)
    ->ArgName("format")
    ->Arg(static_cast<int>(Format::text))
    ->Arg(static_cast<int>(Format::mermaid))
    ->Arg(static_cast<int>(Format::svg))
    ->Arg(static_cast<int>(Format::html))
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_LadderCommandText)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace trunklab::reports
