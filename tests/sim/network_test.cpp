#include "sim/kernel/world.hpp"
#include "tests/sim/sim_fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace trunklab::sim {
namespace {

using rt::from_ms;
using rt::Instant;
using testing::ip;
using testing::Recorder;

struct TwoHosts {
  explicit TwoHosts(std::uint64_t seed) : world(seed), at_alice(world.clock()), at_bob(world.clock()) {
    auto& net = world.network();
    alice = &net.add_host("alice", ip("10.0.0.1"));
    bob = &net.add_host("bob", ip("10.0.0.2"));
    alice_sock = &alice->bind(5060, at_alice);
    bob_sock = &bob->bind(5060, at_bob);
  }
  World world;
  Recorder at_alice;
  Recorder at_bob;
  Host* alice = nullptr;
  Host* bob = nullptr;
  rt::Transport* alice_sock = nullptr;
  rt::Transport* bob_sock = nullptr;
  const rt::Address bob_addr = ip("10.0.0.2:5060");
  const rt::Address alice_addr = ip("10.0.0.1:5060");
};

TEST(Network, DeliversAfterTheLinkLatencyWithTheSendersAddress) {
  TwoHosts t(1);
  t.world.network().set_link("alice", "bob", Link{from_ms(20), rt::Duration{0}});
  t.alice_sock->send(t.bob_addr, "hello");
  t.world.run_until_idle();
  ASSERT_EQ(t.at_bob.received.size(), 1u);
  EXPECT_EQ(t.at_bob.received[0].bytes, "hello");
  EXPECT_EQ(t.at_bob.received[0].remote, t.alice_addr);
  EXPECT_EQ(t.at_bob.received[0].local, t.bob_addr);
  EXPECT_EQ(rt::to_ms(t.at_bob.received[0].at), 20);
  EXPECT_EQ(t.world.network().stats().delivered, 1u);
}

TEST(Network, UnboundPortAndUnknownAddressDropWithAReason) {
  TwoHosts t(1);
  t.alice_sock->send(ip("10.0.0.2:5999"), "to nowhere");
  t.alice_sock->send(ip("192.0.2.9:5060"), "to nobody");
  t.world.run_until_idle();
  EXPECT_TRUE(t.at_bob.received.empty());
  const auto& records = t.world.capture().records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].dropped);
  EXPECT_EQ(records[0].drop_reason, "port unreachable: bob:5999");
  EXPECT_EQ(records[1].drop_reason, "no host at 192.0.2.9");
  EXPECT_EQ(t.world.network().stats().dropped, 2u);
}

TEST(Network, LossRuleOverTenThousandDatagramsIsExactForASeed) {
  auto delivered_with_seed = [](std::uint64_t seed) {
    TwoHosts t(seed);
    t.world.network().add_fault(
        FaultRule::drop("loss-10pct").with_src_host("alice").with_probability(0.10));
    for (int i = 0; i < 10'000; ++i) t.alice_sock->send(t.bob_addr, "x");
    t.world.run_until_idle();
    EXPECT_EQ(t.world.network().stats().dropped + t.at_bob.received.size(), 10'000u);
    return t.at_bob.received.size();
  };
  const std::size_t seed_1 = delivered_with_seed(1);
  EXPECT_EQ(seed_1, 9036u);  // observed: the exact count is part of the determinism contract
  EXPECT_EQ(delivered_with_seed(1), seed_1);
  EXPECT_NE(delivered_with_seed(2), seed_1);
}

TEST(Network, FaultRulesOnlyAffectTheirDirectionAndTimeWindow) {
  TwoHosts t(1);
  t.world.network().add_fault(FaultRule::drop("drop-a-to-b")
                                  .with_src_host("alice")
                                  .with_dst_host("bob")
                                  .during(Instant{from_ms(100)}, Instant{from_ms(200)}));
  auto send_both = [&](const char* tag) {
    t.alice_sock->send(t.bob_addr, tag);
    t.bob_sock->send(t.alice_addr, tag);
  };
  send_both("before");
  t.world.at(Instant{from_ms(150)}, [&] { send_both("during"); });
  t.world.at(Instant{from_ms(200)}, [&] { send_both("after"); });
  t.world.run_until_idle();
  EXPECT_EQ(t.at_bob.payloads(), (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(t.at_alice.payloads(), (std::vector<std::string>{"before", "during", "after"}));
}

TEST(Network, PartitionAndHeal) {
  TwoHosts t(1);
  auto& net = t.world.network();
  net.add_fault(
      FaultRule::drop("partition").with_src_host("alice").with_dst_host("bob").in_both_directions());
  t.alice_sock->send(t.bob_addr, "lost-1");
  t.bob_sock->send(t.alice_addr, "lost-2");
  t.world.run_for(from_ms(100));
  EXPECT_TRUE(t.at_bob.received.empty());
  EXPECT_TRUE(t.at_alice.received.empty());

  EXPECT_TRUE(net.remove_fault("partition"));
  EXPECT_FALSE(net.remove_fault("partition"));
  t.alice_sock->send(t.bob_addr, "healed-1");
  t.bob_sock->send(t.alice_addr, "healed-2");
  t.world.run_until_idle();
  EXPECT_EQ(t.at_bob.payloads(), (std::vector<std::string>{"healed-1"}));
  EXPECT_EQ(t.at_alice.payloads(), (std::vector<std::string>{"healed-2"}));
  const auto& records = t.world.capture().records();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].drop_reason, "fault rule 'partition'");
  EXPECT_FALSE(records[2].dropped);
}

TEST(Network, PassRuleExemptsTrafficFromLaterRules) {
  TwoHosts t(1);
  Recorder at_bob_other(t.world.clock());
  t.bob->bind(5070, at_bob_other);
  auto& net = t.world.network();
  net.add_fault(FaultRule::pass("keep-5070").with_dst_address(ip("10.0.0.2:5070")));
  net.add_fault(FaultRule::drop("bob-down").with_dst_host("bob"));
  t.alice_sock->send(t.bob_addr, "dropped");
  t.alice_sock->send(ip("10.0.0.2:5070"), "passed");
  t.world.run_until_idle();
  EXPECT_TRUE(t.at_bob.received.empty());
  EXPECT_EQ(at_bob_other.payloads(), (std::vector<std::string>{"passed"}));
}

TEST(Network, DuplicateRuleDeliversTwoCopiesAndRecordsTheCopy) {
  TwoHosts t(1);
  t.world.network().add_fault(FaultRule::duplicate("dup", from_ms(30)).with_src_host("alice"));
  t.alice_sock->send(t.bob_addr, "INVITE");
  t.world.run_until_idle();
  ASSERT_EQ(t.at_bob.received.size(), 2u);
  EXPECT_EQ(t.at_bob.received[0].bytes, "INVITE");
  EXPECT_EQ(t.at_bob.received[1].bytes, "INVITE");
  EXPECT_EQ(rt::to_ms(t.at_bob.received[1].at - t.at_bob.received[0].at), 30);
  EXPECT_EQ(t.world.network().stats().duplicated, 1u);
  const auto& records = t.world.capture().records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_FALSE(records[0].duplicate);
  EXPECT_TRUE(records[1].duplicate);
}

TEST(Network, DelayRuleAddsToTransit) {
  TwoHosts t(1);
  t.world.network().set_default_link(Link{from_ms(5), rt::Duration{0}});
  t.world.network().add_fault(FaultRule::delay_by("slow", from_ms(400)));
  t.alice_sock->send(t.bob_addr, "late");
  t.world.run_until_idle();
  ASSERT_EQ(t.at_bob.received.size(), 1u);
  EXPECT_EQ(rt::to_ms(t.at_bob.received[0].at), 405);
}

TEST(Network, JitterReordersDatagrams) {
  TwoHosts t(5);
  t.world.network().set_link("alice", "bob", Link{from_ms(10), from_ms(50)});
  std::vector<std::string> sent;
  for (int i = 0; i < 20; ++i) {
    sent.push_back(std::to_string(i));
    t.world.at(Instant{from_ms(i)}, [&t, i] { t.alice_sock->send(t.bob_addr, std::to_string(i)); });
  }
  t.world.run_until_idle();
  const auto got = t.at_bob.payloads();
  ASSERT_EQ(got.size(), sent.size());
  EXPECT_NE(got, sent);  // reordered...
  EXPECT_TRUE(std::is_permutation(got.begin(), got.end(), sent.begin()));  // ...nothing lost
  for (const auto& r : t.at_bob.received) {
    EXPECT_LE(rt::to_ms(r.at), 19 + 60);
  }
}

TEST(Network, HostDownNeitherSendsNorReceivesAndComesBack) {
  TwoHosts t(1);
  t.world.at(Instant{from_ms(100)}, [&] { t.bob->set_up(false); });
  t.world.at(Instant{from_ms(200)}, [&] { t.bob->set_up(true); });
  for (int ms : {50, 150, 250}) {
    t.world.at(Instant{from_ms(ms)}, [&t, ms] {
      t.alice_sock->send(t.bob_addr, "a" + std::to_string(ms));
      t.bob_sock->send(t.alice_addr, "b" + std::to_string(ms));
    });
  }
  t.world.run_until_idle();
  EXPECT_EQ(t.at_bob.payloads(), (std::vector<std::string>{"a50", "a250"}));
  EXPECT_EQ(t.at_alice.payloads(), (std::vector<std::string>{"b50", "b250"}));
  const auto& records = t.world.capture().records();
  EXPECT_EQ(records[2].drop_reason, "host bob down");
  EXPECT_EQ(records[3].drop_reason, "host bob down");
}

TEST(Network, HandlerCanReplyWhileReceiving) {
  World world(1);
  Recorder at_alice(world.clock());
  struct Echo final : rt::DatagramHandler {
    rt::Transport* socket = nullptr;
    void on_datagram(const rt::Address&, const rt::Address& remote, std::string_view bytes) override {
      // Many sends from inside a handler: the in-flight storage grows under the caller.
      for (int i = 0; i < 100; ++i) socket->send(remote, std::string(bytes) + "!");
    }
  } echo;
  auto& net = world.network();
  auto& a = net.add_host("alice", ip("10.0.0.1")).bind(5060, at_alice);
  echo.socket = &net.add_host("bob", ip("10.0.0.2")).bind(5060, echo);
  a.send(ip("10.0.0.2:5060"), std::string(100, 'p'));
  world.run_until_idle();
  ASSERT_EQ(at_alice.received.size(), 100u);
  EXPECT_EQ(at_alice.received[99].bytes, std::string(100, 'p') + "!");
}

TEST(Network, TopologyMistakesAreReported) {
  World world(1);
  auto& net = world.network();
  net.add_host("alice", ip("10.0.0.1"));
  EXPECT_THROW(net.add_host("alice", ip("10.0.0.2")), std::invalid_argument);
  EXPECT_THROW(net.add_host("bob", ip("10.0.0.1")), std::invalid_argument);
  EXPECT_THROW(net.set_link("alice", "nobody", Link{}), std::invalid_argument);
  Recorder r(world.clock());
  net.find_host("alice")->bind(5060, r);
  EXPECT_THROW(net.find_host("alice")->bind(5060, r), std::invalid_argument);
  EXPECT_EQ(net.find_host("alice")->bind(0, r).local_address().port(), Host::kFirstEphemeralPort);
  EXPECT_EQ(net.name_of(ip("10.0.0.1:9")), "alice");
  EXPECT_EQ(net.name_of(ip("10.9.9.9:9")), "");
}

}  // namespace
}  // namespace trunklab::sim
