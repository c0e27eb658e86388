// dialog::Retransmit2xx: the UAS's 2xx goes again at T1, 2*T1, ... capped at T2 until the ACK,
// and after 64*T1 without one the dialog is reported dead (RFC 3261 §13.3.1.4).
#include "reference/dialog/invite_2xx.hpp"

#include "tests/transaction/fakes.hpp"

#include <gtest/gtest.h>

namespace trunklab::dialog {
namespace {

using namespace std::chrono_literals;

struct Retransmit2xxTest : ::testing::Test {
  txn::test::FakeTime time;
  rt::SplitMix64 random{7};
  txn::test::FakeTransport transport{time, *rt::Address::parse("10.0.0.1:5060")};
  txn::test::RecordingUser user{time};
  txn::Endpoint endpoint{time, time, transport, random, txn::Config{}, user};
  rt::Address peer = *rt::Address::parse("10.0.0.2:5060");
  sip::OutgoingMessage ok = sip::OutgoingMessage::response(200, "OK");

  std::vector<std::int64_t> sent_at_ms() const {
    std::vector<std::int64_t> out;
    for (const auto& s : transport.sent) out.push_back(s.at_ms);
    return out;
  }
};

TEST_F(Retransmit2xxTest, DoublesFromT1UpToT2UntilTheAck) {
  Retransmit2xx r(time, endpoint);
  r.start(ok, peer, {});
  time.run_for(9s);
  EXPECT_EQ(sent_at_ms(), (std::vector<std::int64_t>{500, 1500, 3500, 7500}));
  EXPECT_TRUE(r.ack());
  EXPECT_FALSE(r.ack());  // a retransmitted ACK
  time.run_for(60s);
  EXPECT_EQ(transport.sent.size(), 4u);
  EXPECT_EQ(transport.sent.front().to, peer);
}

TEST_F(Retransmit2xxTest, NoAckWithin64T1EndsTheDialogOnce) {
  Retransmit2xx r(time, endpoint);
  std::vector<std::int64_t> dead_at;
  r.start(ok, peer, {{}, [&] { dead_at.push_back(rt::to_ms(time.now())); }});
  time.run_for(120s);
  ASSERT_EQ(dead_at.size(), 1u);
  EXPECT_GE(dead_at.front(), 32'000);  // 64 * T1
  EXPECT_LE(dead_at.front(), 36'000);  // at the next T2 step
  EXPECT_EQ(transport.sent.back().at_ms, dead_at.front() - 4'000);
  EXPECT_EQ(time.pending(), 0u);
}

TEST_F(Retransmit2xxTest, StopsWhenTheUasGaveUpAndWhenDestroyed) {
  bool gave_up = false;
  {
    Retransmit2xx r(time, endpoint);
    r.start(ok, peer, {[&] { return gave_up; }, {}});
    time.run_for(2s);
    gave_up = true;
    time.run_for(10s);
    EXPECT_EQ(transport.sent.size(), 2u);
    r.start(ok, peer, {});
  }
  EXPECT_EQ(time.pending(), 0u);  // the destructor cancelled the pending retransmission
}

// The UAC ACKs each retransmission of a 2xx with the same ACK (branch included), so the far end
// and a capture see a repeat, not a second ACK; a re-INVITE's 2xx gets its own (found by a swarm:
// every re-ACK with a fresh branch showed up as an unexpected ACK in the ladder).
TEST_F(Retransmit2xxTest, EachRetransmissionOfA2xxGetsTheSameAckAndAReInviteANewOne) {
  Dialog d;
  d.call_id = "c1";
  d.local_uri = "<sip:alice@10.0.0.1>";
  d.local_tag = "a";
  d.remote_uri = "<sip:bob@10.0.0.2>";
  d.remote_tag = "b";
  d.remote_target = "sip:bob@10.0.0.2:5060";
  d.invite_cseq = 1;
  send_2xx_ack(endpoint, d, peer);
  send_2xx_ack(endpoint, d, peer);
  d.invite_cseq = 2;
  send_2xx_ack(endpoint, d, peer);
  ASSERT_EQ(transport.sent.size(), 3u);
  EXPECT_EQ(transport.sent[0].bytes, transport.sent[1].bytes);
  EXPECT_NE(transport.sent[1].bytes, transport.sent[2].bytes);
  EXPECT_NE(transport.sent[2].bytes.find("CSeq: 2 ACK"), std::string::npos);
}

}  // namespace
}  // namespace trunklab::dialog
