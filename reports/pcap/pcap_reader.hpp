// Reading SIP-over-UDP datagrams from pcap and pcapng files (libpcap's pcap_open_offline reads
// both). Link types: Ethernet (with 802.1Q tags), Linux cooked SLL and SLL2 (`tcpdump -i any`),
// raw IP, BSD loopback. IPv4 and IPv6.
#pragma once

#include "reports/ladder/ladder.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace trunklab::reports {

struct PcapRead {
  std::vector<Datagram> datagrams;  // every UDP datagram read, in file order
  bool opened = false;              // false: not a capture file at all (or unreadable)
  std::size_t not_udp = 0;          // packets that are not UDP over IP (or IP fragments)
  std::string error;  // "" = read to the end; otherwise what stopped the read (datagrams holds
                      // what was read before the damage)
};

PcapRead read_pcap(const std::string& path);

// The UDP datagram in one captured frame of the given link type (DLT_*), or nullopt when the
// frame carries something else (another protocol, an IP fragment). `time` is left unset.
std::optional<Datagram> datagram_of(int link_type, std::span<const std::uint8_t> frame);

}  // namespace trunklab::reports
