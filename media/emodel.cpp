#include "media/emodel.hpp"

#include <algorithm>

namespace trunklab::media {

namespace {
constexpr double kR0 = 93.2;
constexpr double kDelayKneeMs = 177.3;
}  // namespace

std::optional<EmodelCodec> emodel_codec(Codec codec, bool packet_loss_concealment) {
  switch (codec) {
    case Codec::pcmu:
    case Codec::pcma:
      return EmodelCodec{0.0, packet_loss_concealment ? 25.1 : 4.3};
    case Codec::g729:
      return EmodelCodec{11.0, 19.0};
    default:
      return std::nullopt;
  }
}

rt::Duration jitter_buffer_delay(rt::Duration jitter) { return 2 * jitter; }

double mos_from_r(double r) {
  if (r <= 0.0) return 1.0;
  if (r >= 100.0) return 4.5;
  return 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r);
}

EmodelResult emodel(const EmodelInput& in) {
  EmodelResult out;
  out.effective_delay = in.one_way_delay + jitter_buffer_delay(in.jitter);
  const double d_ms = static_cast<double>(out.effective_delay.count()) / 1000.0;
  out.id = 0.024 * d_ms + (d_ms > kDelayKneeMs ? 0.11 * (d_ms - kDelayKneeMs) : 0.0);
  const double ppl = std::clamp(in.loss_ratio, 0.0, 1.0) * 100.0;
  const double burst = in.burst_ratio > 0.0 ? in.burst_ratio : 1.0;
  out.ie_eff = in.codec.ie + (95.0 - in.codec.ie) * ppl / (ppl / burst + in.codec.bpl);
  out.r = std::clamp(kR0 - out.id - out.ie_eff, 0.0, 100.0);
  out.mos = mos_from_r(out.r);
  return out;
}

}  // namespace trunklab::media
