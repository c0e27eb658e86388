// `trunklab load`'s driver (load::RegisterLoad) in virtual time: on the simulator's clock,
// timers and network, against the reference server, so counts and latencies are exact and the
// same on every run of a seed.
#include "load/register_load.hpp"

#include "reference/config/example.hpp"
#include "reference/element/reference_server.hpp"
#include "reference/registrar/store.hpp"
#include "sim/kernel/world.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace trunklab::load {
namespace {

using namespace std::chrono_literals;

struct Forwarder final : rt::DatagramHandler {
  rt::DatagramHandler* target = nullptr;
  void on_datagram(const rt::Address& l, const rt::Address& r, std::string_view b) override {
    if (target) target->on_datagram(l, r, b);
  }
};

// The reference registrar on 10.0.0.1:5060 (unless `silent`: nothing listens there) and the
// load driver on 10.0.0.9, 1 ms apart.
struct SimLoad {
  SimLoad(LoadOptions o, bool silent = false, std::uint64_t seed = 1) : world(seed), options(std::move(o)) {
    config = config::example_config();
    add_load_users(config, options.user_prefix, options.users, options.password);
    auto& registrar_host = world.network().add_host("registrar", *rt::Address::parse("10.0.0.1"));
    if (!silent) {
      auto& udp = registrar_host.bind(5060, forwarder);
      server = std::make_unique<element::ReferenceServer>(config, world.clock(), world.timers(), udp,
                                                          world.random_stream("registrar"), store);
      forwarder.target = &server->datagram_handler();
      server->start();
    }
    options.target = *rt::Address::parse("10.0.0.1:5060");
    auto& host = world.network().add_host("load", *rt::Address::parse("10.0.0.9"));
    auto& socket = host.bind(5060, load_forwarder);
    load = std::make_unique<RegisterLoad>(world.clock(), world.timers(), socket, world.random_stream("load"), options);
    load_forwarder.target = load.get();
  }

  LoadReport run() {
    load->start();
    world.run_for(options.duration + options.timeout + 1s);
    EXPECT_TRUE(load->finished());
    return load->report();
  }

  sim::World world;
  LoadOptions options;
  config::Config config;
  registrar::MemoryStore store;
  Forwarder forwarder;
  Forwarder load_forwarder;
  std::unique_ptr<element::ReferenceServer> server;
  std::unique_ptr<RegisterLoad> load;
};

LoadOptions options(double rate, rt::Duration duration, std::size_t users) {
  LoadOptions o;
  o.rate_per_s = rate;
  o.duration = duration;
  o.users = users;
  return o;
}

TEST(RegisterLoadSim, EveryRegistrationTakesTwoRoundTripsOnAQuietNetwork) {
  SimLoad s(options(100, 2s, 20));
  const auto report = s.run();
  EXPECT_EQ(report.planned, 200u);
  EXPECT_EQ(report.started, 200u);
  EXPECT_EQ(report.succeeded, 200u);
  EXPECT_EQ(report.failed(), 0u);
  EXPECT_EQ(report.retransmissions, 0u);
  ASSERT_EQ(report.latencies.size(), 200u);
  // REGISTER -> 401 -> REGISTER -> 200 over a 1 ms link; the server takes no virtual time.
  EXPECT_EQ(report.latencies.front(), 4ms);
  EXPECT_EQ(report.latencies.back(), 4ms);
  EXPECT_EQ(report.elapsed, 1990ms + 4ms);  // the last one starts at 199 / 100 s
  EXPECT_EQ(s.server->registrar().counters().challenged, 200u);
  EXPECT_EQ(s.server->registrar().counters().accepted, 200u);
  EXPECT_EQ(s.store.size(), 20u) << "one binding per account, refreshed";
}

TEST(RegisterLoadSim, LossIsRecoveredByTheTransactionLayerTheSameWayForASeed) {
  auto lossy_run = [](std::uint64_t seed) {
    SimLoad s(options(50, 2s, 10), false, seed);
    s.world.network().add_fault(sim::FaultRule::drop("loss").with_src_host("load").with_probability(0.2));
    return s.run();
  };
  const auto a = lossy_run(7);
  EXPECT_EQ(a.succeeded, a.started);
  EXPECT_GT(a.retransmissions, 0u);
  // A lost REGISTER comes again after T1 (timer E): such a registration takes 504 ms or more.
  EXPECT_GE(a.latency_percentile(1.0), 504ms);
  EXPECT_EQ(a.latency_percentile(0.0), 4ms);
  const auto b = lossy_run(7);
  EXPECT_EQ(a.latencies, b.latencies);
  EXPECT_EQ(a.retransmissions, b.retransmissions);
}

TEST(RegisterLoadSim, ASilentTargetTimesOutAfterTimerERetransmissions) {
  SimLoad s(options(10, 1s, 10), /*silent=*/true);
  const auto report = s.run();
  EXPECT_EQ(report.started, 10u);
  EXPECT_EQ(report.timed_out, 10u);
  // Sent at 0, then retransmitted at 0.5, 1.5 and 3.5 s; the 5 s timeout comes before 7.5 s.
  EXPECT_EQ(report.retransmissions, 30u);
  EXPECT_GT(report.failure_ratio(), s.options.max_failure_ratio);
}

}  // namespace
}  // namespace trunklab::load
