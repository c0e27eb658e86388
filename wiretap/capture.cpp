#include "wiretap/capture.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

namespace trunklab::wiretap {

namespace {

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kMaxUdpPayload = 65535 - kIpv4Header - kUdpHeader;
constexpr int kSnapLen = 65535 + static_cast<int>(kEthernetHeader);

void put16(std::string& out, std::size_t at, std::uint32_t value) {
  out[at] = static_cast<char>((value >> 8) & 0xff);
  out[at + 1] = static_cast<char>(value & 0xff);
}

// RFC 1071 one's complement sum over big-endian 16-bit words.
std::uint32_t sum16(std::string_view bytes, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    sum += (std::uint32_t{static_cast<std::uint8_t>(bytes[i])} << 8) |
           static_cast<std::uint8_t>(bytes[i + 1]);
  }
  if (i < bytes.size()) sum += std::uint32_t{static_cast<std::uint8_t>(bytes[i])} << 8;
  return sum;
}

std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

// A locally administered MAC derived from the IPv4 address: stable, and distinct per host.
void put_mac(std::string& out, std::size_t at, const rt::Address& address) {
  out[at] = 0x02;
  out[at + 1] = 0x00;
  for (std::size_t i = 0; i < 4; ++i) out[at + 2 + i] = static_cast<char>(address.bytes()[i]);
}

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};
struct DumperCloser {
  void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); }
};

bool wanted(const CaptureRecord& r, const PcapOptions& options) {
  if (r.view == CaptureView::nat_translated && !options.include_nat_translated) return false;
  if (r.dropped && !options.include_dropped) return false;
  return !r.src.is_v6() && !r.dst.is_v6();
}

}  // namespace

std::string build_udp_frame(const rt::Address& src, const rt::Address& dst,
                            std::string_view payload, std::uint16_t ip_id) {
  assert(!src.is_v6() && !dst.is_v6() && "the simulated network is IPv4");
  if (payload.size() > kMaxUdpPayload) payload = payload.substr(0, kMaxUdpPayload);
  const std::size_t udp_len = kUdpHeader + payload.size();
  const std::size_t ip_len = kIpv4Header + udp_len;
  std::string frame(kEthernetHeader + ip_len, '\0');

  put_mac(frame, 0, dst);
  put_mac(frame, 6, src);
  put16(frame, 12, 0x0800);  // EtherType IPv4

  const std::size_t ip = kEthernetHeader;
  frame[ip] = 0x45;  // version 4, IHL 5 words
  put16(frame, ip + 2, static_cast<std::uint32_t>(ip_len));
  put16(frame, ip + 4, ip_id);
  frame[ip + 8] = 64;  // TTL
  frame[ip + 9] = 17;  // protocol UDP
  for (std::size_t i = 0; i < 4; ++i) {
    frame[ip + 12 + i] = static_cast<char>(src.bytes()[i]);
    frame[ip + 16 + i] = static_cast<char>(dst.bytes()[i]);
  }
  put16(frame, ip + 10, fold(sum16(std::string_view(frame).substr(ip, kIpv4Header), 0)));

  const std::size_t udp = ip + kIpv4Header;
  put16(frame, udp, src.port());
  put16(frame, udp + 2, dst.port());
  put16(frame, udp + 4, static_cast<std::uint32_t>(udp_len));
  frame.replace(udp + kUdpHeader, payload.size(), payload);
  // UDP checksum over the pseudo-header (addresses, protocol, length) and the datagram.
  std::uint32_t sum = sum16(std::string_view(frame).substr(ip + 12, 8), 0);
  sum += 17 + static_cast<std::uint32_t>(udp_len);
  std::uint16_t udp_checksum = fold(sum16(std::string_view(frame).substr(udp, udp_len), sum));
  if (udp_checksum == 0) udp_checksum = 0xffff;  // 0 would mean "no checksum" (RFC 768)
  put16(frame, udp + 6, udp_checksum);
  return frame;
}

Capture::RecordIndex Capture::record(CaptureRecord record) {
  if (!enabled_) return kNoRecord;
  payload_bytes_ += std::min<std::uint64_t>(record.bytes.size(), kMaxUdpPayload);  // as framed
  records_.push_back(std::move(record));
  return records_.size() - 1;
}

void Capture::mark_dropped(RecordIndex index, std::string_view reason) {
  if (index >= records_.size()) return;  // kNoRecord, or capture was disabled / cleared
  records_[index].dropped = true;
  records_[index].drop_reason = std::string(reason);
}

Capture::PcapBytes Capture::pcap_bytes(const PcapOptions& options) const {
  PcapBytes out;
  std::unique_ptr<pcap_t, PcapCloser> handle(pcap_open_dead(DLT_EN10MB, kSnapLen));
  if (!handle) {
    out.error = "pcap_open_dead failed";
    return out;
  }
  // libpcap writes to a FILE*; open_memstream gives us the bytes without a temporary file.
  char* buffer = nullptr;
  std::size_t size = 0;
  FILE* stream = open_memstream(&buffer, &size);
  if (stream == nullptr) {
    out.error = "open_memstream failed";
    return out;
  }
  {
    std::unique_ptr<pcap_dumper_t, DumperCloser> dumper(pcap_dump_fopen(handle.get(), stream));
    if (!dumper) {
      std::fclose(stream);
      std::free(buffer);
      out.error = std::string("pcap_dump_fopen: ") + pcap_geterr(handle.get());
      return out;
    }
    std::uint16_t ip_id = 0;
    for (const auto& r : records_) {
      if (!wanted(r, options)) continue;
      const std::string frame = build_udp_frame(r.src, r.dst, r.bytes, ++ip_id);
      const auto since_start = r.time.time_since_epoch().count();
      pcap_pkthdr header{};
      header.ts.tv_sec = static_cast<time_t>(kPcapEpochUnixSeconds + since_start / 1'000'000);
      header.ts.tv_usec = static_cast<suseconds_t>(since_start % 1'000'000);
      header.caplen = static_cast<bpf_u_int32>(frame.size());
      header.len = header.caplen;
      pcap_dump(reinterpret_cast<u_char*>(dumper.get()), &header,
                reinterpret_cast<const u_char*>(frame.data()));
    }
  }  // pcap_dump_close flushes and closes the memstream, which publishes buffer/size
  out.bytes.assign(buffer, size);
  std::free(buffer);
  return out;
}

std::optional<std::string> Capture::write_pcap(const std::string& path,
                                               const PcapOptions& options) const {
  PcapBytes pcap = pcap_bytes(options);
  if (!pcap.error.empty()) return pcap.error;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return "cannot open " + path + " for writing";
  file.write(pcap.bytes.data(), static_cast<std::streamsize>(pcap.bytes.size()));
  if (!file) return "write to " + path + " failed";
  return std::nullopt;
}

}  // namespace trunklab::wiretap
