// The route engine: which providers to try, in order, for a destination.
// Longest matching destination prefix first, then route priority (lower first), then the
// order routes were configured in; providers marked down by OPTIONS probing are skipped.
#pragma once

#include "reference/config/config.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::trunk {

class RouteEngine {
public:
  explicit RouteEngine(const config::Config& config) : config_(&config) {}
  void set_config(const config::Config& config) { config_ = &config; }

  // Providers to try for `destination` (the dialled number) of `customer`, best first, each
  // provider at most once.
  std::vector<const config::Provider*> candidates(std::string_view customer,
                                                  std::string_view destination) const;

  void mark_down(const std::string& provider) { down_.insert(provider); }
  void mark_up(const std::string& provider) { down_.erase(provider); }
  bool is_down(const std::string& provider) const { return down_.count(provider) > 0; }

private:
  const config::Config* config_;
  std::set<std::string> down_;
};

}  // namespace trunklab::trunk
