// The probe payload: every RTP packet an emulated party sends says who sent it and which packet
// of the stream it is, so the receiver attributes each packet (one-way audio, media from the
// wrong party) and counts loss, duplication and reordering independently of RTP sequence
// numbers. The tag is followed by the codec's silence byte up to the frame size, so players and
// tshark see ordinary (near-silent) audio.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trunklab::media {

// Layout, network byte order: magic "TLm1" (4), stream id (4), packet index (4).
inline constexpr std::uint32_t kProbeMagic = 0x544C6D31;
inline constexpr std::size_t kProbeTagBytes = 12;

struct ProbeTag {
  std::uint32_t stream_id = 0;      // probe_stream_id(sender name), or any id the caller picks
  std::uint32_t packet_index = 0;   // 0 for the stream's first packet, +1 per packet sent
  bool operator==(const ProbeTag&) const = default;
};

// FNV-1a (32 bit) of the sender's name: stable across runs and platforms.
std::uint32_t probe_stream_id(std::string_view sender_name);

// Tag then `fill_byte` up to frame_bytes. Throws std::invalid_argument when the frame is
// smaller than the tag (e.g. CN's one byte, G.729 at 10 ms).
std::string write_probe_payload(const ProbeTag& tag, std::size_t frame_bytes,
                                std::uint8_t fill_byte);
void append_probe_payload(std::string& out, const ProbeTag& tag, std::size_t frame_bytes,
                          std::uint8_t fill_byte);
// nullopt for a payload that does not start with the tag (third-party audio, DTMF events).
std::optional<ProbeTag> parse_probe_payload(std::string_view payload);

}  // namespace trunklab::media
