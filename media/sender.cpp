#include "media/sender.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace trunklab::media {

RtpSchedule::RtpSchedule(StreamConfig config) : config_(std::move(config)) {
  const CodecInfo& info = codec_info(config_.codec);
  timestamp_step_ = timestamp_units(config_.codec, config_.ptime);
  payload_bytes_ = frame_bytes(config_.codec, config_.ptime);
  if (payload_bytes_ < kProbeTagBytes) {
    throw std::invalid_argument(std::string(info.name) + " at this ptime has " +
                                std::to_string(payload_bytes_) +
                                " payload bytes, fewer than the probe tag's 12");
  }
  payload_type_ = config_.payload_type.value_or(info.payload_type);
  if (payload_type_ > 127) throw std::invalid_argument("RTP payload type over 127");
  if (config_.talkspurts.empty()) {
    config_.talkspurts.push_back({0, std::numeric_limits<std::uint64_t>::max()});
  }
  std::uint64_t next_free_slot = 0;
  std::uint64_t index = 0;
  for (const Talkspurt& t : config_.talkspurts) {
    if (t.packets == 0) throw std::invalid_argument("talkspurt without packets");
    if (t.start_slot < next_free_slot) {
      throw std::invalid_argument("talkspurts out of order or overlapping");
    }
    first_index_.push_back(index);
    const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() - t.start_slot;
    next_free_slot = t.start_slot + std::min(t.packets, room);
    index += std::min(t.packets, std::numeric_limits<std::uint64_t>::max() - index);
  }
}

std::optional<std::uint64_t> RtpSchedule::packet_count() const {
  const Talkspurt& last = config_.talkspurts.back();
  if (last.packets == std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
  return first_index_.back() + last.packets;
}

std::optional<PlannedPacket> RtpSchedule::plan(std::uint64_t n) const {
  // The talkspurt holding packet n: the last one whose first index is <= n.
  const auto it = std::upper_bound(first_index_.begin(), first_index_.end(), n);
  const auto spurt = static_cast<std::size_t>(it - first_index_.begin()) - 1;
  const Talkspurt& t = config_.talkspurts[spurt];
  const std::uint64_t within = n - first_index_[spurt];
  if (within >= t.packets) return std::nullopt;
  const std::uint64_t slot = t.start_slot + within;

  PlannedPacket p;
  p.index = n;
  p.send_offset = config_.ptime * static_cast<std::int64_t>(slot);
  p.header.marker = within == 0;  // RFC 3551 §4.1: the first packet of a talkspurt
  p.header.payload_type = payload_type_;
  p.header.sequence = static_cast<std::uint16_t>((config_.initial_sequence + n) & 0xFFFFu);
  p.header.timestamp =
      static_cast<std::uint32_t>((config_.initial_timestamp + slot * timestamp_step_) &
                                 0xFFFFFFFFu);
  p.header.ssrc = config_.ssrc;
  return p;
}

void RtpSchedule::append_bytes(std::string& out, const PlannedPacket& packet) const {
  append_rtp(out, packet.header, {});
  const ProbeTag tag{config_.stream_id, static_cast<std::uint32_t>(packet.index & 0xFFFFFFFFu)};
  append_probe_payload(out, tag, payload_bytes_, codec_info(config_.codec).fill_byte);
}

std::string RtpSchedule::bytes(const PlannedPacket& packet) const {
  std::string out;
  out.reserve(kRtpFixedHeaderBytes + payload_bytes_);
  append_bytes(out, packet);
  return out;
}

}  // namespace trunklab::media
