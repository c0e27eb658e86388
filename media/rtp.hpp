// RTP data packets (RFC 3550 §5.1): the fixed header, CSRC list, header extension (§5.3.1) and
// padding. Pure byte code: no socket, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "media/parsed.hpp"

namespace trunklab::media {

inline constexpr std::uint8_t kRtpVersion = 2;
inline constexpr std::size_t kRtpFixedHeaderBytes = 12;
inline constexpr std::size_t kRtpMaxCsrc = 15;  // the CC field is 4 bits

// RFC 3550 §5.3.1: a profile-defined 16-bit word, then a whole number of 32-bit words.
struct RtpExtension {
  std::uint16_t profile = 0;
  std::string data;  // length a multiple of 4 bytes
  bool operator==(const RtpExtension&) const = default;
};

struct RtpHeader {
  // P bit: this many octets of padding end the packet, the last one holding the count (1..255).
  // 0 = no padding.
  std::uint8_t padding_bytes = 0;
  bool marker = false;
  std::uint8_t payload_type = 0;  // 7 bits
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::vector<std::uint32_t> csrc;     // CC = csrc.size(), at most 15
  std::optional<RtpExtension> extension;  // X bit
  bool operator==(const RtpHeader&) const = default;
};

struct RtpPacket {
  RtpHeader header;
  std::string_view payload;  // a view into the parsed bytes, padding excluded
};

// The packet's bytes. Throws std::invalid_argument for a header that cannot be encoded (payload
// type over 127, more than 15 CSRCs, extension data not a multiple of 4 bytes).
std::string write_rtp(const RtpHeader& header, std::string_view payload);
// Appends to `out` (the sender's hot path reuses one buffer).
void append_rtp(std::string& out, const RtpHeader& header, std::string_view payload);

// Refuses what is not a well-formed RTP packet: fewer than 12 bytes, version other than 2,
// CSRC list, extension or padding running past the end, a padding count of 0.
Parsed<RtpPacket> parse_rtp(std::string_view bytes);

// Heuristic for third-party UDP payloads (no SDP seen): parses as RTP, and the payload type is
// an RFC 3551 static one (0-34) or dynamic (96-127). That rules out STUN (first two bits 00,
// RFC 5389 §6), SIP text (ASCII letters start with bits 01), DTLS (first byte 20-63) and RTCP:
// RFC 5761 §4 keeps RTP payload types 64-95 free because RTCP packet types 192-223 (SR 200 to
// APP 204) sit in the same second byte.
bool looks_like_rtp(std::string_view bytes);
// The RTCP side of the same test: version 2, second byte an RTCP packet type 200-204 (SR, RR,
// SDES, BYE, APP) and a length field that fits the datagram.
bool looks_like_rtcp(std::string_view bytes);

}  // namespace trunklab::media
