// One element on UDP and TCP at once (RFC 3261 §18: an element listens on both), as one
// rt::Transport for the transaction layer. Each message goes on the transport its peer uses:
// TCP when a connection to the peer is open (a response goes back on the connection its
// request came in on, §18.2.2; an INVITE to a phone registered over TCP reuses its
// connection) or when the peer was declared a TCP peer (a provider configured so); UDP
// otherwise. The transaction layer asks route() to write the Via and to know whether the
// transaction's transport is reliable (no retransmissions, §17.1.1.2).
#pragma once

#include "reference/rt/transport.hpp"

#include <cstddef>
#include <set>

namespace trunklab::rt {

class TransportPair final : public Transport {
public:
  // Both must outlive the pair; `udp` gives the local address, the kind and the size limit.
  TransportPair(Transport& udp, Transport& tcp) : udp_(udp), tcp_(tcp) {}

  // Messages to `peer` open a TCP connection rather than go by UDP. Bounded by the caller (a
  // configuration's providers).
  void prefer_tcp(const Address& peer) { tcp_peers_.insert(peer); }

  Transport& route(const Address& to) override {
    return tcp_peers_.contains(to) || tcp_.connected_to(to) ? tcp_ : udp_;
  }
  TransportKind kind() const override { return udp_.kind(); }
  Address local_address() const override { return udp_.local_address(); }
  void send(const Address& to, std::string_view bytes) override { route(to).send(to, bytes); }
  std::size_t max_datagram_bytes() const override { return udp_.max_datagram_bytes(); }
  bool connected_to(const Address& to) const override { return tcp_.connected_to(to); }

private:
  Transport& udp_;
  Transport& tcp_;
  std::set<Address> tcp_peers_;
};

}  // namespace trunklab::rt
