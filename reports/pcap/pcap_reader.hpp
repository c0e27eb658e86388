// Reading SIP messages from pcap and pcapng files (libpcap's pcap_open_offline reads both):
// UDP datagrams, and messages cut out of reassembled TCP streams (tcp_streams.hpp). Link types:
// Ethernet (with 802.1Q tags), Linux cooked SLL and SLL2 (`tcpdump -i any`), raw IP, BSD
// loopback. IPv4 and IPv6.
#pragma once

#include "reports/ladder/ladder.hpp"
#include "reports/pcap/tcp_streams.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace trunklab::reports {

struct PcapRead {
  // Every UDP datagram and every SIP message over TCP read, in file order (a TCP message at
  // the segment that completed it).
  std::vector<Datagram> datagrams;
  bool opened = false;              // false: not a capture file at all (or unreadable)
  std::size_t not_udp = 0;          // packets that are neither UDP nor TCP over IP (or IP fragments)
  TcpStreamStats tcp;               // what TCP reassembly did, and the limits it reached
  std::string error;  // "" = read to the end; otherwise what stopped the read (datagrams holds
                      // what was read before the damage)
};

PcapRead read_pcap(const std::string& path, const TcpStreamLimits& limits = {});

// The UDP datagram in one captured frame of the given link type (DLT_*), or nullopt when the
// frame carries something else (another protocol, an IP fragment). `time` is left unset.
std::optional<Datagram> datagram_of(int link_type, std::span<const std::uint8_t> frame);

}  // namespace trunklab::reports
