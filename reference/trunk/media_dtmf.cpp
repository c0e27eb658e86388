// DTMF interworking on relayed calls (media.dtmf "interwork"), as an SBC does between a phone
// that sends inband tones and a provider that wants RFC 4733 events, or the reverse. The offer
// a leg gets carries telephone-event even when its peer offered none; the answer then decides:
// - the offerer had no telephone-event, the answerer took the one the trunk added: the answer
//   loses it on the way back, and the relay turns the offerer's tones into the answerer's
//   events and the answerer's events into tones;
// - the offerer had it, the answerer has none: the answer gets it back for the offerer (it
//   offered it), and the relay converts the other way round;
// - both or neither: DTMF is relayed as it is.
// Conversion needs G.711 audio, the only codec whose tones the relay reads and writes.
#include "reference/trunk/b2bua.hpp"

#include "reference/anchor/relay.hpp"
#include "reference/sip/sdp_dtmf.hpp"
#include "reference/trunk/call_state.hpp"

namespace trunklab::trunk {

namespace {

// The answer's audio codec when the relay can play and hear tones in it.
std::optional<media::Codec> g711_of(const sip::SdpMedia& audio) {
  for (const auto& c : audio.codecs) {
    if (c.encoding == "telephone-event" || c.encoding == "TELEPHONE-EVENT") continue;
    if (c.payload_type == 0) return media::Codec::pcmu;
    if (c.payload_type == 8) return media::Codec::pcma;
    return std::nullopt;  // the first codec is the one in use (RFC 3264 §6.1)
  }
  return std::nullopt;
}

}  // namespace

std::string Trunk::dtmf_offer(Call& call, bool from_a, std::string body) {
  if (config_->media.dtmf != config::DtmfPolicy::interwork || !call.media) return body;
  auto sdp = sip::Sdp::parse(body);
  const auto* audio = sdp ? sdp->first_of("audio") : nullptr;
  if (!audio) return body;
  Call::OfferDtmf offer{from_a, sip::telephone_event_type(*audio), std::nullopt};
  if (!offer.offered && g711_of(*audio)) {
    offer.added = sip::free_dynamic_type(*audio);
    if (offer.added) body = sip::add_telephone_event(body, *offer.added);
  }
  call.offer_dtmf = offer;
  return body;
}

std::string Trunk::dtmf_answer(Call& call, bool from_a, std::string body) {
  if (!call.offer_dtmf || !call.media || call.offer_dtmf->from_a == from_a) return body;
  const auto offer = *call.offer_dtmf;
  auto sdp = sip::Sdp::parse(body);
  const auto* audio = sdp ? sdp->first_of("audio") : nullptr;
  const auto codec = audio ? g711_of(*audio) : std::nullopt;
  // -1: none (an int, not an optional: GCC 12 misreads the optional's state here)
  const int answered = audio ? sip::telephone_event_type(*audio).value_or(-1) : -1;
  const auto offerer = offer.from_a ? anchor::Side::a : anchor::Side::b;
  const auto answerer = offer.from_a ? anchor::Side::b : anchor::Side::a;
  const auto convert = [&](anchor::Side events_side, int event_type) {
    const auto audio_type = media::codec_info(*codec).payload_type;
    return anchor::DtmfInterworking{events_side, {static_cast<std::uint8_t>(event_type), audio_type, *codec}};
  };
  std::optional<anchor::DtmfInterworking> interworking;
  if (codec && !offer.offered && offer.added && answered >= 0) {
    body = sip::remove_payload_type(body, answered);
    interworking = convert(answerer, answered);
  } else if (codec && offer.offered && answered < 0) {
    body = sip::add_telephone_event(body, *offer.offered);
    interworking = convert(offerer, *offer.offered);
  } else if (offer.added && answered >= 0) {
    body = sip::remove_payload_type(body, answered);  // not G.711: the offerer never offered it
  }
  relay_->set_dtmf_interworking(*call.media, interworking);
  return body;
}

}  // namespace trunklab::trunk
