// The ladder's reader on TCP streams as real captures have them: segments out of order,
// retransmitted, overlapping, a capture that starts mid-stream; and its limits reported.
#include "reports/pcap/pcap_reader.hpp"
#include "tests/reports/fixtures.hpp"
#include "wiretap/frames.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trunklab::wiretap {
namespace {

using reports::testing::addr;
using reports::testing::Frame;
using reports::testing::request;
using reports::testing::TempDir;

constexpr const char* kPhone = "10.0.0.1:40001";
constexpr const char* kServer = "10.0.0.2:5060";
constexpr std::uint32_t kIsn = 0xfffffff0u;  // the stream wraps past 2^32 (RFC 9293 §3.4)

// A segment of the phone's stream: `offset` bytes past the first data byte.
Frame segment(const std::string& stream, std::size_t offset, std::size_t length, const char* src = kPhone) {
  const auto seq = static_cast<std::uint32_t>(kIsn + 1 + offset);
  return {rt::Instant{rt::from_ms(static_cast<std::int64_t>(offset))},
          build_tcp_frame(addr(src), addr(kServer), {seq, 1, tcp_flag::psh | tcp_flag::ack},
                          std::string_view(stream).substr(offset, length), 1)};
}

Frame syn(const char* src = kPhone) {
  return {rt::Instant{}, build_tcp_frame(addr(src), addr(kServer), {kIsn, 0, tcp_flag::syn}, {}, 1)};
}

reports::PcapRead read(const std::vector<Frame>& frames, const reports::TcpStreamLimits& limits = {}) {
  TempDir dir;
  const auto path = dir.path() / "t.pcap";
  EXPECT_EQ(reports::testing::write_pcap(path, DLT_EN10MB, frames), "");
  return reports::read_pcap(path.string(), limits);
}

std::vector<std::string> bytes_of(const reports::PcapRead& r) {
  std::vector<std::string> out;
  for (const auto& d : r.datagrams) out.push_back(d.bytes);
  return out;
}

const std::string kFirst = request("OPTIONS", "one", 1);
const std::string kSecond = request("OPTIONS", "two", 2);
const std::string kStream = kFirst + kSecond;

TEST(TcpReassembly, OutOfOrderRetransmittedAndOverlappingSegments) {
  const auto r = read({syn(), segment(kStream, 40, 100), segment(kStream, 0, 50),  // ahead of a gap, then the gap
                       segment(kStream, 0, 50),                                    // a retransmission
                       segment(kStream, 120, kStream.size() - 120), segment(kStream, 100, 30)});  // overlap
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(bytes_of(r), ::testing::ElementsAre(kFirst, kSecond));
  EXPECT_EQ(r.tcp.duplicate_bytes, 10u + 50u + 20u + 30u);
  EXPECT_EQ(r.tcp.unfinished, 0u);
}

TEST(TcpReassembly, ACaptureThatStartsMidStreamIsFollowedFromItsFirstSegment) {
  const auto r = read({segment(kStream, kFirst.size(), kSecond.size())});
  EXPECT_THAT(bytes_of(r), ::testing::ElementsAre(kSecond));
}

TEST(TcpReassembly, AStreamEndingInsideAMessageIsCounted) {
  const auto r = read({syn(), segment(kStream, 0, kFirst.size() + 10)});
  EXPECT_THAT(bytes_of(r), ::testing::ElementsAre(kFirst));
  EXPECT_EQ(r.tcp.unfinished, 1u);
}

TEST(TcpReassembly, AStreamThatIsNotSipIsSkippedAndCounted) {
  const std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto r = read({syn(), segment(junk, 0, junk.size())});
  EXPECT_TRUE(r.datagrams.empty());
  EXPECT_EQ(r.tcp.unframeable, 1u);
}

TEST(TcpReassembly, TheFlowLimitIsReportedNotSilent) {
  reports::TcpStreamLimits limits;
  limits.max_flows = 1;
  const auto r = read({segment(kStream, 0, kFirst.size()), segment(kStream, 0, kFirst.size(), "10.0.0.9:40009")},
                      limits);
  EXPECT_EQ(r.datagrams.size(), 1u);
  EXPECT_EQ(r.tcp.flows_over_limit, 1u);
  EXPECT_TRUE(r.tcp.limited());
}

TEST(TcpReassembly, TheBufferLimitIsReportedNotSilent) {
  reports::TcpStreamLimits limits;
  limits.max_buffered_bytes = 64;
  const auto r = read({syn(), segment(kStream, 0, 100)}, limits);  // no message completes within 64 bytes
  EXPECT_TRUE(r.datagrams.empty());
  EXPECT_EQ(r.tcp.buffer_overflows, 1u);
  EXPECT_TRUE(r.tcp.limited());
}

}  // namespace
}  // namespace trunklab::wiretap
