// The Endpoint's server side: retransmissions, timers G/H/I/L, 513, Via stamping, CANCEL.
#include "tests/transaction/endpoint_fixture.hpp"

namespace trunklab::txn {
namespace {

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

}  // namespace
}  // namespace trunklab::txn
