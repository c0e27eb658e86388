// ITU-T G.107 E-model: R-factor and MOS against hand-computed points of the standard's curves.
#include "media/emodel.hpp"

#include <gtest/gtest.h>

namespace trunklab::media {
namespace {

using std::chrono::milliseconds;

EmodelInput g711(double loss, milliseconds delay, milliseconds jitter = milliseconds{0}) {
  EmodelInput in;
  in.loss_ratio = loss;
  in.one_way_delay = delay;
  in.jitter = jitter;
  in.codec = emodel_codec(Codec::pcmu).value();
  return in;
}

TEST(Emodel, NoLossLowDelayIsToll) {
  const EmodelResult r = emodel(g711(0.0, milliseconds{20}));
  EXPECT_NEAR(r.r, 93.2 - 0.48, 1e-9);
  EXPECT_NEAR(r.mos, 4.40, 0.01);
  EXPECT_NEAR(mos_from_r(93.2), 4.41, 0.01);
}

TEST(Emodel, LossLowersRAsG113AppendixI) {
  // G.711 with PLC, 1 % random loss: Ie_eff = 95 * 1 / (1 + 25.1) = 3.64.
  EXPECT_NEAR(emodel(g711(0.01, milliseconds{0})).ie_eff, 3.64, 0.01);
  // 5 %: 95 * 5 / 30.1 = 15.78 -> R = 77.4, MOS 3.92.
  const EmodelResult five = emodel(g711(0.05, milliseconds{0}));
  EXPECT_NEAR(five.r, 77.42, 0.01);
  EXPECT_NEAR(five.mos, 3.92, 0.01);
  // Without PLC G.711 is far less robust: 1 % costs 95 / 5.3 = 17.9.
  EmodelInput no_plc = g711(0.01, milliseconds{0});
  no_plc.codec = emodel_codec(Codec::pcma, false).value();
  EXPECT_NEAR(emodel(no_plc).ie_eff, 17.92, 0.01);
  // G.729: Ie 11 even without loss.
  EmodelInput g729 = g711(0.0, milliseconds{0});
  g729.codec = emodel_codec(Codec::g729).value();
  EXPECT_NEAR(emodel(g729).r, 82.2, 1e-9);
  EXPECT_FALSE(emodel_codec(Codec::g722));
}

TEST(Emodel, DelayPastTheKneeCostsMore) {
  // 150 ms: 3.6; 300 ms: 7.2 + 0.11 * 122.7 = 20.7 -> R 72.5 (G.107 figure: "many users
  // dissatisfied" starts near 70).
  EXPECT_NEAR(emodel(g711(0.0, milliseconds{150})).r, 89.6, 1e-9);
  const EmodelResult slow = emodel(g711(0.0, milliseconds{300}));
  EXPECT_NEAR(slow.id, 7.2 + 0.11 * 122.7, 1e-9);
  EXPECT_NEAR(slow.r, 72.503, 1e-3);
}

TEST(Emodel, JitterCountsAsTwiceItsValueOfBufferDelay) {
  const EmodelResult r = emodel(g711(0.0, milliseconds{100}, milliseconds{40}));
  EXPECT_EQ(r.effective_delay, milliseconds{180});
  EXPECT_NEAR(r.id, 0.024 * 180 + 0.11 * 2.7, 1e-9);
}

TEST(Emodel, MosMappingEnds) {
  EXPECT_EQ(mos_from_r(-5), 1.0);
  EXPECT_EQ(mos_from_r(120), 4.5);
  EXPECT_NEAR(mos_from_r(50), 1 + 1.75 + 7e-6 * 50 * -10 * 50, 1e-12);
  EXPECT_EQ(emodel(g711(1.0, milliseconds{2000})).mos, 1.0);  // R clamps at 0
}

}  // namespace
}  // namespace trunklab::media
