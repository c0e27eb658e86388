#include "wiretap/frames.hpp"

#include <cassert>

namespace trunklab::wiretap {
namespace {

constexpr std::uint8_t kIpProtoTcp = 6;
constexpr std::uint8_t kIpProtoUdp = 17;

void put16(std::string& out, std::size_t at, std::uint32_t value) {
  out[at] = static_cast<char>((value >> 8) & 0xff);
  out[at + 1] = static_cast<char>(value & 0xff);
}

void put32(std::string& out, std::size_t at, std::uint32_t value) {
  put16(out, at, value >> 16);
  put16(out, at + 2, value & 0xffff);
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

// The Ethernet and IPv4 headers of a frame carrying `transport_len` bytes of `protocol`.
std::string ethernet_ipv4(const rt::Address& src, const rt::Address& dst, std::uint8_t protocol,
                          std::size_t transport_len, std::uint16_t ip_id) {
  assert(!src.is_v6() && !dst.is_v6() && "pcap frames are IPv4");
  const std::size_t ip_len = kIpv4Header + transport_len;
  std::string frame(kEthernetHeader + ip_len, '\0');
  put_mac(frame, 0, dst);
  put_mac(frame, 6, src);
  put16(frame, 12, 0x0800);  // EtherType IPv4
  const std::size_t ip = kEthernetHeader;
  frame[ip] = 0x45;  // version 4, IHL 5 words
  put16(frame, ip + 2, static_cast<std::uint32_t>(ip_len));
  put16(frame, ip + 4, ip_id);
  frame[ip + 8] = 64;  // TTL
  frame[ip + 9] = static_cast<char>(protocol);
  for (std::size_t i = 0; i < 4; ++i) {
    frame[ip + 12 + i] = static_cast<char>(src.bytes()[i]);
    frame[ip + 16 + i] = static_cast<char>(dst.bytes()[i]);
  }
  put16(frame, ip + 10, fold(sum16(std::string_view(frame).substr(ip, kIpv4Header), 0)));
  return frame;
}

// The UDP/TCP checksum: the pseudo-header (addresses, protocol, length), then the segment.
std::uint16_t transport_checksum(const std::string& frame, std::uint8_t protocol, std::size_t transport_len) {
  const std::size_t ip = kEthernetHeader;
  std::uint32_t sum = sum16(std::string_view(frame).substr(ip + 12, 8), 0);
  sum += protocol + static_cast<std::uint32_t>(transport_len);
  return fold(sum16(std::string_view(frame).substr(ip + kIpv4Header, transport_len), sum));
}

}  // namespace

std::string build_udp_frame(const rt::Address& src, const rt::Address& dst,
                            std::string_view payload, std::uint16_t ip_id) {
  if (payload.size() > kMaxUdpPayload) payload = payload.substr(0, kMaxUdpPayload);
  const std::size_t udp_len = kUdpHeader + payload.size();
  std::string frame = ethernet_ipv4(src, dst, kIpProtoUdp, udp_len, ip_id);
  const std::size_t udp = kEthernetHeader + kIpv4Header;
  put16(frame, udp, src.port());
  put16(frame, udp + 2, dst.port());
  put16(frame, udp + 4, static_cast<std::uint32_t>(udp_len));
  frame.replace(udp + kUdpHeader, payload.size(), payload);
  std::uint16_t checksum = transport_checksum(frame, kIpProtoUdp, udp_len);
  if (checksum == 0) checksum = 0xffff;  // 0 would mean "no checksum" (RFC 768)
  put16(frame, udp + 6, checksum);
  return frame;
}

std::string build_tcp_frame(const rt::Address& src, const rt::Address& dst, const TcpSegmentHeader& header,
                            std::string_view payload, std::uint16_t ip_id) {
  assert(payload.size() <= kMaxTcpSegmentPayload && "TcpFlows splits longer payloads");
  const std::size_t tcp_len = kTcpHeader + payload.size();
  std::string frame = ethernet_ipv4(src, dst, kIpProtoTcp, tcp_len, ip_id);
  const std::size_t tcp = kEthernetHeader + kIpv4Header;
  put16(frame, tcp, src.port());
  put16(frame, tcp + 2, dst.port());
  put32(frame, tcp + 4, header.seq);
  put32(frame, tcp + 8, header.ack);
  frame[tcp + 12] = static_cast<char>((kTcpHeader / 4) << 4);  // data offset in 32-bit words
  frame[tcp + 13] = static_cast<char>(header.flags);
  put16(frame, tcp + 14, 0xffff);  // window
  frame.replace(tcp + kTcpHeader, payload.size(), payload);
  put16(frame, tcp + 16, transport_checksum(frame, kIpProtoTcp, tcp_len));
  return frame;
}

}  // namespace trunklab::wiretap
