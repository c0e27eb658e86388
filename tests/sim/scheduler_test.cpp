#include "sim/kernel/scheduler.hpp"
#include "sim/kernel/world.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trunklab::sim {
namespace {

using rt::Duration;
using rt::from_ms;
using rt::Instant;

TEST(Scheduler, EqualTimesRunInInsertionOrder) {
  Scheduler s;
  std::string order;
  s.start_timer(from_ms(10), [&] { order += 'a'; });
  s.start_timer(from_ms(5), [&] { order += 'b'; });
  s.start_timer(from_ms(10), [&] { order += 'c'; });
  s.schedule_at(Instant{from_ms(10)}, [&] { order += 'd'; });
  s.post_at(Instant{from_ms(10)}, [&] { order += 'e'; });
  s.start_timer(from_ms(5), [&] { order += 'f'; });
  const RunResult r = s.run_until_idle(100);
  EXPECT_EQ(order, "bfacde");
  EXPECT_EQ(r.reason, StopReason::idle);
  EXPECT_EQ(r.events_run, 6u);
  EXPECT_EQ(s.now(), Instant{from_ms(10)});
}

TEST(Scheduler, EventScheduledAtNowFromACallbackRunsAfterTheOthersAlreadyDue) {
  Scheduler s;
  std::string order;
  s.start_timer(from_ms(1), [&] {
    order += 'a';
    s.start_timer(Duration::zero(), [&] { order += 'c'; });
  });
  s.start_timer(from_ms(1), [&] { order += 'b'; });
  s.run_until_idle(100);
  EXPECT_EQ(order, "abc");
}

TEST(Scheduler, ClockAdvancesWithEventsAndToTheDeadline) {
  Scheduler s;
  std::vector<std::int64_t> seen_ms;
  s.start_timer(from_ms(250), [&] { seen_ms.push_back(rt::to_ms(s.now())); });
  s.start_timer(from_ms(1500), [&] { seen_ms.push_back(rt::to_ms(s.now())); });
  RunResult r = s.run_until(Instant{from_ms(1000)}, 100);
  EXPECT_EQ(r.reason, StopReason::reached_time);
  EXPECT_EQ(seen_ms, (std::vector<std::int64_t>{250}));
  EXPECT_EQ(rt::to_ms(s.now()), 1000);
  EXPECT_EQ(s.pending_events(), 1u);
  s.run_until(Instant{from_ms(2000)}, 100);
  EXPECT_EQ(seen_ms, (std::vector<std::int64_t>{250, 1500}));
  EXPECT_EQ(rt::to_ms(s.now()), 2000);
}

TEST(Scheduler, CancelledTimerNeverFires) {
  Scheduler s;
  int fired = 0;
  const rt::TimerId a = s.start_timer(from_ms(10), [&] { fired += 1; });
  const rt::TimerId b = s.start_timer(from_ms(20), [&] { fired += 10; });
  EXPECT_NE(a, rt::kNoTimer);
  EXPECT_NE(a, b);
  s.cancel_timer(a);
  s.cancel_timer(a);            // twice: a no-op
  s.cancel_timer(12345);        // unknown: a no-op
  s.cancel_timer(rt::kNoTimer);  // the null id: a no-op
  const RunResult r = s.run_until_idle(100);
  EXPECT_EQ(fired, 10);
  EXPECT_EQ(r.events_run, 1u);
  s.cancel_timer(b);  // already fired: a no-op
}

TEST(Scheduler, TimerCancelledByAnEarlierEventAtTheSameTimeDoesNotFire) {
  Scheduler s;
  bool fired = false;
  rt::TimerId victim = rt::kNoTimer;
  s.start_timer(from_ms(5), [&] { s.cancel_timer(victim); });
  victim = s.start_timer(from_ms(5), [&] { fired = true; });
  s.run_until_idle(100);
  EXPECT_FALSE(fired);
}

TEST(Scheduler, NegativeDelayFiresNowNotInThePast) {
  Scheduler s;
  s.run_until(Instant{from_ms(100)}, 10);
  Instant fired_at{};
  s.start_timer(from_ms(-50), [&] { fired_at = s.now(); });
  s.run_until_idle(10);
  EXPECT_EQ(rt::to_ms(fired_at), 100);
}

TEST(Scheduler, EventLimitStopsARunawayLoop) {
  Scheduler s;
  std::function<void()> again = [&] { s.start_timer(from_ms(1), again); };
  s.start_timer(from_ms(1), again);
  const RunResult r = s.run_until_idle(1000);
  EXPECT_EQ(r.reason, StopReason::event_limit);
  EXPECT_EQ(r.events_run, 1000u);
  EXPECT_EQ(rt::to_ms(s.now()), 1000);
  const RunResult bounded = s.run_until(Instant{from_ms(5000)}, 10);
  EXPECT_EQ(bounded.reason, StopReason::event_limit);
  EXPECT_EQ(rt::to_ms(s.now()), 1010);  // the clock does not jump past unrun events
}

TEST(World, RunForAdvancesVirtualTimeAndRunsScheduledSteps) {
  World world(7);
  std::vector<std::int64_t> at_ms;
  world.at(Instant{from_ms(3'600'000)}, [&] { at_ms.push_back(rt::to_ms(world.now())); });
  world.timers().start_timer(from_ms(10), [&] { at_ms.push_back(rt::to_ms(world.clock().now())); });
  const RunResult r = world.run_for(from_ms(3'600'000));
  EXPECT_EQ(r.reason, StopReason::reached_time);
  EXPECT_EQ(at_ms, (std::vector<std::int64_t>{10, 3'600'000}));
  EXPECT_EQ(world.seed(), 7u);
}

TEST(World, LimitsApplyToEveryRun) {
  World world(1, WorldLimits{.max_events_per_run = 5});
  std::function<void()> again = [&] { world.timers().start_timer(from_ms(1), again); };
  world.timers().start_timer(from_ms(1), again);
  EXPECT_EQ(world.run_until_idle().reason, StopReason::event_limit);
  EXPECT_EQ(world.run_for(from_ms(100)).reason, StopReason::event_limit);
}

}  // namespace
}  // namespace trunklab::sim
