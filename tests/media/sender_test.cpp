// The deterministic stream schedule: offsets, sequence and timestamp arithmetic, marker bits.
#include "media/sender.hpp"

#include <gtest/gtest.h>

namespace trunklab::media {
namespace {

using std::chrono::milliseconds;

StreamConfig pcmu_config() {
  StreamConfig c;
  c.codec = Codec::pcmu;
  c.ssrc = 0x11223344;
  c.initial_sequence = 65534;
  c.initial_timestamp = 0xFFFFFF00;
  c.stream_id = probe_stream_id("alice");
  return c;
}

TEST(RtpSchedule, ContinuousStreamAdvancesByPtime) {
  const RtpSchedule s(pcmu_config());
  EXPECT_EQ(s.packet_count(), std::nullopt);
  const auto p0 = s.plan(0).value();
  EXPECT_EQ(p0.send_offset, milliseconds{0});
  EXPECT_TRUE(p0.header.marker);
  EXPECT_EQ(p0.header.sequence, 65534);
  EXPECT_EQ(p0.header.timestamp, 0xFFFFFF00u);
  EXPECT_EQ(p0.header.payload_type, 0);
  const auto p2 = s.plan(2).value();
  EXPECT_FALSE(p2.header.marker);
  EXPECT_EQ(p2.send_offset, milliseconds{40});
  EXPECT_EQ(p2.header.sequence, 0);                 // wrapped past 65535
  EXPECT_EQ(p2.header.timestamp, 0x40u);            // wrapped past 2^32
  EXPECT_EQ(s.plan(1000)->send_offset, milliseconds{20000});
}

TEST(RtpSchedule, BytesAreRtpWithTheProbeTag) {
  const RtpSchedule s(pcmu_config());
  const auto p = s.plan(5).value();
  const std::string bytes = s.bytes(p);
  EXPECT_EQ(bytes.size(), 12u + 160u);
  const auto parsed = parse_rtp(bytes);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->header, p.header);
  const auto tag = parse_probe_payload(parsed->payload);
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->packet_index, 5u);
  EXPECT_EQ(tag->stream_id, probe_stream_id("alice"));
  EXPECT_EQ(static_cast<unsigned char>(parsed->payload.back()), 0xFF);
}

TEST(RtpSchedule, TalkspurtsGapKeepsTimestampRunningAndMarksTheRestart) {
  StreamConfig c = pcmu_config();
  c.codec = Codec::pcma;
  c.initial_sequence = 100;
  c.initial_timestamp = 1000;
  c.talkspurts = {{0, 3}, {10, 2}};  // 3 packets, silence for slots 3..9, 2 packets
  const RtpSchedule s(c);
  EXPECT_EQ(s.packet_count(), 5u);
  const auto p2 = s.plan(2).value();
  EXPECT_FALSE(p2.header.marker);
  EXPECT_EQ(p2.header.sequence, 102);
  const auto p3 = s.plan(3).value();
  EXPECT_TRUE(p3.header.marker);  // talkspurt start after silence
  EXPECT_EQ(p3.header.sequence, 103);                  // no sequence gap for silence
  EXPECT_EQ(p3.header.timestamp, 1000u + 10u * 160u);  // the clock ran on
  EXPECT_EQ(p3.send_offset, milliseconds{200});
  EXPECT_EQ(p3.header.payload_type, 8);
  EXPECT_FALSE(s.plan(4)->header.marker);
  EXPECT_FALSE(s.plan(5));
}

TEST(RtpSchedule, G729CarriesTwentyBytesAndBadSchedulesAreRefused) {
  StreamConfig c = pcmu_config();
  c.codec = Codec::g729;
  const RtpSchedule s(c);
  EXPECT_EQ(s.payload_bytes(), 20u);
  EXPECT_EQ(s.plan(0)->header.payload_type, 18);
  c.ptime = milliseconds{10};  // 10 bytes: no room for the probe tag
  EXPECT_THROW(RtpSchedule{c}, std::invalid_argument);
  c = pcmu_config();
  c.talkspurts = {{5, 2}, {6, 1}};
  EXPECT_THROW(RtpSchedule{c}, std::invalid_argument);
  c.talkspurts = {{0, 0}};
  EXPECT_THROW(RtpSchedule{c}, std::invalid_argument);
}

}  // namespace
}  // namespace trunklab::media
