// Swarm runs (`trunklab run --swarm N`): each scenario with N seeds, and for each seed a network
// drawn from the seed within the scenario's "swarm" bounds (swarm_bounds.hpp): loss, duplication,
// extra delay, link latency and jitter. The draw is a pure function of the seed and the bounds,
// so `trunklab run FILE --swarm-seed S` reproduces seed S's network and verdict exactly.
//
// A scenario without a "swarm" section runs on its own network with only the seed varying
// (branches, tags, its own faults' dice, its own jitter): perturbing a network its author did
// not declare safe would only produce false failures (a lost datagram changes what a raw party
// counts; a slower link breaks a `within` bound written for 10 ms links).
//
// Golden ladders are not compared in a swarm (timing changes the annotated ladder), and an exact
// ladder is judged per pair: another latency legitimately changes how messages to different
// parties interleave, never what passes between two of them.
#pragma once

#include "scenario/runner.hpp"
#include "scenario/scenario.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::scenario {

// Latency and jitter drawn for one path ("" ends: the default link of every other path).
struct PathDraw {
  std::string a;
  std::string b;
  std::optional<rt::Duration> latency;
  std::optional<rt::Duration> jitter;
};

struct SwarmDraw {
  std::uint64_t seed = 0;
  bool bounded = false;  // false: the scenario has no swarm bounds; nothing drawn
  double loss = 0.0;
  double duplicate = 0.0;
  rt::Duration delay{0};
  double delayed = 0.0;
  std::vector<PathDraw> paths;
  // "loss 0.083, duplicate 0.010, delay 120ms for 0.250 of datagrams, latency 35ms, jitter 4ms"
  std::string text() const;
};

// "loss [0, 0.1], latency [5ms, 80ms] between alice-trunk": the bounds as one line.
std::string bounds_text(const SwarmBounds& bounds);

// The i-th seed (0-based) of a swarm over `base` (the scenario's seed or --seed): a mix of the
// two, below 2^40 so that it reads and pastes as a short number.
std::uint64_t swarm_seed(std::uint64_t base, std::uint64_t index);

// The network of seed `seed` within the scenario's bounds; probabilities are drawn to 0.001 and
// durations to the millisecond, so the draw's text is exactly what runs.
SwarmDraw draw_swarm(const Scenario& scenario, std::uint64_t seed);

// The scenario with the draw applied: latency and jitter on the perturbed paths, and loss,
// duplicate and delay rules appended after the scenario's own faults (which take precedence:
// a partition stays a partition, a `pass` rule still exempts what it exempts).
Scenario apply_swarm(const Scenario& scenario, const SwarmDraw& draw);

// Runs the scenario as swarm seed `seed` (no golden file): the verdict carries the draw and the
// command that reproduces it; `extra_args` (e.g. "--max-messages 500") are appended to it.
Verdict run_swarm_seed(const Scenario& scenario, std::uint64_t seed, RunOptions options,
                       const std::string& extra_args = "");

}  // namespace trunklab::scenario
