// The Endpoint's client side, malformed input, scale, and the pure machines.
#include "tests/transaction/endpoint_fixture.hpp"

namespace trunklab::txn {
namespace {

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

// An operator sees the refused request in serve's log: who sent it and why (the element's
// line escapes the bytes; nothing about the request is lost because no transaction was made).
TEST_F(EndpointTest, Stateless400IsReportedAsAnOutcomeWithItsReason) {
  std::vector<std::string> lines;
  endpoint.set_outcome_observer([&](const TxnOutcome& o) {
    lines.push_back(std::string(o.method) + " " + std::string(o.request_uri) + " " + o.peer->to_string() + " " +
                    std::to_string(o.status) + " " + std::string(o.reason));
  });
  const auto bad = incoming("INVITE", "z9hG4bKbad2", ";rport", "REGISTER");
  const auto error = std::get<sip::ParseError>(sip::Message::parse(bad));
  from_phone(bad);
  EXPECT_THAT(lines, ElementsAre("INVITE sip:registrar.example 192.0.2.7:40000 400 " + error.reason_phrase()));
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
