// DTMF interworking in the relay, as SBCs and rtpengine do it between a leg that negotiated
// telephone-event (RFC 4733) and one that did not (inband tones, ITU-T Q.23): events from the
// one become G.711 tone frames to the other, and tones heard from the other become events.
// Packet for packet, each keeping its sequence number, SSRC and place in the stream, so the
// receivers see no gap: an event packet replaces an audio packet and a tone frame an event.
#pragma once

#include "media/codec.hpp"
#include "media/dtmf_inband.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::anchor {

struct DtmfInterworkingConfig {
  std::uint8_t event_payload_type = 101;  // telephone-event on the events side
  std::uint8_t audio_payload_type = 0;    // the call's G.711 audio (both sides use it)
  media::Codec codec = media::Codec::pcmu;
};

// Events from the events side, as tone frames for the side without telephone-event.
class EventsToTones {
public:
  explicit EventsToTones(DtmfInterworkingConfig config) : config_(config) {}
  // True when `in` was an event packet, rewritten into `out` as a tone (or, for the end's
  // retransmissions, silence) frame; false: relay `in` as it is.
  bool convert(std::string_view in, std::string& out);
  std::uint64_t digits() const { return digits_; }

private:
  DtmfInterworkingConfig config_;
  std::size_t frame_samples_ = 160;  // the audio's packet size, learned from it
  std::optional<std::uint32_t> event_timestamp_;
  char digit_ = 0;
  std::uint32_t samples_out_ = 0;  // tone or silence written for the current event
  std::uint64_t tone_phase_ = 0;  // tone samples written for the event so far, both ways
  bool ended_ = false;
  std::uint64_t digits_ = 0;
  std::vector<std::int16_t> samples_;
};

// Tones in the audio of the side without telephone-event, as RFC 4733 events for the other.
class TonesToEvents {
public:
  explicit TonesToEvents(DtmfInterworkingConfig config);
  // True when `in` was audio that carries (or just ended) a tone, rewritten into `out` as an
  // event packet; false: relay `in` as it is.
  bool convert(std::string_view in, std::string& out);
  std::uint64_t digits() const { return digits_; }

private:
  enum class State { idle, tone, ending };
  DtmfInterworkingConfig config_;
  media::DtmfDetector detector_;  // its per-block decision, one block per packet
  State state_ = State::idle;
  std::optional<char> candidate_;  // the previous packet's tone, not yet confirmed
  std::uint32_t candidate_timestamp_ = 0;
  char digit_ = 0;
  std::uint32_t event_timestamp_ = 0;
  std::uint16_t duration_ = 0;
  int end_packets_left_ = 0;
  std::uint64_t digits_ = 0;
  std::vector<std::int16_t> samples_;
};

}  // namespace trunklab::anchor
