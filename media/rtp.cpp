#include "media/rtp.hpp"

#include <stdexcept>

#include "media/bytes.hpp"

namespace trunklab::media {

namespace {

constexpr std::uint8_t kPaddingBit = 0x20;
constexpr std::uint8_t kExtensionBit = 0x10;
constexpr std::uint8_t kMarkerBit = 0x80;

void check_encodable(const RtpHeader& h) {
  if (h.payload_type > 127) throw std::invalid_argument("RTP payload type over 127");
  if (h.csrc.size() > kRtpMaxCsrc) throw std::invalid_argument("more than 15 CSRCs");
  if (h.extension && h.extension->data.size() % 4 != 0) {
    throw std::invalid_argument("RTP header extension not a multiple of 32 bits");
  }
  if (h.extension && h.extension->data.size() / 4 > 0xFFFF) {
    throw std::invalid_argument("RTP header extension over 65535 words");
  }
}

}  // namespace

void append_rtp(std::string& out, const RtpHeader& h, std::string_view payload) {
  check_encodable(h);
  std::uint32_t first = kRtpVersion << 6;
  if (h.padding_bytes > 0) first |= kPaddingBit;
  if (h.extension) first |= kExtensionBit;
  first |= static_cast<std::uint32_t>(h.csrc.size());
  bytes::put_u8(out, first);
  bytes::put_u8(out, (h.marker ? kMarkerBit : 0u) | h.payload_type);
  bytes::put_u16(out, h.sequence);
  bytes::put_u32(out, h.timestamp);
  bytes::put_u32(out, h.ssrc);
  for (std::uint32_t c : h.csrc) bytes::put_u32(out, c);
  if (h.extension) {
    bytes::put_u16(out, h.extension->profile);
    bytes::put_u16(out, static_cast<std::uint32_t>(h.extension->data.size() / 4));
    out += h.extension->data;
  }
  out += payload;
  if (h.padding_bytes > 0) {
    out.append(h.padding_bytes - 1u, '\0');
    bytes::put_u8(out, h.padding_bytes);
  }
}

std::string write_rtp(const RtpHeader& header, std::string_view payload) {
  std::string out;
  out.reserve(kRtpFixedHeaderBytes + 4 * header.csrc.size() + payload.size() + 4 +
              (header.extension ? header.extension->data.size() : 0) + header.padding_bytes);
  append_rtp(out, header, payload);
  return out;
}

Parsed<RtpPacket> parse_rtp(std::string_view b) {
  using P = Parsed<RtpPacket>;
  if (b.size() < kRtpFixedHeaderBytes) return P::failure("shorter than the 12-byte RTP header");
  const std::uint8_t first = bytes::u8(b, 0);
  if ((first >> 6) != kRtpVersion) return P::failure("RTP version is not 2");
  RtpPacket p;
  const std::uint8_t second = bytes::u8(b, 1);
  p.header.marker = (second & kMarkerBit) != 0;
  p.header.payload_type = static_cast<std::uint8_t>(second & 0x7F);
  p.header.sequence = bytes::u16(b, 2);
  p.header.timestamp = bytes::u32(b, 4);
  p.header.ssrc = bytes::u32(b, 8);
  std::size_t at = kRtpFixedHeaderBytes;
  const std::size_t csrc_count = first & 0x0Fu;
  if (at + 4 * csrc_count > b.size()) return P::failure("CSRC list runs past the end");
  p.header.csrc.reserve(csrc_count);
  for (std::size_t i = 0; i < csrc_count; ++i, at += 4) p.header.csrc.push_back(bytes::u32(b, at));
  if ((first & kExtensionBit) != 0) {
    if (at + 4 > b.size()) return P::failure("header extension runs past the end");
    RtpExtension ext;
    ext.profile = bytes::u16(b, at);
    const std::size_t words = bytes::u16(b, at + 2);
    at += 4;
    if (at + 4 * words > b.size()) return P::failure("header extension runs past the end");
    ext.data.assign(b.substr(at, 4 * words));
    at += 4 * words;
    p.header.extension = std::move(ext);
  }
  std::size_t end = b.size();
  if ((first & kPaddingBit) != 0) {
    const std::uint8_t pad = bytes::u8(b, b.size() - 1);
    if (pad == 0) return P::failure("padding count is 0");
    if (pad > end - at) return P::failure("padding runs past the payload");
    p.header.padding_bytes = pad;
    end -= pad;
  }
  p.payload = b.substr(at, end - at);
  return p;
}

bool looks_like_rtp(std::string_view b) {
  if (b.size() < kRtpFixedHeaderBytes || (bytes::u8(b, 0) >> 6) != kRtpVersion) return false;
  const std::uint8_t pt = static_cast<std::uint8_t>(bytes::u8(b, 1) & 0x7F);
  if (pt > 34 && pt < 96) return false;
  return parse_rtp(b).ok();
}

bool looks_like_rtcp(std::string_view b) {
  if (b.size() < 8 || (bytes::u8(b, 0) >> 6) != kRtpVersion) return false;
  const std::uint8_t type = bytes::u8(b, 1);
  if (type < 200 || type > 204) return false;
  const std::size_t length_bytes = (static_cast<std::size_t>(bytes::u16(b, 2)) + 1) * 4;
  return length_bytes <= b.size();
}

}  // namespace trunklab::media
