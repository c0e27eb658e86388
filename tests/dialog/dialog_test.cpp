// In-dialog requests through record-routing proxies (RFC 3261 §12): the route set each side
// keeps and the Route headers its requests carry.
#include "reference/dialog/dialog.hpp"
#include "tests/sip/sip_test_util.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trunklab::dialog {
namespace {

using sip::test::crlf;
using sip::test::parse_ok;
using ::testing::ElementsAre;

// The INVITE as the callee gets it after two proxies: p2 (nearest the callee) on top.
const std::string kInvite = crlf(
    "INVITE sip:bob@10.0.0.9:5060 SIP/2.0\n"
    "Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bK2\n"
    "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK0\n"
    "Record-Route: <sip:p2.example.com;lr>\n"
    "Record-Route: <sip:p1.example.com;lr>\n"
    "Max-Forwards: 68\n"
    "From: <sip:alice@example.com>;tag=a1\n"
    "To: <sip:bob@example.com>\n"
    "Call-ID: rr-1@10.0.0.5\n"
    "CSeq: 1 INVITE\n"
    "Contact: <sip:alice@10.0.0.5:5060>\n"
    "Content-Length: 0\n\n");

// The 200 as the caller gets it back: the same Record-Route, copied by the callee.
const std::string kOk = crlf(
    "SIP/2.0 200 OK\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK0\n"
    "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>\n"
    "From: <sip:alice@example.com>;tag=a1\n"
    "To: <sip:bob@example.com>;tag=b1\n"
    "Call-ID: rr-1@10.0.0.5\n"
    "CSeq: 1 INVITE\n"
    "Contact: <sip:bob@10.0.0.9:5060>\n"
    "Content-Length: 0\n\n");

Dialog with_identity() {
  Dialog d;
  d.call_id = "rr-1@10.0.0.5";
  d.local_uri = "<sip:bob@example.com>";
  d.local_tag = "b1";
  d.remote_uri = "<sip:alice@example.com>";
  d.remote_tag = "a1";
  return d;
}

// What goes on the wire, parsed back (with the Via the transaction layer would add).
sip::Message sent(Dialog& d, const std::string& method, std::uint32_t cseq = 0) {
  auto request = d.request(method, cseq);
  request.add_front("Via", "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKx");
  return parse_ok(request.to_string());
}

TEST(RouteSet, CalleeKeepsRecordRouteInOrder) {
  Dialog bob = with_identity();
  bob.remote_target = "sip:alice@10.0.0.5:5060";
  bob.route_set = uas_route_set(parse_ok(kInvite));
  EXPECT_THAT(bob.route_set, ElementsAre("<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"));
  const auto bye = sent(bob, "BYE");
  EXPECT_EQ(bye.request_uri(), "sip:alice@10.0.0.5:5060");  // loose routing: the target stays
  EXPECT_THAT(bye.header_values("Route"), ElementsAre("<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"));
}

TEST(RouteSet, CallerTakesRecordRouteReversedWithTagAndTarget) {
  Dialog alice = with_identity();
  alice.take_response(parse_ok(kOk));
  EXPECT_EQ(alice.remote_tag, "b1");
  EXPECT_EQ(alice.remote_target, "sip:bob@10.0.0.9:5060");
  EXPECT_THAT(alice.route_set, ElementsAre("<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"));
  const auto ack = sent(alice, "ACK", 1);
  EXPECT_THAT(ack.header_values("Route"), ElementsAre("<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"));
}

TEST(RouteSet, WithoutRecordRouteRequestsCarryNoRoute) {
  Dialog d = with_identity();
  d.remote_target = "sip:x@10.0.0.1";
  EXPECT_TRUE(sent(d, "BYE").header_values("Route").empty());
}

}  // namespace
}  // namespace trunklab::dialog
