// A deterministic RTP stream schedule (RFC 3550 §5.1): packet n's send offset, header and bytes
// are a function of the configuration alone, so the simulator can play a stream without state
// and a test can name packet 1000 without sending 999 first. The caller picks the SSRC and the
// initial sequence number and timestamp (RFC 3550 says random: draw them from a seeded
// rt::Random).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "media/codec.hpp"
#include "media/probe_payload.hpp"
#include "media/rtp.hpp"
#include "reference/rt/time.hpp"

namespace trunklab::media {

// A run of packets with no gap (a talkspurt), in ptime slots from the stream's start: the
// stream is silent (sends nothing) between talkspurts; the RTP timestamp keeps advancing over
// the gap, the sequence number does not (RFC 3550 §5.1).
struct Talkspurt {
  std::uint64_t start_slot = 0;
  std::uint64_t packets = 0;
};

struct StreamConfig {
  Codec codec = Codec::pcmu;
  std::optional<std::uint8_t> payload_type;  // default: the codec's static one
  rt::Duration ptime = std::chrono::milliseconds{20};
  std::uint32_t ssrc = 0;
  std::uint16_t initial_sequence = 0;
  std::uint32_t initial_timestamp = 0;
  std::uint32_t stream_id = 0;  // the probe tag's stream id (probe_stream_id(sender name))
  // Ascending and not overlapping; empty: one talkspurt from slot 0 that never ends.
  std::vector<Talkspurt> talkspurts;
};

struct PlannedPacket {
  std::uint64_t index = 0;         // n: the probe tag's packet index (mod 2^32)
  rt::Duration send_offset{};      // from the stream's start
  RtpHeader header;
};

class RtpSchedule {
public:
  // Throws std::invalid_argument for a ptime the codec cannot carry, a frame too small for the
  // probe tag, or talkspurts out of order, overlapping or empty.
  explicit RtpSchedule(StreamConfig config);

  const StreamConfig& config() const { return config_; }
  std::uint32_t timestamp_step() const { return timestamp_step_; }
  std::size_t payload_bytes() const { return payload_bytes_; }
  // nullopt past the last talkspurt's last packet.
  std::optional<std::uint64_t> packet_count() const;

  // Packet n (0-based): nullopt when the schedule has no packet n.
  std::optional<PlannedPacket> plan(std::uint64_t n) const;
  // RTP header plus probe payload of a planned packet.
  std::string bytes(const PlannedPacket& packet) const;
  void append_bytes(std::string& out, const PlannedPacket& packet) const;

private:
  StreamConfig config_;
  std::uint32_t timestamp_step_ = 0;
  std::size_t payload_bytes_ = 0;
  std::uint8_t payload_type_ = 0;
  std::vector<std::uint64_t> first_index_;  // per talkspurt: index of its first packet
};

}  // namespace trunklab::media
