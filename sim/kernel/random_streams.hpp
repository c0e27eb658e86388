// Per-component random streams derived from one scenario seed. A stream's seed depends only on
// the scenario seed and the component's name, so adding an actor never shifts the randomness of
// another (TigerBeetle/turmoil style determinism).
#pragma once

#include "reference/rt/random.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace trunklab::sim {

// FNV-1a 64: stable across platforms and standard libraries, unlike std::hash.
constexpr std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The seed of the stream called `name` in a scenario run with `scenario_seed`.
std::uint64_t derive_seed(std::uint64_t scenario_seed, std::string_view name);

// Uniform in [0, bound); bound > 0. Rejection sampling avoids modulo bias.
std::uint64_t uniform_below(rt::Random& random, std::uint64_t bound);
// Uniform in [0, 1) with 53 bits of precision.
double uniform01(rt::Random& random);
// True with probability p (p <= 0: never, p >= 1: always, neither draws a number).
bool chance(rt::Random& random, double p);

class RandomStreams {
public:
  explicit RandomStreams(std::uint64_t scenario_seed) : seed_(scenario_seed) {}
  RandomStreams(const RandomStreams&) = delete;
  RandomStreams& operator=(const RandomStreams&) = delete;

  std::uint64_t seed() const { return seed_; }
  // The stream for a component; created on first use, the same object afterwards.
  rt::Random& stream(std::string_view name);

private:
  std::uint64_t seed_;
  std::map<std::string, std::unique_ptr<rt::SplitMix64>, std::less<>> streams_;
};

}  // namespace trunklab::sim
