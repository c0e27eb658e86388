#include "media/session.hpp"

#include "media/probe_payload.hpp"
#include "media/rtcp.hpp"
#include "media/rtp.hpp"

#include <algorithm>

namespace trunklab::media {

namespace {

constexpr std::size_t kSendTimeBytes = 8;  // after the probe tag
// NTP seconds at the run's zero for SR timestamps: 2026-01-01T00:00:00Z, a fixed epoch so SRs
// are a function of the scenario (virtual time starts at 0).
constexpr std::uint64_t kNtpSecondsAtZero = 3976214400ULL;

std::int64_t micros(rt::Instant t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

void put_u64(std::string& out, std::size_t at, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out[at + static_cast<std::size_t>(7 - i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::uint64_t get_u64(std::string_view in, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

}  // namespace

std::string_view to_string(DtmfMethod method) { return method == DtmfMethod::inband ? "inband" : "rfc4733"; }

std::optional<rt::Duration> HeardStream::mean_delay() const {
  if (delay_samples == 0) return std::nullopt;
  return std::chrono::microseconds{static_cast<std::int64_t>(delay_us_total / delay_samples)};
}

Session::Session(rt::Clock& clock, rt::Timers& timers, rt::Random& random, SessionConfig config)
    : clock_(clock), timers_(timers), config_(config) {
  const auto r = random.next_u64();
  ssrc_ = static_cast<std::uint32_t>(r);
  sequence_ = static_cast<std::uint16_t>(r >> 32);
  initial_timestamp_ = static_cast<std::uint32_t>(random.next_u64());
  sent_.ssrc = ssrc_;
}

Session::~Session() { stop(); }

void Session::bind(rt::Transport& rtp, rt::Transport* rtcp, rt::Transport* source) {
  rtp_ = &rtp;
  rtcp_ = rtcp;
  source_ = source;
}

std::optional<rt::Address> Session::local_address() const {
  if (!rtp_) return std::nullopt;
  return rtp_->local_address();
}

std::optional<rt::Address> Session::sending_address() const {
  const auto* socket = source_ ? source_ : rtp_;
  if (!socket) return std::nullopt;
  return socket->local_address();
}

void Session::apply(const MediaPlan& plan) {
  if (stopped_) return;
  const bool was_sending = sending();
  if (plan_ && plan_->remote != plan.remote) latched_.reset();  // moved: latch again
  plan_ = plan;
  if (sending() && !was_sending) {
    talkspurt_start_ = true;
    if (tick_timer_ == rt::kNoTimer) {
      next_tick_.reset();
      tick();
    }
  }
  if (config_.rtcp && rtcp_ && rtcp_timer_ == rt::kNoTimer) {
    rtcp_timer_ = timers_.start_timer(config_.rtcp_interval, [this] {
      rtcp_timer_ = rt::kNoTimer;
      send_rtcp();
    });
  }
}

void Session::stop() {
  stopped_ = true;
  if (tick_timer_ != rt::kNoTimer) timers_.cancel_timer(tick_timer_);
  if (rtcp_timer_ != rt::kNoTimer) timers_.cancel_timer(rtcp_timer_);
  tick_timer_ = rtcp_timer_ = rt::kNoTimer;
  for (auto& s : heard_) s->events.finish();
}

rt::Address Session::destination() const {
  if (config_.symmetric_rtp && latched_) return *latched_;
  return plan_->remote;
}

std::uint32_t Session::timestamp_now() {
  const auto now = clock_.now();
  if (!epoch_) epoch_ = now;
  // The slot of this instant from the first packet: the timestamp advances over a hold as the
  // sampling clock does (RFC 3550 §5.1), the sequence number does not.
  const auto slot = static_cast<std::uint64_t>((now - *epoch_) / plan_->ptime);
  return initial_timestamp_ + static_cast<std::uint32_t>(slot * timestamp_units(plan_->codec, plan_->ptime));
}

void Session::tick() {
  tick_timer_ = rt::kNoTimer;
  if (!sending()) return;
  if (sent_.packets >= config_.max_packets_sent) {
    sent_.limit_reached = true;
    return;
  }
  const auto timestamp = timestamp_now();
  if (!send_digit_packet(timestamp)) send_audio(timestamp);
  schedule_tick();
}

// Due a ptime after the last tick was due, not after it ran: on a real clock (the real stage)
// late wake-ups then do not add up over a call and cost packets; in virtual time both are the
// same instant. Far behind (a stalled process), it starts over rather than sending a burst.
void Session::schedule_tick() {
  const auto now = clock_.now();
  next_tick_ = next_tick_.value_or(now) + plan_->ptime;
  if (*next_tick_ + plan_->ptime < now) next_tick_ = now + plan_->ptime;
  tick_timer_ = timers_.start_timer(std::max(rt::Duration{0}, *next_tick_ - now), [this] { tick(); });
}

void Session::transmit(const std::string& bytes) {
  auto* socket = source_ ? source_ : rtp_;
  if (!socket) return;
  const auto now = clock_.now();
  const auto to = destination();
  socket->send(to, bytes);
  ++sent_.packets;
  if (config_.packets_sent) ++*config_.packets_sent;
  if (!sent_.first_sent) sent_.first_sent = now;
  sent_.last_sent = now;
  sent_.last_destination = to;
}

void Session::send_audio(std::uint32_t timestamp) {
  RtpHeader header;
  header.marker = talkspurt_start_;
  header.payload_type = plan_->payload_type;
  header.sequence = sequence_++;
  header.timestamp = timestamp;
  header.ssrc = ssrc_;
  talkspurt_start_ = false;
  buffer_.clear();
  const auto frame = frame_bytes(plan_->codec, plan_->ptime);
  if (!tone_frames_.empty() && digit_packet_ < tone_frames_.size()) {
    append_rtp(buffer_, header, tone_frames_[digit_packet_++]);
  } else {
    std::string payload;
    append_probe_payload(payload, ProbeTag{config_.stream_id, probe_index_++}, frame, codec_info(plan_->codec).fill_byte);
    if (payload.size() >= kProbeTagBytes + kSendTimeBytes) put_u64(payload, kProbeTagBytes, static_cast<std::uint64_t>(micros(clock_.now())));
    append_rtp(buffer_, header, payload);
  }
  octets_sent_ += buffer_.size() - kRtpFixedHeaderBytes;
  transmit(buffer_);
}

// The DTMF queue: a digit's packets replace the audio, one per tick, then `gap` of audio.
bool Session::send_digit_packet(std::uint32_t timestamp) {
  if (!in_digit_) {
    if (gap_left_ > 0) {
      --gap_left_;
      return false;
    }
    if (digits_.empty()) return false;
    start_digit(timestamp);
  }
  const auto& digit = digits_.front();
  if (digit.method == DtmfMethod::inband) {
    if (digit_packet_ >= tone_frames_.size()) {
      gap_left_ = digit.gap_packets;
      tone_frames_.clear();
      in_digit_ = false;
      digits_.pop_front();
      return send_digit_packet(timestamp);
    }
    return false;  // send_audio plays the tone frame
  }
  if (digit_packet_ >= event_packets_.size()) {
    gap_left_ = digit.gap_packets;
    in_digit_ = false;
    event_packets_.clear();
    digits_.pop_front();
    return send_digit_packet(timestamp);
  }
  auto& packet = event_packets_[digit_packet_++];
  if (digit_packet_ == event_packets_.size()) sequence_ = static_cast<std::uint16_t>(packet.header.sequence + 1);
  ++sent_.event_packets;
  transmit(packet.bytes());
  return true;
}

void Session::start_digit(std::uint32_t timestamp) {
  const auto& digit = digits_.front();
  in_digit_ = true;
  digit_packet_ = 0;
  sent_.digits_sent += digit.digit;
  if (digit.method == DtmfMethod::inband) {
    tone_frames_ = dtmf_inband_frames(plan_->codec, digit.digit, digit.duration, plan_->ptime);
    talkspurt_start_ = true;
    return;
  }
  DtmfSendConfig c;
  c.payload_type = plan_->telephone_event.value_or(101);
  c.ssrc = ssrc_;
  c.first_sequence = sequence_;
  c.timestamp = timestamp;
  c.ptime = plan_->ptime;
  c.volume = digit.volume;
  event_packets_ = dtmf_event_schedule(digit.digit, digit.duration, c);
  talkspurt_start_ = true;  // the audio after an event starts a new talkspurt
}

bool Session::send_dtmf(const DtmfRequest& request, std::string& why) {
  if (!sending()) {
    why = "the call sends no media";
    return false;
  }
  if (request.method == DtmfMethod::rfc4733 && !plan_->telephone_event) {
    why = "telephone-event was not negotiated";
    return false;
  }
  if (request.method == DtmfMethod::inband && plan_->codec != Codec::pcmu && plan_->codec != Codec::pcma) {
    why = "inband DTMF needs PCMU or PCMA";
    return false;
  }
  if (request.duration < plan_->ptime || request.duration > std::chrono::seconds{8}) {
    why = "a digit lasts from one packet interval to 8 s";
    return false;
  }
  if (request.method == DtmfMethod::inband && request.duration < kInbandMinTone) {
    why = "an inband digit lasts at least 60 ms (two detector blocks)";
    return false;
  }
  for (char ch : request.digits) {
    if (!dtmf_event_code(ch)) {
      why = std::string("not a DTMF digit: ") + ch;
      return false;
    }
  }
  // Inband: a pause the detector can hear, else "55" is one long 5 (RFC 4733 events have
  // their own timestamps and need none).
  const auto pause = request.method == DtmfMethod::inband ? std::max(request.gap, kInbandMinPause) : request.gap;
  const auto gap = static_cast<std::size_t>((pause + plan_->ptime - rt::Duration{1}) / plan_->ptime);
  for (char ch : request.digits) digits_.push_back({ch, request.method, request.duration, request.volume, gap});
  return true;
}

// ---- receiving ------------------------------------------------------------------------------

HeardStream* Session::stream_for(std::uint32_t ssrc, const rt::Address& source) {
  for (auto& s : heard_) {
    if (s->ssrc == ssrc) return s.get();
  }
  if (heard_.size() >= config_.max_streams_heard) return nullptr;
  auto stream = std::make_unique<HeardStream>();
  stream->ssrc = ssrc;
  stream->source = source;
  heard_.push_back(std::move(stream));
  return heard_.back().get();
}

void Session::on_rtp(const rt::Address& source, std::string_view bytes) {
  if (stopped_) return;
  auto packet = parse_rtp(bytes);
  if (!packet) return;
  if (config_.symmetric_rtp && !latched_) latched_ = source;
  auto* stream = stream_for(packet->header.ssrc, source);
  if (!stream) {
    ++untracked_;
    return;
  }
  const auto now = clock_.now();
  stream->stats.on_packet(*packet, now);
  if (plan_ && plan_->telephone_event && packet->header.payload_type == *plan_->telephone_event) {
    ++stream->event_packets;
    stream->events.on_packet(*packet);
    return;
  }
  if (!stream->payload_type) stream->payload_type = packet->header.payload_type;
  const auto payload = packet->payload;
  if (auto tag = parse_probe_payload(payload)) {
    if (!stream->sender) stream->sender = tag->stream_id;
    if (payload.size() >= kProbeTagBytes + kSendTimeBytes) {
      const auto sent_us = static_cast<std::int64_t>(get_u64(payload, kProbeTagBytes));
      if (const auto d = micros(now) - sent_us; d >= 0) {
        stream->delay_us_total += static_cast<std::uint64_t>(d);
        ++stream->delay_samples;
      }
    }
    if (stream->tone_open) hear_silence(*stream, packet->header.payload_type, payload.size());
    return;
  }
  hear_audio(*stream, payload);
}

// Untagged audio: third-party media or an inband tone; G.711 goes to the detector.
void Session::hear_audio(HeardStream& stream, std::string_view payload) {
  const auto codec = codec_from_payload_type(*stream.payload_type);
  if (codec != Codec::pcmu && codec != Codec::pcma) return;
  stream.tones.push_frame(*codec, payload);
  stream.tone_open = true;
  stream.silence_samples = 0;
}

// Tagged audio after a tone is the pause after it: the detector hears it as the silence it is
// (G.711: a sample a byte), as long as the pause lasts, until two blocks of it ended the tone
// whatever the alignment (the bound keeps the detector off the audio's hot path).
void Session::hear_silence(HeardStream& stream, std::uint8_t payload_type, std::size_t samples) {
  const auto codec = codec_from_payload_type(payload_type);
  if (codec != Codec::pcmu && codec != Codec::pcma) {
    stream.tone_open = false;
    return;
  }
  silence_.assign(samples, static_cast<char>(codec_info(*codec).fill_byte));
  stream.tones.push_frame(*codec, silence_);
  stream.silence_samples += samples;
  if (stream.silence_samples >= 2 * DtmfDetectorConfig{}.block_samples) stream.tone_open = false;
}

void Session::on_rtcp(const rt::Address&, std::string_view bytes) {
  if (parse_rtcp(bytes)) ++rtcp_received_;
}

void Session::send_rtcp() {
  if (stopped_ || !rtcp_ || !plan_ || plan_->remote.port() == 0) return;
  const auto now = clock_.now();
  std::vector<ReportBlock> blocks;
  for (auto& s : heard_) {
    if (blocks.size() < kRtcpMaxReportBlocks && s->stats.valid()) blocks.push_back(make_report_block(s->stats, std::nullopt, now));
  }
  std::vector<RtcpPacket> compound;
  if (sent_.packets > 0 && plan_->send) {
    SenderReport sr;
    sr.ssrc = ssrc_;
    sr.ntp_timestamp = ntp_timestamp(now, kNtpSecondsAtZero);
    sr.rtp_timestamp = timestamp_now();
    sr.packet_count = static_cast<std::uint32_t>(sent_.packets);
    sr.octet_count = static_cast<std::uint32_t>(octets_sent_);
    sr.blocks = std::move(blocks);
    compound.emplace_back(std::move(sr));
  } else {
    compound.emplace_back(ReceiverReport{ssrc_, std::move(blocks)});
  }
  compound.emplace_back(Sdes{{SdesChunk{ssrc_, "trunklab-" + std::to_string(config_.stream_id)}}});
  // RFC 3550 §6.2 / RFC 3605: RTCP goes to the RTP port + 1 of the peer.
  const auto to = destination();
  rtcp_->send(to.with_port(static_cast<std::uint16_t>(to.port() + 1)), write_rtcp(compound));
  ++rtcp_sent_;
  if (config_.packets_sent) ++*config_.packets_sent;
  rtcp_timer_ = timers_.start_timer(config_.rtcp_interval, [this] {
    rtcp_timer_ = rt::kNoTimer;
    send_rtcp();
  });
}

}  // namespace trunklab::media
