#include "reports/pcap/pcap_reader.hpp"

#include "reports/ladder/start_line.hpp"
#include "reports/pcap/packet_layers.hpp"
#include "reports/pcap/pcapng_reader.hpp"

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

constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kTcpHeader = 20;

// The files libpcap reads: pcap, and pcapng whose interfaces share one link type.
class LibpcapFrames {
public:
  explicit LibpcapFrames(const std::string& path)
      : path_(path),
        pcap_(pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf_.data()),
              &pcap_close) {
    if (!pcap_) error_ = fmt::format("{}: {}", path, errbuf_.data());
  }
  bool opened() const { return pcap_ != nullptr; }
  const std::string& error() const { return error_; }

  std::optional<CapturedFrame> next() {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(pcap_.get(), &header, &data);
    if (rc == PCAP_ERROR_BREAK) return std::nullopt;  // end of file
    if (rc != 1) {
      error_ = fmt::format("{}: packet {}: {}", path_, packets_ + 1, pcap_geterr(pcap_.get()));
      return std::nullopt;
    }
    ++packets_;
    CapturedFrame f;
    f.time = rt::Instant{rt::Duration{std::int64_t{header->ts.tv_sec} * 1'000'000 + std::int64_t{header->ts.tv_usec}}};
    f.link_type = pcap_datalink(pcap_.get());
    f.data.assign(data, data + header->caplen);
    f.wire_length = std::max<std::size_t>(header->len, header->caplen);
    f.snaplen = static_cast<std::size_t>(std::max(pcap_snapshot(pcap_.get()), 0));
    return f;
  }

private:
  std::string path_;
  std::array<char, PCAP_ERRBUF_SIZE> errbuf_{};
  std::unique_ptr<pcap_t, decltype(&pcap_close)> pcap_;
  std::string error_;
  std::size_t packets_ = 0;
};

std::optional<Datagram> udp_datagram(const IpPacket& ip, Bytes udp, std::size_t udp_wire_length) {
  if (udp.size() < kUdpHeader) {
    return std::nullopt;
  }
  const std::size_t udp_length = std::max<std::size_t>(be16(udp, 4), kUdpHeader);
  // A snapped capture holds less than the UDP length says: keep what was captured.
  const std::size_t payload_end = std::min(udp_length, udp.size());
  Datagram d;
  d.src = ip.src.with_port(be16(udp, 0));
  d.dst = ip.dst.with_port(be16(udp, 2));
  Bytes payload = udp.subspan(kUdpHeader, payload_end - kUdpHeader);
  d.bytes.assign(reinterpret_cast<const char*>(payload.data()), payload.size());
  d.wire_length = std::min(udp_length, udp_wire_length) - kUdpHeader;
  d.truncated = d.bytes.size() < d.wire_length;
  return d;
}

std::optional<TcpSegment> tcp_segment(const IpPacket& ip, Bytes tcp, std::size_t tcp_wire_length) {
  if (tcp.size() < kTcpHeader) {
    return std::nullopt;
  }
  const std::size_t header = std::size_t{static_cast<std::uint8_t>(tcp[12] >> 4)} * 4;
  if (header < kTcpHeader || header > tcp.size()) {
    return std::nullopt;
  }
  const std::uint8_t flags = tcp[13];
  TcpSegment s;
  s.src = ip.src.with_port(be16(tcp, 0));
  s.dst = ip.dst.with_port(be16(tcp, 2));
  s.seq = be32(tcp, 4);
  s.fin = (flags & 0x01) != 0;
  s.syn = (flags & 0x02) != 0;
  s.rst = (flags & 0x04) != 0;
  Bytes payload = tcp.subspan(header);
  s.payload = std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size());
  s.truncated = tcp.size() < tcp_wire_length;
  return s;
}

// One frame after another: link layer, IP (fragments reassembled), then UDP or TCP.
class Decoder {
public:
  Decoder(PcapRead& out, const CaptureLimits& limits)
      : out_(out), ipv4_(limits.fragments), ipv6_(limits.fragments), tcp_(limits.tcp) {}

  void frame(const CapturedFrame& f) {
    ++out_.packets;
    auto bytes = ip_packet(f.link_type, Bytes(f.data));
    if (!bytes || bytes->empty() || ((*bytes)[0] >> 4 != 4 && (*bytes)[0] >> 4 != 6)) {
      ++out_.skipped.not_ip;
      return;
    }
    auto ip = parse_ip(*bytes);
    if (!ip) {
      ++out_.skipped.bad_ip;
      return;
    }
    if (ip->protocol != kIpProtoUdp && ip->protocol != kIpProtoTcp) {
      ++out_.skipped.other_protocol;
      return;
    }
    if (!ip->fragment) return transport(f, *ip, ip->payload, ip->payload_length);
    if (ip->truncated()) {
      ++out_.skipped.fragments_truncated;
      note_truncated(f);
      return;
    }
    IpFragments& book = ip->version == 4 ? ipv4_ : ipv6_;
    const auto whole = book.feed(Fragment{f.time, ip->src, ip->dst, ip->protocol, ip->identification,
                                          ip->fragment_offset, ip->more_fragments,
                                          std::string_view(reinterpret_cast<const char*>(ip->payload.data()),
                                                           ip->payload.size())});
    if (whole) {
      const Bytes reassembled(reinterpret_cast<const std::uint8_t*>(whole->data()), whole->size());
      transport(f, *ip, reassembled, whole->size());
    }
  }

  void finish() {
    out_.ipv4_fragments = ipv4_.finish();
    out_.ipv6_fragments = ipv6_.finish();
    out_.tcp = tcp_.finish();
  }

private:
  void transport(const CapturedFrame& f, const IpPacket& ip, Bytes payload, std::size_t wire_length) {
    if (ip.protocol == kIpProtoUdp) {
      auto datagram = udp_datagram(ip, payload, wire_length);
      if (!datagram) {
        ++out_.skipped.bad_ip;
        return;
      }
      datagram->time = f.time;
      if (datagram->truncated) note_truncated(f);
      if (!looks_like_sip(datagram->bytes)) ++out_.skipped.udp_not_sip;
      out_.datagrams.push_back(std::move(*datagram));
      return;
    }
    auto segment = tcp_segment(ip, payload, wire_length);
    if (!segment) {
      ++out_.skipped.bad_ip;
      return;
    }
    ++out_.skipped.tcp_segments;
    segment->time = f.time;
    if (segment->truncated) note_truncated(f);
    for (auto& message : tcp_.feed(*segment)) out_.datagrams.push_back(std::move(message));
  }

  void note_truncated(const CapturedFrame& f) {
    ++out_.truncated;
    out_.snaplens.insert(f.snaplen);
  }

  PcapRead& out_;
  IpFragments ipv4_;
  IpFragments ipv6_;
  TcpStreams tcp_;
};

template <typename Frames>
void read_all(Frames& frames, PcapRead& result, const CaptureLimits& limits) {
  result.opened = frames.opened();
  if (!result.opened) {
    result.error = frames.error();
    return;
  }
  Decoder decoder(result, limits);
  while (auto frame = frames.next()) decoder.frame(*frame);
  decoder.finish();
  result.error = frames.error();
}

}  // namespace

std::optional<Datagram> datagram_of(int link_type, std::span<const std::uint8_t> frame) {
  auto bytes = ip_packet(link_type, frame);
  auto ip = bytes ? parse_ip(*bytes) : std::nullopt;
  if (!ip || ip->fragment || ip->protocol != kIpProtoUdp) return std::nullopt;
  return udp_datagram(*ip, ip->payload, ip->payload_length);
}

PcapRead read_pcap(const std::string& path, const CaptureLimits& limits) {
  PcapRead result;
  if (pcapng_mixes_link_types(path)) {
    result.own_pcapng_reader = true;
    PcapngReader frames(path);
    read_all(frames, result, limits);
  } else {
    LibpcapFrames frames(path);
    read_all(frames, result, limits);
  }
  return result;
}

PcapRead read_pcap(const std::string& path, const TcpStreamLimits& tcp_limits) {
  CaptureLimits limits;
  limits.tcp = tcp_limits;
  return read_pcap(path, limits);
}

}  // namespace trunklab::reports
