// The wire boundary. Elements send datagrams through a Transport and receive them through a
// DatagramHandler; the simulator's network and the real UDP sockets both implement Transport,
// and capture taps observe at this boundary (libre's trace hook: tx/rx, src, dst, bytes).
#pragma once

#include "reference/runtime/address.hpp"

#include <string_view>

namespace trunklab::rt {

enum class TransportKind { udp, tcp, tls };

class DatagramHandler {
public:
  virtual ~DatagramHandler() = default;
  // `local` is the address the datagram arrived on, `remote` the address it came from.
  virtual void on_datagram(const Address& local, const Address& remote, std::string_view bytes) = 0;
};

class Transport {
public:
  virtual ~Transport() = default;
  virtual TransportKind kind() const { return TransportKind::udp; }
  virtual Address local_address() const = 0;
  // Fire and forget, as UDP: loss is the transaction layer's business (retransmissions).
  virtual void send(const Address& to, std::string_view bytes) = 0;
};

}  // namespace trunklab::rt
