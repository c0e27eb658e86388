#include "reference/realtime/real_random.hpp"

namespace trunklab::realtime {

std::uint64_t OsRandom::next_u64() {
  if (used_ == kBlock) {
    for (auto& word : block_) {
      // random_device yields 32-bit words.
      word = (std::uint64_t{device_()} << 32) | std::uint64_t{device_()};
    }
    used_ = 0;
  }
  return block_[used_++];
}

}  // namespace trunklab::realtime
