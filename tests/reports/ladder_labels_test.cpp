// What a ladder says about each message: the method of a response to a non-INVITE request,
// the SDP summary, the call tag, absolute times (ladder.hpp's display_label, call_tag,
// display_time), in every renderer.
#include "reports/ladder/ladder.hpp"
#include "reports/render/render.hpp"
#include "tests/reports/fixtures.hpp"

#include <gtest/gtest.h>

namespace trunklab::reports {
namespace {

using namespace testing;

std::string with_sdp(std::string message, const std::string& sdp) {
  const auto at = message.find("Content-Length: 0\r\n");
  message.replace(at, 19, "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()) + "\r\n");
  return message + sdp;
}

std::string audio_offer(const std::string& direction = "") {
  return "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
         "m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n" +
         (direction.empty() ? "" : "a=" + direction + "\r\n");
}

TEST(DisplayLabel, NamesTheMethodOfResponsesToRequestsOtherThanInvite) {
  Ladder ladder = build_ladder({
      datagram(0, kAlice, kTrunk, request("INVITE", "c", 1)),
      datagram(10, kTrunk, kAlice, response(180, "Ringing", "c", 1, "INVITE")),
      datagram(20, kAlice, kTrunk, request("CANCEL", "c", 1)),
      datagram(30, kTrunk, kAlice, response(200, "OK", "c", 1, "CANCEL")),
      datagram(40, kTrunk, kAlice, response(487, "Request Terminated", "c", 1, "INVITE")),
      datagram(50, kAlice, kTrunk, request("REGISTER", "r", 1)),
      datagram(60, kTrunk, kAlice, response(401, "Unauthorized", "r", 1, "REGISTER")),
  });
  ASSERT_EQ(ladder.messages.size(), 7u);
  EXPECT_EQ(display_label(ladder.messages[1]), "180 Ringing");
  EXPECT_EQ(display_label(ladder.messages[2]), "CANCEL");
  EXPECT_EQ(display_label(ladder.messages[3]), "200 OK (CANCEL)");
  EXPECT_EQ(display_label(ladder.messages[4]), "487 Request Terminated");
  EXPECT_EQ(display_label(ladder.messages[6]), "401 Unauthorized (REGISTER)");
  EXPECT_NE(render_text(ladder).find(" 200 OK (CANCEL) "), std::string::npos) << render_text(ladder);
  EXPECT_NE(render_mermaid(ladder).find("] 200 OK (CANCEL)\n"), std::string::npos) << render_mermaid(ladder);
}

TEST(DisplayLabel, SummarisesTheSdpOfferAndAnswer) {
  Ladder ladder = build_ladder({
      datagram(0, kAlice, kTrunk, with_sdp(request("INVITE", "c", 1), audio_offer())),
      datagram(10, kTrunk, kAlice, with_sdp(response(200, "OK", "c", 1, "INVITE"), audio_offer())),
      datagram(20, kAlice, kTrunk, with_sdp(request("INVITE", "c", 2), audio_offer("sendonly"))),
      datagram(30, kAlice, kTrunk, request("ACK", "c", 2)),
  });
  ASSERT_EQ(ladder.messages.size(), 4u);
  EXPECT_EQ(ladder.messages[0].sdp, "SDP PCMU PCMA telephone-event");
  EXPECT_EQ(display_label(ladder.messages[0]), "INVITE (SDP PCMU PCMA telephone-event)");
  EXPECT_EQ(display_label(ladder.messages[1]), "200 OK (SDP PCMU PCMA telephone-event)");
  EXPECT_EQ(display_label(ladder.messages[2]), "INVITE (SDP PCMU PCMA telephone-event sendonly)");
  EXPECT_EQ(display_label(ladder.messages[3]), "ACK");
}

TEST(DisplayLabel, SdpOfT38AndARejectedStream) {
  const std::string sdp =
      "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
      "m=image 40002 udptl t38\r\nm=audio 0 RTP/AVP 8\r\n";
  Ladder ladder = build_ladder({datagram(0, kAlice, kTrunk, with_sdp(request("INVITE", "c", 2), sdp))});
  EXPECT_EQ(display_label(ladder.messages.at(0)), "INVITE (SDP T38, PCMA rejected)");
}

TEST(DisplayLabel, MarksTruncatedMessages) {
  Ladder ladder = build_ladder({datagram(0, kAlice, kTrunk, request("OPTIONS", "o", 1))});
  ladder.messages.at(0).truncated = true;
  EXPECT_EQ(display_label(ladder.messages[0]), "OPTIONS [truncated]");
}

TEST(DisplayTime, AbsoluteIsUtcForPcapsAndTheVirtualInstantOtherwise) {
  // 2026-01-01T00:01:10.010Z as microseconds since the Unix epoch.
  const std::int64_t at_ms = 1767225600LL * 1000 + 70010;
  std::vector<Datagram> datagrams{datagram(at_ms, kAlice, kTrunk, request("OPTIONS", "o", 1)),
                                  datagram(at_ms + 1250, kTrunk, kAlice, response(200, "OK", "o", 1, "OPTIONS"))};
  LadderOptions pcap;
  pcap.wall_clock = true;
  Ladder wall = build_ladder(datagrams, pcap);
  EXPECT_EQ(display_time(wall, wall.messages[1], false), "+1.250s");
  EXPECT_EQ(display_time(wall, wall.messages[0], true), "2026-01-01T00:01:10.010Z");
  EXPECT_EQ(display_time(wall, wall.messages[1], true), "2026-01-01T00:01:11.260Z");
  RenderOptions absolute;
  absolute.time_absolute = true;
  EXPECT_NE(render_text(wall, absolute).find("2026-01-01T00:01:11.260Z"), std::string::npos);

  Ladder simulated = build_ladder({datagram(70010, kAlice, kTrunk, request("OPTIONS", "o", 1))});
  EXPECT_EQ(display_time(simulated, simulated.messages[0], true), "70.010s");
  EXPECT_EQ(display_time(simulated, simulated.messages[0], false), "+0.000s");
}

TEST(CallTag, OneLetterPerCallWithoutLinkedLegs) {
  Ladder ladder = build_ladder(known_exchange(), {known_names(), std::nullopt, false});
  ASSERT_EQ(ladder.calls.size(), 2u);
  ASSERT_EQ(ladder.call_groups.size(), 2u);
  EXPECT_EQ(call_tag(ladder, ladder.calls.size()), "-");
  ladder.call_groups = {0, 0};  // the two legs of one B2BUA call
  EXPECT_EQ(call_tag(ladder, 0), "A1");
  EXPECT_EQ(call_tag(ladder, 1), "A2");
}

}  // namespace
}  // namespace trunklab::reports
