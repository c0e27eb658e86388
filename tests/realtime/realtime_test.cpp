// The real-time edge: the epoll loop's timers keep the rt::Timers contract, UDP sockets carry
// datagrams both ways on IPv4 and IPv6, socket specs parse, and the load driver completes
// digest registrations against the reference server on the same loop over real loopback UDP.
#include "reference/element/reference_server.hpp"
#include "reference/registrar/store.hpp"
#include "reference/realtime/clock.hpp"
#include "reference/realtime/event_loop.hpp"
#include "reference/config/example.hpp"
#include "reference/realtime/listen_spec.hpp"
#include "reference/realtime/real_random.hpp"
#include "load/register_load.hpp"
#include "reference/realtime/udp_transport.hpp"

#include <gmock/gmock.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <malloc.h>

#include <chrono>
#include <future>
#include <thread>
#include <memory>
#include <string>
#include <vector>

namespace trunklab::realtime {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using config::example_config;
using load::add_load_users;
using load::LoadOptions;
using load::LoadReport;
using load::RegisterLoad;

// Generous bound for waits that normally take microseconds: only a hung loop reaches it.
constexpr rt::Duration kBound = 5s;

std::unique_ptr<UdpTransport> open_udp(EventLoop& loop, const std::string& spec) {
  auto parsed = parse_socket_spec(spec);
  auto opened = UdpTransport::open(loop, std::get<SocketSpec>(parsed).address);
  if (auto* error = std::get_if<std::string>(&opened)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<UdpTransport>>(opened));
}

TEST(EventLoop, EqualDeadlinesFireInStartOrderAndEarlierFirst) {
  EventLoop loop;
  std::vector<int> fired;
  // Started in this order with the same delay: must fire 1, 2, 3; the shorter one first.
  loop.start_timer(20ms, [&] { fired.push_back(1); });
  loop.start_timer(20ms, [&] { fired.push_back(2); });
  loop.start_timer(20ms, [&] { fired.push_back(3); });
  loop.start_timer(1ms, [&] { fired.push_back(0); });
  loop.start_timer(30ms, [&] {
    fired.push_back(4);
    loop.stop();
  });
  EXPECT_TRUE(loop.run_for(kBound));
  EXPECT_THAT(fired, ElementsAre(0, 1, 2, 3, 4));
  EXPECT_EQ(loop.pending_timers(), 0u);
}

TEST(EventLoop, TimersStartedTogetherWithZeroDelayKeepStartOrder) {
  EventLoop loop;
  std::vector<int> fired;
  for (int i = 0; i < 50; ++i) loop.start_timer(0ms, [&fired, i] { fired.push_back(i); });
  loop.start_timer(5ms, [&] { loop.stop(); });
  ASSERT_TRUE(loop.run_for(kBound));
  ASSERT_EQ(fired.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(fired[static_cast<std::size_t>(i)], i);
}

TEST(EventLoop, CancelledTimerNeverFiresAndCancelIsIdempotent) {
  EventLoop loop;
  bool cancelled_fired = false;
  auto id = loop.start_timer(2ms, [&] { cancelled_fired = true; });
  loop.cancel_timer(id);
  loop.cancel_timer(id);        // twice: a no-op
  loop.cancel_timer(987654);    // unknown: a no-op
  loop.start_timer(10ms, [&] { loop.stop(); });
  EXPECT_TRUE(loop.run_for(kBound));
  EXPECT_FALSE(cancelled_fired);
}

TEST(EventLoop, TimerFiresNoEarlierThanItsDelay) {
  EventLoop loop;
  const auto begin = monotonic_now();
  rt::Duration fired_after{};
  loop.start_timer(30ms, [&] {
    fired_after = monotonic_now() - begin;
    loop.stop();
  });
  ASSERT_TRUE(loop.run_for(kBound));
  EXPECT_GE(fired_after, 30ms);
}

TEST(EventLoop, RunForReturnsWhenItsLimitPassesWithoutStop) {
  EventLoop loop;
  bool fired = false;
  loop.start_timer(kBound * 10, [&] { fired = true; });
  EXPECT_FALSE(loop.run_for(20ms));
  EXPECT_FALSE(fired);
  EXPECT_EQ(loop.pending_timers(), 1u);
}

// post(): tasks from other threads run on the loop's own thread, in post order, while the
// poster waits; the queue is bounded.
TEST(EventLoop, PostedTasksRunOnTheLoopThreadInOrder) {
  EventLoop loop;
  const auto loop_thread = std::this_thread::get_id();
  std::vector<int> ran;
  std::vector<std::thread::id> threads;
  std::thread poster([&] {
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(loop.post([&, i] {
        ran.push_back(i);
        threads.push_back(std::this_thread::get_id());
      }));
    }
    std::promise<int> answer;
    auto future = answer.get_future();
    loop.post([&] { answer.set_value(static_cast<int>(ran.size())); });
    EXPECT_EQ(future.get(), 100);  // everything posted earlier ran before
    loop.post([&] { loop.stop(); });
  });
  EXPECT_TRUE(loop.run_for(kBound));
  poster.join();
  ASSERT_EQ(ran.size(), 100U);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ran[static_cast<std::size_t>(i)], i);
  for (const auto& id : threads) EXPECT_EQ(id, loop_thread);
}

TEST(EventLoop, PostRefusesPastItsBound) {
  EventLoop loop;
  int ran = 0;
  for (std::size_t i = 0; i < EventLoop::kMaxPosted; ++i) ASSERT_TRUE(loop.post([&] { ++ran; }));
  EXPECT_FALSE(loop.post([&] { ++ran; }));
  EXPECT_EQ(loop.posted_waiting(), EventLoop::kMaxPosted);
  loop.start_timer(10ms, [&] { loop.stop(); });
  EXPECT_TRUE(loop.run_for(kBound));
  EXPECT_EQ(ran, static_cast<int>(EventLoop::kMaxPosted));
  EXPECT_EQ(loop.posted_waiting(), 0U);
}

TEST(SystemClock, IsMicrosecondsSinceTheUnixEpoch) {
  SystemClock clock;
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch());
  const auto system_s = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  EXPECT_LE(std::chrono::abs(now_s - system_s), 2s);
}

TEST(OsRandom, DrawsDifferAcrossInstancesAndBlocks) {
  OsRandom a;
  OsRandom b;
  std::vector<std::uint64_t> draws;
  for (int i = 0; i < 200; ++i) draws.push_back(a.next_u64());  // crosses a refill
  EXPECT_NE(a.next_u64(), b.next_u64());
  std::sort(draws.begin(), draws.end());
  EXPECT_EQ(std::adjacent_find(draws.begin(), draws.end()), draws.end());
}

TEST(SocketSpec, ParsesUdpTcpTlsIpv4Ipv6AndPortZero) {
  auto v4 = parse_socket_spec("udp:127.0.0.1:5062");
  ASSERT_TRUE(std::holds_alternative<SocketSpec>(v4));
  EXPECT_EQ(std::get<SocketSpec>(v4).address.to_string(), "127.0.0.1:5062");
  auto v6 = parse_socket_spec("udp:[::1]:0");
  ASSERT_TRUE(std::holds_alternative<SocketSpec>(v6));
  EXPECT_TRUE(std::get<SocketSpec>(v6).address.is_v6());
  EXPECT_EQ(std::get<SocketSpec>(v6).address.port(), 0);
  auto bare = parse_socket_spec("127.0.0.1");
  ASSERT_TRUE(std::holds_alternative<SocketSpec>(bare));
  EXPECT_EQ(std::get<SocketSpec>(bare).address.port(), 5060);
  auto tcp = parse_socket_spec("tcp:127.0.0.1:5060");
  ASSERT_TRUE(std::holds_alternative<SocketSpec>(tcp));
  EXPECT_EQ(std::get<SocketSpec>(tcp).kind, rt::TransportKind::tcp);
  EXPECT_EQ(std::get<SocketSpec>(tcp).to_string(), "tcp:127.0.0.1:5060");
  auto tls = parse_socket_spec("tls:127.0.0.1:5061");
  ASSERT_TRUE(std::holds_alternative<SocketSpec>(tls));
  EXPECT_EQ(std::get<SocketSpec>(tls).kind, rt::TransportKind::tls);
  EXPECT_EQ(std::get<SocketSpec>(tls).to_string(), "tls:127.0.0.1:5061");
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_socket_spec("udp:localhost:x")));
}

class Collector final : public rt::DatagramHandler {
public:
  void on_datagram(const rt::Address&, const rt::Address& remote, std::string_view bytes) override {
    from.push_back(remote);
    got.emplace_back(bytes);
  }
  std::vector<rt::Address> from;
  std::vector<std::string> got;
};

void round_trip(const std::string& spec) {
  EventLoop loop;
  auto a = open_udp(loop, spec);
  auto b = open_udp(loop, spec);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->local_address().port(), 0) << "port 0 binds a kernel-chosen port";
  Collector at_b;
  b->set_handler(&at_b);
  a->send(b->local_address(), "OPTIONS sip:x SIP/2.0\r\n\r\n");
  a->send(b->local_address(), std::string(60000, 'x'));  // near the UDP maximum
  loop.start_timer(1ms, [] {});
  const auto end = monotonic_now() + kBound;
  while (at_b.got.size() < 2 && monotonic_now() < end) loop.run_for(10ms);
  ASSERT_EQ(at_b.got.size(), 2u);
  EXPECT_EQ(at_b.got[0], "OPTIONS sip:x SIP/2.0\r\n\r\n");
  EXPECT_EQ(at_b.got[1].size(), 60000u);
  EXPECT_EQ(at_b.from[0], a->local_address());
  EXPECT_EQ(a->stats().sent, 2u);
  EXPECT_EQ(b->stats().received, 2u);
}

TEST(UdpTransport, CarriesDatagramsOverIpv4Loopback) { round_trip("udp:127.0.0.1:0"); }

TEST(UdpTransport, CarriesDatagramsOverIpv6Loopback) {
  EventLoop loop;
  auto probe = UdpTransport::open(loop, rt::Address::parse("::1")->with_port(0));
  if (std::holds_alternative<std::string>(probe)) {
    GTEST_SKIP() << "no IPv6 loopback here: " << std::get<std::string>(probe);
  }
  round_trip("udp:[::1]:0");
}

TEST(UdpTransport, BindConflictIsAMessageNamingAddressAndReason) {
  EventLoop loop;
  auto first = open_udp(loop, "udp:127.0.0.1:0");
  ASSERT_TRUE(first);
  auto second = UdpTransport::open(loop, first->local_address());
  ASSERT_TRUE(std::holds_alternative<std::string>(second));
  EXPECT_THAT(std::get<std::string>(second),
              HasSubstr("udp:" + first->local_address().to_string() + ": bind: Address already in use"));
}

// A relay opens thousands of sockets: each must not hold receive buffers of its own (it held
// 16 x 64 KiB, 1 MiB each, 2 GiB for 500 relayed calls).
TEST(UdpTransport, ASocketHoldsNoReceiveBuffersOfItsOwn) {
  EventLoop loop;
  const auto heap = [] {
    const auto info = ::mallinfo2();
    return info.uordblks + info.hblkhd;
  };
  const auto before = heap();
  std::vector<std::unique_ptr<UdpTransport>> sockets;
  for (int i = 0; i < 200; ++i) {
    sockets.push_back(open_udp(loop, "udp:127.0.0.1:0"));
    ASSERT_TRUE(sockets.back());
  }
  EXPECT_LT(heap() - before, 200u * 16 * 1024) << "heap bytes per socket: " << (heap() - before) / 200;
}

// More sockets ready at once than one epoll wakeup reports, each delivered once; a socket that
// a handler closes in the middle of a round is not read after.
TEST(UdpTransport, ManyReadySocketsAreEachReadAndAClosedOneIsNot) {
  EventLoop loop;
  auto sender = open_udp(loop, "udp:127.0.0.1:0");
  std::vector<std::unique_ptr<UdpTransport>> sockets;
  std::vector<Collector> collectors(300);
  for (auto& c : collectors) {
    sockets.push_back(open_udp(loop, "udp:127.0.0.1:0"));
    sockets.back()->set_handler(&c);
  }
  // Whichever of the first two is read first closes the other.
  struct Closer final : rt::DatagramHandler {
    std::unique_ptr<UdpTransport>* other = nullptr;
    int calls = 0;
    void on_datagram(const rt::Address&, const rt::Address&, std::string_view) override {
      ++calls;
      other->reset();
    }
  } first, second;
  first.other = &sockets[1];
  second.other = &sockets[0];
  sockets[0]->set_handler(&first);
  sockets[1]->set_handler(&second);
  for (auto& s : sockets) sender->send(s->local_address(), "hello");
  const auto end = monotonic_now() + kBound;
  const auto delivered = [&] {
    std::size_t n = 0;
    for (std::size_t i = 2; i < collectors.size(); ++i) n += collectors[i].got.size();
    return n;
  };
  while (delivered() < collectors.size() - 2 && monotonic_now() < end) loop.run_for(10ms);
  for (std::size_t i = 2; i < collectors.size(); ++i) EXPECT_EQ(collectors[i].got.size(), 1u) << "socket " << i;
  EXPECT_EQ(first.calls + second.calls, 1) << "the closed socket was read after its close";
}

// A handler that runs the loop itself (a nested read on another socket) leaves the rest of its
// own batch intact.
TEST(UdpTransport, ANestedReadLeavesTheOuterBatchIntact) {
  EventLoop loop;
  auto sender = open_udp(loop, "udp:127.0.0.1:0");
  auto outer = open_udp(loop, "udp:127.0.0.1:0");
  auto inner = open_udp(loop, "udp:127.0.0.1:0");
  Collector at_inner;
  inner->set_handler(&at_inner);
  struct Nesting final : rt::DatagramHandler {
    EventLoop* loop = nullptr;
    Collector* inner = nullptr;
    std::vector<std::string> got;
    void on_datagram(const rt::Address&, const rt::Address&, std::string_view bytes) override {
      got.emplace_back(bytes);
      const auto end = monotonic_now() + kBound;
      while (got.size() == 1 && inner->got.size() < 2 && monotonic_now() < end) loop->run_for(10ms);
    }
  } at_outer;
  at_outer.loop = &loop;
  at_outer.inner = &at_inner;
  outer->set_handler(&at_outer);
  sender->send(outer->local_address(), "outer one");
  sender->send(outer->local_address(), "outer two");
  sender->send(inner->local_address(), "inner one");
  sender->send(inner->local_address(), "inner two");
  const auto end = monotonic_now() + kBound;
  while (at_outer.got.size() < 2 && monotonic_now() < end) loop.run_for(10ms);
  EXPECT_THAT(at_outer.got, ElementsAre("outer one", "outer two"));
  EXPECT_THAT(at_inner.got, ElementsAre("inner one", "inner two"));
}

TEST(ExampleConfig, LoadUsersAreAddedAsExtensions) {
  auto config = example_config();
  const auto before = config.extensions.size();
  EXPECT_GE(before, 2u);
  EXPECT_FALSE(config.providers.empty());
  EXPECT_FALSE(config.numbers.empty());
  EXPECT_FALSE(config.trunks.empty());
  add_load_users(config, "load", 3, "pw-pw-pw");
  ASSERT_EQ(config.extensions.size(), before + 3);
  EXPECT_EQ(config.extensions.back().username, "load3");
}

// The whole real path in one process: load driver and reference server on one loop, two
// sockets, real loopback UDP, the real clock and OS randomness.
struct ServerOnLoop {
  explicit ServerOnLoop(std::size_t users, const std::string& password) {
    config = example_config();
    add_load_users(config, "load", users, password);
    udp = open_udp(loop, "udp:127.0.0.1:0");
    server = std::make_unique<element::ReferenceServer>(config, clock, loop, *udp, random, store);
    udp->set_handler(&server->datagram_handler());
    server->start();
  }
  EventLoop loop;
  SystemClock clock;
  OsRandom random;
  registrar::MemoryStore store;
  config::Config config;
  std::unique_ptr<UdpTransport> udp;
  std::unique_ptr<element::ReferenceServer> server;
};

LoadReport drive(ServerOnLoop& s, LoadOptions options) {
  auto client = open_udp(s.loop, "udp:127.0.0.1:0");
  MonotonicClock monotonic;
  RegisterLoad load(monotonic, s.loop, *client, s.random, options);
  client->set_handler(&load);
  load.start();
  const auto end = monotonic_now() + options.duration + options.timeout + kBound;
  while (!load.finished() && monotonic_now() < end) s.loop.run_for(10ms);
  EXPECT_TRUE(load.finished());
  return load.report();
}

TEST(RegisterLoad, EveryRegistrationPassesTheDigestChallengeAndBindsTheContact) {
  ServerOnLoop s(5, "load-secret");
  LoadOptions options;
  options.target = s.udp->local_address();
  options.rate_per_s = 200;
  options.duration = 100ms;
  options.users = 5;
  const auto report = drive(s, options);
  // On a busy machine a late pacing tick finds every account still busy and skips what was due
  // ("not offered"); the exact counts are asserted in virtual time (tests/load).
  EXPECT_EQ(report.planned, 20u);
  EXPECT_EQ(report.started + report.not_offered, 20u);
  EXPECT_GE(report.started, 5u);
  EXPECT_EQ(report.succeeded, report.started);
  EXPECT_EQ(report.failed(), 0u);
  EXPECT_EQ(report.latencies.size(), report.started);
  EXPECT_EQ(s.server->registrar().counters().challenged, report.started);
  EXPECT_EQ(s.server->registrar().counters().accepted, report.started);
  EXPECT_EQ(s.store.size(), 5u) << "one binding per account, refreshed";
  EXPECT_THAT(report.summary(options), HasSubstr(fmt::format("succeeded {}, failed 0", report.started)));
}

TEST(RegisterLoad, WrongPasswordCountsAsFailureWithTheStatus) {
  ServerOnLoop s(2, "the-right-one");
  LoadOptions options;
  options.target = s.udp->local_address();
  options.rate_per_s = 100;
  options.duration = 40ms;
  options.users = 2;
  options.password = "a-wrong-one";
  const auto report = drive(s, options);
  EXPECT_EQ(report.succeeded, 0u);
  EXPECT_EQ(report.failed(), report.started);
  EXPECT_EQ(report.failed_by_status.count(403), 1u);
  EXPECT_GT(report.failure_ratio(), options.max_failure_ratio);
}

TEST(RegisterLoad, SilentTargetTimesOutWithinTheBound) {
  EventLoop loop;
  auto silent = open_udp(loop, "udp:127.0.0.1:0");  // bound, never answers
  auto client = open_udp(loop, "udp:127.0.0.1:0");
  OsRandom random;
  LoadOptions options;
  options.target = silent->local_address();
  options.rate_per_s = 100;
  options.duration = 20ms;
  options.users = 2;
  options.timeout = 150ms;
  options.t1 = 20ms;
  MonotonicClock monotonic;
  RegisterLoad load(monotonic, loop, *client, random, options);
  client->set_handler(&load);
  load.start();
  const auto end = monotonic_now() + kBound;
  while (!load.finished() && monotonic_now() < end) loop.run_for(10ms);
  ASSERT_TRUE(load.finished());
  const auto report = load.report();
  EXPECT_EQ(report.timed_out, report.started);
  EXPECT_GT(report.retransmissions, 0u) << "timer E retransmits before giving up";
}

}  // namespace
}  // namespace trunklab::realtime
