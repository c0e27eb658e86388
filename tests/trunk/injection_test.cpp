// Header injection through the trunk: a Request-URI or header value carrying a bare CR, a
// bare LF or another control octet (RFC 3261 §25.1) is refused with a 400 naming where, and the
// provider never receives anything of it. The same INVITE without the bad octet reaches the
// provider (the trunk trusts the sender's address, so no challenge stands in between).
#include "tests/lab/lab.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace trunklab;
using ::testing::StartsWith;

namespace {

constexpr const char* kNumber = "+15551234567";

struct Injection : ::testing::Test {
  std::unique_ptr<testlab::Lab> lab;
  agents::UserAgent* pbx = nullptr;

  void SetUp() override {
    config::Config c;
    c.providers = {{"telnyx", "sip.telnyx.example", {}, {}, {}, {}}};
    c.routes = {{"r1", "telnyx", 1, "", "default"}};
    c.trunks.push_back([] { config::Trunk t; t.name = "default"; t.trusted_addresses = {"10.0.0.66"}; return t; }());
    lab = std::make_unique<testlab::Lab>(c);
    lab->add_provider_address("telnyx", "10.0.0.20");
    lab->start();
    pbx = &lab->add_agent("pbx", "10.0.0.66", agents::UserAgentConfig{});
    lab->add_agent("telnyx", "10.0.0.20", lab->provider({{486, rt::Duration{0}, {}, {}}}));
  }

  static std::string invite(const std::string& user, const std::string& extra = {}) {
    return "INVITE sip:" + user + "@default.trunk.example.test SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 10.0.0.66:5060;branch=z9hG4bKinject\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:pbx@10.0.0.66>;tag=p1\r\n"
           "To: <sip:" + std::string(kNumber) + "@default.trunk.example.test>\r\n"
           "Call-ID: inject-1@10.0.0.66\r\n"
           "CSeq: 1 INVITE\r\n" + extra + "Content-Length: 0\r\n\r\n";
  }

  // The final answer the PBX got, and every datagram the provider was sent.
  std::pair<std::string, std::vector<std::string>> send(const std::string& bytes) {
    pbx->send_raw(bytes, lab->trunk_address());
    lab->run_for_s(2);
    std::string final_line;
    std::vector<std::string> to_provider;
    for (const auto& r : lab->world().capture().records()) {
      if (r.view != wiretap::CaptureView::sent) continue;
      if (r.dst_host == "telnyx") to_provider.push_back(r.bytes);
      const auto line = r.bytes.substr(0, r.bytes.find("\r\n"));
      if (r.dst_host == "pbx" && line.starts_with("SIP/2.0 ") && line[8] != '1') final_line = line;
    }
    return {final_line, to_provider};
  }
};

TEST_F(Injection, ACleanInviteReachesTheProvider) {
  const auto [answer, to_provider] = send(invite(kNumber));
  ASSERT_FALSE(to_provider.empty());
  EXPECT_THAT(to_provider.front(), StartsWith("INVITE sip:+15551234567@sip.telnyx.example SIP/2.0\r\n"));
  EXPECT_THAT(answer, StartsWith("SIP/2.0 486"));
}

TEST_F(Injection, BareCrInTheRequestUriIsRefusedAndNeverForwarded) {
  // The form: "INVITE sip:+1^MX-Injected@..." went out to the provider as sent.
  const auto [answer, to_provider] = send(invite("+1\rX-Injected"));
  EXPECT_EQ(answer, "SIP/2.0 400 Bad Request (bare CR in the Request-URI)");
  EXPECT_TRUE(to_provider.empty());
}

TEST_F(Injection, CrlfInTheRequestUriIsRefusedAndNeverForwarded) {
  const auto [answer, to_provider] = send(invite("+1\r\nX-Injected:1"));
  EXPECT_THAT(answer, StartsWith("SIP/2.0 400 Bad Request ("));
  EXPECT_TRUE(to_provider.empty());
}

TEST_F(Injection, BareLfInAHeaderValueIsRefusedAndNeverForwarded) {
  const auto [answer, to_provider] = send(invite(kNumber, "Subject: hello\nX-Injected: 1\r\n"));
  EXPECT_EQ(answer, "SIP/2.0 400 Bad Request (bare LF in Subject)");
  EXPECT_TRUE(to_provider.empty());
}

TEST_F(Injection, NulOrDelInAHeaderValueIsRefusedAndNeverForwarded) {
  const auto [nul_answer, nul_forwarded] =
      send(invite(kNumber, std::string("Subject: a\0b\r\n", 15)));
  EXPECT_EQ(nul_answer, "SIP/2.0 400 Bad Request (control character 0x00 in Subject)");
  EXPECT_TRUE(nul_forwarded.empty());
  SetUp();  // a fresh lab: the same transaction again would be a retransmission
  const auto [del_answer, del_forwarded] = send(invite(kNumber, "Subject: a\x7f" "b\r\n"));
  EXPECT_EQ(del_answer, "SIP/2.0 400 Bad Request (control character 0x7F in Subject)");
  EXPECT_TRUE(del_forwarded.empty());
}

}  // namespace

namespace {

// serve's log line for a transaction (ReferenceServer::set_log) escapes what came off the
// wire: here raw UTF-8 in a Request-URI (which the parser lets through) and a backslash.
TEST_F(Injection, LogLinesEscapeWhatIsNotPrintable) {
  std::vector<std::string> log;
  lab->reference().set_log([&log](const std::string& line) { log.push_back(line); });
  auto options = invite("caf\xC3\xA9\\1");
  options.replace(0, 6, "OPTIONS");
  options.replace(options.find("CSeq: 1 INVITE"), 14, "CSeq: 1 OPTIONS");
  send(options);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].find("OPTIONS sip:caf\\xC3\\xA9\\\\1@default.trunk.example.test from 10.0.0.66:5060"), 0u)
      << log[0];
  for (const char c : log[0]) EXPECT_TRUE(c >= 0x20 && c < 0x7F) << log[0];
}

}  // namespace
