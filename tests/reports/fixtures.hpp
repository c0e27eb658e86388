// Test captures for the ladder tests: a known SIP exchange as datagrams, and pcap/pcapng files
// written with libpcap (pcap_open_dead + pcap_dump) or byte by byte, per link type.
#pragma once

#include "reports/ladder/ladder.hpp"

#include <pcap/pcap.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace trunklab::reports::testing {

inline rt::Address addr(const char* text) { return *rt::Address::parse(text); }

inline std::string request(const std::string& method, const std::string& call_id, int cseq,
                           const std::string& cseq_method = "") {
  return method + " sip:+15551234567@trunk.example SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-" + call_id + std::to_string(cseq) + "\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:alice@example>;tag=a1\r\n"
         "To: <sip:+15551234567@trunk.example>\r\n"
         "Call-ID: " + call_id + "\r\n"
         "CSeq: " + std::to_string(cseq) + " " + (cseq_method.empty() ? method : cseq_method) + "\r\n"
         "Content-Length: 0\r\n\r\n";
}

inline std::string response(int status, const std::string& reason, const std::string& call_id,
                            int cseq, const std::string& method) {
  return "SIP/2.0 " + std::to_string(status) + " " + reason + "\r\n"
         "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-" + call_id + std::to_string(cseq) + "\r\n"
         "From: <sip:alice@example>;tag=a1\r\n"
         "To: <sip:+15551234567@trunk.example>;tag=b2\r\n"
         "Call-ID: " + call_id + "\r\n"
         "CSeq: " + std::to_string(cseq) + " " + method + "\r\n"
         "Content-Length: 0\r\n\r\n";
}

inline Datagram datagram(std::int64_t at_ms, const char* src, const char* dst, std::string bytes) {
  Datagram d;
  d.time = rt::Instant{rt::from_ms(at_ms)};
  d.src = addr(src);
  d.dst = addr(dst);
  d.bytes = std::move(bytes);
  return d;
}

inline constexpr const char* kAlice = "10.0.0.1:5060";
inline constexpr const char* kTrunk = "10.0.0.2:5060";
inline constexpr const char* kProvider = "192.0.2.10:5060";

// The product's documented outbound call: 407 challenge, re-sent INVITE, 100/180/200, ACK, BYE,
// with one retransmitted 200 (same bytes, same direction).
inline std::vector<Datagram> known_exchange() {
  const std::string a = "call-a@10.0.0.1";
  const std::string b = "leg-b@10.0.0.2";
  return {
      datagram(0, kAlice, kTrunk, request("INVITE", a, 1)),
      datagram(12, kTrunk, kAlice, response(407, "Proxy Authentication Required", a, 1, "INVITE")),
      datagram(25, kAlice, kTrunk, request("ACK", a, 1)),
      datagram(40, kAlice, kTrunk, request("INVITE", a, 2)),
      datagram(51, kTrunk, kAlice, response(100, "Trying", a, 2, "INVITE")),
      datagram(53, kTrunk, kProvider, request("INVITE", b, 1)),
      datagram(90, kProvider, kTrunk, response(100, "Trying", b, 1, "INVITE")),
      datagram(350, kProvider, kTrunk, response(180, "Ringing", b, 1, "INVITE")),
      datagram(362, kTrunk, kAlice, response(180, "Ringing", a, 2, "INVITE")),
      datagram(2100, kProvider, kTrunk, response(200, "OK", b, 1, "INVITE")),
      datagram(2112, kTrunk, kAlice, response(200, "OK", a, 2, "INVITE")),
      datagram(2612, kTrunk, kAlice, response(200, "OK", a, 2, "INVITE")),
      datagram(2650, kAlice, kTrunk, request("ACK", a, 2)),
      datagram(2661, kTrunk, kProvider, request("ACK", b, 1)),
      datagram(9000, kAlice, kTrunk, request("BYE", a, 3)),
      datagram(9011, kTrunk, kProvider, request("BYE", b, 2)),
      datagram(9050, kProvider, kTrunk, response(200, "OK", b, 2, "BYE")),
      datagram(9062, kTrunk, kAlice, response(200, "OK", a, 3, "BYE")),
  };
}

inline NameMap known_names() {
  return {{addr(kAlice), "alice"}, {addr(kTrunk), "trunk"}, {addr(kProvider), "telnyx"}};
}

// --- packet building (network byte order) -----------------------------------------------

inline void put16(std::string& s, std::uint32_t v) {
  s += static_cast<char>((v >> 8) & 0xFF);
  s += static_cast<char>(v & 0xFF);
}

inline std::string udp_header(const Datagram& d) {
  std::string udp;
  put16(udp, d.src.port());
  put16(udp, d.dst.port());
  put16(udp, static_cast<std::uint32_t>(8 + d.bytes.size()));
  put16(udp, 0);  // no checksum: allowed over IPv4, and the reader does not check it
  return udp + d.bytes;
}

inline std::string ipv4_packet(const Datagram& d, std::uint8_t protocol = 17) {
  std::string udp = udp_header(d);
  std::string ip;
  ip += '\x45';
  ip += '\0';
  put16(ip, static_cast<std::uint32_t>(20 + udp.size()));
  put16(ip, 1);
  put16(ip, 0);
  ip += '\x40';
  ip += static_cast<char>(protocol);
  put16(ip, 0);
  for (int i = 0; i < 4; ++i) ip += static_cast<char>(d.src.bytes()[static_cast<std::size_t>(i)]);
  for (int i = 0; i < 4; ++i) ip += static_cast<char>(d.dst.bytes()[static_cast<std::size_t>(i)]);
  return ip + udp;
}

inline std::string ipv6_packet(const Datagram& d) {
  std::string udp = udp_header(d);
  std::string ip = std::string("\x60\0\0\0", 4);
  put16(ip, static_cast<std::uint32_t>(udp.size()));
  ip += '\x11';  // next header UDP
  ip += '\x40';
  for (auto b : d.src.bytes()) ip += static_cast<char>(b);
  for (auto b : d.dst.bytes()) ip += static_cast<char>(b);
  return ip + udp;
}

inline std::string ether_type_of(const std::string& ip_packet) {
  std::string t;
  put16(t, (static_cast<std::uint8_t>(ip_packet[0]) >> 4) == 6 ? 0x86DD : 0x0800);
  return t;
}

inline std::string ethernet_frame(const std::string& ip_packet) {
  return std::string("\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12) + ether_type_of(ip_packet) + ip_packet;
}

// Linux cooked v2 (what `tcpdump -i any` writes since libpcap 1.10): protocol, reserved,
// interface index, ARPHRD type, packet type, address length, 8 address bytes.
inline std::string sll2_frame(const std::string& ip_packet) {
  std::string h = ether_type_of(ip_packet);
  h += std::string("\0\0", 2);
  h += std::string("\0\0\0\x02", 4);
  h += std::string("\0\x01", 2);
  h += '\x04';  // outgoing
  h += '\x06';
  h += std::string("\x02\0\0\0\0\x01\0\0", 8);
  return h + ip_packet;
}

// Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol.
inline std::string sll_frame(const std::string& ip_packet) {
  std::string h = std::string("\0\x04\0\x01\0\x06", 6);
  h += std::string("\x02\0\0\0\0\x01\0\0", 8);
  return h + ether_type_of(ip_packet) + ip_packet;
}

struct Frame {
  rt::Instant time;
  std::string bytes;
};

// Writes `frames` to a pcap file with libpcap. Returns "" or libpcap's error.
inline std::string write_pcap(const std::filesystem::path& path, int link_type,
                              const std::vector<Frame>& frames) {
  pcap_t* dead = pcap_open_dead(link_type, 262144);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  if (dumper == nullptr) {
    std::string error = pcap_geterr(dead);
    pcap_close(dead);
    return error;
  }
  for (const auto& f : frames) {
    pcap_pkthdr header{};
    auto us = f.time.time_since_epoch().count();
    header.ts.tv_sec = static_cast<time_t>(us / 1'000'000);
    header.ts.tv_usec = static_cast<suseconds_t>(us % 1'000'000);
    header.caplen = static_cast<bpf_u_int32>(f.bytes.size());
    header.len = header.caplen;
    pcap_dump(reinterpret_cast<u_char*>(dumper), &header,
              reinterpret_cast<const u_char*>(f.bytes.data()));
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
  return {};
}

inline void put32le(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
}

inline void put16le(std::string& s, std::uint32_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>((v >> 8) & 0xFF);
}

// A pcapng file built block by block (little endian): section header, one interface
// (microsecond timestamps, the default), one enhanced packet block per frame.
inline std::string pcapng_bytes(std::uint16_t link_type, const std::vector<Frame>& frames) {
  std::string out;
  put32le(out, 0x0A0D0D0A);  // section header block
  put32le(out, 28);
  put32le(out, 0x1A2B3C4D);
  put16le(out, 1);
  put16le(out, 0);
  out += std::string(8, '\xFF');  // section length unknown
  put32le(out, 28);
  put32le(out, 1);  // interface description block
  put32le(out, 20);
  put16le(out, link_type);
  put16le(out, 0);
  put32le(out, 262144);
  put32le(out, 20);
  for (const auto& f : frames) {
    std::size_t padded = (f.bytes.size() + 3) / 4 * 4;
    auto total = static_cast<std::uint32_t>(32 + padded);
    auto us = static_cast<std::uint64_t>(f.time.time_since_epoch().count());
    put32le(out, 6);  // enhanced packet block
    put32le(out, total);
    put32le(out, 0);
    put32le(out, static_cast<std::uint32_t>(us >> 32));
    put32le(out, static_cast<std::uint32_t>(us & 0xFFFFFFFFu));
    put32le(out, static_cast<std::uint32_t>(f.bytes.size()));
    put32le(out, static_cast<std::uint32_t>(f.bytes.size()));
    out += f.bytes;
    out += std::string(padded - f.bytes.size(), '\0');
    put32le(out, total);
  }
  return out;
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// A fresh directory under the system temp dir, removed when the object goes.
class TempDir {
public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "trunklab-reports-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

}  // namespace trunklab::reports::testing
