// The probe payload: a tag the receiver can read back, then the codec's silence.
#include "media/probe_payload.hpp"

#include <gtest/gtest.h>

namespace trunklab::media {
namespace {

TEST(ProbePayload, TagThenSilenceToTheFrameSize) {
  const std::string p = write_probe_payload({0x01020304, 7}, 160, 0xFF);
  ASSERT_EQ(p.size(), 160u);
  EXPECT_EQ(p.substr(0, 12), std::string("TLm1\x01\x02\x03\x04\x00\x00\x00\x07", 12));
  EXPECT_EQ(p.substr(12), std::string(148, '\xFF'));
  const auto tag = parse_probe_payload(p);
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->stream_id, 0x01020304u);
  EXPECT_EQ(tag->packet_index, 7u);
}

TEST(ProbePayload, PcmaFillsWithItsOwnSilence) {
  const std::string p = write_probe_payload({1, 2}, 160, 0xD5);
  EXPECT_EQ(p.substr(12), std::string(148, '\xD5'));
}

TEST(ProbePayload, OtherPayloadsAreNotTagged) {
  EXPECT_FALSE(parse_probe_payload(std::string(160, '\xFF')));
  EXPECT_FALSE(parse_probe_payload("TLm1\x00\x00"));  // too short
  EXPECT_THROW(write_probe_payload({1, 2}, 10, 0), std::invalid_argument);
}

TEST(ProbePayload, StreamIdIsFnv1aOfTheSenderName) {
  EXPECT_EQ(probe_stream_id(""), 2166136261u);
  EXPECT_EQ(probe_stream_id("a"), 0xE40C292Cu);  // the published FNV-1a 32 test vector
  EXPECT_NE(probe_stream_id("alice"), probe_stream_id("carrier"));
}

}  // namespace
}  // namespace trunklab::media
