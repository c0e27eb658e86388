// Which of a trunk's addresses a call tries, in which order (config::DestinationPolicy):
// failover walks them by priority; round-robin starts each call one address further;
// weighted is smooth weighted round-robin (each call adds every address's weight to its
// running score, the highest starts the call and gives back the total), so starts interleave
// in proportion to the weights without any randomness. Whatever starts, the call falls over to
// the remaining addresses by priority. Addresses marked down by probing are left out.
#pragma once

#include "reference/config/config.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace trunklab::trunk {

class DestinationPicker {
public:
  using IsDown = std::function<bool(const config::Trunk&, const config::TrunkAddress&)>;

  // The addresses for the next call of `trunk`, first to try first; advances the trunk's
  // round-robin state.
  std::vector<rt::Address> order_for_call(const config::Trunk& trunk, const IsDown& is_down);

private:
  struct State {
    std::uint64_t calls = 0;
    std::map<std::string, std::int64_t> score;  // weighted: address -> running score
  };
  std::map<std::string, State> state_;  // trunk name -> its rotation
};

}  // namespace trunklab::trunk
