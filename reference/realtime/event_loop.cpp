#include "reference/realtime/event_loop.hpp"

#include "reference/realtime/clock.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <cassert>
#include <cerrno>
#include <csignal>
#include <limits>
#include <system_error>

namespace trunklab::realtime {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// The fd number is the epoll user data: small, and lets dispatch find the callback.
void epoll_add(int epoll_fd, int fd) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = fd;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) throw_errno("epoll_ctl(ADD)");
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

EventLoop::EventLoop()
    : epoll_(epoll_create1(EPOLL_CLOEXEC)),
      timerfd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
      eventfd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!epoll_.valid()) throw_errno("epoll_create1");
  if (!timerfd_.valid()) throw_errno("timerfd_create");
  if (!eventfd_.valid()) throw_errno("eventfd");
  epoll_add(epoll_.get(), timerfd_.get());
  epoll_add(epoll_.get(), eventfd_.get());
}

bool EventLoop::post(std::function<void()> task) {
  {
    const std::lock_guard lock(posted_mutex_);
    if (posted_.size() >= kMaxPosted) return false;
    posted_.push_back(std::move(task));
  }
  const std::uint64_t one = 1;
  // Only fails when the counter would overflow (2^64 - 2 unread wakeups): it is readable then.
  [[maybe_unused]] auto written = ::write(eventfd_.get(), &one, sizeof one);
  return true;
}

std::size_t EventLoop::posted_waiting() const {
  const std::lock_guard lock(posted_mutex_);
  return posted_.size();
}

void EventLoop::run_posted() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto got = ::read(eventfd_.get(), &count, sizeof count);
  std::deque<std::function<void()>> tasks;
  {
    const std::lock_guard lock(posted_mutex_);
    tasks.swap(posted_);
  }
  // Outside the lock: a task may post another (it runs at the next wakeup).
  for (auto& task : tasks) task();
}

EventLoop::~EventLoop() = default;

std::function<void()>& EventLoop::slot(std::vector<std::function<void()>>& table, int fd) {
  const auto at = static_cast<std::size_t>(fd);
  if (at >= table.size()) table.resize(at + 1);
  return table[at];
}

void EventLoop::watch_readable(int fd, std::function<void()> on_readable) {
  assert(fd >= 0 && fd != timerfd_.get() && !watched(fd) && on_readable);
  epoll_add(epoll_.get(), fd);
  slot(readers_, fd) = std::move(on_readable);
}

void EventLoop::set_writable_callback(int fd, std::function<void()> on_writable) {
  assert(watched(fd));
  epoll_event event{};
  event.events = on_writable ? EPOLLIN | EPOLLOUT : EPOLLIN;
  event.data.fd = fd;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event) != 0) throw_errno("epoll_ctl(MOD)");
  slot(writers_, fd) = std::move(on_writable);
}

void EventLoop::unwatch(int fd) {
  if (!watched(fd)) return;
  slot(writers_, fd) = nullptr;
  slot(readers_, fd) = nullptr;
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::watch_signals(std::initializer_list<int> signals, std::function<void(int)> on_signal) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : signals) sigaddset(&mask, s);
  // Blocked, the signals queue on the signalfd instead of interrupting whatever runs.
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) throw_errno("sigprocmask");
  signalfd_ = Fd(signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signalfd_.valid()) throw_errno("signalfd");
  on_signal_ = std::move(on_signal);
  epoll_add(epoll_.get(), signalfd_.get());
}

rt::TimerId EventLoop::start_timer(rt::Duration after, std::function<void()> on_fire) {
  const auto deadline = (monotonic_now() + std::max(after, rt::Duration::zero())).count();
  const auto id = next_id_++;
  timers_.emplace(Key{deadline, id}, std::move(on_fire));
  deadline_of_.emplace(id, deadline);
  return id;
}

void EventLoop::cancel_timer(rt::TimerId id) {
  auto it = deadline_of_.find(id);
  if (it == deadline_of_.end()) return;  // unknown, fired or already cancelled: a no-op
  timers_.erase(Key{it->second, id});
  deadline_of_.erase(it);
}

void EventLoop::run() {
  stopped_ = false;
  while (!stopped_) wait_and_dispatch(rt::Duration{-1});
}

bool EventLoop::run_for(rt::Duration limit) {
  stopped_ = false;
  const auto end = monotonic_now() + limit;
  while (!stopped_) {
    const auto left = end - monotonic_now();
    if (left <= rt::Duration::zero()) return false;
    wait_and_dispatch(left);
  }
  return true;
}

void EventLoop::arm_timerfd() {
  const std::int64_t earliest = timers_.empty() ? -1 : timers_.begin()->first.first;
  if (earliest == armed_deadline_us_) return;
  itimerspec spec{};
  if (earliest >= 0) {
    // An absolute deadline of 0 would disarm: a due timer gets the smallest valid one.
    const auto at = std::max<std::int64_t>(earliest, 1);
    spec.it_value.tv_sec = static_cast<time_t>(at / 1'000'000);
    spec.it_value.tv_nsec = static_cast<long>((at % 1'000'000) * 1000);
  }
  if (timerfd_settime(timerfd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
    throw_errno("timerfd_settime");
  }
  armed_deadline_us_ = earliest;
}

void EventLoop::wait_and_dispatch(rt::Duration max_wait) {
  arm_timerfd();
  int timeout_ms = -1;
  if (max_wait >= rt::Duration::zero()) {
    // Rounded up so a bounded run never spins on a sub-millisecond remainder.
    const auto ms = (max_wait.count() + 999) / 1000;
    timeout_ms = static_cast<int>(std::min<std::int64_t>(ms, std::numeric_limits<int>::max()));
  }
  // Up to 64 ready sockets per wakeup: a busy relay has many.
  std::array<epoll_event, 64> events{};
  const int n = epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return;
    throw_errno("epoll_wait");
  }
  for (int i = 0; i < n && !stopped_; ++i) {
    const int fd = events[static_cast<std::size_t>(i)].data.fd;
    const std::uint32_t ready = events[static_cast<std::size_t>(i)].events;
    if (fd == timerfd_.get()) {
      std::uint64_t expirations = 0;
      [[maybe_unused]] auto got = ::read(fd, &expirations, sizeof expirations);
      armed_deadline_us_ = -1;  // an absolute one-shot timerfd disarms itself when it fires
    } else if (fd == eventfd_.get()) {
      run_posted();
    } else if (fd == signalfd_.get()) {
      signalfd_siginfo info{};
      while (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (on_signal_) on_signal_(static_cast<int>(info.ssi_signo));
      }
    } else {
      // Copies: a callback may unwatch its own fd. Errors and hang-ups go to the reader, whose
      // read() then reports them.
      const auto at = static_cast<std::size_t>(fd);
      if ((ready & EPOLLOUT) != 0 && at < writers_.size() && writers_[at]) {
        auto callback = writers_[at];
        callback();
      }
      // Looked up again: the writer (or an earlier callback of this round) may have unwatched it.
      if ((ready & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0 && at < readers_.size() && readers_[at]) {
        auto callback = readers_[at];
        callback();
      }
    }
  }
  fire_due_timers();
}

void EventLoop::fire_due_timers() {
  const auto now = monotonic_now().count();
  // One at a time from the front: a callback may start or cancel timers. Only timers due by
  // `now` (read once) fire in this round, so a callback re-arming itself with a zero delay
  // cannot starve the sockets.
  while (!stopped_ && !timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    deadline_of_.erase(node.key().second);
    node.mapped()();
  }
}

}  // namespace trunklab::realtime
