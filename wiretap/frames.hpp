// Ethernet/IPv4 frames around UDP datagrams and TCP segments, as a capture on the wire would
// show them: valid IPv4 header checksums and UDP/TCP checksums, so Wireshark and tshark show
// no checksum errors. libpcap writes pcap files but builds no packets, hence these few lines.
// IPv4 only (the simulated network is IPv4; `serve --pcap` refuses IPv6 listen addresses).
#pragma once

#include "reference/rt/address.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trunklab::wiretap {

inline constexpr std::size_t kEthernetHeader = 14;
inline constexpr std::size_t kIpv4Header = 20;
inline constexpr std::size_t kUdpHeader = 8;
inline constexpr std::size_t kTcpHeader = 20;  // no options
inline constexpr std::size_t kMaxIpv4Packet = 65535;
inline constexpr std::size_t kMaxUdpPayload = kMaxIpv4Packet - kIpv4Header - kUdpHeader;  // 65507
inline constexpr std::size_t kMaxTcpSegmentPayload = kMaxIpv4Packet - kIpv4Header - kTcpHeader;  // 65495
// The snapshot length of trunklab's pcap files: the largest IPv4 packet in an Ethernet frame.
inline constexpr int kPcapSnapLen = static_cast<int>(kMaxIpv4Packet + kEthernetHeader);

// One Ethernet/IPv4/UDP frame for a datagram (a payload over kMaxUdpPayload is cut to it).
// `ip_id` is the IPv4 identification field.
std::string build_udp_frame(const rt::Address& src, const rt::Address& dst,
                            std::string_view payload, std::uint16_t ip_id);

// TCP header flags (RFC 9293 §3.1).
namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
}  // namespace tcp_flag

struct TcpSegmentHeader {
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;  // meaningful with tcp_flag::ack
  std::uint8_t flags = 0;
};

// One Ethernet/IPv4/TCP frame (20-byte TCP header, window 65535). The payload must fit
// kMaxTcpSegmentPayload (asserted): TcpFlows splits longer messages.
std::string build_tcp_frame(const rt::Address& src, const rt::Address& dst, const TcpSegmentHeader& header,
                            std::string_view payload, std::uint16_t ip_id);

}  // namespace trunklab::wiretap
