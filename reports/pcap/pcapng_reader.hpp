// A pcapng reader of our own, for the files libpcap refuses. libpcap's offline reader gives
// one link type per file (pcap_datalink): it stops with an error at an Interface Description
// Block whose link type differs from the first interface's, so a capture taken on several
// interfaces at once (Ethernet and `any`, a tunnel and a LAN) cannot be read through it. This
// reader takes every section (either byte order), every interface with its own link type,
// snaplen and timestamp resolution (if_tsresol, if_tsoffset), and Enhanced, Simple and
// obsolete Packet Blocks; other blocks are skipped. pcap_reader.cpp uses it only for those
// files and keeps libpcap for everything libpcap reads.
#pragma once

#include "reference/rt/time.hpp"

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace trunklab::reports {

// One captured frame, from either reader.
struct CapturedFrame {
  rt::Instant time{};  // microseconds since the Unix epoch
  int link_type = 0;   // DLT_* / LINKTYPE_*
  std::vector<std::uint8_t> data;  // what the capture holds
  std::size_t wire_length = 0;      // what the wire carried (>= data.size())
  std::size_t snaplen = 0;          // of the file (pcap) or the interface (pcapng); 0 = unknown
};

// True when the pcapng file at `path` has interfaces of more than one link type (libpcap
// refuses it). False for pcap files, single-link-type pcapng and unreadable files.
bool pcapng_mixes_link_types(const std::string& path);

class PcapngReader {
public:
  static constexpr std::size_t kMaxBlockBytes = 64 * 1024 * 1024;  // a bigger block is damage
  static constexpr std::size_t kMaxInterfaces = 65536;             // per section

  explicit PcapngReader(const std::string& path);
  bool opened() const { return opened_; }
  // The next frame; nullopt at the end of the file or at damage (then error() says what).
  std::optional<CapturedFrame> next();
  const std::string& error() const { return error_; }
  // Walks the whole file: the link type of every interface of every section.
  std::set<int> interface_link_types();

private:
  struct Interface {
    int link_type = 0;
    std::size_t snaplen = 0;
    bool binary_resolution = false;  // if_tsresol's high bit: 2^-n rather than 10^-n
    int resolution_exponent = 6;     // microseconds unless the IDB says otherwise
    std::int64_t offset_s = 0;       // if_tsoffset
  };

  bool read_block(std::uint32_t& type, std::vector<std::uint8_t>& body);
  bool section_header(const std::vector<std::uint8_t>& body);
  void interface_description(const std::vector<std::uint8_t>& body);
  std::optional<CapturedFrame> packet(std::uint32_t type, const std::vector<std::uint8_t>& body);
  std::uint16_t u16(const std::vector<std::uint8_t>& b, std::size_t at) const;
  std::uint32_t u32(const std::vector<std::uint8_t>& b, std::size_t at) const;
  rt::Instant time_of(const Interface& i, std::uint64_t ticks) const;
  bool fail(std::string why);

  std::ifstream file_;
  std::string path_;
  bool opened_ = false;
  bool big_endian_ = false;
  std::vector<Interface> interfaces_;  // of the current section
  std::string error_;
  std::size_t blocks_ = 0;
  rt::Instant last_time_{};
};

}  // namespace trunklab::reports
