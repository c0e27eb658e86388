// Writer exactness, response_to (RFC 3261 §8.2.6), identifiers, reason phrases, TCP framing.
#include "tests/sip/sip_test_util.hpp"

#include "reference/rt/random.hpp"

#include <gtest/gtest.h>

#include <set>

namespace trunklab::sip {
namespace {

using test::crlf;
using test::parse_ok;

const std::string kInvite = crlf(
    "INVITE sip:+15551234567@trunk.example.com SIP/2.0\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5062;rport;branch=z9hG4bKinv1\n"
    "v: SIP/2.0/UDP pbx.example.com;branch=z9hG4bKinv0, SIP/2.0/UDP phone.example.com;branch=z9hG4bKp\n"
    "Max-Forwards: 69\n"
    "from: \"Office 1\" <sip:office1@trunk.example.com>;tag=8fj3\n"
    "To: <sip:+15551234567@trunk.example.com>\n"
    "Call-ID: rt-1@10.0.0.5\n"
    "CSeq: 20 INVITE\n"
    "Timestamp: 54\n"
    "Contact: <sip:office1@10.0.0.5:5062>\n"
    "X-Odd:   spaced   value\n"
    "Content-Type: application/sdp\n"
    "Content-Length: {CL}\n"
    "\n"
    "v=0\n"
    "o=- 1 1 IN IP4 10.0.0.5\n"
    "s=-\n"
    "c=IN IP4 10.0.0.5\n"
    "t=0 0\n"
    "m=audio 4000 RTP/AVP 0\n");

TEST(OutgoingMessage, ParsedThenRebuiltIsByteIdentical) {
  const std::string canonical = crlf(
      "INVITE sip:+15551234567@trunk.example.com SIP/2.0\n"
      "Via: SIP/2.0/UDP 10.0.0.5:5062;rport;branch=z9hG4bKinv1\n"
      "from: \"Office 1\" <sip:office1@trunk.example.com>;tag=8fj3\n"
      "To: <sip:+15551234567@trunk.example.com>\n"
      "Call-ID: rt-1@10.0.0.5\n"
      "CSeq: 20 INVITE\n"
      "l: {CL}\n"
      "X-Weird-CASE: a,b,,c\n"
      "\n"
      "body bytes\n");
  const Message m = parse_ok(canonical);
  OutgoingMessage rebuilt = OutgoingMessage::request(m.method(), m.request_uri());
  for (const Header& h : m.headers()) rebuilt.add(h.name, h.value);
  rebuilt.set_body("", m.body());
  EXPECT_EQ(rebuilt.to_string(), canonical);
}

TEST(OutgoingMessage, WritesContentLengthFromBodyUnlessGiven) {
  OutgoingMessage m = OutgoingMessage::request("OPTIONS", "sip:p.example.com");
  m.add("Via", "SIP/2.0/UDP t.example.com;branch=z9hG4bK1").add("Max-Forwards", "70");
  m.set_body("text/plain", "hi");
  EXPECT_EQ(m.to_string(),
            "OPTIONS sip:p.example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP t.example.com;branch=z9hG4bK1\r\n"
            "Max-Forwards: 70\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 2\r\n\r\nhi");
  m.add("Content-Length", "-999");  // a raw torture message lies on purpose
  EXPECT_EQ(m.to_string(),
            "OPTIONS sip:p.example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP t.example.com;branch=z9hG4bK1\r\n"
            "Max-Forwards: 70\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: -999\r\n\r\nhi");
}

TEST(OutgoingMessage, AddFrontSetRemove) {
  OutgoingMessage m = OutgoingMessage::response(503, "Service Unavailable");
  m.add("Via", "SIP/2.0/UDP b;branch=z9hG4bKb").add("Retry-After", "30");
  m.add_front("Via", "SIP/2.0/UDP a;branch=z9hG4bKa");
  m.set("retry-after", "60").set("Warning", "399 trunk \"all providers busy\"");
  EXPECT_EQ(m.header("v"), "SIP/2.0/UDP a;branch=z9hG4bKa");
  m.remove("Via");
  EXPECT_EQ(m.to_string(),
            "SIP/2.0 503 Service Unavailable\r\n"
            "Retry-After: 60\r\n"
            "Warning: 399 trunk \"all providers busy\"\r\n"
            "Content-Length: 0\r\n\r\n");
}

TEST(ResponseTo, CopiesViasInOrderAndDialogHeaders) {
  const Message request = parse_ok(kInvite);
  const OutgoingMessage r = OutgoingMessage::response_to(request, 486, {}, "tt55");
  EXPECT_EQ(r.to_string(),
            "SIP/2.0 486 Busy Here\r\n"
            "Via: SIP/2.0/UDP 10.0.0.5:5062;rport;branch=z9hG4bKinv1\r\n"
            "Via: SIP/2.0/UDP pbx.example.com;branch=z9hG4bKinv0, SIP/2.0/UDP "
            "phone.example.com;branch=z9hG4bKp\r\n"
            "From: \"Office 1\" <sip:office1@trunk.example.com>;tag=8fj3\r\n"
            "To: <sip:+15551234567@trunk.example.com>;tag=tt55\r\n"
            "Call-ID: rt-1@10.0.0.5\r\n"
            "CSeq: 20 INVITE\r\n"
            "Content-Length: 0\r\n\r\n");
  // The response parses back into the same transaction and dialog identifiers.
  const Message back = parse_ok(r.to_string());
  EXPECT_EQ(back.vias().size(), 3u);
  EXPECT_EQ(back.top_via().branch, request.top_via().branch);
  EXPECT_EQ(back.to().tag(), "tt55");
  EXPECT_EQ(back.cseq().method, "INVITE");
}

TEST(ResponseTo, KeepsAnExistingToTagAndRelayedReason) {
  std::string tagged = kInvite;
  tagged.replace(tagged.find("trunk.example.com>\r\nCall-ID"), 18, "trunk.example.com>;tag=old");
  const Message request = parse_ok(tagged);
  const OutgoingMessage r = OutgoingMessage::response_to(request, 404, "No such number, sorry", "new");
  EXPECT_EQ(r.reason(), "No such number, sorry");
  EXPECT_EQ(r.header("To"), "<sip:+15551234567@trunk.example.com>;tag=old");
}

TEST(ResponseTo, TryingEchoesTimestamp) {
  const OutgoingMessage r = OutgoingMessage::response_to(parse_ok(kInvite), 100);
  EXPECT_EQ(r.reason(), "Trying");
  EXPECT_EQ(r.header("Timestamp"), "54");
  EXPECT_EQ(r.header("To"), "<sip:+15551234567@trunk.example.com>");  // no tag on 100
}

// RFC 3261 §12.1.1: a 1xx/2xx to an INVITE carries the Record-Route of the request, in order,
// so a proxy that record-routed stays on the caller's path; a 100 or a final error does not.
TEST(ResponseTo, DialogCreatingResponsesCopyRecordRoute) {
  std::string routed = kInvite;
  routed.replace(routed.find("Max-Forwards"), 0,
                 "Record-Route: <sip:p2.example.com;lr>\r\nRecord-Route: <sip:p1.example.com;lr;ftag=8fj3>\r\n");
  const Message request = parse_ok(routed);
  for (int status : {180, 200}) {
    const auto r = OutgoingMessage::response_to(request, status, {}, "t1").to_string();
    EXPECT_NE(r.find("Record-Route: <sip:p2.example.com;lr>\r\nRecord-Route: <sip:p1.example.com;lr;ftag=8fj3>\r\n"),
              std::string::npos)
        << r;
  }
  for (int status : {100, 486}) {
    EXPECT_EQ(OutgoingMessage::response_to(request, status, {}, "t1").to_string().find("Record-Route"),
              std::string::npos);
  }
}

TEST(Identifiers, DeterministicPerSeedAndWellFormed) {
  rt::SplitMix64 a(7);
  rt::SplitMix64 b(7);
  const std::string branch = new_branch(a);
  EXPECT_EQ(branch, new_branch(b));
  EXPECT_TRUE(branch.starts_with("z9hG4bK"));
  EXPECT_EQ(branch.size(), 7u + 16u);
  const std::string tag = new_tag(a);
  EXPECT_EQ(tag.size(), 12u);
  EXPECT_EQ(tag.find_first_not_of("0123456789abcdef"), std::string::npos);
  const std::string call_id = new_call_id(a, "trunk.example.com");
  EXPECT_TRUE(call_id.ends_with("@trunk.example.com"));
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(new_branch(a));
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(DefaultReason, KnownAndUnknownCodes) {
  EXPECT_EQ(default_reason(183), "Session Progress");
  EXPECT_EQ(default_reason(407), "Proxy Authentication Required");
  EXPECT_EQ(default_reason(423), "Interval Too Brief");
  EXPECT_EQ(default_reason(480), "Temporarily Unavailable");
  EXPECT_EQ(default_reason(481), "Call/Transaction Does Not Exist");
  EXPECT_EQ(default_reason(482), "Loop Detected");
  EXPECT_EQ(default_reason(483), "Too Many Hops");
  EXPECT_EQ(default_reason(487), "Request Terminated");
  EXPECT_EQ(default_reason(488), "Not Acceptable Here");
  EXPECT_EQ(default_reason(491), "Request Pending");
  EXPECT_EQ(default_reason(503), "Service Unavailable");
  EXPECT_EQ(default_reason(603), "Decline");
  EXPECT_EQ(default_reason(299), "");
  EXPECT_EQ(default_reason(0), "");
}

TEST(FrameLength, WaitsForSplitMessageThenCutsIt) {
  const std::string two = kInvite + kInvite;
  for (std::size_t cut = 1; cut < kInvite.size(); ++cut) {
    ASSERT_EQ(frame_length(std::string_view(kInvite).substr(0, cut)), 0u) << cut;
  }
  EXPECT_EQ(frame_length(kInvite), kInvite.size());
  EXPECT_EQ(frame_length(two), kInvite.size());
  EXPECT_EQ(frame_length(std::string_view(two).substr(kInvite.size())), kInvite.size());
}

TEST(FrameLength, KeepAlivesAndBrokenStreams) {
  EXPECT_EQ(frame_length("\r\n\r\n"), 4u);
  EXPECT_EQ(frame_length("\r\n\r\nINVITE"), 4u);
  EXPECT_EQ(frame_length("\r\n\r"), 2u);  // the last LF may still come
  EXPECT_EQ(frame_length(""), 0u);
  EXPECT_EQ(frame_length("OPTIONS sip:a SIP/2.0\r\nVia: x\r\n\r\n"), std::nullopt);
  EXPECT_EQ(frame_length("OPTIONS sip:a SIP/2.0\r\nContent-Length: -1\r\n\r\n"), std::nullopt);
  EXPECT_EQ(frame_length("OPTIONS sip:a SIP/2.0\r\nl: 3\r\n\r\nabcdef"), 34u);
  EXPECT_EQ(frame_length(std::string(70000, 'a')), std::nullopt);
  // A header section over 64 kB is refused even when it arrived whole, and reported as
  // oversized (513) with the header lines that fit in the limit.
  const std::string big_head = "OPTIONS sip:a SIP/2.0\r\nX-Pad: " + std::string(70000, 'p') + "\r\nl: 0\r\n\r\n";
  EXPECT_EQ(frame_length(big_head), std::nullopt);
  EXPECT_EQ(oversized_frame_head(big_head), "OPTIONS sip:a SIP/2.0\r\n");
  const std::string big_body = "OPTIONS sip:a SIP/2.0\r\nl: 99999999\r\n\r\nv=0";
  EXPECT_EQ(oversized_frame_head(big_body), "OPTIONS sip:a SIP/2.0\r\nl: 99999999\r\n\r\n");
  EXPECT_EQ(oversized_frame_head("OPTIONS sip:a SIP/2.0\r\nVia: x\r\n\r\n"), std::nullopt);  // broken, not big
}

}  // namespace
}  // namespace trunklab::sip
