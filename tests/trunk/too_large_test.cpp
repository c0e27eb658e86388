// Nothing silently dropped (RFC 3261 §21.5.14), in virtual time on the simulated IPv4 network:
// a request that fits in a UDP datagram but whose answer (a challenge added, From copied)
// would not gets a short 513 Message Too Large saying why, from the registrar and the trunk
// alike; and the simulated network refuses a datagram over 65507 bytes as a socket would.
#include "tests/lab/lab.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace trunklab;
using testlab::Lab;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

struct TooLarge : ::testing::Test {
  Lab lab{[] {
    config::Config c;
    c.extensions = {{"office-1", "office1", "s3cret", "default"}};
    return c;
  }()};
  agents::UserAgent* phone = nullptr;
  void SetUp() override {
    lab.start();
    phone = &lab.add_agent("phone", "10.0.0.66", agents::UserAgentConfig{});
  }
  // The start line of the answer and its size ("" and 0 when none came).
  std::pair<std::string, std::size_t> exchange(const std::string& text) {
    auto before = phone->raw_responses().size();
    phone->send_raw(text, lab.trunk_address());
    lab.run_for_s(1);
    if (phone->raw_responses().size() == before) return {};
    last = phone->raw_responses().back();
    return {last.substr(0, last.find("\r\n")), last.size()};
  }
  std::string last;
  // `method` with a From padded so that the whole request is `size` bytes.
  static std::string padded(const std::string& method, const std::string& uri, std::size_t size,
                            const std::string& branch = "1") {
    auto with_pad = [&](std::size_t pad) {
      return method + " " + uri + " SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 10.0.0.66:5060;branch=z9hG4bKbig" + method + branch + "\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:office1@default.registrar.example.test>;tag=b1;pad=" + std::string(pad, 'p') + "\r\n"
             "To: <" + uri + ">\r\n"
             "Call-ID: big-" + method + branch + "@10.0.0.66\r\n"
             "CSeq: 1 " + method + "\r\n"
             "Contact: <sip:office1@10.0.0.66:5060>\r\n"
             "Content-Length: 0\r\n\r\n";
    };
    return with_pad(size - with_pad(0).size());
  }
};

}  // namespace

TEST_F(TooLarge, RegisterWhose401WouldNotFitGetsA513SayingWhy) {
  // 65 450 bytes: the 401 (one MD5 challenge by default) then exceeds 65 507.
  const auto request = padded("REGISTER", "sip:default.registrar.example.test", 65'450);
  ASSERT_EQ(request.size(), 65'450u);
  const auto [status_line, size] = exchange(request);
  ASSERT_THAT(status_line, StartsWith("SIP/2.0 513 Message Too Large (the 401 response would be "));
  EXPECT_THAT(status_line, HasSubstr("bytes, over the 65507-byte limit)"));
  EXPECT_LE(size, 65'507u);
  EXPECT_NE(last.find("Call-ID: big-REGISTER1@10.0.0.66\r\n"), std::string::npos);
  EXPECT_EQ(last.find("WWW-Authenticate"), std::string::npos);
  EXPECT_EQ(lab.reference().endpoint().too_large().answered_513, 1u);
  // A REGISTER of the same shape whose 401 fits is challenged as usual.
  EXPECT_THAT(exchange(padded("REGISTER", "sip:default.registrar.example.test", 60'000, "2")).first,
              StartsWith("SIP/2.0 401 "));
  EXPECT_THAT(lab.ladder(), ElementsAre("phone -> trunk REGISTER", "trunk -> phone 513", "phone -> trunk REGISTER",
                                        "trunk -> phone 401"));
}

TEST_F(TooLarge, InviteWhose407WouldNotFitGetsA513AndItsTransactionEnds) {
  const auto response = exchange(padded("INVITE", "sip:+15551234567@default.trunk.example.test", 65'450)).first;
  ASSERT_THAT(response, StartsWith("SIP/2.0 513 Message Too Large (the 407 response would be "));
  EXPECT_EQ(lab.reference().trunk().channels_in_use(), 0u);
  lab.run_for_s(40);
  EXPECT_EQ(lab.reference().endpoint().server_count(), 0u);
}

TEST_F(TooLarge, TheSimulatedNetworkRefusesADatagramOverTheIpv4UdpLimit) {
  phone->send_raw(std::string(65'508, 'x'), lab.trunk_address());
  phone->send_raw(std::string(65'507, 'x'), lab.trunk_address());
  lab.run_for_s(1);
  const auto& records = lab.world().capture().records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].dropped);
  EXPECT_EQ(records[0].drop_reason, "message too large: 65508 bytes, over the 65507-byte UDP limit (EMSGSIZE)");
  EXPECT_FALSE(records[1].dropped);  // delivered (and dropped by the reference as garbage)
}
