// Which transport the reference uses toward whom, from its configuration: a provider declared
// "transport": "tcp" gets its requests over a connection (a TransportPair sends the rest as
// their peers do: back on a connection a request came in on, else UDP).
#pragma once

#include "reference/config/config.hpp"
#include "reference/rt/transport_set.hpp"

#include <string>

namespace trunklab::element {

inline void prefer_configured_transports(rt::TransportSet& set, const config::Config& config) {
  for (const auto& provider : config.providers) {
    if (provider.transport == rt::TransportKind::tcp && provider.address) set.prefer(*provider.address, rt::TransportKind::tcp);
  }
}

// The first provider that needs TCP, "" when none does (an element on UDP only refuses it).
inline std::string provider_needing_tcp(const config::Config& config) {
  for (const auto& provider : config.providers) {
    if (provider.transport == rt::TransportKind::tcp) return provider.name;
  }
  return {};
}

}  // namespace trunklab::element
