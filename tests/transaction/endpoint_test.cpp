#include "reference/transaction/endpoint.hpp"
#include "reference/transaction/fsm.hpp"
#include "reference/transaction/wire.hpp"
#include "tests/transaction/fakes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trunklab::txn {
namespace {

using namespace std::chrono_literals;
using test::FakeTime;
using test::FakeTransport;
using test::RecordingUser;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const rt::Address kLocal = *rt::Address::parse("10.0.0.1:5060");
const rt::Address kPeer = *rt::Address::parse("10.0.0.2:5060");
const rt::Address kPhoneNat = *rt::Address::parse("192.0.2.7:40000");

sip::Message parse(std::string_view bytes) {
  auto result = sip::Message::parse(bytes);
  if (auto* error = std::get_if<sip::ParseError>(&result)) {
    ADD_FAILURE() << "parse failed: " << error->rule << " " << error->detail << "\n" << bytes;
    std::abort();
  }
  return std::move(std::get<sip::Message>(result));
}

struct EndpointTest : ::testing::Test {
  FakeTime time;
  FakeTransport transport{time, kLocal};
  rt::SplitMix64 random{1};
  RecordingUser user{time};
  Endpoint endpoint{time, time, transport, random, Config{}, user};

  sip::OutgoingMessage request(std::string method, std::uint32_t cseq = 1) {
    auto r = sip::OutgoingMessage::request(method, "sip:bob@10.0.0.2");
    r.add("Max-Forwards", "70")
        .add("From", "<sip:alice@10.0.0.1>;tag=a1")
        .add("To", "<sip:bob@10.0.0.2>")
        .add("Call-ID", "call-1@10.0.0.1")
        .add("CSeq", std::to_string(cseq) + " " + method);
    endpoint.add_via(r);
    return r;
  }
  std::vector<std::int64_t> send_times() const {
    std::vector<std::int64_t> times;
    for (const auto& s : transport.sent) times.push_back(s.at_ms);
    return times;
  }
  // The peer answers the request we sent as transport.sent[index].
  void peer_responds(std::size_t index, int status, std::string_view to_tag = "b1") {
    const auto sent = parse(transport.sent.at(index).bytes);
    endpoint.on_datagram(kLocal, kPeer,
                         sip::OutgoingMessage::response_to(sent, status, {}, to_tag).to_string());
  }
  // A request arriving from `source` with top Via sent-by 10.9.9.9:5060 (behind a NAT).
  static std::string incoming(std::string_view method, std::string_view branch,
                              std::string_view via_params = ";rport",
                              std::string_view cseq_method = {}) {
    std::string m(method);
    std::string cm = cseq_method.empty() ? m : std::string(cseq_method);
    return m + " sip:registrar.example SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 10.9.9.9:5060;branch=" + std::string(branch) +
           std::string(via_params) +
           "\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:office1@registrar.example>;tag=p1\r\n"
           "To: <sip:office1@registrar.example>\r\n"
           "Call-ID: reg-1@10.9.9.9\r\n"
           "CSeq: 7 " + cm + "\r\n"
           "Content-Length: 0\r\n\r\n";
  }
  void from_phone(const std::string& bytes) { endpoint.on_datagram(kLocal, kPhoneNat, bytes); }
};

// ---- clients ----------------------------------------------------------------------------------

TEST_F(EndpointTest, InviteClientRetransmitsOnTimerAAndTimesOutOnTimerB) {
  const auto id = endpoint.send_request(request("INVITE"), kPeer);
  time.run_until(rt::Instant{40s});
  EXPECT_THAT(send_times(), ElementsAre(0, 500, 1500, 3500, 7500, 15500, 31500));
  for (const auto& s : transport.sent) {
    EXPECT_EQ(s.to, kPeer);
    EXPECT_EQ(s.bytes, transport.sent.front().bytes);
  }
  ASSERT_EQ(user.timeouts.size(), 1u);
  EXPECT_EQ(user.timeouts[0].first, id);
  EXPECT_EQ(user.timeouts[0].second, 32000);
  EXPECT_EQ(endpoint.client_count(), 0u);
  EXPECT_EQ(time.pending(), 0u);
}

TEST_F(EndpointTest, NonInviteClientRetransmitsCappedAtT2AndTimesOutOnTimerF) {
  endpoint.send_request(request("REGISTER"), kPeer);
  time.run_until(rt::Instant{40s});
  EXPECT_THAT(send_times(), ElementsAre(0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500,
                                        27500, 31500));
  ASSERT_EQ(user.timeouts.size(), 1u);
  EXPECT_EQ(user.timeouts[0].second, 32000);
  EXPECT_EQ(endpoint.client_count(), 0u);
}

TEST_F(EndpointTest, NonInviteClientInProceedingRetransmitsEveryT2) {
  endpoint.send_request(request("REGISTER"), kPeer);
  time.run_until(rt::Instant{600ms});  // sent at 0 and 500; E now 1 s
  peer_responds(0, 100);
  time.run_until(rt::Instant{12s});
  EXPECT_THAT(send_times(), ElementsAre(0, 500, 1500, 5500, 9500));
  peer_responds(0, 200);
  time.run_until(rt::Instant{60s});
  EXPECT_EQ(transport.sent.size(), 5u);
  EXPECT_TRUE(user.timeouts.empty());
  ASSERT_EQ(user.responses.size(), 2u);
  EXPECT_EQ(user.responses[1].second, 200);
}

TEST_F(EndpointTest, NonInviteClientAbsorbsFinalRetransmissionsUntilTimerK) {
  const auto id = endpoint.send_request(request("REGISTER"), kPeer);
  peer_responds(0, 200);
  peer_responds(0, 200);  // Completed absorbs it
  ASSERT_EQ(user.responses.size(), 1u);
  EXPECT_EQ(user.responses[0], std::pair(id, 200));
  EXPECT_TRUE(user.strays.empty());
  time.run_until(rt::Instant{4999ms});
  EXPECT_EQ(endpoint.client_count(), 1u);
  time.run_until(rt::Instant{5s});  // timer K = T4
  EXPECT_EQ(endpoint.client_count(), 0u);
  peer_responds(0, 200);
  EXPECT_THAT(user.strays, ElementsAre(200));
  EXPECT_EQ(transport.sent.size(), 1u);
}

TEST_F(EndpointTest, TransportErrorInCallingEndsTheTransaction) {
  const auto id = endpoint.send_request(request("INVITE"), kPeer);
  endpoint.transport_error(id);
  EXPECT_THAT(user.transport_errors, ElementsAre(id));
  EXPECT_EQ(endpoint.client_count(), 0u);
  EXPECT_EQ(time.pending(), 0u);  // A and B cancelled
  time.run_until(rt::Instant{60s});
  EXPECT_EQ(transport.sent.size(), 1u);
  EXPECT_TRUE(user.timeouts.empty());
}

TEST_F(EndpointTest, ProvisionalMovesInviteClientToProceedingAndStopsTimerA) {
  const auto id = endpoint.send_request(request("INVITE"), kPeer);
  time.run_until(rt::Instant{100ms});
  peer_responds(0, 180);
  time.run_until(rt::Instant{60s});
  EXPECT_EQ(transport.sent.size(), 1u);
  ASSERT_EQ(user.responses.size(), 1u);
  EXPECT_EQ(user.responses[0], std::pair(id, 180));
  EXPECT_TRUE(user.timeouts.empty());  // timer B only applies in Calling
  EXPECT_EQ(endpoint.client_count(), 1u);
}

TEST_F(EndpointTest, Non2xxFinalIsAckedAndRetransmissionsAbsorbed) {
  auto invite = request("INVITE", 42);
  invite.add("Route", "<sip:proxy1.example;lr>").add("Route", "<sip:proxy2.example;lr>");
  const auto id = endpoint.send_request(std::move(invite), kPeer);
  time.run_until(rt::Instant{100ms});
  peer_responds(0, 486, "busy9");
  ASSERT_EQ(transport.sent.size(), 2u);

  const auto sent_invite = parse(transport.sent[0].bytes);
  const auto ack = parse(transport.sent[1].bytes);
  EXPECT_EQ(transport.sent[1].to, kPeer);
  EXPECT_EQ(ack.method(), "ACK");
  EXPECT_EQ(ack.request_uri(), sent_invite.request_uri());
  EXPECT_EQ(ack.call_id(), sent_invite.call_id());
  EXPECT_EQ(ack.from().tag(), "a1");
  EXPECT_EQ(ack.to().tag(), "busy9");
  EXPECT_EQ(ack.cseq().number, 42u);
  EXPECT_EQ(ack.cseq().method, "ACK");
  ASSERT_EQ(ack.vias().size(), 1u);
  EXPECT_EQ(ack.top_via().branch, sent_invite.top_via().branch);
  EXPECT_THAT(ack.header_values("Route"),
              ElementsAre("<sip:proxy1.example;lr>", "<sip:proxy2.example;lr>"));

  peer_responds(0, 486, "busy9");  // retransmitted final: ACK again, TU not told twice
  ASSERT_EQ(transport.sent.size(), 3u);
  EXPECT_EQ(transport.sent[2].bytes, transport.sent[1].bytes);
  ASSERT_EQ(user.responses.size(), 1u);
  EXPECT_EQ(user.responses[0], std::pair(id, 486));

  time.run_until(rt::Instant{100ms + 32s});  // timer D
  EXPECT_EQ(endpoint.client_count(), 0u);
  EXPECT_EQ(transport.sent.size(), 3u);  // no INVITE retransmission after the final response
}

TEST_F(EndpointTest, TwoHundredEndsInviteClientAndLaterCopiesAreStray) {
  const auto id = endpoint.send_request(request("INVITE"), kPeer);
  peer_responds(0, 200);
  ASSERT_EQ(user.responses.size(), 1u);
  EXPECT_EQ(user.responses[0], std::pair(id, 200));
  EXPECT_EQ(endpoint.client_count(), 0u);
  EXPECT_EQ(transport.sent.size(), 1u);  // the TU sends the ACK for a 2xx, not the transaction
  peer_responds(0, 200);
  EXPECT_THAT(user.strays, ElementsAre(200));
  time.run_until(rt::Instant{60s});
  EXPECT_EQ(transport.sent.size(), 1u);
  EXPECT_TRUE(user.timeouts.empty());
}

TEST_F(EndpointTest, ResponseMatchesOnBranchAndCSeqMethod) {
  auto invite = request("INVITE");
  const auto branch = std::string(*via_param(*first_via(invite), "branch"));
  endpoint.send_request(std::move(invite), kPeer);
  // Same branch, CSeq method CANCEL: the CANCEL's response must not reach the INVITE.
  auto sent = parse(transport.sent[0].bytes);
  auto cancel_response = sip::OutgoingMessage::response_to(sent, 200);
  cancel_response.set("CSeq", "1 CANCEL");
  endpoint.on_datagram(kLocal, kPeer, cancel_response.to_string());
  EXPECT_TRUE(user.responses.empty());
  EXPECT_THAT(user.strays, ElementsAre(200));
  EXPECT_EQ(endpoint.client_count(), 1u);
}

// ---- servers ----------------------------------------------------------------------------------

TEST_F(EndpointTest, NonInviteServerAbsorbsRetransmissionsAndResendsLastResponse) {
  const auto reg = incoming("REGISTER", "z9hG4bKreg1");
  from_phone(reg);
  from_phone(reg);  // retransmission in Trying: absorbed, no response yet
  ASSERT_EQ(user.requests.size(), 1u);
  EXPECT_TRUE(transport.sent.empty());

  EXPECT_TRUE(endpoint.respond(user.requests[0].id,
                               sip::OutgoingMessage::response_to(parse(reg), 200, {}, "r1")));
  from_phone(reg);  // retransmission in Completed: the 200 again
  ASSERT_EQ(transport.sent.size(), 2u);
  EXPECT_EQ(transport.sent[1].bytes, transport.sent[0].bytes);
  EXPECT_EQ(user.requests.size(), 1u);

  time.run_until(rt::Instant{32s});  // timer J = 64*T1
  EXPECT_EQ(endpoint.server_count(), 0u);
  EXPECT_FALSE(endpoint.respond(user.requests[0].id,
                                sip::OutgoingMessage::response_to(parse(reg), 500)));
}

// `trunklab serve` logs one line per transaction: exactly one outcome each, retransmissions
// and later responses aside, and a timeout reported as 408; with who (From and To as
// user@host) and why (the final response's reason phrase, or the timer that fired).
TEST_F(EndpointTest, OutcomeObserverReportsEachTransactionOnce) {
  std::vector<std::string> lines;
  endpoint.set_outcome_observer([&](const TxnOutcome& o) {
    lines.push_back((o.server ? "server " : "client ") + std::string(o.method) + " " +
                    std::string(o.request_uri) + " " + o.peer->to_string() + " " +
                    std::string(o.from_aor) + " " + std::string(o.to_aor) + " " +
                    std::to_string(o.status) + " " + std::string(o.reason));
  });
  const auto reg = incoming("REGISTER", "z9hG4bKreg1");
  from_phone(reg);
  EXPECT_TRUE(endpoint.respond(user.requests[0].id,
                               sip::OutgoingMessage::response_to(parse(reg), 401, "Unauthorized (stale)", "r1")));
  from_phone(reg);  // retransmission: the 401 again, no second outcome

  endpoint.send_request(request("OPTIONS"), kPeer);
  const auto options_index = transport.sent.size() - 1;
  peer_responds(options_index, 200);
  peer_responds(options_index, 200);  // a retransmitted 200: absorbed
  endpoint.send_request(request("INVITE", 2), kPeer);
  time.run_until(rt::Instant{40s});  // timer B

  EXPECT_THAT(lines,
              ElementsAre("server REGISTER sip:registrar.example 192.0.2.7:40000 office1@registrar.example "
                          "office1@registrar.example 401 Unauthorized (stale)",
                          "client OPTIONS sip:bob@10.0.0.2 10.0.0.2:5060 alice@10.0.0.1 bob@10.0.0.2 200 OK",
                          "client INVITE sip:bob@10.0.0.2 10.0.0.2:5060 alice@10.0.0.1 bob@10.0.0.2 408 "
                          "no response (timer B)"));
}

// RFC 3261 §21.5.14: a final response the transport cannot carry (here a 401 whose challenge
// takes it over a 1200-byte limit) goes out as a short 513 that says why, with what every
// response needs (Via stamped, From, To with the tag, Call-ID, CSeq), retransmitted like the
// response it replaces; never handed to the socket to fail there.
TEST_F(EndpointTest, FinalResponseTooLargeForTheTransportBecomesA513SayingWhy) {
  transport.limit = 1200;
  std::vector<std::string> outcomes;
  endpoint.set_outcome_observer([&](const TxnOutcome& o) {
    outcomes.push_back(std::to_string(o.status) + " " + std::string(o.reason));
  });
  const auto reg = incoming("REGISTER", "z9hG4bKbig1");
  from_phone(reg);
  auto challenge = sip::OutgoingMessage::response_to(parse(reg), 401, {}, "r1");
  challenge.add("WWW-Authenticate", "Digest realm=\"" + std::string(1200, 'r') + "\"");
  const auto would_be = [&] {
    auto copy = challenge;
    stamp_received_rport(copy, kPhoneNat);
    return copy.to_string().size();
  }();
  ASSERT_GT(would_be, 1200u);
  EXPECT_TRUE(endpoint.respond(user.requests[0].id, challenge));

  ASSERT_EQ(transport.sent.size(), 1u);
  EXPECT_LE(transport.sent[0].bytes.size(), 1200u);
  const auto answer = parse(transport.sent[0].bytes);
  EXPECT_EQ(answer.status(), 513);
  const std::string why = "Message Too Large (the 401 response would be " + std::to_string(would_be) +
                          " bytes, over the 1200-byte limit)";
  EXPECT_EQ(answer.reason(), why);
  EXPECT_EQ(answer.top_via().branch, "z9hG4bKbig1");
  EXPECT_EQ(answer.top_via().received, "192.0.2.7");
  EXPECT_EQ(answer.to().tag(), "r1");
  EXPECT_EQ(answer.call_id(), "reg-1@10.9.9.9");
  EXPECT_EQ(answer.cseq().number, 7u);
  EXPECT_FALSE(answer.header("WWW-Authenticate").has_value());
  EXPECT_EQ(transport.sent[0].to, kPhoneNat);
  EXPECT_THAT(outcomes, ElementsAre("513 " + why));

  from_phone(reg);  // the request again: the 513 again
  ASSERT_EQ(transport.sent.size(), 2u);
  EXPECT_EQ(transport.sent[1].bytes, transport.sent[0].bytes);
  EXPECT_EQ(endpoint.too_large().answered_513, 1u);
  EXPECT_EQ(endpoint.too_large().dropped, 0u);
}

// When not even the short 513 fits (the request's own Via/From/To are that large), nothing is
// sent and the outcome says so; the transaction still completes (retransmissions of the
// request absorbed, each unsent answer counted); a provisional that large is skipped.
TEST_F(EndpointTest, WhenEvenThe513DoesNotFitTheOutcomeSaysSoAndTheTransactionEnds) {
  std::vector<std::string> outcomes;
  endpoint.set_outcome_observer([&](const TxnOutcome& o) {
    outcomes.push_back(std::to_string(o.status) + " " + std::string(o.reason));
  });
  const auto reg = incoming("REGISTER", "z9hG4bKbig2");
  transport.limit = reg.size() - 100;  // the request got in (say, over another path); no answer fits
  from_phone(reg);
  EXPECT_TRUE(endpoint.respond(user.requests[0].id, sip::OutgoingMessage::response_to(parse(reg), 183, {}, "r1")));
  EXPECT_TRUE(endpoint.respond(user.requests[0].id, sip::OutgoingMessage::response_to(parse(reg), 401, {}, "r1")));
  EXPECT_TRUE(transport.sent.empty());
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_THAT(outcomes[0], HasSubstr("513 Message Too Large (not sent: the 401 response would be "));
  EXPECT_EQ(endpoint.too_large().dropped, 2u);  // the 183 and the 513
  from_phone(reg);
  EXPECT_EQ(user.requests.size(), 1u);
  EXPECT_EQ(endpoint.too_large().dropped, 3u);
  EXPECT_EQ(endpoint.too_large().answered_513, 0u);
  EXPECT_TRUE(transport.sent.empty());
  time.run_for(40s);  // timer J
  EXPECT_EQ(endpoint.server_count(), 0u);
}

// A request we would send over the limit is not sent; the TU learns it at once as a transport
// error (RFC 3261 §8.1.3.1: treated as 503), not 32 s later from timer B, and never from
// inside send_request.
TEST_F(EndpointTest, RequestTooLargeForTheTransportFailsAtOnceAsATransportError) {
  transport.limit = 1200;
  std::vector<std::string> outcomes;
  endpoint.set_outcome_observer([&](const TxnOutcome& o) {
    outcomes.push_back(std::to_string(o.status) + " " + std::string(o.reason));
  });
  auto invite = request("INVITE");
  invite.set_body("application/sdp", std::string(1500, 'v'));
  const auto size = invite.to_string().size();
  const auto id = endpoint.send_request(invite, kPeer);
  EXPECT_TRUE(user.transport_errors.empty());
  time.run_for(0ms);
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_THAT(user.transport_errors, ElementsAre(id));
  EXPECT_THAT(outcomes, ElementsAre("503 not sent: the request is " + std::to_string(size) +
                                    " bytes, over the 1200-byte limit of the transport"));
  EXPECT_EQ(endpoint.client_count(), 0u);
  EXPECT_EQ(endpoint.too_large().requests_failed, 1u);
  time.run_for(40s);
  EXPECT_TRUE(user.timeouts.empty());
  EXPECT_TRUE(transport.sent.empty());
}

TEST_F(EndpointTest, ResponseGoesToSourceWithReceivedAndRport) {
  from_phone(incoming("REGISTER", "z9hG4bKnat1"));
  ASSERT_EQ(user.requests.size(), 1u);
  EXPECT_EQ(user.requests[0].source, kPhoneNat);
  endpoint.respond(user.requests[0].id,
                   sip::OutgoingMessage::response_to(parse(user.requests[0].raw), 200));
  ASSERT_EQ(transport.sent.size(), 1u);
  EXPECT_EQ(transport.sent[0].to, kPhoneNat);
  const auto response = parse(transport.sent[0].bytes);
  EXPECT_EQ(response.top_via().received, "192.0.2.7");
  EXPECT_EQ(response.top_via().rport, 40000);
  EXPECT_EQ(response.top_via().branch, "z9hG4bKnat1");
  EXPECT_THAT(std::string(*response.header("Via")),
              HasSubstr("10.9.9.9:5060;branch=z9hG4bKnat1;received=192.0.2.7;rport=40000"));
}

TEST_F(EndpointTest, ViaWithoutRportIsLeftAsSent) {
  from_phone(incoming("OPTIONS", "z9hG4bKopt1", ""));
  endpoint.respond(user.requests[0].id,
                   sip::OutgoingMessage::response_to(parse(user.requests[0].raw), 200));
  const auto response = parse(transport.sent.at(0).bytes);
  EXPECT_FALSE(response.top_via().received.has_value());
  EXPECT_FALSE(response.top_via().has_rport);
  EXPECT_EQ(transport.sent[0].to, kPhoneNat);  // still the source address
}

TEST_F(EndpointTest, InviteServerSends100TryingAfter200ms) {
  from_phone(incoming("INVITE", "z9hG4bKinv1"));
  time.run_until(rt::Instant{199ms});
  EXPECT_TRUE(transport.sent.empty());
  time.run_until(rt::Instant{200ms});
  ASSERT_EQ(transport.sent.size(), 1u);
  EXPECT_EQ(parse(transport.sent[0].bytes).status(), 100);
  from_phone(incoming("INVITE", "z9hG4bKinv1"));  // retransmission: the 100 again
  ASSERT_EQ(transport.sent.size(), 2u);
  EXPECT_EQ(parse(transport.sent[1].bytes).status(), 100);
  EXPECT_EQ(user.requests.size(), 1u);
}

TEST_F(EndpointTest, TuCanSendItsOwn100AtOnce) {
  user.on_request_hook = [&](ServerTxnId id, const sip::Message& request) {
    endpoint.respond(id, sip::OutgoingMessage::response_to(request, 100));
  };
  from_phone(incoming("INVITE", "z9hG4bKinv2"));
  ASSERT_EQ(transport.sent.size(), 1u);
  EXPECT_EQ(transport.sent[0].at_ms, 0);
  time.run_until(rt::Instant{5s});
  EXPECT_EQ(transport.sent.size(), 1u);  // no second, automatic 100
}

TEST_F(EndpointTest, InviteServerRetransmitsNon2xxOnTimerGUntilAck) {
  const auto invite = incoming("INVITE", "z9hG4bKinv3");
  from_phone(invite);
  time.run_until(rt::Instant{1s});
  endpoint.respond(user.requests[0].id,
                   sip::OutgoingMessage::response_to(parse(invite), 486, {}, "u1"));
  time.run_until(rt::Instant{10s});
  // 100 at 0.2 s, 486 at 1 s, then G: +0.5, +1, +2, +4 (capped at T2)
  EXPECT_THAT(send_times(), ElementsAre(200, 1000, 1500, 2500, 4500, 8500));

  auto ack = incoming("ACK", "z9hG4bKinv3");
  from_phone(ack);
  from_phone(ack);  // Confirmed absorbs ACK retransmissions
  time.run_until(rt::Instant{60s});
  EXPECT_EQ(transport.sent.size(), 6u);
  EXPECT_TRUE(user.acks.empty());  // the non-2xx ACK belongs to the transaction
  EXPECT_TRUE(user.server_timeouts.empty());
  EXPECT_EQ(endpoint.server_count(), 0u);  // timer I ended it
}

TEST_F(EndpointTest, InviteServerTimesOutOnTimerHWithoutAck) {
  const auto invite = incoming("INVITE", "z9hG4bKinv4");
  from_phone(invite);
  const auto id = user.requests[0].id;
  endpoint.respond(id, sip::OutgoingMessage::response_to(parse(invite), 404, {}, "u1"));
  time.run_until(rt::Instant{60s});
  ASSERT_EQ(user.server_timeouts.size(), 1u);
  EXPECT_EQ(user.server_timeouts[0], std::pair(id, std::int64_t{32000}));
  EXPECT_EQ(endpoint.server_count(), 0u);
  // The 404 at 0, then timer G doubling up to T2: 0.5, 1.5, 3.5, 7.5, then every 4 s.
  EXPECT_THAT(send_times(), ElementsAre(0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500,
                                        27500, 31500));
}

TEST_F(EndpointTest, AckFor2xxReachesTuWithoutTransaction) {
  const auto invite = incoming("INVITE", "z9hG4bKinv5");
  from_phone(invite);
  endpoint.respond(user.requests[0].id,
                   sip::OutgoingMessage::response_to(parse(invite), 200, {}, "u1"));
  from_phone(incoming("ACK", "z9hG4bKack5"));
  ASSERT_EQ(user.acks.size(), 1u);
  EXPECT_EQ(user.requests.size(), 1u);
}

// RFC 6026 §7.1: after a 2xx the INVITE server transaction is Accepted until timer L (64*T1).
// A retransmitted INVITE that crossed the 2xx is absorbed: under RFC 3261 alone the transaction
// was gone and the retransmission reached the TU as a new call (the trunk challenged it again;
// SIPp's retransmissions showed it).
TEST_F(EndpointTest, InviteRetransmittedAfterItsTwoHundredIsAbsorbedUntilTimerL) {
  const auto invite = incoming("INVITE", "z9hG4bKinv7");
  from_phone(invite);
  endpoint.respond(user.requests[0].id, sip::OutgoingMessage::response_to(parse(invite), 200, {}, "u1"));
  const auto sent_after_200 = transport.sent.size();
  EXPECT_EQ(endpoint.server_count(), 1u);
  time.run_for(1s);
  from_phone(invite);
  EXPECT_EQ(user.requests.size(), 1u);             // not a new request for the TU
  EXPECT_EQ(transport.sent.size(), sent_after_200);  // and nothing resent: the TU owns the 2xx
  time.run_for(40s);                               // timer L: 32 s after the 2xx
  EXPECT_EQ(endpoint.server_count(), 0u);
  EXPECT_EQ(time.pending(), 0u);
}

TEST_F(EndpointTest, AcceptedInvitePassesTheTusTwoHundredRetransmissionsOn) {
  const auto invite = incoming("INVITE", "z9hG4bKinv8");
  from_phone(invite);
  const auto ok = sip::OutgoingMessage::response_to(parse(invite), 200, {}, "u1");
  endpoint.respond(user.requests[0].id, ok);
  ASSERT_TRUE(endpoint.respond(user.requests[0].id, ok));
  std::size_t oks = 0;
  for (const auto& s : transport.sent) oks += s.bytes.starts_with("SIP/2.0 200") ? 1u : 0u;
  EXPECT_EQ(oks, 2u);
}

// An RFC 2543 ACK for a 2xx carries the INVITE's legacy key; while the INVITE is Accepted it
// must still reach the TU (RFC 6026 §8.6), not vanish into the transaction.
TEST_F(EndpointTest, Rfc2543AckForATwoHundredReachesTheTuWhileAccepted) {
  const auto invite = incoming("INVITE", "old-style-3");
  from_phone(invite);
  endpoint.respond(user.requests[0].id, sip::OutgoingMessage::response_to(parse(invite), 200, {}, "u1"));
  auto ack = incoming("ACK", "old-style-3");
  ack.replace(ack.find("To: <sip:office1@registrar.example>"), 35,
              "To: <sip:office1@registrar.example>;tag=u1");
  from_phone(ack);
  EXPECT_EQ(user.acks.size(), 1u);
}

TEST_F(EndpointTest, CancelIsItsOwnTransactionAndFindsTheInvite) {
  from_phone(incoming("INVITE", "z9hG4bKinv6"));
  from_phone(incoming("CANCEL", "z9hG4bKinv6"));
  ASSERT_EQ(user.requests.size(), 2u);
  EXPECT_NE(user.requests[0].id, user.requests[1].id);
  const auto cancel = parse(user.requests[1].raw);
  EXPECT_EQ(endpoint.find_invite_server(cancel), user.requests[0].id);
  EXPECT_EQ(endpoint.server_count(), 2u);
  EXPECT_FALSE(endpoint.find_invite_server(parse(incoming("CANCEL", "z9hG4bKother"))));
}

TEST_F(EndpointTest, SameBranchFromAnotherSentByIsAnotherTransaction) {
  from_phone(incoming("REGISTER", "z9hG4bKsame"));
  auto other = incoming("REGISTER", "z9hG4bKsame");
  other.replace(other.find("10.9.9.9"), 8, "10.8.8.8");
  from_phone(other);
  EXPECT_EQ(user.requests.size(), 2u);
}

// ---- malformed input, keep-alives -----------------------------------------------------------

TEST_F(EndpointTest, MalformedRequestGetsStateless400NamingTheProblem) {
  const auto bad = incoming("INVITE", "z9hG4bKbad1", ";rport", "REGISTER");
  const auto error = std::get<sip::ParseError>(sip::Message::parse(bad));
  from_phone(bad);
  EXPECT_TRUE(user.requests.empty());
  ASSERT_EQ(transport.sent.size(), 1u);
  EXPECT_EQ(transport.sent[0].to, kPhoneNat);
  const auto response = parse(transport.sent[0].bytes);
  EXPECT_EQ(response.status(), 400);
  EXPECT_EQ(response.reason(), error.reason_phrase());
  EXPECT_THAT(response.reason(), HasSubstr("CSeq"));
  EXPECT_EQ(response.call_id(), "reg-1@10.9.9.9");
  EXPECT_EQ(response.top_via().branch, "z9hG4bKbad1");
  EXPECT_EQ(response.top_via().received, "192.0.2.7");
  EXPECT_FALSE(response.to().tag().empty());
  EXPECT_EQ(endpoint.server_count(), 0u);
}

// RFC 4475 "insuf": no From, To or Call-ID, still a 400 (Via is what it needs); and a header
// whose value holds the bad octet is left out of the 400, not echoed back with it.
TEST_F(EndpointTest, Stateless400NeedsOnlyAViaAndNeverEchoesAControlOctet) {
  auto insuf = incoming("INVITE", "z9hG4bKinsuf");
  for (const char* header : {"From: ", "To: ", "Call-ID: "}) {
    const auto at = insuf.find(header);
    insuf.erase(at, insuf.find("\r\n", at) + 2 - at);
  }
  from_phone(insuf);
  ASSERT_EQ(transport.sent.size(), 1u);
  EXPECT_TRUE(transport.sent[0].bytes.starts_with("SIP/2.0 400 Bad Request (Missing From, To, Call-ID)\r\n"));

  auto injected = incoming("INVITE", "z9hG4bKcr");
  injected.replace(injected.find(";tag=p1"), 7, ";tag=p1\rX-Injected: 1");
  from_phone(injected);
  ASSERT_EQ(transport.sent.size(), 2u);
  const auto& reply = transport.sent[1].bytes;
  EXPECT_TRUE(reply.starts_with("SIP/2.0 400 Bad Request (bare CR in From)\r\n")) << reply;
  EXPECT_EQ(reply.find('\r', 0), reply.find("\r\n"));  // every CR ends a line
  EXPECT_EQ(reply.find("X-Injected"), std::string::npos);
  EXPECT_EQ(reply.find("\r\nFrom:"), std::string::npos);
}

TEST_F(EndpointTest, UnanswerableGarbageAndMalformedResponsesAreDropped) {
  from_phone("INVITE sip:x SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n");  // no Via, From, To, Call-ID
  from_phone("hello world");
  from_phone("SIP/2.0 999 Nope\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx\r\n\r\n");
  EXPECT_TRUE(transport.sent.empty());
  EXPECT_TRUE(user.requests.empty());
  EXPECT_TRUE(user.strays.empty());
}

// §17.2.3: a request without the magic cookie (RFC 2543, RFC 4475 "inv2543", "wsinv") is
// served, matched by Request-URI, tags, Call-ID, CSeq and top Via.
TEST_F(EndpointTest, Rfc2543InviteIsMatchedByTheLegacyRules) {
  const auto invite = incoming("INVITE", "old-style-1");
  from_phone(invite);
  from_phone(invite);  // a retransmission: the same transaction
  ASSERT_EQ(user.requests.size(), 1u);
  endpoint.respond(user.requests[0].id,
                   sip::OutgoingMessage::response_to(parse(invite), 486, {}, "u1"));
  auto ack = incoming("ACK", "old-style-1");
  ack.replace(ack.find("To: <sip:office1@registrar.example>"), 35,
              "To: <sip:office1@registrar.example>;tag=u1");  // the tag of our 486
  from_phone(ack);
  EXPECT_TRUE(user.acks.empty());  // the ACK of the 486 belongs to the transaction
  time.run_until(rt::Instant{60s});
  std::size_t responses_486 = 0;
  for (const auto& s : transport.sent) responses_486 += s.bytes.starts_with("SIP/2.0 486") ? 1u : 0u;
  EXPECT_EQ(responses_486, 1u);  // the ACK stopped timer G
  EXPECT_TRUE(user.server_timeouts.empty());
  EXPECT_EQ(endpoint.server_count(), 0u);
}

TEST_F(EndpointTest, Rfc2543RequestsDifferingInCSeqOrCallIdAreDistinct) {
  const auto first = incoming("REGISTER", "old-style-2");
  auto next_cseq = first;
  next_cseq.replace(next_cseq.find("CSeq: 7"), 7, "CSeq: 8");
  auto no_branch = first;
  no_branch.replace(no_branch.find(";branch=old-style-2"), 19, "");
  no_branch.replace(no_branch.find("Call-ID: reg-1"), 14, "Call-ID: reg-2");
  from_phone(first);
  from_phone(next_cseq);
  from_phone(no_branch);
  EXPECT_EQ(user.requests.size(), 3u);
  EXPECT_EQ(endpoint.server_count(), 3u);
}

// RFC 4475 "badbranch": the cookie alone identifies nothing, so two different requests that
// both carry it are two transactions, not a request and its retransmission.
TEST_F(EndpointTest, BareCookieBranchFallsBackToLegacyMatching) {
  const auto first = incoming("OPTIONS", "z9hG4bK");
  auto other = first;
  other.replace(other.find("Call-ID: reg-1"), 14, "Call-ID: reg-9");
  from_phone(first);
  from_phone(other);
  from_phone(other);
  EXPECT_EQ(user.requests.size(), 2u);
}

TEST_F(EndpointTest, CrlfKeepAliveIsReportedNotParsed) {
  from_phone("\r\n\r\n");
  EXPECT_THAT(user.keepalives, ElementsAre(kPhoneNat));
  EXPECT_TRUE(transport.sent.empty());
}

TEST_F(EndpointTest, AddViaPutsLocalSentByFreshBranchAndRport) {
  auto a = request("OPTIONS");
  auto b = request("OPTIONS");
  const auto via = std::string(*first_via(a));
  EXPECT_THAT(via, HasSubstr("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK"));
  EXPECT_THAT(via, HasSubstr(";rport"));
  EXPECT_NE(via_param(via, "branch"), via_param(*first_via(b), "branch"));
}

// ---- scale ------------------------------------------------------------------------------------

TEST_F(EndpointTest, MatchesAmong100000LiveTransactions) {
  constexpr int kLive = 100'000;
  std::vector<ClientTxnId> ids;
  ids.reserve(kLive);
  for (int i = 0; i < kLive; ++i) {
    ids.push_back(endpoint.send_request(request("OPTIONS", static_cast<std::uint32_t>(i + 1)),
                                        kPeer));
    from_phone(incoming("REGISTER", "z9hG4bKsrv" + std::to_string(i)));
  }
  EXPECT_EQ(endpoint.client_count(), static_cast<std::size_t>(kLive));
  EXPECT_EQ(endpoint.server_count(), static_cast<std::size_t>(kLive));

  const std::size_t probe = 54'321;
  peer_responds(probe, 200);  // servers in Trying send nothing: sent[i] is client i's request
  ASSERT_EQ(user.responses.size(), 1u);
  EXPECT_EQ(user.responses[0], std::pair(ids[probe], 200));

  const auto& server_request = user.requests[probe];
  EXPECT_TRUE(endpoint.respond(server_request.id,
                               sip::OutgoingMessage::response_to(parse(server_request.raw), 200)));
  const auto before = transport.sent.size();
  from_phone(incoming("REGISTER", "z9hG4bKsrv" + std::to_string(probe)));  // retransmission
  ASSERT_EQ(transport.sent.size(), before + 1);
  EXPECT_EQ(parse(transport.sent.back().bytes).top_via().branch,
            "z9hG4bKsrv" + std::to_string(probe));
  EXPECT_EQ(user.requests.size(), static_cast<std::size_t>(kLive));
}

// ---- pure machines ----------------------------------------------------------------------------

TEST(InviteClientMachine, StatesFollowFigure5) {
  Config config;
  auto invite = sip::OutgoingMessage::request("INVITE", "sip:bob@10.0.0.2");
  invite.add("Via", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKm1")
      .add("From", "<sip:a@x>;tag=1")
      .add("To", "<sip:b@y>")
      .add("Call-ID", "c1")
      .add("CSeq", "5 INVITE");
  InviteClient machine(config, std::move(invite), kPeer);
  auto start = machine.start();
  ASSERT_EQ(start.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<Send>(start[0]));
  EXPECT_EQ(std::get<StartTimer>(start[1]).after, 500ms);
  EXPECT_EQ(std::get<StartTimer>(start[2]).after, 32s);
  EXPECT_EQ(machine.state(), InviteClient::State::calling);

  auto ringing = parse(
      "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKm1\r\n"
      "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: c1\r\nCSeq: 5 INVITE\r\n"
      "Content-Length: 0\r\n\r\n");
  machine.on_event(ResponseFromWire{ringing});
  EXPECT_EQ(machine.state(), InviteClient::State::proceeding);
  // Timer A firing late (already cancelled) changes nothing.
  EXPECT_TRUE(machine.on_event(TimerFired{TimerName::a}).empty());
  auto error = machine.on_event(TransportError{});
  EXPECT_TRUE(error.empty());  // transport errors only matter in Calling
}

TEST(NonInviteServerMachine, ReliableTransportHasZeroTimerJ) {
  Config config;
  config.reliable = true;
  NonInviteServer machine(config, kPeer);
  auto actions = machine.on_event(ResponseFromTu{200, "SIP/2.0 200 OK\r\n\r\n"});
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(std::get<StartTimer>(actions[1]).name, TimerName::j);
  EXPECT_EQ(std::get<StartTimer>(actions[1]).after, rt::Duration{0});
  EXPECT_EQ(machine.state(), NonInviteServer::State::completed);
}

TEST(Wire, ViaRewriteKeepsOtherParamsAndReplacesOldReceived) {
  const auto source = *rt::Address::parse("198.51.100.1:1234");
  EXPECT_EQ(via_with_received_rport("SIP/2.0/UDP h:5060;rport;branch=z9hG4bKa", source),
            "SIP/2.0/UDP h:5060;received=198.51.100.1;rport=1234;branch=z9hG4bKa");
  EXPECT_EQ(via_with_received_rport("SIP/2.0/UDP h;received=1.1.1.1;branch=z9hG4bKa;rport",
                                    source),
            "SIP/2.0/UDP h;branch=z9hG4bKa;received=198.51.100.1;rport=1234");
  EXPECT_EQ(via_with_received_rport("SIP/2.0/UDP h;branch=z9hG4bKa", source),
            "SIP/2.0/UDP h;branch=z9hG4bKa");
}

}  // namespace
}  // namespace trunklab::txn
