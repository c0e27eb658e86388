// The bounds a scenario allows a swarm run (`trunklab run --swarm N`) to draw its network from:
// the scenario's "swarm" section. Its presence is the author's statement that the expectations
// hold for any network within these bounds; a scenario without it is swarmed on its own network
// with only the seed varying (swarm.hpp says why).
#pragma once

#include "reference/rt/time.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace trunklab::scenario {

template <typename T>
struct Range {
  T lo{};
  T hi{};
};

struct SwarmBounds {
  std::optional<Range<double>> loss;             // probability a datagram is lost
  std::optional<Range<double>> duplicate;        // probability a datagram arrives twice
  std::optional<Range<rt::Duration>> delay;      // extra delay of a delayed datagram...
  std::optional<Range<double>> delayed;          // ...and the probability a datagram is delayed
  std::optional<Range<rt::Duration>> latency;    // one-way link latency
  std::optional<Range<rt::Duration>> jitter;     // link jitter (reorders datagrams)
  // The paths perturbed, each in both directions; empty: every path (the default link, every
  // listed link, faults between any two hosts).
  std::vector<std::pair<std::string, std::string>> between;
};

}  // namespace trunklab::scenario
