// The wire boundary. Elements send datagrams through a Transport and receive them through a
// DatagramHandler; the simulator's network and the real UDP sockets both implement Transport,
// and capture taps observe at this boundary (libre's trace hook: tx/rx, src, dst, bytes).
#pragma once

#include "reference/rt/address.hpp"

#include <cstddef>
#include <string_view>

namespace trunklab::rt {

enum class TransportKind { udp, tcp, tls };

// As a Via's sent-protocol names it (RFC 3261 §20.42): "UDP", "TCP", "TLS".
constexpr std::string_view transport_name(TransportKind kind) {
  switch (kind) {
    case TransportKind::udp: return "UDP";
    case TransportKind::tcp: return "TCP";
    case TransportKind::tls: return "TLS";
  }
  return "UDP";
}

// The largest UDP payload: 65535 minus the IPv4 (20) and UDP (8) headers; over IPv6 the
// payload length field covers the UDP header only (65535 - 8).
inline constexpr std::size_t kMaxUdpPayloadIpv4 = 65507;
inline constexpr std::size_t kMaxUdpPayloadIpv6 = 65527;
// A stream transport cuts no datagrams.
inline constexpr std::size_t kNoDatagramLimit = static_cast<std::size_t>(-1);

class DatagramHandler {
public:
  virtual ~DatagramHandler() = default;
  // `local` is the address the datagram arrived on, `remote` the address it came from.
  virtual void on_datagram(const Address& local, const Address& remote, std::string_view bytes) = 0;
  // A stream message over the framing limits (sip::frame_length): its head, to be answered
  // 513 (RFC 3261 §21.5.14) before the transport closes the connection.
  virtual void on_oversized(const Address& /*local*/, const Address& /*remote*/, std::string_view /*head*/) {}
  // A connection-oriented transport could not carry what was sent to `remote`: the connection
  // was refused (RST), reset, or timed out. What was queued on it is lost; the transaction
  // layer turns this into a transport error (RFC 3261 §8.1.3.1: as a 503).
  virtual void on_unreachable(const Address& /*local*/, const Address& /*remote*/) {}
};

class Transport {
public:
  virtual ~Transport() = default;
  virtual TransportKind kind() const { return TransportKind::udp; }
  virtual Address local_address() const = 0;
  // Fire and forget, as UDP: loss is the transaction layer's business (retransmissions).
  virtual void send(const Address& to, std::string_view bytes) = 0;
  // The largest message send() can carry (EMSGSIZE beyond it). The transaction layer decides
  // what to do with a bigger one (513, RFC 3261 §21.5.14) instead of letting the socket drop
  // it, so the decision is the same in virtual time as on a real socket.
  virtual std::size_t max_datagram_bytes() const { return kMaxUdpPayloadIpv4; }
  // The transport a message to `to` leaves on: itself, or for an element on several transports
  // at once (TransportPair) the one its peer uses. The transaction layer writes that one's
  // kind in the Via and knows from it whether the transaction is reliable (RFC 3261 §17.1.1.2).
  virtual Transport& route(const Address& /*to*/) { return *this; }
  // A stream transport has a connection to `to` open (or opening).
  virtual bool connected_to(const Address& /*to*/) const { return false; }
};

}  // namespace trunklab::rt
