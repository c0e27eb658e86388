// OPTIONS keep-alive of the providers that have an options_interval, and of each address of a
// trunk that has one: one OPTIONS per interval each; a final response (any status: the peer is
// alive) marks it up in the route engine, no answer (timer F) marks it down, so new calls skip
// it until it answers again.
#pragma once

#include "reference/config/config.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "reference/trunk/routes.hpp"
#include "reference/txn/endpoint.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace trunklab::trunk {

// What the route engine's up/down state of a trunk address is keyed by (a provider's: its name).
std::string trunk_address_key(const std::string& trunk, const rt::Address& address);

struct ProbeTarget {
  std::string key;   // provider name, or trunk_address_key
  std::string host;  // Request-URI and To host
  rt::Address address;
  rt::Duration interval;
};
std::vector<ProbeTarget> probe_targets(const config::Config& config);

class ProviderProbes {
public:
  ProviderProbes(const config::Config& config, txn::Endpoint& endpoint, const rt::Address& local,
                 rt::Timers& timers, rt::Random& random, RouteEngine& routes)
      : config_(&config), endpoint_(endpoint), local_(local), timers_(timers), random_(random), routes_(routes) {}
  ~ProviderProbes();
  ProviderProbes(const ProviderProbes&) = delete;
  ProviderProbes& operator=(const ProviderProbes&) = delete;

  void start();
  // Probes the providers of `config` from now on: the ones still there keep their schedule.
  void set_config(const config::Config& config);
  // Transaction-layer callbacks; false: not a probe's transaction.
  bool on_response(txn::ClientTxnId txn, const sip::Message& response);
  bool on_timeout(txn::ClientTxnId txn);

private:
  void probe(const std::string& key);

  const config::Config* config_;
  txn::Endpoint& endpoint_;
  rt::Address local_;
  rt::Timers& timers_;
  rt::Random& random_;
  RouteEngine& routes_;
  std::map<std::uint64_t, std::string> txns_;        // ClientTxnId.value -> target key
  std::map<std::string, rt::TimerId> next_probe_;    // target key -> timer
  bool started_ = false;
};

}  // namespace trunklab::trunk
