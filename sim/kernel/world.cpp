#include "sim/kernel/world.hpp"

#include <utility>

namespace trunklab::sim {

World::World(std::uint64_t seed, WorldLimits limits)
    : limits_(limits), random_(seed), network_(scheduler_, random_, capture_) {}

rt::TimerId World::at(rt::Instant when, std::function<void()> fn) {
  return scheduler_.schedule_at(when, std::move(fn));
}

RunResult World::run_until(rt::Instant deadline) {
  return scheduler_.run_until(deadline, limits_.max_events_per_run);
}

RunResult World::run_for(rt::Duration duration) { return run_until(now() + duration); }

RunResult World::run_until_idle() { return run_until_idle(limits_.max_events_per_run); }

RunResult World::run_until_idle(std::uint64_t max_events) {
  return scheduler_.run_until_idle(max_events);
}

}  // namespace trunklab::sim
