// The wiretap at the transport boundary (libre's sip_trace_h: tx/rx, transport, src, dst,
// bytes): every transport reports each datagram or message it sends and receives to one
// Observer. The time comes from the clock the transport was given with the observer (the
// simulator's virtual clock, or the real one at the edge): wiretap never reads a clock.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"

#include <string_view>

namespace trunklab::wiretap {

enum class Direction { sent, received };

struct WireEvent {
  Direction direction = Direction::sent;
  rt::TransportKind transport = rt::TransportKind::udp;
  rt::Address src;  // sent: the local address it left from; received: the peer's
  rt::Address dst;
  // UDP: one datagram. TCP: one message as send() queued it or as the framer cut it out of
  // the stream. Valid only during on_wire().
  std::string_view bytes;
  rt::Instant time{};
};

class Observer {
public:
  virtual ~Observer() = default;
  virtual void on_wire(const WireEvent& event) = 0;
};

// What a transport holds: the observer (none: nothing reported) and the clock that stamps.
class Tap {
public:
  Tap() = default;
  Tap(Observer* observer, const rt::Clock& clock) : observer_(observer), clock_(observer ? &clock : nullptr) {}
  void report(Direction direction, rt::TransportKind transport, const rt::Address& src, const rt::Address& dst,
              std::string_view bytes) const {
    if (observer_ == nullptr) return;
    observer_->on_wire({direction, transport, src, dst, bytes, clock_->now()});
  }

private:
  Observer* observer_ = nullptr;
  const rt::Clock* clock_ = nullptr;
};

}  // namespace trunklab::wiretap
