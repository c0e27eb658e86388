// Reading SIP messages from pcap and pcapng files: UDP datagrams (IPv4 and IPv6 fragments
// reassembled first, ip_fragments.hpp), and messages cut out of reassembled TCP streams,
// plain or in WebSocket frames (tcp_streams.hpp). Link types: Ethernet (with 802.1Q/802.1ad
// tags), Linux cooked SLL and SLL2 (`tcpdump -i any`), raw IP, BSD loopback. libpcap reads the
// files it can; a pcapng with interfaces of several link types is read by pcapng_reader.hpp.
// Every packet that yields no SIP is counted under its reason (SkipCounts).
#pragma once

#include "reports/ladder/ladder.hpp"
#include "reports/pcap/ip_fragments.hpp"
#include "reports/pcap/tcp_streams.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace trunklab::reports {

// Why packets gave no SIP message, one count per reason.
struct SkipCounts {
  std::uint64_t not_ip = 0;          // the link layer carries something else (ARP, ...) or is unknown
  std::uint64_t bad_ip = 0;          // IP, UDP or TCP headers too damaged to read
  std::uint64_t other_protocol = 0;  // IP, neither UDP nor TCP (ICMP, ESP, ...)
  std::uint64_t udp_not_sip = 0;     // UDP whose payload has no SIP start line (RTP, DNS, STUN, ...)
  std::uint64_t fragments_truncated = 0;  // IP fragments the snaplen cut: they cannot be reassembled
  std::uint64_t tcp_segments = 0;         // TCP segments (their SIP is counted in TcpStreamStats)
};

struct PcapRead {
  // Every UDP datagram and every SIP message over TCP read, in file order (a TCP message at
  // the segment that completed it; a fragmented datagram at its last fragment).
  std::vector<Datagram> datagrams;
  bool opened = false;              // false: not a capture file at all (or unreadable)
  bool own_pcapng_reader = false;   // pcapng with mixed link types: read without libpcap
  std::uint64_t packets = 0;
  SkipCounts skipped;
  FragmentStats ipv4_fragments;
  FragmentStats ipv6_fragments;
  TcpStreamStats tcp;               // what TCP reassembly did, and the limits it reached
  std::uint64_t truncated = 0;      // datagrams and TCP segments the snaplen cut
  std::set<std::size_t> snaplens;   // of the files/interfaces that cut them
  std::string error;  // "" = read to the end; otherwise what stopped the read (datagrams holds
                      // what was read before the damage)
};

struct CaptureLimits {
  TcpStreamLimits tcp;
  FragmentLimits fragments;
};

PcapRead read_pcap(const std::string& path, const CaptureLimits& limits = {});
PcapRead read_pcap(const std::string& path, const TcpStreamLimits& tcp_limits);

// The UDP datagram in one captured frame of the given link type (DLT_*), or nullopt when the
// frame carries something else (another protocol, an IP fragment). `time` is left unset.
std::optional<Datagram> datagram_of(int link_type, std::span<const std::uint8_t> frame);

}  // namespace trunklab::reports
