// finally.ghost_answers and finally.left_ringing: the calls a party answered that no caller
// got (a ghost call, billed on a real carrier), and the incoming calls still ringing at the end.
#pragma once

#include "scenario/run_state.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace trunklab::scenario::detail {

// What is wrong, one text per failure; empty when the expectation holds.
std::vector<std::string> check_ghost_answers(const Scenario& scenario, const RunState& state, std::int64_t expected);
std::vector<std::string> check_left_ringing(const Scenario& scenario, const RunState& state, std::int64_t expected);

}  // namespace trunklab::scenario::detail
