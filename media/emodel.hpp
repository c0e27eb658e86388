// Call quality from loss, jitter and delay: the ITU-T G.107 E-model R-factor with its default
// values, the simplified form most monitoring tools (and voip_patrol) report, and G.107's
// R -> MOS mapping.
#pragma once

#include <optional>

#include "media/codec.hpp"
#include "reference/rt/time.hpp"

namespace trunklab::media {

// G.113 appendix I: equipment impairment Ie and packet-loss robustness Bpl of a codec.
struct EmodelCodec {
  double ie = 0.0;
  double bpl = 25.1;
};
// PCMU/PCMA: Ie 0, Bpl 25.1 with packet loss concealment (G.711 appendix I), 4.3 without;
// G.729(A): Ie 11, Bpl 19. nullopt for codecs the narrowband E-model has no figures for here.
std::optional<EmodelCodec> emodel_codec(Codec codec, bool packet_loss_concealment = true);

struct EmodelInput {
  double loss_ratio = 0.0;          // 0..1, lost / expected
  rt::Duration jitter{};            // RFC 3550 interarrival jitter
  rt::Duration one_way_delay{};     // network delay, mouth to ear minus the jitter buffer
  EmodelCodec codec{};
  double burst_ratio = 1.0;         // BurstR: 1 for random loss
};

struct EmodelResult {
  rt::Duration effective_delay{};  // one_way_delay + the de-jitter buffer
  double id = 0.0;                 // delay impairment
  double ie_eff = 0.0;             // effective equipment impairment (codec + loss)
  double r = 0.0;                  // R-factor, clamped to 0..100
  double mos = 1.0;                // MOS-CQE
};

// The de-jitter buffer a receiver needs to absorb `jitter` without late loss: twice the RFC
// 3550 jitter (a mean deviation; twice it covers most of the spread of transit times), as the
// usual simplified E-model implementations add to the delay.
rt::Duration jitter_buffer_delay(rt::Duration jitter);

// R = R0 - Id - Ie_eff with R0 = 93.2 (G.107's Ro - Is - A at default values);
// Id = 0.024 d + 0.11 (d - 177.3) H(d - 177.3), d the effective delay in ms (the usual fit of
// G.107's Idd + Idte + Idle at default echo and loudness values);
// Ie_eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl), Ppl the loss in percent (G.107 §7.2).
EmodelResult emodel(const EmodelInput& input);

// G.107 annex B: MOS = 1 + 0.035 R + 7e-6 R (R - 60) (100 - R), 1 below R = 0, 4.5 above 100.
double mos_from_r(double r);

}  // namespace trunklab::media
