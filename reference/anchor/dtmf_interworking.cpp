#include "reference/anchor/dtmf_interworking.hpp"

#include "media/dtmf.hpp"
#include "media/rtp.hpp"

#include <algorithm>

namespace trunklab::anchor {

namespace {

constexpr std::uint8_t kEventVolume = 10;  // -10 dBm0, a usual sending level
constexpr int kEndRetransmissions = 2;     // RFC 4733 §2.5.1.4: the end packet three times

void write_event(std::string& out, media::RtpHeader header, std::uint8_t payload_type, std::uint32_t timestamp,
                 media::TelephoneEvent event) {
  header.payload_type = payload_type;
  header.timestamp = timestamp;
  out.clear();
  media::append_rtp(out, header, media::write_telephone_event(event));
}

}  // namespace

bool EventsToTones::convert(std::string_view in, std::string& out) {
  auto packet = media::parse_rtp(in);
  if (!packet) return false;
  if (packet->header.payload_type != config_.event_payload_type) {
    if (packet->header.payload_type != config_.audio_payload_type || packet->payload.empty()) return false;
    // A sender that goes on with its audio during an event (baresip 1.0: one packet of each
    // every 20 ms): inside the event its audio carries the tone too, else the tone frames come
    // interleaved with speech and no detector hears the digit.
    if (event_timestamp_ && !ended_ && digit_ != 0) {
      samples_ = media::dtmf_tone_samples(digit_, packet->payload.size(), tone_phase_);
      tone_phase_ += packet->payload.size();
      out.clear();
      media::append_rtp(out, packet->header, media::encode_g711(config_.codec, samples_));
      return true;
    }
    // The audio's own packet size is the size of the frames that stand in for events.
    frame_samples_ = std::min<std::size_t>(packet->payload.size(), 1600);
    return false;
  }
  auto event = media::parse_telephone_event(packet->payload);
  const auto digit = event ? media::dtmf_digit(event->event) : std::nullopt;
  if (packet->header.timestamp != event_timestamp_ && digit) {
    event_timestamp_ = packet->header.timestamp;
    digit_ = *digit;
    samples_out_ = 0;
    tone_phase_ = 0;
    ended_ = false;
    ++digits_;
  }
  // Tone up to the duration the event reports so far, silence after it (and for the end's
  // retransmissions, for an event that is not a digit, for a malformed payload).
  const std::uint32_t tone_until = event && digit && !ended_ ? event->duration : 0;
  samples_.assign(frame_samples_, 0);
  if (samples_out_ < tone_until) {
    const auto count = std::min<std::size_t>(frame_samples_, tone_until - samples_out_);
    // One phase for the frames made of events and the audio toned alongside them: in arrival
    // order they are one continuous tone.
    const auto tone = media::dtmf_tone_samples(digit_, count, tone_phase_);
    tone_phase_ += count;
    std::copy(tone.begin(), tone.end(), samples_.begin());
  }
  auto header = packet->header;
  header.payload_type = config_.audio_payload_type;
  header.timestamp = event_timestamp_.value_or(header.timestamp) + samples_out_;
  samples_out_ += static_cast<std::uint32_t>(frame_samples_);
  if (event && event->end) ended_ = true;
  out.clear();
  media::append_rtp(out, header, media::encode_g711(config_.codec, samples_));
  return true;
}

TonesToEvents::TonesToEvents(DtmfInterworkingConfig config) : config_(config) {}

// A tone counts once two packets in a row carry it (40 ms: Q.24 has a receiver reject tones of
// 20 ms or less); the first of them goes on as audio, too short for any detector.
bool TonesToEvents::convert(std::string_view in, std::string& out) {
  auto packet = media::parse_rtp(in);
  if (!packet || packet->header.payload_type != config_.audio_payload_type) return false;
  if (config_.codec != media::Codec::pcmu && config_.codec != media::Codec::pcma) return false;
  samples_.clear();  // decode_g711 appends
  media::decode_g711(config_.codec, packet->payload, samples_);
  const auto heard = detector_.classify(samples_);
  const auto ts = packet->header.timestamp;
  const auto frame_end = ts + static_cast<std::uint32_t>(samples_.size());
  const auto duration_to = [&](std::uint32_t end) {
    return static_cast<std::uint16_t>(std::min<std::uint32_t>(end - event_timestamp_, 0xFFFF));
  };
  if (state_ == State::tone && heard == digit_) {
    duration_ = duration_to(frame_end);
    write_event(out, packet->header, config_.event_payload_type, event_timestamp_,
                {*media::dtmf_event_code(digit_), false, kEventVolume, duration_});
    return true;
  }
  if (state_ == State::tone) {  // the tone stopped (or another began): the end, three times
    state_ = State::ending;
    end_packets_left_ = kEndRetransmissions + 1;
    duration_ = duration_to(ts);
  }
  if (state_ == State::ending) {
    write_event(out, packet->header, config_.event_payload_type, event_timestamp_,
                {*media::dtmf_event_code(digit_), true, kEventVolume, duration_});
    if (--end_packets_left_ == 0) state_ = State::idle;
    candidate_ = heard;  // a tone right after the end starts its own count
    candidate_timestamp_ = ts;
    return true;
  }
  if (heard && heard == candidate_) {
    state_ = State::tone;
    digit_ = *heard;
    event_timestamp_ = candidate_timestamp_;
    duration_ = duration_to(frame_end);
    ++digits_;
    auto header = packet->header;
    header.marker = true;  // RFC 4733 §2.5.1.2: the event's first packet
    write_event(out, header, config_.event_payload_type, event_timestamp_,
                {*media::dtmf_event_code(digit_), false, kEventVolume, duration_});
    return true;
  }
  candidate_ = heard;
  candidate_timestamp_ = ts;
  return false;
}

}  // namespace trunklab::anchor
