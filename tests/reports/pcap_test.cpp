#include "reports/pcap/live_capture.hpp"
#include "reports/pcap/pcap_reader.hpp"
#include "reports/render/render.hpp"
#include "tests/reports/fixtures.hpp"

#include <gtest/gtest.h>

namespace trunklab::reports {
namespace {

using namespace testing;

// Frames for the known exchange, starting at a real-looking wall-clock time.
template <typename Wrap>
std::vector<Frame> frames_of(const std::vector<Datagram>& datagrams, Wrap wrap) {
  std::vector<Frame> frames;
  for (const auto& d : datagrams) {
    frames.push_back({d.time + rt::Duration{1'767'225'600'000'000}, wrap(d)});
  }
  return frames;
}

std::string ethernet_v4(const Datagram& d) { return ethernet_frame(ipv4_packet(d)); }

Ladder ladder_of(const PcapRead& read) { return build_ladder(read.datagrams, {known_names(), {}, false}); }

std::string golden_ladder() {
  return render_text(build_ladder(known_exchange(), {known_names(), std::nullopt, false}));
}

TEST(ReadPcap, EthernetCaptureGivesTheSameLadderAsTheDatagrams) {
  TempDir dir;
  auto path = dir.path() / "eth.pcap";
  ASSERT_EQ(write_pcap(path, DLT_EN10MB, frames_of(known_exchange(), ethernet_v4)), "");
  PcapRead read = read_pcap(path.string());
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(read.skipped.not_ip + read.skipped.bad_ip + read.skipped.other_protocol, 0u);
  EXPECT_EQ(render_text(ladder_of(read)), golden_ladder());
}

TEST(ReadPcap, TcpdumpAnyCaptureInLinuxCookedV2) {
  TempDir dir;
  auto path = dir.path() / "any.pcap";
  ASSERT_EQ(write_pcap(path, DLT_LINUX_SLL2, frames_of(known_exchange(), [](const Datagram& d) {
                         return sll2_frame(ipv4_packet(d));
                       })),
            "");
  PcapRead read = read_pcap(path.string());
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(render_text(ladder_of(read)), golden_ladder());
}

TEST(ReadPcap, LinuxCookedV1AndIpv6) {
  std::vector<Datagram> v6 = {
      datagram(0, "[2001:db8::1]:5060", "[2001:db8::2]:5060", request("OPTIONS", "v6", 1)),
      datagram(5, "[2001:db8::2]:5060", "[2001:db8::1]:5060", response(200, "OK", "v6", 1, "OPTIONS"))};
  TempDir dir;
  auto path = dir.path() / "sll.pcap";
  ASSERT_EQ(write_pcap(path, DLT_LINUX_SLL,
                       frames_of(v6, [](const Datagram& d) { return sll_frame(ipv6_packet(d)); })),
            "");
  PcapRead read = read_pcap(path.string());
  EXPECT_EQ(read.error, "");
  Ladder ladder = build_ladder(read.datagrams);
  ASSERT_EQ(ladder.messages.size(), 2u);
  EXPECT_EQ(ladder.parties[0].name, "[2001:db8::1]:5060");
  EXPECT_EQ(ladder.messages[1].label, "200 OK");
  EXPECT_EQ(ladder.messages[1].offset, rt::from_ms(5));
}

TEST(ReadPcap, RawIpCapture) {
  TempDir dir;
  auto path = dir.path() / "raw.pcap";
  ASSERT_EQ(write_pcap(path, DLT_RAW, frames_of(known_exchange(), [](const Datagram& d) {
                         return ipv4_packet(d);
                       })),
            "");
  PcapRead read = read_pcap(path.string());
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(render_text(ladder_of(read)), golden_ladder());
}

TEST(ReadPcap, PcapngFile) {
  TempDir dir;
  auto path = dir.path() / "capture.pcapng";
  write_file(path, pcapng_bytes(1, frames_of(known_exchange(), ethernet_v4)));
  PcapRead read = read_pcap(path.string());
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(render_text(ladder_of(read)), golden_ladder());
}

TEST(ReadPcap, SkipsPacketsThatAreNotSipOverUdp) {
  auto frames = frames_of(known_exchange(), ethernet_v4);
  Datagram rtp = datagram(30, "10.0.0.1:40000", "10.0.0.2:40002", "\x80\x00\x12\x34 rtp payload");
  Datagram tcp = datagram(31, kAlice, kTrunk, request("OPTIONS", "over-tcp", 1));
  frames.push_back({rtp.time, ethernet_v4(rtp)});
  frames.push_back({tcp.time, ethernet_frame(ipv4_packet(tcp, 6))});
  frames.push_back({tcp.time, std::string("\xff\xff\xff\xff\xff\xff\x02\0\0\0\0\x01\x08\x06", 14) +
                                  std::string(28, '\0')});  // ARP
  TempDir dir;
  auto path = dir.path() / "mixed.pcap";
  ASSERT_EQ(write_pcap(path, DLT_EN10MB, frames), "");
  PcapRead read = read_pcap(path.string());
  EXPECT_EQ(read.skipped.not_ip, 1u);  // ARP
  EXPECT_EQ(read.skipped.bad_ip, 1u);  // a UDP header where TCP's should be
  EXPECT_EQ(read.skipped.udp_not_sip, 1u);  // RTP
  Ladder ladder = ladder_of(read);
  EXPECT_EQ(ladder.not_sip, 1u);  // RTP
  EXPECT_EQ(ladder.messages.size(), 18u);
}

TEST(ReadPcap, TruncatedFileKeepsWhatWasReadAndSaysWhy) {
  TempDir dir;
  auto path = dir.path() / "cut.pcap";
  ASSERT_EQ(write_pcap(path, DLT_EN10MB, frames_of(known_exchange(), ethernet_v4)), "");
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 40);
  PcapRead read = read_pcap(path.string());
  EXPECT_NE(read.error.find("cut.pcap: packet 18: truncated"), std::string::npos) << read.error;
  EXPECT_TRUE(read.opened);
  EXPECT_EQ(read.datagrams.size(), 17u);
  EXPECT_EQ(ladder_of(read).messages.size(), 17u);
}

TEST(ReadPcap, NotACaptureIsAnError) {
  TempDir dir;
  auto path = dir.path() / "notes.txt";
  write_file(path, "this is not a capture file at all\n");
  PcapRead read = read_pcap(path.string());
  EXPECT_NE(read.error.find("notes.txt"), std::string::npos);
  EXPECT_FALSE(read.opened);
  EXPECT_TRUE(read.datagrams.empty());
  EXPECT_NE(read_pcap((dir.path() / "missing.pcap").string()).error, "");
}

}  // namespace
}  // namespace trunklab::reports

// The filter live capture installs: UDP on the run's ports only, each port once.
TEST(LiveCapture, FilterKeepsUdpOnTheRunsPorts) {
  EXPECT_EQ(trunklab::reports::udp_ports_filter({5070, 5060, 5070}), "udp and (port 5060 or port 5070)");
  EXPECT_EQ(trunklab::reports::udp_ports_filter({}), "udp");
}

// An interface that does not exist is refused with its name in the message, not a crash.
TEST(LiveCapture, UnknownInterfaceIsAClearError) {
  auto opened = trunklab::reports::LiveCapture::open("no-such-if0", {5060});
  ASSERT_TRUE(std::holds_alternative<std::string>(opened));
  EXPECT_TRUE(std::get<std::string>(opened).starts_with("capture on no-such-if0: ")) << std::get<std::string>(opened);
}
