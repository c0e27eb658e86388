// One element on UDP and TCP at once (RFC 3261 §18): the TransportSet of those two, UDP the
// primary (its address is the element's own). See transport_set.hpp for how each message picks
// its transport.
#pragma once

#include "reference/rt/transport_set.hpp"

namespace trunklab::rt {

class TransportPair final : public TransportSet {
public:
  // Both must outlive the pair; `udp` gives the local address, the kind and the size limit.
  TransportPair(Transport& udp, Transport& tcp) {
    add_as(TransportKind::udp, udp);
    add_as(TransportKind::tcp, tcp);
  }

  // Messages to `peer` open a TCP connection rather than go by UDP.
  void prefer_tcp(const Address& peer) { prefer(peer, TransportKind::tcp); }
};

}  // namespace trunklab::rt
