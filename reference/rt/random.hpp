// Randomness as the protocol code sees it: injected, so that every branch, tag, Call-ID and
// nonce in a simulation derives from the scenario seed (determinism), and the real server
// can plug in a cryptographic source.
#pragma once

#include <cstdint>

namespace trunklab::rt {

class Random {
public:
  virtual ~Random() = default;
  virtual std::uint64_t next_u64() = 0;
};

// SplitMix64: tiny, fast, good enough for identifiers and fault dice; seeded explicitly.
class SplitMix64 final : public Random {
public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next_u64() override {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

private:
  std::uint64_t state_;
};

}  // namespace trunklab::rt
