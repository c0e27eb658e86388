// RTCP compound packets (RFC 3550 §6) against hand-laid bytes and round trips.
#include "media/rtcp.hpp"

#include <gtest/gtest.h>

#include "media/sender.hpp"

namespace trunklab::media {
namespace {

std::string raw(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(Rtcp, ReceiverReportBytesOfSection6_4_2) {
  ReportBlock b;
  b.ssrc = 0x0A0B0C0D;
  b.fraction_lost = 25;
  b.cumulative_lost = -2;
  b.extended_highest_sequence = 0x00010003;
  b.jitter = 5;
  b.last_sr = 0x11223344;
  b.delay_since_last_sr = 0x00010000;  // one second
  const std::string bytes = write_rtcp({ReceiverReport{0x01020304, {b}}});
  const std::string expected = raw({0x81, 201, 0x00, 0x07,                 // V=2 RC=1, length 7
                                    0x01, 0x02, 0x03, 0x04,                // sender SSRC
                                    0x0A, 0x0B, 0x0C, 0x0D,                // source
                                    25, 0xFF, 0xFF, 0xFE,                  // fraction, -2
                                    0x00, 0x01, 0x00, 0x03,                // ext highest seq
                                    0x00, 0x00, 0x00, 0x05,                // jitter
                                    0x11, 0x22, 0x33, 0x44,                // LSR
                                    0x00, 0x01, 0x00, 0x00});              // DLSR
  EXPECT_EQ(bytes, expected);
  const auto parsed = parse_rtcp(expected);
  ASSERT_TRUE(parsed) << parsed.error();
  ASSERT_EQ(parsed->size(), 1u);
  const auto& rr = std::get<ReceiverReport>(parsed->front());
  EXPECT_EQ(rr.ssrc, 0x01020304u);
  ASSERT_EQ(rr.blocks.size(), 1u);
  EXPECT_EQ(rr.blocks[0], b);  // cumulative lost -2 read back from the 24-bit field
}

TEST(Rtcp, CompoundSrSdesByeRoundTrip) {
  SenderReport sr;
  sr.ssrc = 42;
  sr.ntp_timestamp = 0xE8000000'80000000ULL;
  sr.rtp_timestamp = 123456;
  sr.packet_count = 1500;
  sr.octet_count = 1500 * 160;
  sr.blocks.push_back(ReportBlock{7, 1, 3, 65539, 12, 0, 0});
  const Sdes sdes{{{42, "alice@192.0.2.1"}}};
  const Bye bye{{42}, "call ended"};
  const std::vector<RtcpPacket> packets{sr, sdes, bye};
  const std::string bytes = write_rtcp(packets);
  EXPECT_EQ(bytes.size() % 4, 0u);
  const auto parsed = parse_rtcp(bytes);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(*parsed, packets);
  // SDES chunk: SSRC, CNAME type 1, length 15, text, null item, then padding to 32 bits.
  const std::size_t sdes_at = 28 + 24;
  EXPECT_EQ(static_cast<unsigned char>(bytes[sdes_at + 1]), 202);
  EXPECT_EQ(static_cast<unsigned char>(bytes[sdes_at + 8]), 1);
  EXPECT_EQ(static_cast<unsigned char>(bytes[sdes_at + 9]), 15);
  EXPECT_EQ(bytes.substr(sdes_at + 10, 15), "alice@192.0.2.1");
}

TEST(Rtcp, RefusesMalformedCompounds) {
  const std::string rr = write_rtcp({ReceiverReport{1, {}}});
  const std::string bye = write_rtcp({Bye{{1}, ""}});
  EXPECT_EQ(parse_rtcp(bye).error(), "RTCP packet 1: a compound packet starts with SR or RR");
  EXPECT_EQ(parse_rtcp(rr.substr(0, 6)).error(), "RTCP packet 1: length past the end");
  std::string v1 = rr;
  v1[0] = 0x40;
  EXPECT_EQ(parse_rtcp(v1).error(), "RTCP packet 1: version is not 2");
  std::string blocks = rr;
  blocks[0] = static_cast<char>(0x81);  // one report block announced, none present
  EXPECT_EQ(parse_rtcp(blocks).error(), "RTCP packet 1: RR report blocks run past the end");
  std::string padded = rr + bye;
  padded[0] = static_cast<char>(0xA0);  // padding on the first of two packets
  EXPECT_EQ(parse_rtcp(padded).error(), "RTCP packet 1: padding before the last packet");
  EXPECT_EQ(parse_rtcp(rr + "\x80").error(), "RTCP packet 2: shorter than its header");
  EXPECT_FALSE(parse_rtcp(""));
  EXPECT_THROW(write_rtcp({Sdes{{{1, std::string(256, 'x')}}}}), std::invalid_argument);
}

TEST(Rtcp, NtpTimeAndDlsrUnits) {
  const rt::Instant half_second{std::chrono::milliseconds{1500}};
  const std::uint64_t ntp = ntp_timestamp(half_second, 3976214400ULL);
  EXPECT_EQ(ntp >> 32, 3976214401ULL);
  EXPECT_EQ(ntp & 0xFFFFFFFFu, 0x80000000u);
  EXPECT_EQ(ntp_middle32(ntp), static_cast<std::uint32_t>(((3976214401ULL & 0xFFFF) << 16) | 0x8000));
  EXPECT_EQ(dlsr_units(std::chrono::milliseconds{2500}), 2u * 65536u + 32768u);
}

TEST(Rtcp, ReportBlockFromReceiverStats) {
  StreamConfig c;
  c.ssrc = 99;
  c.initial_sequence = 10;
  const RtpSchedule s(c);
  ReceiverStats stats;
  for (std::uint64_t n = 0; n < 8; ++n) {
    if (n == 3 || n == 5) continue;
    const std::string bytes = s.bytes(s.plan(n).value());
    stats.on_packet(parse_rtp(bytes).value(), rt::Instant{std::chrono::milliseconds{20 * n}});
  }
  const LastSenderReport last{0x0000'1234'5678'0000ULL, rt::Instant{std::chrono::milliseconds{50}}};
  const ReportBlock b = make_report_block(stats, last, rt::Instant{std::chrono::milliseconds{1050}});
  EXPECT_EQ(b.ssrc, 99u);
  EXPECT_EQ(b.cumulative_lost, 2);
  EXPECT_EQ(b.fraction_lost, 64);  // 2 of 8 = 0.25 * 256
  EXPECT_EQ(b.extended_highest_sequence, 17u);
  EXPECT_EQ(b.last_sr, 0x12345678u);
  EXPECT_EQ(b.delay_since_last_sr, 65536u);
}

}  // namespace
}  // namespace trunklab::media
