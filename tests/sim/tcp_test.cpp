// The simulated TCP (sim/net/tcp.hpp): the handshake's round trip, RST to a closed port, stream
// framing across split and coalesced segments, loss as retransmission delay, connection reuse
// in both directions and idle close, all seen from what a SIP element observes.
#include "sim/kernel/world.hpp"
#include "tests/sim/sim_fixtures.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trunklab::sim {
namespace {

using rt::from_ms;
using testing::ip;
using testing::Recorder;

// A SIP-shaped message (a stream is framed by Content-Length) with a body of `body_bytes`.
std::string message(const std::string& tag, std::size_t body_bytes = 0) {
  return "OPTIONS sip:" + tag + "@bob SIP/2.0\r\nCall-ID: " + tag + "\r\nContent-Length: " +
         std::to_string(body_bytes) + "\r\n\r\n" + std::string(body_bytes, 'x');
}

struct TwoTcpHosts {
  explicit TwoTcpHosts(std::uint64_t seed, TcpOptions alice_options = {}, TcpOptions bob_options = {})
      : world(seed), at_alice(world.clock()), at_bob(world.clock()) {
    auto& net = world.network();
    net.add_host("alice", ip("10.0.0.1"));
    net.add_host("bob", ip("10.0.0.2"));
    net.set_link("alice", "bob", Link{from_ms(20), rt::Duration{0}});
    alice = &net.find_host("alice")->bind_tcp(5060, at_alice, alice_options);
    bob = &net.find_host("bob")->bind_tcp(5060, at_bob, bob_options);
  }
  World world;
  Recorder at_alice;
  Recorder at_bob;
  TcpSocket* alice = nullptr;
  TcpSocket* bob = nullptr;
  const rt::Address alice_addr = ip("10.0.0.1:5060");
  const rt::Address bob_addr = ip("10.0.0.2:5060");
};

TEST(Tcp, TheFirstMessageWaitsForTheHandshakeAndArrivesAfterOneAndAHalfRoundTrips) {
  TwoTcpHosts t(1);
  EXPECT_EQ(t.alice->kind(), rt::TransportKind::tcp);
  t.alice->send(t.bob_addr, message("a"));
  t.world.run_for(std::chrono::seconds(2));
  ASSERT_EQ(t.at_bob.received.size(), 1u);
  EXPECT_EQ(t.at_bob.received[0].bytes, message("a"));
  EXPECT_EQ(rt::to_ms(t.at_bob.received[0].at), 60);  // SYN 20 + SYN-ACK 20 + data 20
  EXPECT_EQ(t.at_bob.received[0].local, t.bob_addr);
  // The connection comes from an ephemeral port, not from alice's listening one.
  EXPECT_EQ(t.at_bob.received[0].remote.with_port(0), t.alice_addr.with_port(0));
  EXPECT_GE(t.at_bob.received[0].remote.port(), Host::kFirstEphemeralPort);

  // The capture holds the message, from the connection's end, as the transports report it.
  const auto& records = t.world.capture().records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].bytes, message("a"));
  EXPECT_EQ(records[0].src, t.at_bob.received[0].remote);
  EXPECT_EQ(records[0].dst, t.bob_addr);
  EXPECT_EQ(rt::to_ms(records[0].time), 0);
  for (const auto& r : records) EXPECT_EQ(r.transport, rt::TransportKind::tcp);
}

TEST(Tcp, AResponseGoesBackOnTheConnectionItsRequestCameInOnAndLaterRequestsReuseIt) {
  TwoTcpHosts t(1);
  t.alice->send(t.bob_addr, message("request"));
  t.world.run_for(std::chrono::seconds(2));
  ASSERT_EQ(t.at_bob.received.size(), 1u);
  // Bob answers the address the request came from: alice's ephemeral end of the connection,
  // where nobody listens. Only the open connection can carry it.
  const auto answered_at = t.world.now();
  t.bob->send(t.at_bob.received[0].remote, message("response"));
  t.world.run_for(std::chrono::seconds(2));
  ASSERT_EQ(t.at_alice.received.size(), 1u);
  EXPECT_EQ(t.at_alice.received[0].bytes, message("response"));
  EXPECT_EQ(t.at_alice.received[0].remote, t.bob_addr);
  EXPECT_EQ(t.at_alice.received[0].at - answered_at, from_ms(20));  // one transit, no handshake
  const auto sent_at = t.world.now();
  t.alice->send(t.bob_addr, message("again"));
  t.world.run_for(std::chrono::seconds(2));
  ASSERT_EQ(t.at_bob.received.size(), 2u);
  EXPECT_EQ(t.at_bob.received[1].at - sent_at, from_ms(20));
  EXPECT_EQ(t.alice->stats().connected, 1u);
  EXPECT_EQ(t.bob->stats().connected, 0u);
  EXPECT_EQ(t.bob->stats().accepted, 1u);
  EXPECT_EQ(t.world.network().tcp_connections(), 1u);
}

TEST(Tcp, ASynToAClosedPortIsAnsweredRstAndTheSenderLearnsItAfterOneRoundTrip) {
  TwoTcpHosts t(1);
  t.alice->send(ip("10.0.0.2:5999"), message("nobody"));
  t.world.run_for(std::chrono::seconds(2));
  EXPECT_TRUE(t.at_bob.received.empty());
  ASSERT_EQ(t.at_alice.unreachable.size(), 1u);
  EXPECT_EQ(rt::to_ms(t.at_alice.unreachable[0].at), 40);
  EXPECT_EQ(t.at_alice.unreachable[0].remote, ip("10.0.0.2:5999"));
  EXPECT_EQ(t.at_alice.unreachable[0].local, t.alice_addr);
  EXPECT_EQ(t.world.network().tcp_segments_lost(), 0u);  // refused, not lost
  EXPECT_EQ(t.alice->stats().refused, 1u);
  EXPECT_EQ(t.alice->connection_count(), 0u);
  EXPECT_EQ(t.world.network().tcp_connections(), 0u);
}

TEST(Tcp, ASynToNobodyIsRetriedWithAnRtoThatDoublesThenGivenUp) {
  TwoTcpHosts t(1);
  t.alice->send(ip("10.0.0.9:5060"), message("void"));
  t.world.run_for(std::chrono::seconds(200));
  ASSERT_EQ(t.at_alice.unreachable.size(), 1u);
  EXPECT_EQ(t.world.network().tcp_segments_lost(), static_cast<std::uint64_t>(kSynRetries + 1));
  EXPECT_EQ(t.world.network().last_tcp_loss(), "no host at 10.0.0.9");
  // Each try is lost 1 ms out (the default link), then waits its RTO: 1 s, 2 s, 4 s, ...
  // 1 + 2 + 4 + 8 + 16 + 32 s of retries, then the last RTO (64 s) runs out: 127 s, as Linux.
  EXPECT_EQ(rt::to_ms(t.at_alice.unreachable[0].at), 127'007);
}

TEST(Tcp, AMessageLargerThanTheMssIsSplitAcrossSegmentsAndReadsYetHandedOnWhole) {
  TcpOptions small;
  small.mss = 100;
  TwoTcpHosts t(4, small);  // a seed whose jitter brings the pieces at four times
  t.world.network().set_link("alice", "bob", Link{from_ms(20), from_ms(10)});  // segments straggle
  const std::string big = message("big", 450);
  t.alice->send(t.bob_addr, big);
  t.world.run_for(std::chrono::seconds(2));
  ASSERT_EQ(t.at_bob.received.size(), 1u);
  EXPECT_EQ(t.at_bob.received[0].bytes, big);
  EXPECT_EQ(t.alice->stats().segments_sent, (big.size() + 99) / 100);
  EXPECT_EQ(t.bob->stats().reads, 4u);  // the message came in pieces
  EXPECT_EQ(t.bob->stats().received, 1u);
}

TEST(Tcp, MessagesSentTogetherAreReadTogetherAndFramedApart) {
  TwoTcpHosts t(1);
  t.alice->send(t.bob_addr, message("one"));  // both queue behind the handshake
  t.alice->send(t.bob_addr, message("two", 5));
  t.world.run_for(std::chrono::seconds(2));
  ASSERT_EQ(t.at_bob.received.size(), 2u);
  EXPECT_EQ(t.at_bob.received[0].bytes, message("one"));
  EXPECT_EQ(t.at_bob.received[1].bytes, message("two", 5));
  EXPECT_EQ(t.alice->stats().segments_sent, 1u);  // one segment carried both
  EXPECT_EQ(t.bob->stats().reads, 1u);
  // Established: two sends in one instant are two segments, still one read.
  t.alice->send(t.bob_addr, message("three"));
  t.alice->send(t.bob_addr, message("four"));
  t.world.run_for(std::chrono::seconds(2));
  ASSERT_EQ(t.at_bob.received.size(), 4u);
  EXPECT_EQ(t.at_bob.received[3].bytes, message("four"));
  EXPECT_EQ(t.bob->stats().reads, 2u);
}

TEST(Tcp, ADroppedSegmentIsDeliveredAfterTheRtoInOrderNotLost) {
  TwoTcpHosts t(1);
  // The first data segment leaves at 40 ms (after the handshake); the rule catches it alone.
  t.world.network().add_fault(
      FaultRule::drop("blip").with_src_host("alice").during(rt::Instant{from_ms(40)}, rt::Instant{from_ms(41)}));
  t.alice->send(t.bob_addr, message("first"));
  t.world.at(rt::Instant{from_ms(50)}, [&] { t.alice->send(t.bob_addr, message("second")); });
  t.world.run_for(std::chrono::seconds(2));
  ASSERT_EQ(t.at_bob.received.size(), 2u);
  EXPECT_EQ(t.at_bob.received[0].bytes, message("first"));
  EXPECT_EQ(t.at_bob.received[1].bytes, message("second"));
  // Sent again at 40 + 200 ms, arriving 20 ms later; "second" (there at 70 ms) waited behind
  // it, and both were read together.
  EXPECT_EQ(rt::to_ms(t.at_bob.received[0].at), 260);
  EXPECT_EQ(rt::to_ms(t.at_bob.received[1].at), 260);
  EXPECT_EQ(t.alice->stats().retransmissions, 1u);
  EXPECT_EQ(t.bob->stats().reads, 1u);
  // And the handshake's ACK, never sent again (the data acknowledges too).
  EXPECT_EQ(t.world.network().tcp_segments_lost(), 2u);
  EXPECT_EQ(t.world.network().last_tcp_loss(), "fault rule 'blip'");
}

TEST(Tcp, AQuietConnectionIsClosedAfterTheIdleTimeoutAndTheNextSendReconnects) {
  TcpOptions quick;
  quick.idle_timeout = std::chrono::seconds(10);
  TwoTcpHosts t(1, quick);
  t.alice->send(t.bob_addr, message("a"));
  t.world.run_until(rt::Instant{std::chrono::seconds(9)});
  EXPECT_EQ(t.alice->connection_count(), 1u);
  t.world.run_until(rt::Instant{std::chrono::seconds(11)});
  EXPECT_EQ(t.alice->connection_count(), 0u);
  EXPECT_EQ(t.bob->connection_count(), 0u);
  EXPECT_EQ(t.world.network().tcp_connections(), 0u);
  EXPECT_EQ(t.alice->stats().idle_closed, 1u);
  t.alice->send(t.bob_addr, message("b"));
  t.world.run_until(rt::Instant{std::chrono::seconds(12)});
  ASSERT_EQ(t.at_bob.received.size(), 2u);
  EXPECT_EQ(t.alice->stats().connected, 2u);
}

TEST(Tcp, AStreamThatCannotBeFramedIsClosed) {
  TwoTcpHosts t(1);
  t.alice->send(t.bob_addr, "OPTIONS sip:x SIP/2.0\r\nCall-ID: no-length\r\n\r\n");
  t.world.run_until(rt::Instant{std::chrono::seconds(1)});
  EXPECT_TRUE(t.at_bob.received.empty());
  EXPECT_EQ(t.bob->stats().framing_errors, 1u);
  EXPECT_EQ(t.world.network().tcp_connections(), 0u);
}

TEST(Tcp, TheSameSeedGivesTheSameSegments) {
  auto run = [] {
    TcpOptions small;
    small.mss = 64;
    TwoTcpHosts t(42, small);
    t.world.network().set_link("alice", "bob", Link{from_ms(5), from_ms(20)});
    t.world.network().add_fault(FaultRule::drop("loss").with_src_host("alice").with_probability(0.3));
    for (int i = 0; i < 5; ++i) t.alice->send(t.bob_addr, message("m" + std::to_string(i), 100));
    t.world.run_for(std::chrono::seconds(60));
    std::vector<std::string> out;
    for (const auto& r : t.at_bob.received) out.push_back(std::to_string(r.at.time_since_epoch().count()) + " " + r.bytes);
    EXPECT_EQ(t.at_bob.received.size(), 5u);
    return out;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace trunklab::sim
