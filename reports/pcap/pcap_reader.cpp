#include "reports/pcap/pcap_reader.hpp"

#include <pcap/pcap.h>

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace trunklab::reports {
namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr std::uint16_t kEtherTypeVlan = 0x8100;
constexpr std::uint16_t kEtherTypeQinQ = 0x88A8;
constexpr std::uint8_t kIpProtoTcp = 6;
constexpr std::uint8_t kIpProtoUdp = 17;
constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kTcpHeader = 20;

std::uint16_t be16(Bytes b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

std::uint32_t be32(Bytes b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

// The IP packet inside a link-layer frame, or nullopt when it carries something else.
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
      return frame;
    case DLT_NULL:
    case DLT_LOOP:  // 4-byte address family; the IP version nibble says the rest
      return frame.size() > 4 ? std::optional(frame.subspan(4)) : std::nullopt;
    default:
      return std::nullopt;
  }
}

// The UDP or TCP header and payload inside an IP packet (not a fragment).
struct TransportInIp {
  rt::Address src;
  rt::Address dst;
  std::uint8_t protocol = 0;
  Bytes bytes;
};

std::optional<TransportInIp> transport_in_ipv4(Bytes ip) {
  if (ip.size() < 20) {
    return std::nullopt;
  }
  std::size_t header = std::size_t{ip[0] & 0x0Fu} * 4;
  std::uint16_t fragment = be16(ip, 6);
  bool more_fragments = (fragment & 0x2000) != 0;
  bool later_fragment = (fragment & 0x1FFF) != 0;
  if (header < 20 || ip.size() < header || (ip[9] != kIpProtoUdp && ip[9] != kIpProtoTcp) || more_fragments ||
      later_fragment) {
    return std::nullopt;  // fragments are not reassembled: SIP over UDP fits one datagram
  }
  std::size_t total = std::min<std::size_t>(be16(ip, 2), ip.size());
  if (total < header) {
    return std::nullopt;
  }
  return TransportInIp{rt::Address::ipv4(be32(ip, 12), 0), rt::Address::ipv4(be32(ip, 16), 0), ip[9],
                       ip.subspan(header, total - header)};
}

std::optional<TransportInIp> transport_in_ipv6(Bytes ip) {
  constexpr std::size_t kHeader = 40;
  if (ip.size() < kHeader) {
    return std::nullopt;
  }
  std::array<std::uint8_t, 16> src{};
  std::array<std::uint8_t, 16> dst{};
  std::copy_n(ip.begin() + 8, 16, src.begin());
  std::copy_n(ip.begin() + 24, 16, dst.begin());
  std::size_t end = std::min(kHeader + be16(ip, 4), ip.size());
  std::uint8_t next = ip[6];
  std::size_t at = kHeader;
  // Hop-by-hop, routing and destination options headers may precede UDP; a fragment header
  // (44) means a fragment, which is not reassembled.
  while ((next == 0 || next == 43 || next == 60) && at + 2 <= end) {
    std::size_t length = (std::size_t{ip[at + 1]} + 1) * 8;
    next = ip[at];
    at += length;
  }
  if ((next != kIpProtoUdp && next != kIpProtoTcp) || at > end) {
    return std::nullopt;
  }
  return TransportInIp{rt::Address::ipv6(src, 0), rt::Address::ipv6(dst, 0), next, ip.subspan(at, end - at)};
}

std::optional<TransportInIp> transport_of(int link_type, Bytes frame) {
  auto ip = ip_packet(link_type, frame);
  if (!ip || ip->empty()) {
    return std::nullopt;
  }
  int version = (*ip)[0] >> 4;
  return version == 4 ? transport_in_ipv4(*ip) : version == 6 ? transport_in_ipv6(*ip) : std::nullopt;
}

std::optional<Datagram> udp_datagram(const TransportInIp& udp) {
  if (udp.protocol != kIpProtoUdp || udp.bytes.size() < kUdpHeader) {
    return std::nullopt;
  }
  std::size_t udp_length = be16(udp.bytes, 4);
  // A snapped capture holds less than the UDP length says: keep what was captured.
  std::size_t payload_end = std::clamp(udp_length, kUdpHeader, udp.bytes.size());
  Datagram d;
  d.src = udp.src.with_port(be16(udp.bytes, 0));
  d.dst = udp.dst.with_port(be16(udp.bytes, 2));
  Bytes payload = udp.bytes.subspan(kUdpHeader, payload_end - kUdpHeader);
  d.bytes.assign(reinterpret_cast<const char*>(payload.data()), payload.size());
  return d;
}

std::optional<TcpSegment> tcp_segment(const TransportInIp& tcp) {
  if (tcp.protocol != kIpProtoTcp || tcp.bytes.size() < kTcpHeader) {
    return std::nullopt;
  }
  const std::size_t header = std::size_t{static_cast<std::uint8_t>(tcp.bytes[12] >> 4)} * 4;
  if (header < kTcpHeader || header > tcp.bytes.size()) {
    return std::nullopt;
  }
  const std::uint8_t flags = tcp.bytes[13];
  TcpSegment s;
  s.src = tcp.src.with_port(be16(tcp.bytes, 0));
  s.dst = tcp.dst.with_port(be16(tcp.bytes, 2));
  s.seq = be32(tcp.bytes, 4);
  s.fin = (flags & 0x01) != 0;
  s.syn = (flags & 0x02) != 0;
  s.rst = (flags & 0x04) != 0;
  Bytes payload = tcp.bytes.subspan(header);
  s.payload = std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size());
  return s;
}

rt::Instant time_of(const pcap_pkthdr& header) {
  return rt::Instant{rt::Duration{std::int64_t{header.ts.tv_sec} * 1'000'000 + std::int64_t{header.ts.tv_usec}}};
}

}  // namespace

std::optional<Datagram> datagram_of(int link_type, std::span<const std::uint8_t> frame) {
  auto transport = transport_of(link_type, frame);
  return transport ? udp_datagram(*transport) : std::nullopt;
}

PcapRead read_pcap(const std::string& path, const TcpStreamLimits& limits) {
  PcapRead result;
  std::array<char, PCAP_ERRBUF_SIZE> errbuf{};
  std::unique_ptr<pcap_t, decltype(&pcap_close)> pcap(
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO,
                                              errbuf.data()),
      &pcap_close);
  if (!pcap) {
    result.error = fmt::format("{}: {}", path, errbuf.data());
    return result;
  }
  result.opened = true;
  int link_type = pcap_datalink(pcap.get());
  TcpStreams tcp(limits);
  std::size_t packet_number = 0;
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = pcap_next_ex(pcap.get(), &header, &data);
    if (rc == PCAP_ERROR_BREAK) {
      break;  // end of file
    }
    if (rc != 1) {
      result.error = fmt::format("{}: packet {}: {}", path, packet_number + 1,
                                 pcap_geterr(pcap.get()));
      break;
    }
    ++packet_number;
    auto transport = transport_of(link_type, Bytes(data, header->caplen));
    auto datagram = transport ? udp_datagram(*transport) : std::nullopt;
    auto segment = transport && !datagram ? tcp_segment(*transport) : std::nullopt;
    if (datagram) {
      datagram->time = time_of(*header);
      result.datagrams.push_back(std::move(*datagram));
    } else if (segment) {
      segment->time = time_of(*header);
      for (auto& message : tcp.feed(*segment)) result.datagrams.push_back(std::move(message));
    } else {
      ++result.not_udp;
    }
  }
  result.tcp = tcp.finish();
  return result;
}

}  // namespace trunklab::reports
