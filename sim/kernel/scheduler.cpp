#include "sim/kernel/scheduler.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace trunklab::sim {

const char* to_string(StopReason reason) {
  switch (reason) {
    case StopReason::reached_time: return "reached_time";
    case StopReason::idle: return "idle";
    case StopReason::event_limit: return "event_limit";
    case StopReason::stopped: return "stopped";
  }
  return "unknown";
}

rt::TimerId Scheduler::start_timer(rt::Duration after, Callback on_fire) {
  return schedule_at(now_ + std::max(after, rt::Duration::zero()), std::move(on_fire));
}

rt::TimerId Scheduler::schedule_at(rt::Instant at, Callback fn) {
  return push(at, std::move(fn), true);
}

void Scheduler::post_at(rt::Instant at, Callback fn) { push(at, std::move(fn), false); }

void Scheduler::cancel_timer(rt::TimerId id) {
  auto it = live_timers_.find(id);
  if (it == live_timers_.end()) return;  // unknown, fired or already cancelled: a no-op
  // The heap entry stays (removing from the middle of a heap is O(n)); its slot is emptied and
  // skipped when popped. Releasing the callback now frees whatever it captured.
  slots_[it->second].fn = nullptr;
  live_timers_.erase(it);
}

std::uint64_t Scheduler::push(rt::Instant at, Callback fn, bool cancellable) {
  assert(fn && "scheduling an empty callback");
  std::uint32_t slot = 0;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  slots_[slot].fn = std::move(fn);
  slots_[slot].cancellable = cancellable;
  const std::uint64_t seq = next_seq_++;
  if (cancellable) live_timers_.emplace(seq, slot);
  heap_.push_back(Entry{std::max(at, now_), seq, slot});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  return seq;
}

bool Scheduler::run_next() {
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  const Entry entry = heap_.back();
  heap_.pop_back();
  Slot& slot = slots_[entry.slot];
  // Move the callback out before running it: it may schedule events and grow the slab.
  Callback fn = std::move(slot.fn);
  slot.fn = nullptr;
  const bool cancellable = slot.cancellable;
  free_slots_.push_back(entry.slot);
  if (!fn) return false;  // a cancelled timer
  if (cancellable) live_timers_.erase(entry.seq);
  now_ = entry.time;
  ++events_run_total_;
  fn();
  return true;
}

RunResult Scheduler::run_until(rt::Instant deadline, std::uint64_t max_events) {
  RunResult result = run_events(deadline, max_events);
  if (result.reason == StopReason::reached_time) now_ = result.now = std::max(now_, deadline);
  return result;
}

RunResult Scheduler::run_until_idle(std::uint64_t max_events) { return run_events(std::nullopt, max_events); }

// Runs events up to `deadline` (or until the queue is empty when there is none), stopping at the
// event cap or as soon as the stop check holds.
RunResult Scheduler::run_events(std::optional<rt::Instant> deadline, std::uint64_t max_events) {
  RunResult result;
  auto stop = [&](StopReason reason) {
    result.reason = reason;
    result.now = now_;
    return result;
  };
  while (!heap_.empty() && (!deadline || heap_.front().time <= *deadline)) {
    if (result.events_run >= max_events) return stop(StopReason::event_limit);
    if (!run_next()) continue;
    ++result.events_run;
    if (stop_check_ && stop_check_()) return stop(StopReason::stopped);
  }
  return stop(deadline ? StopReason::reached_time : StopReason::idle);
}

}  // namespace trunklab::sim
