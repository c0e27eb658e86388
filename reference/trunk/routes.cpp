#include "reference/trunk/routes.hpp"

#include <algorithm>

namespace trunklab::trunk {

std::vector<const config::Provider*> RouteEngine::candidates(std::string_view customer,
                                                             std::string_view destination) const {
  struct Match {
    std::size_t prefix_length;
    int priority;
    std::size_t order;
    const config::Route* route;
  };
  std::vector<Match> matches;
  for (std::size_t i = 0; i < config_->routes.size(); ++i) {
    const auto& r = config_->routes[i];
    if (r.customer != customer || !destination.starts_with(r.prefix)) continue;
    matches.push_back({r.prefix.size(), r.priority, i, &r});
  }
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    if (a.prefix_length != b.prefix_length) return a.prefix_length > b.prefix_length;
    if (a.priority != b.priority) return a.priority < b.priority;
    return a.order < b.order;
  });
  std::vector<const config::Provider*> out;
  for (const auto& m : matches) {
    const auto* provider = config_->find_provider(m.route->provider);
    if (!provider || is_down(provider->name)) continue;
    if (std::find(out.begin(), out.end(), provider) != out.end()) continue;
    out.push_back(provider);
  }
  return out;
}

}  // namespace trunklab::trunk
