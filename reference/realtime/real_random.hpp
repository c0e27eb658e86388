// Randomness for the real server: from the OS (std::random_device, i.e. getrandom(2) on
// Linux), which is allowed here at the edge and nowhere in protocol code. Call-IDs, tags,
// branches and nonce salts must not be predictable by a peer on the network.
#pragma once

#include "reference/rt/random.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>

namespace trunklab::realtime {

class OsRandom final : public rt::Random {
public:
  std::uint64_t next_u64() override;

private:
  // Refilled a block at a time: one draw per identifier would cost a syscall each.
  static constexpr std::size_t kBlock = 64;
  std::random_device device_;
  std::array<std::uint64_t, kBlock> block_{};
  std::size_t used_ = kBlock;
};

}  // namespace trunklab::realtime
