// RTP packets (RFC 3550 §5.1) against bytes laid out by hand from figure 1.
#include "media/rtp.hpp"

#include <gtest/gtest.h>

#include <string>

namespace trunklab::media {
namespace {

std::string hex_bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(Rtp, WritesTheFixedHeaderOfFigure1) {
  RtpHeader h;
  h.marker = true;
  h.payload_type = 8;
  h.sequence = 0x1234;
  h.timestamp = 0xDEADBEEF;
  h.ssrc = 0x01020304;
  // V=2 P=0 X=0 CC=0 -> 0x80; M=1 PT=8 -> 0x88.
  const std::string expected = hex_bytes({0x80, 0x88, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01,
                                          0x02, 0x03, 0x04}) + "ab";
  EXPECT_EQ(write_rtp(h, "ab"), expected);
}

TEST(Rtp, CsrcExtensionAndPaddingRoundTrip) {
  RtpHeader h;
  h.payload_type = 0;
  h.sequence = 65535;
  h.timestamp = 160;
  h.ssrc = 0xCAFEBABE;
  h.csrc = {0x11111111, 0x22222222};
  h.extension = RtpExtension{0xBEDE, std::string("\x10\x01\x00\x00", 4)};
  h.padding_bytes = 3;
  const std::string bytes = write_rtp(h, "payload");
  // V=2 P=1 X=1 CC=2 -> 0b1011'0010.
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0xB2);
  EXPECT_EQ(bytes.size(), 12u + 8u + 4u + 4u + 7u + 3u);
  EXPECT_EQ(static_cast<unsigned char>(bytes.back()), 3);
  const auto parsed = parse_rtp(bytes);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->header, h);
  EXPECT_EQ(parsed->payload, "payload");
}

TEST(Rtp, ParsesHandEncodedPacket) {
  // V=2, M=0, PT=0 (PCMU), seq 1, ts 8000, SSRC 0xAABBCCDD, one CSRC 7, 2-byte payload.
  const std::string bytes = hex_bytes({0x81, 0x00, 0x00, 0x01, 0x00, 0x00, 0x1F, 0x40, 0xAA,
                                       0xBB, 0xCC, 0xDD, 0x00, 0x00, 0x00, 0x07, 0xFF, 0xFF});
  const auto p = parse_rtp(bytes);
  ASSERT_TRUE(p) << p.error();
  EXPECT_FALSE(p->header.marker);
  EXPECT_EQ(p->header.payload_type, 0);
  EXPECT_EQ(p->header.sequence, 1);
  EXPECT_EQ(p->header.timestamp, 8000u);
  EXPECT_EQ(p->header.ssrc, 0xAABBCCDDu);
  ASSERT_EQ(p->header.csrc.size(), 1u);
  EXPECT_EQ(p->header.csrc[0], 7u);
  EXPECT_EQ(p->payload, "\xFF\xFF");
}

TEST(Rtp, RefusesWhatIsNotRtp) {
  const std::string good = write_rtp(RtpHeader{}, "x");
  EXPECT_EQ(parse_rtp(good.substr(0, 11)).error(), "shorter than the 12-byte RTP header");
  std::string v1 = good;
  v1[0] = 0x40;
  EXPECT_EQ(parse_rtp(v1).error(), "RTP version is not 2");
  std::string csrc = good;
  csrc[0] = static_cast<char>(0x80 | 2);  // two CSRCs announced, 1 byte follows
  EXPECT_EQ(parse_rtp(csrc).error(), "CSRC list runs past the end");
  std::string ext = good + std::string("\x00\x01\x00\x05", 4);  // 5 words announced, none follow
  ext[0] = static_cast<char>(0x90);
  ext.erase(12, 1);  // drop the payload byte so the extension header is right after the SSRC
  EXPECT_EQ(parse_rtp(ext).error(), "header extension runs past the end");
  std::string pad = good;
  pad[0] = static_cast<char>(0xA0);
  pad.back() = 9;  // 9 bytes of padding in a 1-byte payload
  EXPECT_EQ(parse_rtp(pad).error(), "padding runs past the payload");
  pad.back() = 0;
  EXPECT_EQ(parse_rtp(pad).error(), "padding count is 0");
}

TEST(Rtp, RefusesHeadersThatCannotBeEncoded) {
  RtpHeader h;
  h.payload_type = 128;
  EXPECT_THROW(write_rtp(h, ""), std::invalid_argument);
  h.payload_type = 0;
  h.csrc.assign(16, 1);
  EXPECT_THROW(write_rtp(h, ""), std::invalid_argument);
  h.csrc.clear();
  h.extension = RtpExtension{1, "abc"};
  EXPECT_THROW(write_rtp(h, ""), std::invalid_argument);
}

TEST(Rtp, HeuristicTellsRtpFromStunSipAndRtcp) {
  RtpHeader h;
  h.payload_type = 0;
  EXPECT_TRUE(looks_like_rtp(write_rtp(h, std::string(160, '\xFF'))));
  h.payload_type = 101;  // dynamic: telephone-event
  EXPECT_TRUE(looks_like_rtp(write_rtp(h, std::string(4, '\0'))));
  // STUN Binding Request (RFC 5389 §6): type 0x0001, length 0, magic cookie, transaction id.
  const std::string stun = hex_bytes({0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3,
                                      4, 5, 6, 7, 8, 9, 10, 11, 12});
  EXPECT_FALSE(looks_like_rtp(stun));
  EXPECT_FALSE(looks_like_rtp("INVITE sip:bob@example.com SIP/2.0\r\n"));
  EXPECT_FALSE(looks_like_rtp("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x\r\n"));
  // An RTCP RR (packet type 201) with no report block: 8 bytes... padded to 12 with an SDES
  // header would still read as RTP payload type 73 with the marker: refused (RFC 5761 §4).
  const std::string rtcp = hex_bytes({0x80, 201, 0x00, 0x01, 0, 0, 0, 1, 0x81, 202, 0, 0});
  EXPECT_FALSE(looks_like_rtp(rtcp));
  EXPECT_TRUE(looks_like_rtcp(rtcp));
  EXPECT_FALSE(looks_like_rtcp(write_rtp(RtpHeader{}, std::string(160, '\xFF'))));
  EXPECT_FALSE(looks_like_rtcp(stun));
}

}  // namespace
}  // namespace trunklab::media
