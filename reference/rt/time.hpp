// Time as the protocol code sees it: an injected clock and injected timers.
// Protocol code in reference/ never reads a system clock or sleeps; the simulator
// implements these interfaces in virtual time, the real-time server with the system clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace trunklab::rt {

// Microsecond resolution: enough for link jitter and for pcap timestamps.
using Duration = std::chrono::microseconds;

// A point on the clock's own timeline (virtual: 0 = start of the simulation).
// The tag type is never asked for now(): only Clock implementations know the time.
struct Timeline {};
using Instant = std::chrono::time_point<Timeline, Duration>;

inline constexpr std::int64_t to_ms(Duration d) { return d.count() / 1000; }
inline constexpr std::int64_t to_ms(Instant t) { return to_ms(t.time_since_epoch()); }
inline constexpr Duration from_ms(std::int64_t ms) { return Duration{ms * 1000}; }

class Clock {
public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

using TimerId = std::uint64_t;
inline constexpr TimerId kNoTimer = 0;

// One-shot timers. A cancelled timer never fires; cancelling an unknown or fired id is a no-op.
// Timers with the same deadline fire in the order they were started.
class Timers {
public:
  virtual ~Timers() = default;
  virtual TimerId start_timer(Duration after, std::function<void()> on_fire) = 0;
  virtual void cancel_timer(TimerId id) = 0;
};

}  // namespace trunklab::rt
