// `trunklab serve` anchoring media on real sockets ("media": "relay"): a call through an
// IP-authenticated trunk gets relay ports from the configured range in the INVITE to the
// provider and in the 200 to the phone, and RTP sent to them crosses to the other side both
// ways, from the relay's ports, to where each side really sends from.
#include "tests/realtime/child_process.hpp"
#include "tests/realtime/udp_peer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace trunklab::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::StartsWith;

constexpr auto kBound = 15s;  // generous: only a hung process reaches it
constexpr int kFirstPort = 47100, kLastPort = 47199;

std::string sdp(std::uint16_t rtp_port) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + std::to_string(rtp_port) +
         " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
}

std::string with_body(std::string head, const std::string& body) {
  return head + "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string header(const std::string& message, const std::string& name) {
  std::smatch m;
  return std::regex_search(message, m, std::regex("\r\n" + name + ": ([^\r]*)\r\n")) ? m[1].str() : "";
}

int media_port(const std::string& message) {
  std::smatch m;
  return std::regex_search(message, m, std::regex(R"(\r\nm=audio (\d+) )")) ? std::stoi(m[1].str()) : -1;
}

// The next datagram that is not a provisional response, or "" when none within 5 s.
std::string next_non_provisional(UdpPeer& peer) {
  for (int i = 0; i < 10; ++i) {
    auto got = peer.receive(5s);
    if (!got) return "";
    if (!got->starts_with("SIP/2.0 1")) return *got;
  }
  return "";
}

TEST(ServeRelay, ACallThroughTheRelayCarriesRtpBothWaysOnRelayPorts) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("trunklab-serve-relay-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  UdpPeer phone, phone_rtp, provider, provider_rtp;
  const auto config = (dir / "relay.json").string();
  std::ofstream(config) << R"({ "providers": [{ "name": "carrier", "address": "127.0.0.1:)" << provider.port()
                        << R"(" }], "routes": [{ "provider": "carrier" }],
    "trunks": [{ "name": "acme", "trusted_addresses": ["127.0.0.1"], "media": "relay" }],
    "media": { "ports": [)" << kFirstPort << ", " << kLastPort << "] } }";
  ChildProcess serve({TRUNKLAB_BINARY, "serve", "--config", config, "--listen", "udp:127.0.0.1:0", "--db", ":memory:"});
  ASSERT_TRUE(serve.wait_for_output(" expired removed\n", kBound)) << serve.output();
  std::smatch m;
  const std::string out = serve.output();
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(listening on udp:127\.0\.0\.1:(\d+) )"))) << out;
  const auto serve_port = static_cast<std::uint16_t>(std::stoi(m[1].str()));

  const auto phone_at = "127.0.0.1:" + std::to_string(phone.port());
  ASSERT_TRUE(phone.send(serve_port, with_body("INVITE sip:+15551234567@acme.trunk.example.test SIP/2.0\r\n"
                                               "Via: SIP/2.0/UDP " + phone_at + ";branch=z9hG4bKrelay1;rport\r\n"
                                               "Max-Forwards: 70\r\nFrom: <sip:pbx@127.0.0.1>;tag=p1\r\n"
                                               "To: <sip:+15551234567@acme.trunk.example.test>\r\n"
                                               "Call-ID: serve-relay@127.0.0.1\r\nCSeq: 1 INVITE\r\n"
                                               "Contact: <sip:pbx@" + phone_at + ">\r\n",
                                               sdp(phone_rtp.port()))));
  const auto offer = provider.receive(5s);
  ASSERT_TRUE(offer) << serve.output();
  ASSERT_THAT(*offer, StartsWith("INVITE "));
  const int facing_provider = media_port(*offer);
  EXPECT_GE(facing_provider, kFirstPort) << "the provider is offered a relay port, not the phone's\n" << *offer;
  EXPECT_LE(facing_provider, kLastPort) << *offer;

  std::string ok = "SIP/2.0 200 OK\r\n";
  for (const char* name : {"Via", "From", "To", "Call-ID", "CSeq"}) {
    ok += std::string(name) + ": " + header(*offer, name) + (std::string(name) == "To" ? ";tag=c1" : "") + "\r\n";
  }
  ok += "Contact: <sip:carrier@127.0.0.1:" + std::to_string(provider.port()) + ">\r\n";
  ASSERT_TRUE(provider.send(serve_port, with_body(ok, sdp(provider_rtp.port()))));
  const auto answer = next_non_provisional(phone);
  ASSERT_THAT(answer, StartsWith("SIP/2.0 200 ")) << serve.output();
  const int facing_phone = media_port(answer);
  EXPECT_GE(facing_phone, kFirstPort) << "the phone is answered with a relay port, not the provider's\n" << answer;
  EXPECT_LE(facing_phone, kLastPort) << answer;
  ASSERT_NE(facing_phone, facing_provider);

  // RTP both ways through the relay (the phone first: its side latches, then the provider's).
  const std::string to_provider = "\x80" + std::string(1, '\0') + "rtp from the phone";
  const std::string to_phone = "\x80" + std::string(1, '\0') + "rtp from the provider";
  ASSERT_TRUE(phone_rtp.send(static_cast<std::uint16_t>(facing_phone), to_provider));
  EXPECT_EQ(provider_rtp.receive(5s).value_or("nothing"), to_provider);
  ASSERT_TRUE(provider_rtp.send(static_cast<std::uint16_t>(facing_provider), to_phone));
  EXPECT_EQ(phone_rtp.receive(5s).value_or("nothing"), to_phone);

  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(kBound), 0) << serve.output();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace trunklab::testing
