// One element on several transports at once (RFC 3261 §18: UDP and TCP, and TLS, §26), as one
// rt::Transport for the transaction layer: at most one transport of each kind, and each message
// goes on the transport its peer uses: a kind declared for the peer (a provider configured so);
// else a stream transport with a connection to the peer open (a response goes back on the
// connection its request came in on, §18.2.2; an INVITE to a phone registered over TCP or TLS
// reuses its connection); else UDP, or the first transport when there is no UDP. The
// transaction layer asks route() to write the Via and to know whether the transaction's
// transport is reliable (no retransmissions, §17.1.1.2).
#pragma once

#include "reference/rt/transport.hpp"

#include <array>
#include <cstddef>
#include <map>

namespace trunklab::rt {

class TransportSet : public Transport {
public:
  TransportSet() = default;
  // The first transport added is the primary: it gives the element's own address, kind and
  // size limit. Each must outlive the set; a second one of a kind replaces the first.
  void add(Transport& transport) { add_as(transport.kind(), transport); }
  // As the transport of `kind` (a wrapper that does not say its kind: a fault or NAT shim).
  void add_as(TransportKind kind, Transport& transport) {
    if (primary_ == nullptr) primary_ = &transport;
    by_kind_.at(index(kind)) = &transport;
  }
  Transport* of(TransportKind kind) const { return by_kind_.at(index(kind)); }

  // Messages to `peer` go over `kind` when the set has it. Bounded by the caller (a
  // configuration's providers).
  void prefer(const Address& peer, TransportKind kind) { preferred_[peer] = kind; }

  Transport& route(const Address& to) override {
    if (auto it = preferred_.find(to); it != preferred_.end()) {
      if (Transport* t = of(it->second)) return *t;
    }
    for (TransportKind kind : {TransportKind::tls, TransportKind::tcp}) {
      if (Transport* t = of(kind); t != nullptr && t->connected_to(to)) return *t;
    }
    if (Transport* udp = of(TransportKind::udp)) return *udp;
    return *primary_;
  }
  TransportKind kind() const override { return primary_->kind(); }
  Address local_address() const override { return primary_->local_address(); }
  void send(const Address& to, std::string_view bytes) override { route(to).send(to, bytes); }
  std::size_t max_datagram_bytes() const override { return primary_->max_datagram_bytes(); }
  bool connected_to(const Address& to) const override {
    for (const Transport* t : by_kind_) {
      if (t != nullptr && t->connected_to(to)) return true;
    }
    return false;
  }

private:
  static std::size_t index(TransportKind kind) { return static_cast<std::size_t>(kind); }

  Transport* primary_ = nullptr;
  std::array<Transport*, 3> by_kind_{};  // udp, tcp, tls
  std::map<Address, TransportKind> preferred_;
};

}  // namespace trunklab::rt
