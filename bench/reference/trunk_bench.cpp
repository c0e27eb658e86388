// Calls per wall-clock second through the reference trunk in virtual time: phones and a
// provider around it on the simulated network, every message built, sent, parsed and matched
// by every party (the phones' and the provider's work is included, so this is a lower bound
// for the trunk alone). Capture is off: it measures the protocol, not pcap writing.
#include "tests/lab/lab.hpp"

#include <benchmark/benchmark.h>

using namespace trunklab;
using namespace std::chrono_literals;

namespace {

config::Config bench_config(bool ip_auth) {
  config::Config c;
  for (int i = 0; i < 20; ++i) {
    c.extensions.push_back({fmt::format("ext{}", i), fmt::format("ext{}", i), "pw", "default"});
  }
  c.providers = {{"carrier", "sip.carrier.example", {}, {}, {}, {}}};
  c.routes = {{"r1", "carrier", 1, "", "default"}};
  if (ip_auth) {
    std::vector<std::string> trusted;
    for (int i = 0; i < 20; ++i) trusted.push_back(fmt::format("10.0.1.{}", i + 1));
    c.trunks.emplace_back();
    c.trunks.back().name = "default";
    c.trunks.back().trusted_addresses = trusted;
  }
  return c;
}

void run_calls(benchmark::State& state, bool ip_auth) {
  constexpr int kPhones = 20;
  constexpr int kCallsPerPhone = 50;  // each: dial, 1 s of talk, hang up; one every 2 s
  std::int64_t calls = 0;
  for (auto _ : state) {
    state.PauseTiming();
    testlab::Lab lab(bench_config(ip_auth));
    lab.world().capture().set_enabled(false);
    lab.add_provider_address("carrier", "10.0.0.20");
    lab.start();
    std::vector<agents::UserAgent*> phones;
    for (int i = 0; i < kPhones; ++i) {
      phones.push_back(&lab.add_agent(fmt::format("p{}", i), fmt::format("10.0.1.{}", i + 1),
                                      lab.phone(fmt::format("ext{}", i))));
    }
    lab.add_agent("carrier", "10.0.0.20", lab.provider({{180, 0ms, {}, {}}, {200, 0ms, {}, {}}}));
    for (int i = 0; i < kPhones; ++i) {
      for (int k = 0; k < kCallsPerPhone; ++k) {
        double start = k * 2.0 + i * 0.01;
        lab.at_s(start, [p = phones[static_cast<std::size_t>(i)]] { p->call("+15551234567"); });
        lab.at_s(start + 1.0, [p = phones[static_cast<std::size_t>(i)]] { p->hangup(); });
      }
    }
    state.ResumeTiming();
    lab.run_for_s(kCallsPerPhone * 2.0 + 60);
    state.PauseTiming();
    std::int64_t answered = 0;
    for (auto* p : phones) {
      for (const auto& c : p->calls()) answered += c.final_status == 200 ? 1 : 0;
    }
    if (answered != kPhones * kCallsPerPhone) state.SkipWithError("not every call was answered");
    calls += answered;
    state.ResumeTiming();
  }
  state.counters["calls/s"] = benchmark::Counter(static_cast<double>(calls), benchmark::Counter::kIsRate);
}

void BM_TrunkCallsDigestAuth(benchmark::State& state) { run_calls(state, false); }
void BM_TrunkCallsIpAuth(benchmark::State& state) { run_calls(state, true); }
BENCHMARK(BM_TrunkCallsDigestAuth)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrunkCallsIpAuth)->Unit(benchmark::kMillisecond);

}  // namespace
