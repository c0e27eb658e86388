#include "reference/trunk/destinations.hpp"

#include <algorithm>

namespace trunklab::trunk {

namespace {

// Smooth weighted round-robin: every address gains its weight, the highest score is chosen
// and loses the sum of the weights (ties: configuration order).
std::size_t pick_weighted(const std::vector<const config::TrunkAddress*>& up, std::map<std::string, std::int64_t>& score) {
  std::int64_t total = 0;
  std::size_t best = 0;
  for (std::size_t i = 0; i < up.size(); ++i) {
    auto& s = score[up[i]->address.to_string()];
    s += up[i]->weight;
    total += up[i]->weight;
    if (s > score[up[best]->address.to_string()]) best = i;
  }
  score[up[best]->address.to_string()] -= total;
  return best;
}

}  // namespace

std::vector<rt::Address> DestinationPicker::order_for_call(const config::Trunk& trunk, const IsDown& is_down) {
  std::vector<const config::TrunkAddress*> up;
  for (const auto& a : trunk.addresses) {
    if (!is_down(trunk, a)) up.push_back(&a);
  }
  if (up.empty()) return {};
  auto& state = state_[trunk.name];
  std::size_t first = 0;
  switch (trunk.policy) {
    case config::DestinationPolicy::round_robin: first = state.calls % up.size(); break;
    case config::DestinationPolicy::weighted: first = pick_weighted(up, state.score); break;
    case config::DestinationPolicy::failover: break;
  }
  ++state.calls;
  auto by_priority = up;
  std::stable_sort(by_priority.begin(), by_priority.end(),
                   [](const auto* a, const auto* b) { return a->priority < b->priority; });
  std::vector<rt::Address> out;
  if (trunk.policy == config::DestinationPolicy::failover) {
    for (const auto* a : by_priority) out.push_back(a->address);
    return out;
  }
  out.push_back(up[first]->address);
  for (const auto* a : by_priority) {
    if (a != up[first]) out.push_back(a->address);
  }
  return out;
}

}  // namespace trunklab::trunk
