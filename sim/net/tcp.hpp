// Simulated TCP (RFC 9293, as SIP over TCP uses it, RFC 3261 §18): a TcpSocket is an
// rt::Transport of kind tcp, the same interface realtime::TcpTransport implements on real
// sockets, so protocol code runs unchanged on both.
//
// The model, simple but honest about what SIP can observe:
// - connect: the first send() to a peer opens a connection from a fresh ephemeral port. SYN,
//   SYN-ACK and ACK each cross the link (latency, jitter, faults); what was sent meanwhile waits
//   and leaves right after the ACK, so data arrives one and a half round trips after the send.
// - a SYN to a port nobody listens on is answered RST: the connecting side's handler gets
//   on_unreachable (the transaction layer: a transport error, 503, RFC 3261 §8.1.3.1). A SYN to
//   an address nobody holds (or a host that is down) is retried (RTO 1 s, doubling, RFC 6298
//   §2.1 and §5.5) and given up after kSynRetries, which timer B or F usually beats (a timeout).
// - stream delivery: each send() leaves as segments of at most the sender's MSS; the receiver
//   reads, at the end of each instant, every in-order byte that arrived: one message may take
//   several reads, one read may hold several messages (segments arriving together, or held
//   behind a lost one). The receiver cuts messages with sip::frame_length like the real one.
// - loss: a dropped segment is not lost, it is late. The sender sends it again after its RTO
//   (200 ms, doubling: Linux's TCP_RTO_MIN; ACKs are not modelled, so the RTO is when the sender
//   notices) and gives up after kDataRetries (the connection is reset: on_unreachable).
//   Segments are delivered in sequence order even when jitter or a loss reorders their arrival.
// - reuse: a socket keeps one connection per remote address, for both directions: a response
//   goes back on the connection its request came in on (§18.2.2), a request to a peer with an
//   open connection uses it; a newer connection from the same address replaces the older.
// - idle close: a connection with no data either way for the idle timeout of either end's
//   socket is closed by that end (FIN, answered FIN); the next send opens a new one.
// The capture records each message once, at send time, from the connection's own end (as the
// real transports report it); the pcap writer makes up its segments (wiretap/tcp_flows.hpp).
// Not modelled: pure ACKs of data, windows and congestion control, TCP across
// NAT boxes (refused at connect), half-closed connections.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"
#include "wiretap/frames.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>

namespace trunklab::sim {

class Network;
class Host;

inline constexpr rt::Duration kSynRto = std::chrono::seconds(1);         // RFC 6298 §2.1
inline constexpr rt::Duration kDataRto = std::chrono::milliseconds(200);  // Linux TCP_RTO_MIN
inline constexpr int kSynRetries = 6;   // Linux tcp_syn_retries: 1+2+...+32 s, then ETIMEDOUT
inline constexpr int kDataRetries = 8;  // 200 ms .. 25.6 s, then the connection is reset

// The header fields the model uses (RFC 9293 §3.1; flags: wiretap::tcp_flag). The capture
// shows messages, not these.
struct TcpHeader {
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  bool retransmission = false;
};

struct TcpOptions {
  // As realtime::TcpOptions: a connection quiet this long is closed by this end.
  rt::Duration idle_timeout = std::chrono::minutes(5);
  std::size_t mss = 1460;  // payload bytes per segment: an Ethernet MTU minus IPv4 and TCP headers
};

struct TcpStats {
  std::uint64_t connected = 0;       // connections this socket opened
  std::uint64_t accepted = 0;        // connections peers opened to it
  std::uint64_t refused = 0;         // connects answered RST
  std::uint64_t reset = 0;           // connections reset or given up (on_unreachable)
  std::uint64_t idle_closed = 0;     // closed by this end after its idle timeout
  std::uint64_t segments_sent = 0;   // data segments, retransmissions included
  std::uint64_t retransmissions = 0;
  std::uint64_t reads = 0;           // chunks of stream read (one per instant with new data)
  std::uint64_t received = 0;        // messages framed and handed on
  std::uint64_t framing_errors = 0;  // streams closed because they could not be framed
};

class TcpSocket final : public rt::Transport {
public:
  TcpSocket(Network& network, Host& host, std::uint16_t port, rt::DatagramHandler& handler, TcpOptions options);

  rt::TransportKind kind() const override { return rt::TransportKind::tcp; }
  rt::Address local_address() const override;
  void send(const rt::Address& to, std::string_view bytes) override;
  std::size_t max_datagram_bytes() const override { return rt::kNoDatagramLimit; }
  bool connected_to(const rt::Address& to) const override { return by_remote_.contains(to); }

  Host& host() const { return host_; }
  rt::DatagramHandler& handler() const { return handler_; }
  const TcpOptions& options() const { return options_; }
  const TcpStats& stats() const { return stats_; }
  // Connections open or opening, to send on (one per remote address).
  std::size_t connection_count() const { return by_remote_.size(); }

private:
  friend class Network;
  Network& network_;
  Host& host_;
  std::uint16_t port_;
  rt::DatagramHandler& handler_;
  TcpOptions options_;
  TcpStats stats_;
  std::map<rt::Address, std::uint64_t> by_remote_;  // remote address -> connection id
};

}  // namespace trunklab::sim
