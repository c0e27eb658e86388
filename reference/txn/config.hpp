// RFC 3261 §17 timer values (Table 4) and the names of the transaction timers.
#pragma once

#include "reference/rt/time.hpp"

#include <chrono>
#include <cstddef>
#include <string_view>

namespace trunklab::txn {

using namespace std::chrono_literals;

struct Config {
  rt::Duration t1 = 500ms;  // RTT estimate
  rt::Duration t2 = 4s;     // cap on non-INVITE request and INVITE response retransmit interval
  rt::Duration t4 = 5s;     // how long the network keeps a message
  rt::Duration timer_d = 32s;  // INVITE client wait for response retransmits (>= 32 s on UDP)
  // INVITE server: send 100 Trying when the TU has not answered within this (§17.2.1).
  rt::Duration trying_after = 200ms;
  // Reliable transports (TCP/TLS) start no retransmission timers and zero D, I, J, K.
  bool reliable = false;

  rt::Duration timer_b() const { return 64 * t1; }
  rt::Duration timer_f() const { return 64 * t1; }
  rt::Duration timer_h() const { return 64 * t1; }
  rt::Duration timer_l() const { return 64 * t1; }  // RFC 6026 §8.7, on any transport
  rt::Duration timer_d_effective() const { return reliable ? rt::Duration{0} : timer_d; }
  rt::Duration timer_i() const { return reliable ? rt::Duration{0} : t4; }
  rt::Duration timer_j() const { return reliable ? rt::Duration{0} : 64 * t1; }
  rt::Duration timer_k() const { return reliable ? rt::Duration{0} : t4; }
};

// `trying` is not an RFC letter: it is the 200 ms "send 100 Trying" delay of §17.2.1. L is
// RFC 6026's: how long an INVITE server transaction stays Accepted after its 2xx.
enum class TimerName : std::size_t { a, b, d, e, f, g, h, i, j, k, l, trying };
inline constexpr std::size_t kTimerNameCount = 12;

constexpr std::string_view to_string(TimerName name) {
  constexpr std::string_view names[kTimerNameCount] = {"A", "B", "D", "E", "F", "G",
                                                       "H", "I", "J", "K", "L", "Trying"};
  return names[static_cast<std::size_t>(name)];
}

}  // namespace trunklab::txn
