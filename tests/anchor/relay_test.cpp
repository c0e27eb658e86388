// The media relay: two port pairs per session, latching (symmetric RTP), RTCP on the port + 1,
// ports lent round robin and given back, a range that runs out.
#include "reference/anchor/relay.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

namespace trunklab::anchor {
namespace {

struct Sent {
  rt::Address from;
  rt::Address to;
  std::string bytes;
};

struct FakeSocket final : rt::Transport {
  FakeSocket(rt::Address at, std::vector<Sent>& log, rt::DatagramHandler& h) : local(at), sent(log), handler(h) {}
  rt::Address local_address() const override { return local; }
  void send(const rt::Address& to, std::string_view bytes) override { sent.push_back({local, to, std::string(bytes)}); }
  rt::Address local;
  std::vector<Sent>& sent;
  rt::DatagramHandler& handler;
};

struct FakeClock final : rt::Clock {
  rt::Instant now() const override { return t; }
  rt::Instant t{};
};

class RelayTest : public ::testing::Test {
protected:
  rt::Address ip(const char* text) { return *rt::Address::parse(text); }
  MediaRelay make(RelayConfig config = {30000, 30007}) {
    return MediaRelay(clock, [this](std::uint16_t port, rt::DatagramHandler& handler) -> rt::Transport* {
      if (refuse.contains(port)) return nullptr;
      auto& s = sockets[port] = std::make_unique<FakeSocket>(ip("10.0.0.1").with_port(port), sent, handler);
      return s.get();
    }, config);
  }
  // A datagram arriving on the relay's port `port` from `from`.
  void arrive(std::uint16_t port, const char* from, std::string bytes = "rtp") {
    sockets.at(port)->handler.on_datagram(sockets.at(port)->local, ip(from), bytes);
  }
  FakeClock clock;
  std::vector<Sent> sent;
  std::map<std::uint16_t, std::unique_ptr<FakeSocket>> sockets;
  std::map<std::uint16_t, bool> refuse;
};

TEST_F(RelayTest, EachSideGetsItsOwnPortPair) {
  auto relay = make();
  auto id = relay.open();
  ASSERT_TRUE(id);
  EXPECT_EQ(relay.local(*id, Side::a).to_string(), "10.0.0.1:30000");
  EXPECT_EQ(relay.local(*id, Side::b).to_string(), "10.0.0.1:30002");
  EXPECT_TRUE(sockets.contains(30001) && sockets.contains(30003)) << "RTCP on the port + 1";
}

TEST_F(RelayTest, SendsToTheAdvertisedAddressUntilTheSideLatches) {
  auto relay = make();
  auto id = *relay.open();
  relay.set_advertised(id, Side::a, ip("192.168.1.10:40000"));  // a phone's private address
  relay.set_advertised(id, Side::b, ip("10.0.0.3:40000"));
  arrive(30002, "10.0.0.3:40000");  // the provider's RTP, before the phone sent any
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].from.to_string(), "10.0.0.1:30000");
  EXPECT_EQ(sent[0].to.to_string(), "192.168.1.10:40000");
  arrive(30000, "198.51.100.1:20001");  // the phone's RTP, through its NAT
  EXPECT_EQ(sent[1].to.to_string(), "10.0.0.3:40000");
  arrive(30002, "10.0.0.3:40000");
  EXPECT_EQ(sent[2].to.to_string(), "198.51.100.1:20001") << "latched onto the NAT's mapping";
  EXPECT_EQ(relay.figures(id, Side::a)->latched->to_string(), "198.51.100.1:20001");
  EXPECT_EQ(relay.figures(id, Side::b)->packets_in, 2u);
  EXPECT_EQ(relay.figures(id, Side::a)->packets_out, 2u);
}

TEST_F(RelayTest, RtcpGoesToTheRtpPortPlusOneUnlessItsOwnSourceWasHeard) {
  auto relay = make();
  auto id = *relay.open();
  relay.set_advertised(id, Side::a, ip("10.0.0.2:40000"));
  relay.set_advertised(id, Side::b, ip("10.0.0.3:40000"));
  arrive(30003, "10.0.0.3:40001", "rtcp");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].from.to_string(), "10.0.0.1:30001");
  EXPECT_EQ(sent[0].to.to_string(), "10.0.0.2:40001");
  arrive(30001, "198.51.100.1:20077", "rtcp");
  arrive(30003, "10.0.0.3:40001", "rtcp");
  EXPECT_EQ(sent.back().to.to_string(), "198.51.100.1:20077");
}

TEST_F(RelayTest, NothingIsSentWhereNoAddressIsKnown) {
  auto relay = make();
  auto id = *relay.open();
  arrive(30000, "10.0.0.2:40000");
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(relay.figures(id, Side::a)->dropped, 1u);
}

TEST_F(RelayTest, AMovedSideLatchesAgain) {
  auto relay = make();
  auto id = *relay.open();
  relay.set_advertised(id, Side::b, ip("10.0.0.3:40000"));
  arrive(30002, "10.0.0.3:40000");
  relay.set_advertised(id, Side::b, ip("10.0.0.4:40000"));  // a re-INVITE's new address
  EXPECT_FALSE(relay.figures(id, Side::b)->latched.has_value());
}

// Failover or forking: each leg has a branch of its own; the caller talks with the selected one.
TEST_F(RelayTest, BranchesHaveTheirOwnPortsAndOnlyTheSelectedOneIsHeard) {
  auto relay = make(RelayConfig{30000, 30009});
  auto id = *relay.open();
  relay.set_advertised(id, Side::a, ip("10.0.0.2:40000"));
  relay.set_advertised(id, Side::b, ip("10.0.0.3:40000"), 0);
  auto second = relay.add_branch(id);
  ASSERT_EQ(second, 1u);
  EXPECT_EQ(relay.local(id, Side::b, 1).to_string(), "10.0.0.1:30004");
  relay.set_advertised(id, Side::b, ip("10.0.0.4:40000"), 1);
  arrive(30004, "10.0.0.4:40000");  // branch 1 is not selected: its early media goes nowhere
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(relay.figures(id, Side::b, 1)->dropped, 1u);
  arrive(30000, "10.0.0.2:40000");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent.back().to.to_string(), "10.0.0.3:40000");  // to branch 0, selected first
  relay.select_branch(id, 1);  // its SDP went to the caller
  arrive(30000, "10.0.0.2:40000");
  EXPECT_EQ(sent.back().from.to_string(), "10.0.0.1:30004");
  EXPECT_EQ(sent.back().to.to_string(), "10.0.0.4:40000");
  arrive(30002, "10.0.0.3:40000");  // the other branch's late media
  EXPECT_EQ(sent.size(), 2u);
}

TEST_F(RelayTest, AReleasedBranchGetsNothingAndItsPortsGoBack) {
  auto relay = make(RelayConfig{30000, 30003});  // two pairs: the caller's and one branch
  auto id = *relay.open();
  relay.set_advertised(id, Side::a, ip("10.0.0.2:40000"));
  relay.set_advertised(id, Side::b, ip("10.0.0.3:40000"), 0);
  EXPECT_EQ(relay.add_branch(id), std::nullopt) << "the range is exhausted";
  relay.release_branch(id, 0);  // the provider failed
  arrive(30000, "10.0.0.2:40000");
  EXPECT_TRUE(sent.empty()) << "the failed leg gets no more of the caller's media";
  auto next = relay.add_branch(id);  // failover: the next provider, on the freed ports
  ASSERT_TRUE(next);
  relay.set_advertised(id, Side::b, ip("10.0.0.4:40000"), *next);
  arrive(30000, "10.0.0.2:40000");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].to.to_string(), "10.0.0.4:40000");
}

TEST_F(RelayTest, PortsAreLentRoundRobinAndRunOut) {
  auto relay = make({30000, 30007});  // four pairs: two sessions
  auto first = relay.open();
  auto second = relay.open();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(relay.free_port_pairs(), 0u);
  EXPECT_FALSE(relay.open()) << "the range is exhausted";
  relay.close(*first);
  EXPECT_EQ(relay.free_port_pairs(), 2u);
  auto third = relay.open();
  ASSERT_TRUE(third);
  EXPECT_EQ(relay.local(*third, Side::a).port(), 30000);
  // A closed session's ports deliver nothing any more.
  sent.clear();
  relay.set_advertised(*second, Side::b, ip("10.0.0.3:40000"));
  relay.close(*second);
  arrive(30004, "10.0.0.2:40000");
  EXPECT_TRUE(sent.empty());
}

TEST_F(RelayTest, APortTheHostRefusesIsSkipped) {
  refuse[30000] = true;
  auto relay = make({30000, 30009});
  auto id = relay.open();
  ASSERT_TRUE(id);
  EXPECT_EQ(relay.local(*id, Side::a).port(), 30002);
}

TEST_F(RelayTest, ActivityIsTheLastPacketEitherWay) {
  auto relay = make();
  auto id = *relay.open();
  clock.t = rt::Instant{std::chrono::seconds{5}};
  arrive(30000, "10.0.0.2:40000");
  EXPECT_EQ(relay.last_activity(id), rt::Instant{std::chrono::seconds{5}});
}

// serve's summary: what the relay carried over its life, per direction, closed sessions included.
TEST_F(RelayTest, TotalsCountEverySessionAndDirection) {
  auto relay = make({30000, 30007});
  auto id = *relay.open();
  arrive(30000, "10.0.0.2:40000");  // nowhere to send it yet
  relay.set_advertised(id, Side::a, ip("10.0.0.2:40000"));
  relay.set_advertised(id, Side::b, ip("10.0.0.3:40000"));
  arrive(30000, "10.0.0.2:40000");
  arrive(30000, "10.0.0.2:40000");
  arrive(30002, "10.0.0.3:40000");
  arrive(30003, "10.0.0.3:40001", "rtcp");
  relay.close(id);
  auto second = *relay.open();
  relay.set_advertised(second, Side::a, ip("10.0.0.2:40010"));
  arrive(relay.local(second, Side::b).port(), "10.0.0.3:40010");
  const auto& t = relay.totals();
  EXPECT_EQ(t.sessions, 2u);
  EXPECT_EQ(t.rtp_a_to_b, 2u);
  EXPECT_EQ(t.rtp_b_to_a, 2u);
  EXPECT_EQ(t.rtcp, 1u);
  EXPECT_EQ(t.dropped, 1u);
}

}  // namespace
}  // namespace trunklab::anchor
