// Simulated datagrams per wall-clock second through the kernel and the network, without SIP
// parsing: pairs of hosts bounce a SIP-sized datagram back and forth forever; each benchmark
// iteration runs a fixed batch of delivery events.
#include "sim/kernel/world.hpp"

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using namespace trunklab;

constexpr std::uint64_t kBatch = 100'000;

class Echo final : public rt::DatagramHandler {
public:
  rt::Transport* socket = nullptr;
  void on_datagram(const rt::Address&, const rt::Address& remote, std::string_view bytes) override {
    socket->send(remote, bytes);
  }
};

struct PingPong {
  PingPong(int pairs, bool capture, rt::Duration jitter) : world(1) {
    auto& net = world.network();
    world.capture().set_enabled(capture);
    net.set_default_link(sim::Link{rt::from_ms(10), jitter});
    const std::string payload(400, 'x');  // about a REGISTER
    for (int i = 0; i < 2 * pairs; ++i) {
      const auto ip = rt::Address::ipv4(0x0a000000u + static_cast<std::uint32_t>(i) + 1, 0);
      auto& host = net.add_host("h" + std::to_string(i), ip);
      echoes.push_back(std::make_unique<Echo>());
      echoes.back()->socket = &host.bind(5060, *echoes.back());
    }
    for (std::size_t i = 0; i + 1 < echoes.size(); i += 2) {
      echoes[i]->socket->send(echoes[i + 1]->socket->local_address(), payload);
    }
  }
  sim::World world;
  std::vector<std::unique_ptr<Echo>> echoes;
};

void run(benchmark::State& state, bool capture, rt::Duration jitter) {
  PingPong sim(static_cast<int>(state.range(0)), capture, jitter);
  for (auto _ : state) {
    const auto result = sim.world.run_until_idle(kBatch);
    benchmark::DoNotOptimize(result.events_run);
    if (capture) sim.world.capture().clear();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(sim.world.network().stats().delivered));
}

void BM_Datagrams(benchmark::State& state) { run(state, false, rt::Duration{0}); }
void BM_DatagramsJitter(benchmark::State& state) { run(state, false, rt::from_ms(5)); }
void BM_DatagramsCaptured(benchmark::State& state) { run(state, true, rt::Duration{0}); }

BENCHMARK(BM_Datagrams)->Arg(1)->Arg(100)->Arg(10'000);
BENCHMARK(BM_DatagramsJitter)->Arg(100)->Arg(10'000);
BENCHMARK(BM_DatagramsCaptured)->Arg(100);

}  // namespace
