#include "media/receiver_stats.hpp"

#include <algorithm>
#include <cmath>

#include "media/probe_payload.hpp"

namespace trunklab::media {

namespace {
constexpr std::uint32_t kSeqMod = 1u << 16;
}

ReceiverStats::ReceiverStats(ReceiverStatsConfig config)
    : config_(config), stream_id_(config.stream_id) {
  config_.min_sequential = std::max(config_.min_sequential, 1);
}

void ReceiverStats::on_packet(const RtpPacket& packet, rt::Instant arrival) {
  if (!ssrc_) {
    ssrc_ = packet.header.ssrc;
    // A.1: a new source starts on probation, max_seq one below the first sequence.
    init_sequence(packet.header.sequence);
    max_seq_ = static_cast<std::uint16_t>(packet.header.sequence - 1);
    probation_ = config_.min_sequential;
  } else if (packet.header.ssrc != *ssrc_) {
    ++other_ssrc_;
    return;
  }
  if (!first_arrival_) first_arrival_ = arrival;
  last_arrival_ = arrival;
  update_sequence(packet.header.sequence);
  update_jitter(packet.header.timestamp, arrival);
  account_probe(packet.payload);
}

void ReceiverStats::init_sequence(std::uint16_t seq) {
  base_seq_ = seq;
  max_seq_ = seq;
  bad_seq_ = kSeqMod + 1;  // so seq == bad_seq is false
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
}

// RFC 3550 A.1 update_seq, transcribed: true when the packet counts for the statistics.
bool ReceiverStats::update_sequence(std::uint16_t seq) {
  const std::uint16_t udelta = static_cast<std::uint16_t>(seq - max_seq_);
  if (probation_ > 0) {
    if (seq == static_cast<std::uint16_t>(max_seq_ + 1)) {
      --probation_;
      max_seq_ = seq;
      if (probation_ == 0) {
        init_sequence(seq);
        ++received_;
        return true;
      }
    } else {
      probation_ = config_.min_sequential - 1;
      max_seq_ = seq;
    }
    return false;
  }
  if (udelta < kMaxDropout) {
    if (seq < max_seq_) cycles_ += kSeqMod;  // in order, with permissible gap: wrapped
    max_seq_ = seq;
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    // A very large jump: the source restarted, or this is a stray. Two in a row restart.
    if (seq == bad_seq_) {
      init_sequence(seq);
    } else {
      bad_seq_ = (static_cast<std::uint32_t>(seq) + 1) & (kSeqMod - 1);
      return false;
    }
  }
  // else: duplicate or reordered packet, counted as received (A.1).
  ++received_;
  return true;
}

std::uint64_t ReceiverStats::expected() const {
  if (!valid()) return 0;
  return std::uint64_t{extended_highest_sequence()} - base_seq_ + 1;
}

std::int64_t ReceiverStats::cumulative_lost() const {
  return static_cast<std::int64_t>(expected()) - static_cast<std::int64_t>(received_);
}

LossInterval ReceiverStats::take_loss_interval() {
  LossInterval out;
  const std::uint64_t expected_now = expected();
  const auto expected_interval = static_cast<std::int64_t>(expected_now - expected_prior_);
  const auto received_interval = static_cast<std::int64_t>(received_ - received_prior_);
  expected_prior_ = expected_now;
  received_prior_ = received_;
  const std::int64_t lost_interval = expected_interval - received_interval;
  if (expected_interval > 0 && lost_interval > 0) {
    out.fraction_lost = static_cast<std::uint8_t>((lost_interval << 8) / expected_interval);
  }
  // §6.4.1: a 24-bit signed field; clamp rather than wrap.
  out.cumulative_lost =
      static_cast<std::int32_t>(std::clamp<std::int64_t>(cumulative_lost(), -0x800000, 0x7FFFFF));
  return out;
}

void ReceiverStats::update_jitter(std::uint32_t rtp_timestamp, rt::Instant arrival) {
  // A.8: transit = arrival in RTP units - RTP timestamp; both wrap at 2^32, so the difference
  // of two transits is taken modulo 2^32 as a signed number.
  const std::int64_t arrival_units =
      arrival.time_since_epoch().count() * std::int64_t{config_.clock_rate_hz} / 1'000'000;
  const auto transit = static_cast<std::uint32_t>(static_cast<std::uint64_t>(arrival_units) -
                                                  rtp_timestamp);
  if (!have_transit_) {  // the first packet has no difference yet
    have_transit_ = true;
    transit_ = transit;
    return;
  }
  const auto d = static_cast<std::int32_t>(transit - transit_);
  transit_ = transit;
  jitter_ += (std::fabs(static_cast<double>(d)) - jitter_) / 16.0;
}

rt::Duration ReceiverStats::jitter() const {
  return rt::Duration{static_cast<std::int64_t>(
      std::llround(jitter_ * 1'000'000.0 / static_cast<double>(config_.clock_rate_hz)))};
}

std::uint32_t ReceiverStats::jitter_report_value() const {
  return static_cast<std::uint32_t>(std::llround(jitter_));
}

void ReceiverStats::account_probe(std::string_view payload) {
  const auto tag = parse_probe_payload(payload);
  if (!tag) {
    ++untagged_;
    return;
  }
  if (!stream_id_) stream_id_ = tag->stream_id;
  if (tag->stream_id != *stream_id_) {
    ++foreign_;
    return;
  }
  ++tagged_;
  const std::uint32_t index = tag->packet_index;
  if (!highest_index_) {
    highest_index_ = index;
    seen_.reset();
    seen_.set(0);
    ++unique_;
    return;
  }
  if (index > *highest_index_) {
    const std::uint32_t ahead = index - *highest_index_;
    if (ahead >= kIndexWindow) {
      seen_.reset();
    } else {
      seen_ <<= ahead;
    }
    seen_.set(0);
    highest_index_ = index;
    ++unique_;
    return;
  }
  const std::uint32_t behind = *highest_index_ - index;
  if (behind >= kIndexWindow) {
    ++stale_;
    return;
  }
  if (seen_.test(behind)) {
    ++duplicates_;
    return;
  }
  seen_.set(behind);
  ++unique_;
  ++reordered_;
}

std::uint64_t ReceiverStats::lost_by_index() const {
  if (!highest_index_) return 0;
  const std::uint64_t span = std::uint64_t{*highest_index_} + 1;
  return span > unique_ + stale_ ? span - unique_ - stale_ : 0;
}

}  // namespace trunklab::media
