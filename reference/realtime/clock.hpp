// The real clock behind rt::Clock. Instants are microseconds since the Unix epoch
// (CLOCK_REALTIME), so binding expiries written to SQLite keep their meaning across restarts.
// Timers do NOT use this clock: they run on CLOCK_MONOTONIC (monotonic_now), so a wall-clock
// step (NTP, an administrator) neither fires nor delays them.
#pragma once

#include "reference/rt/time.hpp"

#include <string>

namespace trunklab::realtime {

class SystemClock final : public rt::Clock {
public:
  rt::Instant now() const override;
};

// A SystemClock instant as ISO 8601 UTC with milliseconds: "2026-12-01T09:12:33.123Z" (the
// stamp on every `trunklab serve` log line, and binding expiries in `trunklab bindings`).
std::string iso8601_utc(rt::Instant at);

// CLOCK_MONOTONIC in microseconds: the timeline of EventLoop deadlines.
rt::Duration monotonic_now();

// rt::Clock on CLOCK_MONOTONIC, for what measures durations and paces itself (`trunklab
// load`): a wall-clock step must not bend its latencies or its rate.
class MonotonicClock final : public rt::Clock {
public:
  rt::Instant now() const override { return rt::Instant{monotonic_now()}; }
};

}  // namespace trunklab::realtime
