// The layers of one captured frame, down to the IP payload: the link layer (Ethernet with
// 802.1Q/802.1ad tags, Linux cooked SLL and SLL2, raw IP, BSD loopback), then IPv4 or IPv6
// (extension headers skipped, a fragment header read). What is above IP (UDP, TCP) is read
// by pcap_reader.cpp, after fragment reassembly.
#pragma once

#include "reference/rt/address.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace trunklab::reports {

using Bytes = std::span<const std::uint8_t>;

constexpr std::uint8_t kIpProtoTcp = 6;
constexpr std::uint8_t kIpProtoUdp = 17;

std::uint16_t be16(Bytes b, std::size_t at);
std::uint32_t be32(Bytes b, std::size_t at);

// The IP packet inside a link-layer frame, or nullopt when it carries something else.
std::optional<Bytes> ip_packet(int link_type, Bytes frame);

struct IpPacket {
  int version = 4;
  rt::Address src;  // without ports
  rt::Address dst;
  std::uint8_t protocol = 0;  // of the payload (after IPv6 extension headers)
  Bytes payload;              // as captured: less than payload_length when the snaplen cut it
  std::size_t payload_length = 0;  // what the IP header says the payload is
  // A fragment (IPv4 MF or offset, IPv6 fragment header): payload is this fragment's part.
  bool fragment = false;
  std::uint32_t identification = 0;
  std::size_t fragment_offset = 0;  // bytes
  bool more_fragments = false;
  bool truncated() const { return payload.size() < payload_length; }
};

// nullopt: not IPv4 or IPv6, or headers too damaged to read.
std::optional<IpPacket> parse_ip(Bytes ip);

}  // namespace trunklab::reports
