// The simulation's event loop: a virtual clock and an event queue ordered by (time, insertion
// sequence), so equal-time events run in the order they were scheduled (determinism). It is the
// simulator's implementation of rt::Clock and rt::Timers: protocol code runs on it unchanged.
#pragma once

#include "reference/rt/time.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <utility>
#include <unordered_map>
#include <vector>

namespace trunklab::sim {

enum class StopReason {
  reached_time,  // run_until: every event up to the deadline ran; the clock is at the deadline
  idle,          // run_until_idle: the queue is empty
  event_limit,   // the run hit its max_events budget with work still due (a runaway scenario)
  stopped,       // the stop check (set_stop_check) returned true after an event
};

const char* to_string(StopReason reason);

struct RunResult {
  StopReason reason = StopReason::idle;
  std::uint64_t events_run = 0;
  rt::Instant now{};
};

class Scheduler final : public rt::Clock, public rt::Timers {
public:
  using Callback = std::function<void()>;

  Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // rt::Clock
  rt::Instant now() const override { return now_; }

  // rt::Timers. A delay below zero fires at now (never in the past).
  rt::TimerId start_timer(rt::Duration after, Callback on_fire) override;
  void cancel_timer(rt::TimerId id) override;

  // A cancellable event at an absolute time (clamped to now). Returns an id for cancel_timer.
  rt::TimerId schedule_at(rt::Instant at, Callback fn);
  // A fire-and-forget event: no cancellation bookkeeping, the cheap path for datagram delivery.
  void post_at(rt::Instant at, Callback fn);

  // Runs events due at or before `deadline`, then moves the clock to `deadline`.
  RunResult run_until(rt::Instant deadline, std::uint64_t max_events);
  // Runs events until none remain.
  RunResult run_until_idle(std::uint64_t max_events);

  // Asked after every event a run executes; true ends the run (StopReason::stopped) with the
  // clock at that event. The scenario runner stops this way at its caps and when idle.
  void set_stop_check(std::function<bool()> check) { stop_check_ = std::move(check); }

  std::size_t pending_events() const { return heap_.size(); }
  std::uint64_t events_run_total() const { return events_run_total_; }

private:
  struct Entry {
    rt::Instant time;
    std::uint64_t seq;
    std::uint32_t slot;
  };
  // Heap order: the earliest time first, then the lowest sequence number.
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  struct Slot {
    Callback fn;
    bool cancellable = false;
  };

  std::uint64_t push(rt::Instant at, Callback fn, bool cancellable);
  // Pops the next entry and runs it; false if it was a cancelled timer.
  bool run_next();
  RunResult run_events(std::optional<rt::Instant> deadline, std::uint64_t max_events);

  rt::Instant now_{};
  std::uint64_t next_seq_ = 1;  // the TimerId of an event is its sequence number; 0 = kNoTimer
  std::uint64_t events_run_total_ = 0;
  std::function<bool()> stop_check_;
  std::vector<Entry> heap_;
  // Callbacks live in a slab reused through a free list: no allocation per event in steady state.
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::unordered_map<rt::TimerId, std::uint32_t> live_timers_;  // id -> slot, cancellable only
};

}  // namespace trunklab::sim
