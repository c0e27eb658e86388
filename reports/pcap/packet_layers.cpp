#include "reports/pcap/packet_layers.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <array>

namespace trunklab::reports {
namespace {

constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr std::uint16_t kEtherTypeVlan = 0x8100;
constexpr std::uint16_t kEtherTypeQinQ = 0x88A8;
constexpr std::uint8_t kIpv6HopByHop = 0;
constexpr std::uint8_t kIpv6Routing = 43;
constexpr std::uint8_t kIpv6Fragment = 44;
constexpr std::uint8_t kIpv6DestinationOptions = 60;

std::optional<Bytes> ip_from_ether_type(Bytes frame, std::size_t type_at, std::size_t ip_at) {
  if (frame.size() < ip_at) {
    return std::nullopt;
  }
  std::uint16_t type = be16(frame, type_at);
  return type == kEtherTypeIpv4 || type == kEtherTypeIpv6 ? std::optional(frame.subspan(ip_at))
                                                          : std::nullopt;
}

std::optional<Bytes> ip_from_ethernet(Bytes frame) {
  std::size_t type_at = 12;
  while (frame.size() >= type_at + 2 &&
         (be16(frame, type_at) == kEtherTypeVlan || be16(frame, type_at) == kEtherTypeQinQ)) {
    type_at += 4;  // 802.1Q / 802.1ad tag
  }
  return ip_from_ether_type(frame, type_at, type_at + 2);
}

std::optional<IpPacket> parse_ipv4(Bytes ip) {
  if (ip.size() < 20) {
    return std::nullopt;
  }
  const std::size_t header = std::size_t{ip[0] & 0x0Fu} * 4;
  const std::size_t total = be16(ip, 2);
  if (header < 20 || ip.size() < header || total < header) {
    return std::nullopt;
  }
  IpPacket p;
  p.version = 4;
  p.src = rt::Address::ipv4(be32(ip, 12), 0);
  p.dst = rt::Address::ipv4(be32(ip, 16), 0);
  p.protocol = ip[9];
  p.payload_length = total - header;
  p.payload = ip.subspan(header, std::min(total, ip.size()) - header);
  const std::uint16_t fragment = be16(ip, 6);
  p.more_fragments = (fragment & 0x2000) != 0;
  p.fragment_offset = std::size_t{fragment & 0x1FFFu} * 8;
  p.fragment = p.more_fragments || p.fragment_offset != 0;
  p.identification = be16(ip, 4);
  return p;
}

std::optional<IpPacket> parse_ipv6(Bytes ip) {
  constexpr std::size_t kHeader = 40;
  if (ip.size() < kHeader) {
    return std::nullopt;
  }
  std::array<std::uint8_t, 16> src{};
  std::array<std::uint8_t, 16> dst{};
  std::copy_n(ip.begin() + 8, 16, src.begin());
  std::copy_n(ip.begin() + 24, 16, dst.begin());
  IpPacket p;
  p.version = 6;
  p.src = rt::Address::ipv6(src, 0);
  p.dst = rt::Address::ipv6(dst, 0);
  const std::size_t end = kHeader + be16(ip, 4);  // the wire's end; the capture may hold less
  const std::size_t captured = std::min(end, ip.size());
  std::uint8_t next = ip[6];
  std::size_t at = kHeader;
  // Hop-by-hop, routing and destination options headers may precede the payload; a fragment
  // header (RFC 8200 §4.5) ends the unfragmentable part.
  for (;;) {
    if (next == kIpv6Fragment && at + 8 <= captured) {
      const std::uint16_t offset = be16(ip, at + 2);
      p.fragment = true;
      p.fragment_offset = std::size_t{offset & 0xFFF8u};
      p.more_fragments = (offset & 0x1) != 0;
      p.identification = be32(ip, at + 4);
      p.fragment = p.more_fragments || p.fragment_offset != 0;  // an atomic fragment is whole
      next = ip[at];
      at += 8;
    } else if ((next == kIpv6HopByHop || next == kIpv6Routing || next == kIpv6DestinationOptions) &&
               at + 2 <= captured) {
      const std::size_t length = (std::size_t{ip[at + 1]} + 1) * 8;
      next = ip[at];
      at += length;
    } else {
      break;
    }
  }
  if (at > captured) {
    return std::nullopt;
  }
  p.protocol = next;
  p.payload_length = end - at;
  p.payload = ip.subspan(at, captured - at);
  return p;
}

}  // namespace

std::uint16_t be16(Bytes b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

std::uint32_t be32(Bytes b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

std::optional<Bytes> ip_packet(int link_type, Bytes frame) {
  switch (link_type) {
    case DLT_EN10MB:
      return ip_from_ethernet(frame);
    case DLT_LINUX_SLL:  // 16-byte header, protocol at 14
      return ip_from_ether_type(frame, 14, 16);
    case DLT_LINUX_SLL2:  // 20-byte header, protocol first
      return ip_from_ether_type(frame, 0, 20);
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case 101:  // LINKTYPE_RAW: pcapng and pcap files say 101 where DLT_RAW is 12 or 14
      return frame;
    case DLT_NULL:
    case DLT_LOOP:  // 4-byte address family; the IP version nibble says the rest
      return frame.size() > 4 ? std::optional(frame.subspan(4)) : std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<IpPacket> parse_ip(Bytes ip) {
  if (ip.empty()) return std::nullopt;
  const int version = ip[0] >> 4;
  return version == 4 ? parse_ipv4(ip) : version == 6 ? parse_ipv6(ip) : std::nullopt;
}

}  // namespace trunklab::reports
