// The static RTP payload types of RFC 3551 table 4 that trunks negotiate, and G.711 (ITU-T
// G.711) μ-law / A-law sample coding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reference/rt/time.hpp"

namespace trunklab::media {

enum class Codec { pcmu, pcma, g722, cn, g729 };

struct CodecInfo {
  Codec codec;
  std::uint8_t payload_type;      // RFC 3551 table 4
  std::string_view name;          // the SDP encoding name
  std::uint32_t clock_rate_hz;    // RTP timestamp rate (G.722: 8000 although it samples 16 kHz,
                                  // RFC 3551 §4.5.2)
  std::uint32_t bits_per_second;  // 0 for CN (one noise-level byte per packet, RFC 3389)
  rt::Duration frame;             // the codec's own frame: ptime must be a multiple of it
  std::uint8_t fill_byte;         // a byte that decodes to silence (PCMU 0xFF, PCMA 0xD5)
};

const CodecInfo& codec_info(Codec codec);
std::optional<Codec> codec_from_payload_type(std::uint8_t payload_type);
std::optional<Codec> codec_from_name(std::string_view name);  // case-insensitive, "PCMU"

// Payload bytes of one packet of `ptime` (PCMU/PCMA at 20 ms: 160; G.729 at 20 ms: 20; CN: 1).
// Throws std::invalid_argument when ptime is not a positive multiple of the codec's frame.
std::size_t frame_bytes(Codec codec, rt::Duration ptime);
// The RTP timestamp advance per packet of `ptime` (8 kHz at 20 ms: 160).
std::uint32_t timestamp_units(Codec codec, rt::Duration ptime);

// ITU-T G.711 on 16-bit linear PCM, as the classic tables do (μ-law: 14 significant bits,
// A-law: 13). Written here because no Debian library offers plain G.711 with a small API:
// libavcodec and libsndfile do it inside their codec frameworks, spandsp only within its
// telephony stack.
std::uint8_t linear_to_ulaw(std::int16_t sample);
std::int16_t ulaw_to_linear(std::uint8_t code);
std::uint8_t linear_to_alaw(std::int16_t sample);
std::int16_t alaw_to_linear(std::uint8_t code);

// Whole frames, for PCMU or PCMA only (std::invalid_argument otherwise).
std::string encode_g711(Codec codec, std::span<const std::int16_t> samples);
std::vector<std::int16_t> decode_g711(Codec codec, std::string_view payload);
void decode_g711(Codec codec, std::string_view payload, std::vector<std::int16_t>& out);

}  // namespace trunklab::media
