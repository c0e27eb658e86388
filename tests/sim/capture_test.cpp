#include "wiretap/capture.hpp"
#include "sim/kernel/world.hpp"
#include "tests/sim/sim_fixtures.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace trunklab::sim {
namespace {

using rt::from_ms;
using rt::Instant;
using testing::ip;
using wiretap::build_udp_frame;
using wiretap::Capture;
using wiretap::CaptureRecord;
using wiretap::kPcapEpochUnixSeconds;
using wiretap::PcapOptions;

std::uint32_t be16(const std::string& s, std::size_t at) {
  return (std::uint32_t{static_cast<std::uint8_t>(s[at])} << 8) | static_cast<std::uint8_t>(s[at + 1]);
}

// RFC 1071: summing a header with its checksum in place gives 0xffff.
std::uint32_t folded_sum(const std::string& s, std::size_t from, std::size_t len, std::uint32_t sum) {
  for (std::size_t i = 0; i < len; i += 2) {
    sum += i + 1 < len ? be16(s, from + i) : std::uint32_t{static_cast<std::uint8_t>(s[from + i])} << 8;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

TEST(PcapFrame, HeadersAndChecksumsAreValid) {
  const std::string payload = "OPTIONS sip:x SIP/2.0\r\n\r\n!";  // odd length
  const std::string f = build_udp_frame(ip("10.0.0.1:5060"), ip("10.0.0.2:5070"), payload, 7);
  ASSERT_EQ(f.size(), 14 + 20 + 8 + payload.size());
  EXPECT_EQ(be16(f, 12), 0x0800u);
  EXPECT_EQ(static_cast<std::uint8_t>(f[14]), 0x45);
  EXPECT_EQ(be16(f, 16), 20 + 8 + payload.size());
  EXPECT_EQ(be16(f, 18), 7u);
  EXPECT_EQ(folded_sum(f, 14, 20, 0), 0xffffu);
  EXPECT_EQ(be16(f, 34), 5060u);
  EXPECT_EQ(be16(f, 36), 5070u);
  const std::size_t udp_len = 8 + payload.size();
  std::uint32_t pseudo = folded_sum(f, 26, 8, 0) + 17 + static_cast<std::uint32_t>(udp_len);
  EXPECT_EQ(folded_sum(f, 34, udp_len, pseudo), 0xffffu);
  EXPECT_EQ(f.substr(42), payload);
}

// A short registration with a digest challenge, as a registrar exchange would put on the wire.
struct Registration {
  explicit Registration(std::uint64_t seed) : world(seed) {
    auto& net = world.network();
    auto& phone = net.add_host("phone", ip("10.0.0.1")).bind(5060, ignore);
    auto& registrar = net.add_host("registrar", ip("10.0.0.2")).bind(5060, ignore);
    net.set_link("phone", "registrar", Link{from_ms(15), from_ms(5)});
    const rt::Address to_registrar = ip("10.0.0.2:5060");
    const rt::Address to_phone = ip("10.0.0.1:5060");
    world.at(Instant{from_ms(0)}, [&, to_registrar] { phone.send(to_registrar, request("REGISTER", 1)); });
    world.at(Instant{from_ms(40)}, [&, to_phone] { registrar.send(to_phone, response(401, "Unauthorized", 1)); });
    world.at(Instant{from_ms(80)}, [&, to_registrar] { phone.send(to_registrar, request("REGISTER", 2)); });
    world.at(Instant{from_ms(120)}, [&, to_phone] { registrar.send(to_phone, response(200, "OK", 2)); });
    world.at(Instant{from_ms(200)}, [&, to_registrar] { phone.send(to_registrar, request("OPTIONS", 3)); });
    world.run_until_idle();
  }
  static std::string request(const std::string& method, int cseq) {
    return method + " sip:registrar.example SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + std::to_string(cseq) + ";rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:alice@registrar.example>;tag=a1\r\n"
           "To: <sip:alice@registrar.example>\r\n"
           "Call-ID: reg-1@10.0.0.1\r\n"
           "CSeq: " + std::to_string(cseq) + " " + method + "\r\n"
           "Contact: <sip:alice@10.0.0.1:5060>\r\n"
           "Content-Length: 0\r\n\r\n";
  }
  static std::string response(int code, const std::string& reason, int cseq) {
    return "SIP/2.0 " + std::to_string(code) + " " + reason + "\r\n"
           "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK" + std::to_string(cseq) + ";rport=5060\r\n"
           "From: <sip:alice@registrar.example>;tag=a1\r\n"
           "To: <sip:alice@registrar.example>;tag=r1\r\n"
           "Call-ID: reg-1@10.0.0.1\r\n"
           "CSeq: " + std::to_string(cseq) + " REGISTER\r\n"
           "Content-Length: 0\r\n\r\n";
  }
  struct Ignore final : rt::DatagramHandler {
    void on_datagram(const rt::Address&, const rt::Address&, std::string_view) override {}
  } ignore;
  World world;
};

TEST(Capture, RecordsEveryDatagramWithNamesAndTimes) {
  Registration run(1);
  const auto& records = run.world.capture().records();
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].src_host, "phone");
  EXPECT_EQ(records[0].dst_host, "registrar");
  EXPECT_EQ(records[1].src_host, "registrar");
  EXPECT_EQ(rt::to_ms(records[1].time), 40);
  EXPECT_EQ(records[4].bytes.substr(0, 7), "OPTIONS");
}

TEST(Capture, SameSeedGivesIdenticalPcapBytes) {
  Registration a(3);
  Registration b(3);
  const auto pa = a.world.capture().pcap_bytes();
  const auto pb = b.world.capture().pcap_bytes();
  ASSERT_TRUE(pa.error.empty()) << pa.error;
  ASSERT_GT(pa.bytes.size(), 24u + 5 * 16);
  EXPECT_EQ(pa.bytes, pb.bytes);
  // The file starts with the pcap magic and the first packet's time is the fixed epoch.
  EXPECT_EQ(static_cast<std::uint8_t>(pa.bytes[0]), 0xd4);
  std::uint32_t first_ts = 0;
  for (int i = 3; i >= 0; --i) first_ts = (first_ts << 8) | static_cast<std::uint8_t>(pa.bytes[24 + static_cast<std::size_t>(i)]);
  EXPECT_EQ(first_ts, kPcapEpochUnixSeconds);
}

TEST(Capture, DroppedDatagramsAreMarkedAndCanBeLeftOutOfThePcap) {
  World world(1);
  testing::Recorder r(world.clock());
  auto& net = world.network();
  auto& a = net.add_host("a", ip("10.0.0.1")).bind(5060, r);
  net.add_host("b", ip("10.0.0.2")).bind(5060, r);
  net.add_fault(FaultRule::drop("second").during(Instant{from_ms(1)}));
  a.send(ip("10.0.0.2:5060"), "kept");
  world.at(Instant{from_ms(1)}, [&] { a.send(ip("10.0.0.2:5060"), "lost"); });
  world.run_until_idle();
  const Capture& capture = world.capture();
  ASSERT_EQ(capture.records().size(), 2u);
  EXPECT_TRUE(capture.records()[1].dropped);
  const auto all = capture.pcap_bytes();
  const auto delivered_only = capture.pcap_bytes(PcapOptions{.include_dropped = false});
  EXPECT_EQ(all.bytes.size() - delivered_only.bytes.size(), 16 + 42 + std::string("lost").size());
}

// --pcap-delivered: each datagram as its receiver got it, at its arrival time, in arrival order;
// none of the dropped ones.
TEST(Capture, DeliveredViewHasArrivalTimesInArrivalOrderWithoutTheDropped) {
  World world(1);
  testing::Recorder r(world.clock());
  auto& net = world.network();
  net.set_default_link(Link{.latency = from_ms(10)});
  auto& a = net.add_host("a", ip("10.0.0.1")).bind(5060, r);
  net.add_host("b", ip("10.0.0.2")).bind(5060, r);
  net.add_fault(FaultRule::delay_by("late", from_ms(30)).during(Instant{}, Instant{from_ms(1)}));
  net.add_fault(FaultRule::drop("lost").during(Instant{from_ms(5)}));
  a.send(ip("10.0.0.2:5060"), "first-sent");                                       // arrives at 40 ms
  world.at(Instant{from_ms(2)}, [&] { a.send(ip("10.0.0.2:5060"), "second-sent"); });  // arrives at 12 ms
  world.at(Instant{from_ms(6)}, [&] { a.send(ip("10.0.0.2:5060"), "dropped"); });
  world.run_until_idle();
  const Capture& capture = world.capture();
  ASSERT_EQ(capture.records().size(), 3u);
  EXPECT_EQ(capture.records()[0].delivered_at, Instant{from_ms(40)});
  EXPECT_EQ(capture.records()[1].delivered_at, Instant{from_ms(12)});
  EXPECT_FALSE(capture.records()[2].delivered_at.has_value());
  const auto view = capture.pcap_bytes(PcapOptions{.delivered_view = true});
  ASSERT_TRUE(view.error.empty()) << view.error;
  // Two records (16-byte header + 42 bytes of headers + payload), the second sent first.
  const std::size_t first = 24;
  const std::size_t second = first + 16 + 42 + std::string("second-sent").size();
  ASSERT_EQ(view.bytes.size(), second + 16 + 42 + std::string("first-sent").size());
  EXPECT_EQ(view.bytes.substr(first + 16 + 42, 11), "second-sent");
  EXPECT_EQ(view.bytes.substr(second + 16 + 42, 10), "first-sent");
  auto usec = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(view.bytes[at + 4 + static_cast<std::size_t>(i)]);
    return v;
  };
  EXPECT_EQ(usec(first), 12'000u);
  EXPECT_EQ(usec(second), 40'000u);
}

std::string run_command(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string out;
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0) out.append(buffer, n);
  return out;
}

TEST(Capture, TsharkDecodesTheExchangeAsSipInOrder) {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not installed";
  Registration run(1);
  const std::string path = ::testing::TempDir() + "trunklab_sim_registration.pcap";
  const auto error = run.world.capture().write_pcap(path);
  ASSERT_FALSE(error.has_value()) << *error;
  const std::string fields = run_command("tshark -r '" + path +
                                         "' -Y sip -T fields -e sip.Method -e sip.Status-Code 2>/dev/null");
  EXPECT_EQ(fields, "REGISTER\t\n\t401\nREGISTER\t\n\t200\nOPTIONS\t\n");
  // Wireshark validates the IPv4 and UDP checksums of every frame (status 1 = good).
  const std::string good = run_command(
      "tshark -r '" + path + "' -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE"
      " -Y 'ip.checksum.status==1 && udp.checksum.status==1' -T fields -e frame.number 2>/dev/null");
  EXPECT_EQ(good, "1\n2\n3\n4\n5\n");
  std::remove(path.c_str());
}

TEST(Capture, SngrepReadsTheExchangeAsSipDialogs) {
  if (std::system("command -v sngrep >/dev/null 2>&1") != 0) GTEST_SKIP() << "sngrep not installed";
  Registration run(1);
  const std::string in = ::testing::TempDir() + "trunklab_sim_sngrep_in.pcap";
  const std::string out = ::testing::TempDir() + "trunklab_sim_sngrep_out.pcap";
  ASSERT_FALSE(run.world.capture().write_pcap(in).has_value());
  std::remove(out.c_str());
  // Headless: sngrep parses the capture and saves the SIP packets it recognised.
  ASSERT_EQ(std::system(("TERM=dumb sngrep -N -q -I '" + in + "' -O '" + out + "' >/dev/null 2>&1").c_str()), 0);
  const std::string fields = run_command("tshark -r '" + out +
                                         "' -Y sip -T fields -e sip.Method -e sip.Status-Code 2>/dev/null");
  EXPECT_EQ(fields, "REGISTER\t\n\t401\nREGISTER\t\n\t200\nOPTIONS\t\n");
  std::remove(in.c_str());
  std::remove(out.c_str());
}

}  // namespace
}  // namespace trunklab::sim
