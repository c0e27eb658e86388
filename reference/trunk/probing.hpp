// OPTIONS keep-alive of the providers that have an options_interval: one OPTIONS per interval
// each; a final response (any status: the provider is alive) marks it up in the route engine,
// no answer (timer F) marks it down, so new calls skip it until it answers again.
#pragma once

#include "reference/config/config.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "reference/trunk/routes.hpp"
#include "reference/txn/endpoint.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace trunklab::trunk {

class ProviderProbes {
public:
  ProviderProbes(const config::Config& config, txn::Endpoint& endpoint, const rt::Address& local,
                 rt::Timers& timers, rt::Random& random, RouteEngine& routes)
      : config_(config), endpoint_(endpoint), local_(local), timers_(timers), random_(random), routes_(routes) {}
  ~ProviderProbes();
  ProviderProbes(const ProviderProbes&) = delete;
  ProviderProbes& operator=(const ProviderProbes&) = delete;

  void start();
  // Transaction-layer callbacks; false: not a probe's transaction.
  bool on_response(txn::ClientTxnId txn, const sip::Message& response);
  bool on_timeout(txn::ClientTxnId txn);

private:
  void probe(const std::string& provider);

  const config::Config& config_;
  txn::Endpoint& endpoint_;
  rt::Address local_;
  rt::Timers& timers_;
  rt::Random& random_;
  RouteEngine& routes_;
  std::map<std::uint64_t, std::string> txns_;        // ClientTxnId.value -> provider
  std::map<std::string, rt::TimerId> next_probe_;    // provider -> timer
};

}  // namespace trunklab::trunk
