// The real-time event loop: one thread, epoll over a handful of descriptors (the UDP sockets,
// one timerfd for all timers, one signalfd). epoll directly rather than libevent/asio/libuv:
// one thread and few fds need nothing more, and it adds no dependency.
//
// It implements rt::Timers with the same guarantee as the simulator's scheduler: a timer
// fires once, never after cancel_timer, and timers with equal deadlines fire in start order.
// Deadlines are on CLOCK_MONOTONIC (see clock.hpp); the timerfd is armed to the earliest one.
#pragma once

#include "reference/rt/time.hpp"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace trunklab::realtime {

// An owned file descriptor, closed on destruction.
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

private:
  int fd_ = -1;
};

class EventLoop final : public rt::Timers {
public:
  // Throws std::system_error when the kernel refuses an epoll or timerfd descriptor.
  EventLoop();
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Calls `on_readable` whenever `fd` is readable (level-triggered), until unwatch(fd).
  // The loop does not own `fd`.
  void watch_readable(int fd, std::function<void()> on_readable);
  // While set, also calls `on_writable` whenever the watched `fd` can take more bytes (a TCP
  // connection with queued output, or one still connecting); nullptr clears it.
  void set_writable_callback(int fd, std::function<void()> on_writable);
  void unwatch(int fd);

  // Blocks `signals` for the process and delivers them through a signalfd, in the loop,
  // to `on_signal` (SIGTERM/SIGINT: clean shutdown). Call before starting any thread.
  void watch_signals(std::initializer_list<int> signals, std::function<void(int)> on_signal);

  // Thread-safe: runs `task` in the loop's thread at its next wakeup (an eventfd wakes it), in
  // post order. The one way other threads (the management API's HTTP server) reach what the
  // loop owns. False, and `task` dropped, when kMaxPosted tasks are waiting already.
  static constexpr std::size_t kMaxPosted = 1024;
  bool post(std::function<void()> task);
  std::size_t posted_waiting() const;

  // rt::Timers
  rt::TimerId start_timer(rt::Duration after, std::function<void()> on_fire) override;
  void cancel_timer(rt::TimerId id) override;
  std::size_t pending_timers() const { return timers_.size(); }

  // Runs until stop() is called from a callback.
  void run();
  // Runs until stop() or until `limit` of monotonic time has passed, whichever comes first.
  // Returns true when stopped by stop(). Every wait in tests and in the load driver is bounded
  // this way.
  bool run_for(rt::Duration limit);
  void stop() { stopped_ = true; }

private:
  using Key = std::pair<std::int64_t, rt::TimerId>;  // (deadline µs, start order)

  void wait_and_dispatch(rt::Duration max_wait);
  bool watched(int fd) const { return fd >= 0 && static_cast<std::size_t>(fd) < readers_.size() && readers_[static_cast<std::size_t>(fd)]; }
  static std::function<void()>& slot(std::vector<std::function<void()>>& table, int fd);
  void arm_timerfd();
  void fire_due_timers();
  void run_posted();

  Fd epoll_;
  Fd timerfd_;
  Fd signalfd_;
  Fd eventfd_;  // written by post(), read in the loop
  mutable std::mutex posted_mutex_;
  std::deque<std::function<void()>> posted_;  // guarded by posted_mutex_
  std::function<void(int)> on_signal_;
  // Indexed by fd (the kernel hands out the lowest free numbers, so these stay dense): a relay
  // with thousands of sockets dispatches each datagram without a hash lookup. Empty = unwatched.
  std::vector<std::function<void()>> readers_;
  std::vector<std::function<void()>> writers_;
  std::map<Key, std::function<void()>> timers_;  // ordered: earliest, then first started
  std::unordered_map<rt::TimerId, std::int64_t> deadline_of_;
  rt::TimerId next_id_ = 1;
  std::int64_t armed_deadline_us_ = -1;  // what the timerfd is set to; -1 = disarmed
  bool stopped_ = false;
};

}  // namespace trunklab::realtime
