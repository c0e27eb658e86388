// The World owns one simulation: the virtual clock and event queue, the random streams derived
// from the scenario seed, the network and its capture. No globals: two Worlds never interact.
//
//   World world(seed);
//   auto& net = world.network();
//   auto& alice = net.add_host("alice", *rt::Address::parse("10.0.0.1"));
//   rt::Transport& sock = alice.bind(5060, handler);
//   world.run_for(rt::from_ms(500));
//   world.capture().write_pcap("run.pcap");
#pragma once

#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "wiretap/capture.hpp"
#include "sim/kernel/random_streams.hpp"
#include "sim/kernel/scheduler.hpp"
#include "sim/net/network.hpp"

#include <cstdint>
#include <functional>
#include <string_view>

namespace trunklab::sim {

// Put a limit on everything: a run that schedules more events than this stops with
// StopReason::event_limit instead of spinning forever.
struct WorldLimits {
  std::uint64_t max_events_per_run = 100'000'000;
};

class World {
public:
  explicit World(std::uint64_t seed, WorldLimits limits = {});
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  std::uint64_t seed() const { return random_.seed(); }
  const WorldLimits& limits() const { return limits_; }

  rt::Clock& clock() { return scheduler_; }
  rt::Timers& timers() { return scheduler_; }
  Scheduler& scheduler() { return scheduler_; }
  rt::Instant now() const { return scheduler_.now(); }

  // The random stream of a component ("alice", "net.fault.loss", ...), derived from the seed.
  rt::Random& random_stream(std::string_view name) { return random_.stream(name); }

  Network& network() { return network_; }
  const Network& network() const { return network_; }
  wiretap::Capture& capture() { return capture_; }
  const wiretap::Capture& capture() const { return capture_; }

  // Runs `fn` at a virtual time (a step of a scenario: a host going down, a call starting).
  rt::TimerId at(rt::Instant when, std::function<void()> fn);

  RunResult run_until(rt::Instant deadline);
  RunResult run_for(rt::Duration duration);
  RunResult run_until_idle();
  RunResult run_until_idle(std::uint64_t max_events);

private:
  WorldLimits limits_;
  Scheduler scheduler_;
  RandomStreams random_;
  wiretap::Capture capture_;
  Network network_;
};

}  // namespace trunklab::sim
