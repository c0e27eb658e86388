// SIP over TCP in trunklab's pcaps: records of a TCP transport become a handshake and data
// segments with valid checksums and consistent sequence numbers; the ladder's reader and tshark
// reassemble them into the same SIP messages, a message split over two segments included.
#include "reports/ladder/ladder.hpp"
#include "reports/pcap/pcap_reader.hpp"
#include "tests/reports/fixtures.hpp"
#include "tests/realtime/child_process.hpp"
#include "wiretap/capture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace trunklab::wiretap {
namespace {

using namespace std::chrono_literals;
using reports::testing::addr;
using reports::testing::request;
using reports::testing::response;
using reports::testing::TempDir;
using ::testing::ElementsAre;

std::uint32_t be16(const std::string& s, std::size_t at) {
  return (std::uint32_t{static_cast<std::uint8_t>(s[at])} << 8) | static_cast<std::uint8_t>(s[at + 1]);
}
std::uint32_t be32(const std::string& s, std::size_t at) { return (be16(s, at) << 16) | be16(s, at + 2); }

// RFC 1071: summing a header with its checksum in place gives 0xffff.
std::uint32_t folded_sum(const std::string& s, std::size_t from, std::size_t len, std::uint32_t sum) {
  for (std::size_t i = 0; i < len; i += 2) {
    sum += i + 1 < len ? be16(s, from + i) : std::uint32_t{static_cast<std::uint8_t>(s[from + i])} << 8;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

constexpr const char* kPhone = "10.0.0.1:40001";
constexpr const char* kServer = "10.0.0.2:5060";

CaptureRecord tcp_record(std::int64_t at_ms, const char* src, const char* dst, std::string bytes) {
  CaptureRecord r;
  r.time = rt::Instant{rt::from_ms(at_ms)};
  r.src = addr(src);
  r.dst = addr(dst);
  r.bytes = std::move(bytes);
  r.transport = rt::TransportKind::tcp;
  return r;
}

// A REGISTER whose body is too big for one segment (it must be split), then the 401.
std::string big_request() {
  std::string body(70'000, 'x');
  std::string head = request("REGISTER", "big", 2);
  head = head.substr(0, head.find("Content-Length"));
  return head + "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

Capture registration_over_tcp() {
  Capture capture;
  capture.record(tcp_record(0, kPhone, kServer, request("REGISTER", "reg", 1)));
  capture.record(tcp_record(5, kServer, kPhone, response(401, "Unauthorized", "reg", 1, "REGISTER")));
  capture.record(tcp_record(10, kPhone, kServer, big_request()));
  capture.record(tcp_record(15, kServer, kPhone, response(200, "OK", "big", 2, "REGISTER")));
  return capture;
}

TEST(TcpFrame, HeadersAndChecksumsAreValid) {
  const std::string payload = "OPTIONS sip:x SIP/2.0\r\n\r\n!";  // odd length
  const std::string f = build_tcp_frame(addr(kPhone), addr(kServer), {1000, 2000, tcp_flag::psh | tcp_flag::ack},
                                        payload, 9);
  ASSERT_EQ(f.size(), 14 + 20 + 20 + payload.size());
  EXPECT_EQ(static_cast<std::uint8_t>(f[23]), 6);  // protocol TCP
  EXPECT_EQ(be16(f, 16), 20 + 20 + payload.size());
  EXPECT_EQ(folded_sum(f, 14, 20, 0), 0xffffu);
  EXPECT_EQ(be16(f, 34), 40001u);
  EXPECT_EQ(be16(f, 36), 5060u);
  EXPECT_EQ(be32(f, 38), 1000u);
  EXPECT_EQ(be32(f, 42), 2000u);
  EXPECT_EQ(static_cast<std::uint8_t>(f[47]), tcp_flag::psh | tcp_flag::ack);
  const std::size_t tcp_len = 20 + payload.size();
  const std::uint32_t pseudo = folded_sum(f, 26, 8, 0) + 6 + static_cast<std::uint32_t>(tcp_len);
  EXPECT_EQ(folded_sum(f, 34, tcp_len, pseudo), 0xffffu);
  EXPECT_EQ(f.substr(54), payload);
}

TEST(TcpPcap, HandshakeThenDataWithConsistentSequenceNumbers) {
  TcpFlows flows;
  std::uint16_t ip_id = 0;
  const auto first = flows.frames(addr(kPhone), addr(kServer), "hello", ip_id);
  ASSERT_EQ(first.size(), 4u);  // SYN, SYN-ACK, ACK, data
  EXPECT_EQ(static_cast<std::uint8_t>(first[0][47]), tcp_flag::syn);
  EXPECT_EQ(static_cast<std::uint8_t>(first[1][47]), tcp_flag::syn | tcp_flag::ack);
  EXPECT_EQ(be32(first[1], 42), be32(first[0], 38) + 1);  // the SYN-ACK acknowledges the SYN
  const std::uint32_t client_data = be32(first[3], 38);
  EXPECT_EQ(client_data, be32(first[0], 38) + 1);
  const auto reply = flows.frames(addr(kServer), addr(kPhone), "hi!", ip_id);
  ASSERT_EQ(reply.size(), 1u);  // the flow is known: no second handshake
  EXPECT_EQ(be32(reply[0], 38), be32(first[1], 38) + 1);
  EXPECT_EQ(be32(reply[0], 42), client_data + 5);  // acknowledges the 5 bytes of "hello"
  const auto more = flows.frames(addr(kPhone), addr(kServer), "again", ip_id);
  EXPECT_EQ(be32(more[0], 38), client_data + 5);
  EXPECT_EQ(be32(more[0], 42), be32(reply[0], 38) + 3);
  EXPECT_EQ(ip_id, 6);
}

TEST(TcpPcap, AMessageOverTheSegmentLimitIsSplit) {
  TcpFlows flows;
  std::uint16_t ip_id = 0;
  flows.frames(addr(kPhone), addr(kServer), "x", ip_id);
  const auto frames = flows.frames(addr(kPhone), addr(kServer), std::string(kMaxTcpSegmentPayload + 10, 'y'), ip_id);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].size(), 54 + kMaxTcpSegmentPayload);
  EXPECT_EQ(frames[1].size(), 54 + 10u);
  EXPECT_EQ(be32(frames[1], 38), be32(frames[0], 38) + kMaxTcpSegmentPayload);
}

TEST(TcpPcap, OverTheFlowLimitTheLeastRecentFlowIsForgottenAndCounted) {
  TcpFlows flows(2);
  std::uint16_t ip_id = 0;
  flows.frames(addr(kPhone), addr(kServer), "a", ip_id);
  flows.frames(addr("10.0.0.3:40003"), addr(kServer), "b", ip_id);
  flows.frames(addr(kPhone), addr(kServer), "c", ip_id);  // the phone's flow is now the most recent
  EXPECT_EQ(flows.frames(addr("10.0.0.4:40004"), addr(kServer), "d", ip_id).size(), 4u);
  EXPECT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows.forgotten(), 1u);
  EXPECT_EQ(flows.frames(addr(kPhone), addr(kServer), "e", ip_id).size(), 1u);  // still known
  EXPECT_EQ(flows.frames(addr("10.0.0.3:40003"), addr(kServer), "f", ip_id).size(), 4u);  // a new handshake
}

TEST(TcpPcap, PcapSizeAccountsForHandshakeAndSegments) {
  const Capture capture = registration_over_tcp();
  const auto pcap = capture.pcap_bytes();
  ASSERT_EQ(pcap.error, "");
  EXPECT_EQ(pcap.bytes.size(), capture.pcap_size());
}

TEST(TcpPcap, TheLadderReaderReassemblesTheMessages) {
  TempDir dir;
  const auto path = (dir.path() / "tcp.pcap").string();
  ASSERT_EQ(registration_over_tcp().write_pcap(path), std::nullopt);
  const auto read = reports::read_pcap(path);
  ASSERT_EQ(read.error, "");
  EXPECT_EQ(read.skipped.not_ip + read.skipped.bad_ip + read.skipped.other_protocol, 0u);
  std::vector<std::string> labels;
  for (const auto& m : reports::build_ladder(read.datagrams).messages) labels.push_back(m.label);
  EXPECT_THAT(labels, ElementsAre("REGISTER", "401 Unauthorized", "REGISTER", "200 OK"));
  ASSERT_EQ(read.datagrams.size(), 4u);
  EXPECT_EQ(read.datagrams[2].bytes, big_request());  // split over two segments, one message
  EXPECT_EQ(read.datagrams[2].src, addr(kPhone));
  EXPECT_EQ(read.tcp.messages, 4u);
  EXPECT_FALSE(read.tcp.limited());
}

TEST(TcpPcap, UdpRecordsAreStillUdpFrames) {
  Capture capture;
  CaptureRecord udp = tcp_record(0, kPhone, kServer, request("OPTIONS", "u", 1));
  udp.transport = rt::TransportKind::udp;
  capture.record(udp);
  const auto pcap = capture.pcap_bytes();
  EXPECT_EQ(pcap.bytes.size(), 24 + 16 + build_udp_frame(udp.src, udp.dst, udp.bytes, 1).size());
  EXPECT_EQ(pcap.bytes.substr(40), build_udp_frame(udp.src, udp.dst, udp.bytes, 1));
}

// tshark (Wireshark's dissectors) follows the streams: SIP on port 5060 over TCP, the message
// that spans two segments reassembled into one, no malformed frames.
TEST(TcpPcap, TsharkDecodesTheSipMessages) {
  const auto tshark = testing::find_on_path("tshark");
  ASSERT_TRUE(tshark) << "tshark is not installed (tools/setup.sh --tests installs it)";
  TempDir dir;
  const auto path = (dir.path() / "tcp.pcap").string();
  ASSERT_EQ(registration_over_tcp().write_pcap(path), std::nullopt);
  testing::ChildProcess decode({*tshark, "-r", path, "-Y", "sip && !_ws.malformed && !tcp.analysis.flags", "-T",
                                "fields", "-e", "sip.CSeq", "-e", "sip.Status-Code", "-e", "sip.Content-Length"});
  ASSERT_EQ(decode.wait(60s), 0) << decode.output();
  std::string out = decode.output();
  if (out.starts_with("Running as user")) out.erase(0, out.find('\n') + 1);  // tshark as root says so first
  EXPECT_EQ(out, "1 REGISTER\t\t0\n1 REGISTER\t401\t0\n2 REGISTER\t\t70000\n2 REGISTER\t200\t0\n");
}

}  // namespace
}  // namespace trunklab::wiretap
