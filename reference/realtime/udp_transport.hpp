// rt::Transport over a real UDP socket (IPv4 or IPv6), read on an EventLoop.
// Non-blocking both ways: a datagram the kernel will not take right now is dropped and
// counted, as the network would drop it; retransmission is the transaction layer's business.
#pragma once

#include "reference/rt/transport.hpp"
#include "reference/realtime/event_loop.hpp"
#include "wiretap/observer.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <variant>

namespace trunklab::realtime {

struct UdpStats {
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
  std::uint64_t send_errors = 0;  // refused by the kernel (buffer full, unreachable, family)
  std::uint64_t truncated = 0;    // larger than the receive buffer: dropped
};

class UdpTransport final : public rt::Transport {
public:
  // Binds `address` (port 0: the kernel picks one; local_address() tells which) and starts
  // reading on `loop`. An error is a message naming the address and the system's reason,
  // e.g. "udp:127.0.0.1:5060: bind: Address already in use".
  static std::variant<std::unique_ptr<UdpTransport>, std::string> open(EventLoop& loop,
                                                                      const rt::Address& address);
  ~UdpTransport() override;
  UdpTransport(const UdpTransport&) = delete;
  UdpTransport& operator=(const UdpTransport&) = delete;

  // Where received datagrams go; none (dropped) until set. Not owned.
  void set_handler(rt::DatagramHandler* handler) { handler_ = handler; }
  // Where every datagram sent (that the kernel took) and received is reported, stamped by
  // `clock`; nullptr: none. Not owned. The local address is the bound one (a wildcard bind
  // reports 0.0.0.0).
  void set_observer(wiretap::Observer* observer, const rt::Clock& clock) { tap_ = wiretap::Tap(observer, clock); }

  rt::Address local_address() const override { return local_; }
  void send(const rt::Address& to, std::string_view bytes) override;
  std::size_t max_datagram_bytes() const override {
    return local_.is_v6() ? rt::kMaxUdpPayloadIpv6 : rt::kMaxUdpPayloadIpv4;
  }
  const UdpStats& stats() const { return stats_; }

private:
  UdpTransport(EventLoop& loop, Fd socket, rt::Address local);
  void on_readable();

  EventLoop& loop_;
  Fd socket_;
  rt::Address local_;
  rt::DatagramHandler* handler_ = nullptr;
  wiretap::Tap tap_;
  UdpStats stats_;
};

}  // namespace trunklab::realtime
