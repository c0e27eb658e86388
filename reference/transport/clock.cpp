#include "reference/transport/clock.hpp"

#include <cassert>
#include <ctime>

namespace trunklab::realtime {
namespace {

rt::Duration read_clock_us(clockid_t clock) {
  timespec ts{};
  [[maybe_unused]] int rc = clock_gettime(clock, &ts);
  assert(rc == 0 && "clock_gettime cannot fail for CLOCK_REALTIME/CLOCK_MONOTONIC");
  return rt::Duration{static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000};
}

}  // namespace

rt::Instant SystemClock::now() const { return rt::Instant{read_clock_us(CLOCK_REALTIME)}; }

rt::Duration monotonic_now() { return read_clock_us(CLOCK_MONOTONIC); }

}  // namespace trunklab::realtime
