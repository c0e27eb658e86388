#include "reference/realtime/clock.hpp"

#include <fmt/format.h>

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

std::string iso8601_utc(rt::Instant at) {
  const std::int64_t us = at.time_since_epoch().count();
  // Floor division: an instant before 1970 still gets its millisecond within the second.
  std::int64_t seconds = us / 1'000'000;
  std::int64_t rest_us = us % 1'000'000;
  if (rest_us < 0) {
    --seconds;
    rest_us += 1'000'000;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, rest_us / 1000);
}

rt::Duration monotonic_now() { return read_clock_us(CLOCK_MONOTONIC); }

}  // namespace trunklab::realtime
