// An element on UDP and TCP at once (rt::TransportPair): each request leaves on its peer's
// transport, says so in its Via, and is retransmitted only over UDP (RFC 3261 §17.1.1.2, §18).
#include "reference/rt/transport_pair.hpp"
#include "tests/transaction/endpoint_fixture.hpp"

namespace trunklab::txn {
namespace {

const rt::Address kTcpProvider = *rt::Address::parse("10.0.0.3:5060");
const rt::Address kTcpPhone = *rt::Address::parse("10.0.0.4:49152");

struct TransportPairTest : ::testing::Test {
  FakeTime time;
  FakeTransport udp{time, kLocal};
  FakeTransport tcp{time, kLocal, rt::TransportKind::tcp};
  rt::TransportPair pair{udp, tcp};
  rt::SplitMix64 random{1};
  RecordingUser user{time};
  Endpoint endpoint{time, time, pair, random, Config{}, user};

  void send_options(const rt::Address& to) {
    auto r = sip::OutgoingMessage::request("OPTIONS", "sip:" + to.to_string());
    r.add("Max-Forwards", "70")
        .add("From", "<sip:trunk@10.0.0.1>;tag=a1")
        .add("To", "<sip:" + to.to_string() + ">")
        .add("Call-ID", "call-" + to.to_string())
        .add("CSeq", "1 OPTIONS");
    endpoint.add_via(r, to);
    endpoint.send_request(std::move(r), to);
  }
};

TEST_F(TransportPairTest, RequestToAPeerDeclaredTcpGoesOverTcpWithATcpViaAndNoRetransmission) {
  pair.prefer_tcp(kTcpProvider);
  send_options(kTcpProvider);
  time.run_for(5s);
  ASSERT_EQ(tcp.sent.size(), 1u);  // timer E does not run over a reliable transport
  EXPECT_TRUE(udp.sent.empty());
  EXPECT_THAT(tcp.sent[0].bytes, HasSubstr("Via: SIP/2.0/TCP 10.0.0.1:5060;branch="));
  EXPECT_EQ(endpoint.transport_to(kTcpProvider), rt::TransportKind::tcp);
}

TEST_F(TransportPairTest, RequestToAnOtherPeerGoesOverUdpAndIsRetransmitted) {
  pair.prefer_tcp(kTcpProvider);
  send_options(kPeer);
  time.run_for(1600ms);
  EXPECT_TRUE(tcp.sent.empty());
  ASSERT_GE(udp.sent.size(), 3u);  // 0, 500, 1500 ms (timer E)
  EXPECT_THAT(udp.sent[0].bytes, HasSubstr("Via: SIP/2.0/UDP 10.0.0.1:5060;branch="));
}

TEST_F(TransportPairTest, ResponseGoesBackOnTheConnectionItsRequestCameInOn) {
  tcp.connections.insert(kTcpPhone);
  const std::string request =
      "REGISTER sip:10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.4:5060;branch=z9hG4bK-1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:1001@10.0.0.1>;tag=p\r\nTo: <sip:1001@10.0.0.1>\r\n"
      "Call-ID: r1\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n";
  endpoint.on_datagram(kLocal, kTcpPhone, request);
  ASSERT_EQ(user.requests.size(), 1u);
  endpoint.respond(user.requests[0].id, sip::OutgoingMessage::response_to(parse(request), 200, "OK", "t"));
  time.run_for(40s);
  ASSERT_EQ(tcp.sent.size(), 1u);
  EXPECT_TRUE(udp.sent.empty());
  EXPECT_THAT(tcp.sent[0].bytes, HasSubstr("SIP/2.0 200 OK"));
  EXPECT_EQ(time.pending(), 0u);  // timer J is zero over TCP: the transaction is gone
}

}  // namespace
}  // namespace trunklab::txn
