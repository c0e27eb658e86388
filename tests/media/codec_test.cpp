// RFC 3551 payload types and ITU-T G.711 known values.
#include "media/codec.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

namespace trunklab::media {
namespace {

using std::chrono::milliseconds;

TEST(Codec, StaticPayloadTypesOfRfc3551) {
  EXPECT_EQ(codec_info(Codec::pcmu).payload_type, 0);
  EXPECT_EQ(codec_info(Codec::pcma).payload_type, 8);
  EXPECT_EQ(codec_info(Codec::g722).payload_type, 9);
  EXPECT_EQ(codec_info(Codec::cn).payload_type, 13);
  EXPECT_EQ(codec_info(Codec::g729).payload_type, 18);
  EXPECT_EQ(codec_from_payload_type(18), Codec::g729);
  EXPECT_EQ(codec_from_payload_type(96), std::nullopt);
  EXPECT_EQ(codec_from_name("pcma"), Codec::pcma);
  EXPECT_EQ(codec_from_name("opus"), std::nullopt);
}

TEST(Codec, FrameBytesAndTimestampPerPtime) {
  EXPECT_EQ(frame_bytes(Codec::pcmu, milliseconds{20}), 160u);
  EXPECT_EQ(frame_bytes(Codec::pcma, milliseconds{30}), 240u);
  EXPECT_EQ(frame_bytes(Codec::g729, milliseconds{20}), 20u);
  EXPECT_EQ(frame_bytes(Codec::g722, milliseconds{20}), 160u);
  EXPECT_EQ(frame_bytes(Codec::cn, milliseconds{20}), 1u);
  EXPECT_EQ(timestamp_units(Codec::pcmu, milliseconds{20}), 160u);
  EXPECT_EQ(timestamp_units(Codec::g722, milliseconds{20}), 160u);  // RFC 3551 §4.5.2
  EXPECT_EQ(timestamp_units(Codec::g729, milliseconds{40}), 320u);
  EXPECT_THROW(frame_bytes(Codec::g729, milliseconds{15}), std::invalid_argument);
  EXPECT_THROW(timestamp_units(Codec::pcmu, milliseconds{0}), std::invalid_argument);
}

TEST(G711, KnownCodes) {
  EXPECT_EQ(linear_to_ulaw(0), 0xFF);
  EXPECT_EQ(linear_to_alaw(0), 0xD5);
  EXPECT_EQ(ulaw_to_linear(0xFF), 0);
  EXPECT_EQ(ulaw_to_linear(0x7F), 0);  // "negative zero"
  EXPECT_EQ(ulaw_to_linear(0x80), 32124);
  EXPECT_EQ(ulaw_to_linear(0x00), -32124);
  EXPECT_EQ(linear_to_ulaw(32767), 0x80);
  EXPECT_EQ(linear_to_ulaw(-32768), 0x00);
  EXPECT_EQ(alaw_to_linear(0xD5), 8);
  EXPECT_EQ(alaw_to_linear(0x55), -8);
  EXPECT_EQ(alaw_to_linear(0xAA), 32256);
  EXPECT_EQ(alaw_to_linear(0x2A), -32256);
  EXPECT_EQ(linear_to_alaw(32767), 0xAA);
  EXPECT_EQ(linear_to_alaw(-32768), 0x2A);
}

// Every 16-bit sample (a superset of G.711 μ-law's 14-bit range, scaled by 4) comes back
// within one quantisation step of its segment: step 8 << segment for μ-law, i.e. at most
// (|x| + 132) / 16; A-law reconstructs the middle of a step of 16 << (segment - 1).
TEST(G711, EncodeDecodeWithinTheQuantisationStep) {
  for (int x = std::numeric_limits<std::int16_t>::min(); x <= std::numeric_limits<std::int16_t>::max();
       ++x) {
    const auto s = static_cast<std::int16_t>(x);
    const int mag = std::abs(x);
    const int ulaw_error = std::abs(ulaw_to_linear(linear_to_ulaw(s)) - x);
    ASSERT_LE(ulaw_error, (mag + 132) / 16) << "μ-law of " << x;
    const int alaw_error = std::abs(alaw_to_linear(linear_to_alaw(s)) - x);
    ASSERT_LE(alaw_error, std::max(16, mag / 16)) << "A-law of " << x;
  }
}

TEST(G711, CodesAreMonotonic) {
  // Decoding every code and re-encoding gives the same code back (the decode points are the
  // encoder's own reconstruction levels), except μ-law's two zeros.
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<std::uint8_t>(c);
    if (code != 0x7F) {
      EXPECT_EQ(linear_to_ulaw(ulaw_to_linear(code)), code) << c;
    }
    EXPECT_EQ(linear_to_alaw(alaw_to_linear(code)), code) << c;
  }
}

TEST(G711, FramesEncodeAndDecode) {
  const std::int16_t samples[] = {0, 1000, -1000, 32000};
  const std::string frame = encode_g711(Codec::pcma, samples);
  ASSERT_EQ(frame.size(), 4u);
  EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0xD5);
  const auto back = decode_g711(Codec::pcma, frame);
  ASSERT_EQ(back.size(), 4u);
  EXPECT_NEAR(back[1], 1000, 32);
  EXPECT_NEAR(back[2], -1000, 32);
  EXPECT_THROW(encode_g711(Codec::g729, samples), std::invalid_argument);
}

}  // namespace
}  // namespace trunklab::media
