// Inband DTMF: Q.23 tones as G.711 frames, decoded back by the Goertzel detector.
#include "media/dtmf_inband.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace trunklab::media {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kAllDigits = "123A456B789C*0#D";

void push_digits(DtmfDetector& det, Codec codec, std::string_view digits, milliseconds on,
                 milliseconds off) {
  for (char d : digits) {
    for (const std::string& frame : dtmf_inband_frames(codec, d, on)) det.push_frame(codec, frame);
    for (int i = 0; i < off.count() / 20; ++i) det.push_frame(codec, silence_frame(codec));
  }
}

TEST(DtmfInband, Q23Frequencies) {
  EXPECT_EQ(dtmf_frequencies('1')->low_hz, 697);
  EXPECT_EQ(dtmf_frequencies('1')->high_hz, 1209);
  EXPECT_EQ(dtmf_frequencies('0')->low_hz, 941);
  EXPECT_EQ(dtmf_frequencies('0')->high_hz, 1336);
  EXPECT_EQ(dtmf_frequencies('D')->high_hz, 1633);
  EXPECT_FALSE(dtmf_frequencies('x'));
}

TEST(DtmfInband, FramesAreG711OfThePtime) {
  const auto frames = dtmf_inband_frames(Codec::pcmu, '5', milliseconds{90});
  ASSERT_EQ(frames.size(), 5u);  // 4.5 frames of tone, the last half silent
  EXPECT_EQ(frames[0].size(), 160u);
  EXPECT_EQ(frames[4].substr(80), std::string(80, '\xFF'));
  EXPECT_NE(frames[4].substr(0, 80), std::string(80, '\xFF'));
  EXPECT_THROW(dtmf_inband_frames(Codec::g729, '5', milliseconds{100}), std::invalid_argument);
}

TEST(DtmfInband, DetectsEachOfTheSixteenDigitsInPcmuAndPcma) {
  for (Codec codec : {Codec::pcmu, Codec::pcma}) {
    DtmfDetector det;
    push_digits(det, codec, kAllDigits, milliseconds{100}, milliseconds{100});
    EXPECT_EQ(det.digit_string(), kAllDigits) << codec_info(codec).name;
  }
}

TEST(DtmfInband, DetectsEachDigitAlone) {
  for (char d : kAllDigits) {
    DtmfDetector det;
    push_digits(det, Codec::pcma, std::string(1, d), milliseconds{60}, milliseconds{40});
    ASSERT_EQ(det.digits().size(), 1u) << d;
    EXPECT_EQ(det.digits()[0].digit, d);
    EXPECT_GE(det.digits()[0].samples, 2u * 205u);
  }
}

TEST(DtmfInband, RejectsSilenceASingleToneAndTooShortATone) {
  DtmfDetector det;
  for (int i = 0; i < 50; ++i) det.push_frame(Codec::pcmu, silence_frame(Codec::pcmu));
  // 697 Hz alone (a row without a column), then 1336 Hz alone, one second each.
  for (double hz : {697.0, 1336.0}) {
    std::vector<std::int16_t> tone(8000);
    for (std::size_t n = 0; n < tone.size(); ++n) {
      tone[n] = static_cast<std::int16_t>(
          std::lround(10000 * std::sin(2 * std::numbers::pi * hz * static_cast<double>(n) / 8000)));
    }
    det.push_frame(Codec::pcmu, encode_g711(Codec::pcmu, tone));
  }
  // A 20 ms burst of a real digit: below the minimum duration.
  push_digits(det, Codec::pcmu, "5", milliseconds{20}, milliseconds{100});
  EXPECT_EQ(det.digit_string(), "");
}

TEST(DtmfInband, TwistAndLevelThresholds) {
  const DtmfDetector det;
  const auto freqs = *dtmf_frequencies('8');
  const auto block = [&](double low_amp, double high_amp) {
    std::vector<std::int16_t> b(205);
    for (std::size_t n = 0; n < b.size(); ++n) {
      const double t = static_cast<double>(n) / 8000;
      b[n] = static_cast<std::int16_t>(std::lround(
          low_amp * std::sin(2 * std::numbers::pi * freqs.low_hz * t) +
          high_amp * std::sin(2 * std::numbers::pi * freqs.high_hz * t)));
    }
    return b;
  };
  EXPECT_EQ(det.classify(block(7000, 7000)), '8');
  EXPECT_EQ(det.classify(block(7000, 7000 * 0.5)), '8');    // 6 dB normal twist: accepted
  EXPECT_EQ(det.classify(block(7000, 7000 * 0.3)), std::nullopt);   // 10.5 dB: refused
  EXPECT_EQ(det.classify(block(7000 * 0.5, 7000)), std::nullopt);   // 6 dB reverse: refused
  EXPECT_EQ(det.classify(block(7000 * 0.75, 7000)), '8');   // 2.5 dB reverse: accepted
  EXPECT_EQ(det.classify(block(200, 200)), std::nullopt);   // below the level threshold
  // Broadband noise on top of the tones takes their share of the energy below the threshold.
  std::vector<std::int16_t> noisy = block(3000, 3000);
  std::uint32_t lcg = 1;
  for (auto& x : noisy) {
    lcg = lcg * 1664525u + 1013904223u;
    x = static_cast<std::int16_t>(x + static_cast<int>(lcg >> 18) - 8192);  // rms ~4700
  }
  EXPECT_EQ(det.classify(noisy), std::nullopt);
}

}  // namespace
}  // namespace trunklab::media
