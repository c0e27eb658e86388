// The wiretap at the transport boundary (libre's sip_trace_h: tx/rx, transport, src, dst,
// bytes): every transport reports each datagram or message it sends and receives to one
// Observer. The time comes from the clock the transport was given with the observer (the
// simulator's virtual clock, or the real one at the edge): wiretap never reads a clock.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"

#include <cstddef>
#include <string_view>

namespace trunklab::wiretap {

enum class Direction { sent, received };

// Which copy of a packet that crossed a NAT box: as the inside host sent it (private source), or
// after translation on the public side. Ladders usually keep only `sent`.
enum class CaptureView { sent, nat_translated };

struct WireEvent {
  Direction direction = Direction::sent;
  rt::TransportKind transport = rt::TransportKind::udp;
  rt::Address src;  // sent: the local address it left from; received: the peer's
  rt::Address dst;
  // UDP: one datagram. TCP: one message as send() queued it or as the framer cut it out of
  // the stream. Valid only during on_wire().
  std::string_view bytes;
  rt::Instant time{};
  // What a stage knows beyond the socket (the simulated network, the real stage): the parties
  // at both ends, the NAT view, a copy a fault rule made. A bare transport leaves them empty.
  std::string_view src_host;
  std::string_view dst_host;
  CaptureView view = CaptureView::sent;
  bool duplicate = false;
};

// What an observer kept of an event, to say later that it never arrived.
using WireId = std::size_t;
inline constexpr WireId kNoWire = static_cast<WireId>(-1);

// The one sink every transport reports to: the simulator's network, the real stage's sockets,
// serve's UDP and TCP sockets. wiretap::Capture (the run's records: judge, ladders, pcap) and
// wiretap::PcapRecorder (a pcap file as it happens) implement it.
class Observer {
public:
  virtual ~Observer() = default;
  // Returns what on_dropped() names the event by, or kNoWire when nothing was kept.
  virtual WireId on_wire(const WireEvent& event) = 0;
  // An event reported sent was dropped by the network on its way (a fault, a NAT filter, a host
  // down): `reason` says why. Only stages with a network of their own report this.
  virtual void on_dropped(WireId /*id*/, std::string_view /*reason*/) {}
  // An event reported sent reached its receiver's socket at `at` (the copy the receiver got:
  // the NAT-translated one when it crossed a NAT). Only the simulated network reports this.
  virtual void on_delivered(WireId /*id*/, rt::Instant /*at*/) {}
  // False: the observer keeps nothing, so a reporter may skip building events (benchmarks).
  virtual bool observing() const { return true; }
};

// What a transport holds: the observer (none: nothing reported) and the clock that stamps.
class Tap {
public:
  Tap() = default;
  Tap(Observer* observer, const rt::Clock& clock) : observer_(observer), clock_(observer ? &clock : nullptr) {}
  void report(Direction direction, rt::TransportKind transport, const rt::Address& src, const rt::Address& dst,
              std::string_view bytes) const {
    if (observer_ == nullptr) return;
    WireEvent event;
    event.direction = direction;
    event.transport = transport;
    event.src = src;
    event.dst = dst;
    event.bytes = bytes;
    event.time = clock_->now();
    observer_->on_wire(event);
  }

private:
  Observer* observer_ = nullptr;
  const rt::Clock* clock_ = nullptr;
};

}  // namespace trunklab::wiretap
