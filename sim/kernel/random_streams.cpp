#include "sim/kernel/random_streams.hpp"

#include <cassert>
#include <limits>

namespace trunklab::sim {

std::uint64_t derive_seed(std::uint64_t scenario_seed, std::string_view name) {
  // One SplitMix64 step over seed + hash: nearby seeds and similar names land far apart.
  rt::SplitMix64 mixer(scenario_seed + fnv1a64(name));
  return mixer.next_u64();
}

std::uint64_t uniform_below(rt::Random& random, std::uint64_t bound) {
  assert(bound > 0);
  // Reject the top partial bucket so every value in [0, bound) is equally likely.
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  for (;;) {
    const std::uint64_t x = random.next_u64();
    if (x < limit) return x % bound;
  }
}

double uniform01(rt::Random& random) {
  return static_cast<double>(random.next_u64() >> 11) * 0x1.0p-53;
}

bool chance(rt::Random& random, double p) {
  if (p <= 0.0) return false;
  if (p >= 1.0) return true;
  return uniform01(random) < p;
}

rt::Random& RandomStreams::stream(std::string_view name) {
  auto it = streams_.find(name);
  if (it == streams_.end()) {
    it = streams_.emplace(std::string(name),
                          std::make_unique<rt::SplitMix64>(derive_seed(seed_, name))).first;
  }
  return *it->second;
}

}  // namespace trunklab::sim
