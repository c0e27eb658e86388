#include "media/rtcp.hpp"

#include <stdexcept>

#include "media/bytes.hpp"

namespace trunklab::media {

namespace {

constexpr std::uint8_t kPaddingBit = 0x20;
constexpr std::uint8_t kSdesEnd = 0;
constexpr std::uint8_t kSdesCname = 1;

// Header with a placeholder length; finish() fills it in once the body is written.
std::size_t begin_packet(std::string& out, std::size_t count, std::uint8_t type) {
  if (count > 31) throw std::invalid_argument("more than 31 items in one RTCP packet");
  const std::size_t start = out.size();
  bytes::put_u8(out, (2u << 6) | static_cast<std::uint32_t>(count));
  bytes::put_u8(out, type);
  bytes::put_u16(out, 0);
  return start;
}

void finish_packet(std::string& out, std::size_t start) {
  while ((out.size() - start) % 4 != 0) out.push_back('\0');
  bytes::set_u16(out, start + 2, static_cast<std::uint32_t>((out.size() - start) / 4 - 1));
}

void put_block(std::string& out, const ReportBlock& b) {
  bytes::put_u32(out, b.ssrc);
  bytes::put_u8(out, b.fraction_lost);
  const auto lost = static_cast<std::uint32_t>(b.cumulative_lost) & 0xFFFFFFu;
  bytes::put_u8(out, lost >> 16);
  bytes::put_u16(out, lost);
  bytes::put_u32(out, b.extended_highest_sequence);
  bytes::put_u32(out, b.jitter);
  bytes::put_u32(out, b.last_sr);
  bytes::put_u32(out, b.delay_since_last_sr);
}

void put_text(std::string& out, std::string_view text, const char* what) {
  if (text.size() > 255) throw std::invalid_argument(std::string(what) + " over 255 octets");
  bytes::put_u8(out, static_cast<std::uint32_t>(text.size()));
  out += text;
}

struct Writer {
  std::string& out;
  void operator()(const SenderReport& sr) const {
    const std::size_t start = begin_packet(out, sr.blocks.size(), kRtcpSenderReport);
    bytes::put_u32(out, sr.ssrc);
    bytes::put_u32(out, static_cast<std::uint32_t>(sr.ntp_timestamp >> 32));
    bytes::put_u32(out, static_cast<std::uint32_t>(sr.ntp_timestamp & 0xFFFFFFFFu));
    bytes::put_u32(out, sr.rtp_timestamp);
    bytes::put_u32(out, sr.packet_count);
    bytes::put_u32(out, sr.octet_count);
    for (const ReportBlock& b : sr.blocks) put_block(out, b);
    finish_packet(out, start);
  }
  void operator()(const ReceiverReport& rr) const {
    const std::size_t start = begin_packet(out, rr.blocks.size(), kRtcpReceiverReport);
    bytes::put_u32(out, rr.ssrc);
    for (const ReportBlock& b : rr.blocks) put_block(out, b);
    finish_packet(out, start);
  }
  void operator()(const Sdes& sdes) const {
    const std::size_t start = begin_packet(out, sdes.chunks.size(), kRtcpSdes);
    for (const SdesChunk& c : sdes.chunks) {
      const std::size_t chunk_start = out.size();
      bytes::put_u32(out, c.ssrc);
      bytes::put_u8(out, kSdesCname);
      put_text(out, c.cname, "CNAME");
      // §6.5: the item list ends with a null octet, then nulls to the next 32-bit boundary.
      out.push_back('\0');
      while ((out.size() - chunk_start) % 4 != 0) out.push_back('\0');
    }
    finish_packet(out, start);
  }
  void operator()(const Bye& bye) const {
    const std::size_t start = begin_packet(out, bye.ssrcs.size(), kRtcpBye);
    for (std::uint32_t s : bye.ssrcs) bytes::put_u32(out, s);
    if (!bye.reason.empty()) put_text(out, bye.reason, "BYE reason");
    finish_packet(out, start);
  }
  void operator()(const OtherRtcp& other) const { out += other.bytes; }
};

using ParsedPackets = Parsed<std::vector<RtcpPacket>>;

ReportBlock read_block(std::string_view b, std::size_t at) {
  ReportBlock r;
  r.ssrc = bytes::u32(b, at);
  r.fraction_lost = bytes::u8(b, at + 4);
  std::uint32_t lost = (static_cast<std::uint32_t>(bytes::u8(b, at + 5)) << 16) |
                       bytes::u16(b, at + 6);
  if ((lost & 0x800000u) != 0) lost |= 0xFF000000u;  // sign-extend the 24-bit field
  r.cumulative_lost = static_cast<std::int32_t>(lost);
  r.extended_highest_sequence = bytes::u32(b, at + 8);
  r.jitter = bytes::u32(b, at + 12);
  r.last_sr = bytes::u32(b, at + 16);
  r.delay_since_last_sr = bytes::u32(b, at + 20);
  return r;
}

// `body` is one packet without padding; `count` its 5-bit RC/SC field.
std::optional<std::vector<ReportBlock>> read_blocks(std::string_view body, std::size_t at,
                                                    std::size_t count) {
  if (at + 24 * count > body.size()) return std::nullopt;
  std::vector<ReportBlock> blocks;
  blocks.reserve(count);
  for (std::size_t i = 0; i < count; ++i) blocks.push_back(read_block(body, at + 24 * i));
  return blocks;
}

Parsed<RtcpPacket> read_sdes(std::string_view body, std::size_t count) {
  Sdes sdes;
  std::size_t at = 4;
  for (std::size_t i = 0; i < count; ++i) {
    if (at + 4 > body.size()) return Parsed<RtcpPacket>::failure("SDES chunk runs past the end");
    SdesChunk chunk;
    chunk.ssrc = bytes::u32(body, at);
    const std::size_t chunk_start = at;
    at += 4;
    for (;;) {
      if (at >= body.size()) return Parsed<RtcpPacket>::failure("SDES items run past the end");
      const std::uint8_t type = bytes::u8(body, at);
      if (type == kSdesEnd) break;
      if (at + 2 > body.size()) return Parsed<RtcpPacket>::failure("SDES item runs past the end");
      const std::size_t length = bytes::u8(body, at + 1);
      if (at + 2 + length > body.size()) {
        return Parsed<RtcpPacket>::failure("SDES item runs past the end");
      }
      if (type == kSdesCname) chunk.cname.assign(body.substr(at + 2, length));
      at += 2 + length;
    }
    ++at;  // the null item
    while ((at - chunk_start) % 4 != 0) ++at;
    if (at > body.size()) return Parsed<RtcpPacket>::failure("SDES chunk runs past the end");
    sdes.chunks.push_back(std::move(chunk));
  }
  return RtcpPacket{std::move(sdes)};
}

Parsed<RtcpPacket> read_packet(std::string_view body, std::uint8_t type, std::size_t count) {
  using P = Parsed<RtcpPacket>;
  switch (type) {
    case kRtcpSenderReport: {
      if (body.size() < 28) return P::failure("SR shorter than its sender info");
      SenderReport sr;
      sr.ssrc = bytes::u32(body, 4);
      sr.ntp_timestamp = (std::uint64_t{bytes::u32(body, 8)} << 32) | bytes::u32(body, 12);
      sr.rtp_timestamp = bytes::u32(body, 16);
      sr.packet_count = bytes::u32(body, 20);
      sr.octet_count = bytes::u32(body, 24);
      auto blocks = read_blocks(body, 28, count);
      if (!blocks) return P::failure("SR report blocks run past the end");
      sr.blocks = std::move(*blocks);
      return RtcpPacket{std::move(sr)};
    }
    case kRtcpReceiverReport: {
      if (body.size() < 8) return P::failure("RR shorter than its SSRC");
      ReceiverReport rr;
      rr.ssrc = bytes::u32(body, 4);
      auto blocks = read_blocks(body, 8, count);
      if (!blocks) return P::failure("RR report blocks run past the end");
      rr.blocks = std::move(*blocks);
      return RtcpPacket{std::move(rr)};
    }
    case kRtcpSdes:
      return read_sdes(body, count);
    case kRtcpBye: {
      if (4 + 4 * count > body.size()) return P::failure("BYE sources run past the end");
      Bye bye;
      for (std::size_t i = 0; i < count; ++i) bye.ssrcs.push_back(bytes::u32(body, 4 + 4 * i));
      const std::size_t at = 4 + 4 * count;
      if (at < body.size()) {
        const std::size_t length = bytes::u8(body, at);
        if (at + 1 + length > body.size()) return P::failure("BYE reason runs past the end");
        bye.reason.assign(body.substr(at + 1, length));
      }
      return RtcpPacket{std::move(bye)};
    }
    default:
      return RtcpPacket{OtherRtcp{type, std::string(body)}};
  }
}

}  // namespace

std::string write_rtcp(const std::vector<RtcpPacket>& packets) {
  std::string out;
  for (const RtcpPacket& p : packets) std::visit(Writer{out}, p);
  return out;
}

ParsedPackets parse_rtcp(std::string_view b) {
  std::vector<RtcpPacket> packets;
  std::size_t at = 0;
  while (at < b.size()) {
    const std::string where = "RTCP packet " + std::to_string(packets.size() + 1) + ": ";
    if (b.size() - at < 4) return ParsedPackets::failure(where + "shorter than its header");
    const std::uint8_t first = bytes::u8(b, at);
    if ((first >> 6) != 2) return ParsedPackets::failure(where + "version is not 2");
    const std::uint8_t type = bytes::u8(b, at + 1);
    if (packets.empty() && type != kRtcpSenderReport && type != kRtcpReceiverReport) {
      return ParsedPackets::failure(where + "a compound packet starts with SR or RR");
    }
    const std::size_t length = (std::size_t{bytes::u16(b, at + 2)} + 1) * 4;
    if (length > b.size() - at) return ParsedPackets::failure(where + "length past the end");
    std::string_view body = b.substr(at, length);
    at += length;
    if ((first & kPaddingBit) != 0) {
      if (at != b.size()) return ParsedPackets::failure(where + "padding before the last packet");
      const std::uint8_t pad = bytes::u8(body, body.size() - 1);
      if (pad == 0 || pad > body.size() - 4) return ParsedPackets::failure(where + "bad padding");
      body = body.substr(0, body.size() - pad);
    }
    auto packet = read_packet(body, type, first & 0x1Fu);
    if (!packet) return ParsedPackets::failure(where + packet.error());
    packets.push_back(*packet);
  }
  if (packets.empty()) return ParsedPackets::failure("empty RTCP datagram");
  return packets;
}

std::uint64_t ntp_timestamp(rt::Instant t, std::uint64_t ntp_seconds_at_zero) {
  const auto us = static_cast<std::uint64_t>(t.time_since_epoch().count());
  const std::uint64_t seconds = ntp_seconds_at_zero + us / 1'000'000;
  const std::uint64_t fraction = ((us % 1'000'000) << 32) / 1'000'000;
  return (seconds << 32) | fraction;
}

std::uint32_t dlsr_units(rt::Duration since_last_sr) {
  if (since_last_sr <= rt::Duration::zero()) return 0;
  const auto us = static_cast<std::uint64_t>(since_last_sr.count());
  return static_cast<std::uint32_t>((us * 65536) / 1'000'000);
}

ReportBlock make_report_block(ReceiverStats& stats, const std::optional<LastSenderReport>& last_sr,
                              rt::Instant now) {
  ReportBlock b;
  b.ssrc = stats.ssrc().value_or(0);
  const LossInterval loss = stats.take_loss_interval();
  b.fraction_lost = loss.fraction_lost;
  b.cumulative_lost = loss.cumulative_lost;
  b.extended_highest_sequence = stats.extended_highest_sequence();
  b.jitter = stats.jitter_report_value();
  if (last_sr) {
    b.last_sr = ntp_middle32(last_sr->ntp_timestamp);
    b.delay_since_last_sr = dlsr_units(now - last_sr->arrival);
  }
  return b;
}

}  // namespace trunklab::media
