// Media in ladders: each RTP stream is one line between the parties whose SDP advertised its
// addresses, with its codec, packetisation, packets and loss; a lone datagram that only looks
// like RTP is not a stream.
#include "media/rtp.hpp"
#include "reports/ladder/ladder.hpp"
#include "reports/ladder/media_streams.hpp"
#include "tests/reports/fixtures.hpp"

#include <gtest/gtest.h>

namespace trunklab::reports {
namespace {

using namespace testing;

std::string with_sdp(std::string message, const std::string& ip, int port) {
  const std::string sdp = "v=0\r\no=- 1 1 IN IP4 " + ip + "\r\ns=-\r\nc=IN IP4 " + ip + "\r\nt=0 0\r\nm=audio " +
                          std::to_string(port) + " RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
                          "a=rtpmap:101 telephone-event/8000\r\n";
  message.replace(message.find("Content-Length: 0"), 17, "Content-Length: " + std::to_string(sdp.size()));
  return message + sdp;
}

std::string rtp(std::uint16_t seq, std::uint32_t ts, std::uint8_t pt = 0, std::string payload = std::string(160, '\xff')) {
  media::RtpHeader h;
  h.payload_type = pt;
  h.sequence = seq;
  h.timestamp = ts;
  h.ssrc = 0x1234;
  return media::write_rtp(h, payload);
}

std::vector<Datagram> call_with_media(int packets, int missing) {
  std::vector<Datagram> out;
  out.push_back(datagram(0, kAlice, kTrunk, with_sdp(request("INVITE", "c1", 1), "10.0.0.1", 40000)));
  out.push_back(datagram(10, kTrunk, kAlice, with_sdp(response(200, "OK", "c1", 1, "INVITE"), "10.0.0.2", 30000)));
  for (int i = 0; i < packets; ++i) {
    if (i == missing) continue;
    out.push_back(datagram(20 + 20 * i, "10.0.0.1:40000", "10.0.0.2:30000",
                           rtp(static_cast<std::uint16_t>(65530 + i), static_cast<std::uint32_t>(160 * i))));
  }
  return out;
}

TEST(MediaLadder, AStreamIsOneLineBetweenTheSdpPartiesWithCodecPtimePacketsAndLoss) {
  const auto datagrams = call_with_media(100, 50);  // the sequence wraps at 65535 on the way
  Ladder ladder = build_ladder(datagrams);
  ASSERT_EQ(ladder.messages.size(), 3u);
  const auto& m = ladder.messages[2];
  EXPECT_TRUE(m.media);
  EXPECT_EQ(ladder.parties[m.party_from].name, kAlice);  // the SIP party, not 10.0.0.1:40000
  EXPECT_EQ(ladder.parties[m.party_to].name, kTrunk);
  EXPECT_EQ(m.label, "RTP PCMU 20 ms, 99 pkts, 1.0% loss");
  EXPECT_EQ(m.call_id, "c1");
  EXPECT_EQ(ladder.parties.size(), 2u);
  EXPECT_EQ(ladder.not_sip, 0u);
}

TEST(MediaLadder, TelephoneEventsGiveTheirDigitsOnceDespiteTheEndRetransmissions) {
  auto datagrams = call_with_media(0, -1);
  int at = 100;
  for (int i = 0; i < 3; ++i) {  // digit 5: two updates, then the end packet three times
    datagrams.push_back(datagram(at += 20, "10.0.0.1:40000", "10.0.0.2:30000",
                                 rtp(static_cast<std::uint16_t>(i), 800, 101, std::string("\x05\x0a\x00\xa0", 4))));
  }
  for (int i = 3; i < 6; ++i) {
    datagrams.push_back(datagram(at += 20, "10.0.0.1:40000", "10.0.0.2:30000",
                                 rtp(static_cast<std::uint16_t>(i), 800, 101, std::string("\x05\x8a\x03\x20", 4))));
  }
  Ladder ladder = build_ladder(datagrams);
  ASSERT_EQ(ladder.messages.size(), 3u);
  EXPECT_EQ(ladder.messages[2].label, "RTP telephone-event, 6 pkts, digits 5");
}

TEST(MediaLadder, ALoneDatagramThatLooksLikeRtpIsNoStreamWithoutSdp) {
  std::vector<Datagram> datagrams{datagram(0, "10.9.9.9:7000", "10.9.9.8:7002", rtp(1, 0))};
  EXPECT_TRUE(build_ladder(datagrams).messages.empty());
  EXPECT_EQ(build_ladder(datagrams).not_sip, 1u);
  // Two packets in sequence are a stream even without SDP (columns by address).
  datagrams.push_back(datagram(20, "10.9.9.9:7000", "10.9.9.8:7002", rtp(2, 160)));
  Ladder ladder = build_ladder(datagrams);
  ASSERT_EQ(ladder.messages.size(), 1u);
  EXPECT_EQ(ladder.messages[0].label, "RTP PCMU 20 ms, 2 pkts, 0.0% loss");
  EXPECT_EQ(ladder.parties[ladder.messages[0].party_from].name, "10.9.9.9:7000");
}

TEST(MediaLadder, PacketCountsHaveThousandsSeparators) {
  EXPECT_EQ(with_thousands(999), "999");
  EXPECT_EQ(with_thousands(1500), "1,500");
  EXPECT_EQ(with_thousands(1234567), "1,234,567");
}

}  // namespace
}  // namespace trunklab::reports
