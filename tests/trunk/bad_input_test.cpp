// Bad input never crashes the reference and never leaks a channel: malformed requests get 400
// naming the problem, Max-Forwards 0 gets 483, a request that already passed through us 482.
#include "tests/lab/lab.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace trunklab;
using testlab::Lab;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

struct BadInput : ::testing::Test {
  Lab lab{[] {
    config::Config c;
    c.extensions = {{"office-1", "office1", "s3cret", "default"}};
    return c;
  }()};
  agents::UserAgent* fuzzer = nullptr;
  void SetUp() override {
    lab.start();
    fuzzer = &lab.add_agent("fuzzer", "10.0.0.66", agents::UserAgentConfig{});
  }
  std::string exchange(const std::string& text) {
    auto before = fuzzer->raw_responses().size();
    fuzzer->send_raw(text, lab.trunk_address());
    lab.run_for_s(1);
    if (fuzzer->raw_responses().size() == before) return {};
    return fuzzer->raw_responses().back();
  }
  static std::string invite(const std::string& extra, const std::string& branch = "z9hG4bKfuzz1") {
    return "INVITE sip:+15551234567@default.trunk.example.test SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 10.0.0.66:5060;branch=" + branch + "\r\n"
           "From: <sip:fuzzer@10.0.0.66>;tag=abc\r\n"
           "To: <sip:+15551234567@default.trunk.example.test>\r\n"
           "Call-ID: fuzz-" + branch + "\r\n"
           "CSeq: 1 INVITE\r\n" + extra + "Content-Length: 0\r\n\r\n";
  }
};

}  // namespace

TEST_F(BadInput, NegativeContentLengthGets400NamingTheProblem) {
  auto text = invite("Max-Forwards: 70\r\n");
  text.replace(text.find("Content-Length: 0"), 17, "Content-Length: -5");
  auto response = exchange(text);
  EXPECT_THAT(response, StartsWith("SIP/2.0 400 "));
  EXPECT_THAT(response.substr(0, response.find("\r\n")), HasSubstr("Content-Length"));
}

TEST_F(BadInput, CSeqMethodMismatchGets400) {
  auto text = invite("Max-Forwards: 70\r\n");
  text.replace(text.find("CSeq: 1 INVITE"), 14, "CSeq: 1 OPTIONS");
  EXPECT_THAT(exchange(text), StartsWith("SIP/2.0 400 "));
}

TEST_F(BadInput, MaxForwardsZeroGets483) {
  EXPECT_THAT(exchange(invite("Max-Forwards: 0\r\n")), StartsWith("SIP/2.0 483 "));
}

TEST_F(BadInput, ARequestThatAlreadyPassedThroughUsLoops) {
  auto text = invite("Max-Forwards: 70\r\n");
  text.insert(text.find("From:"), "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKours\r\n");
  EXPECT_THAT(exchange(text), StartsWith("SIP/2.0 482 "));
}

TEST_F(BadInput, GarbageIsDroppedAndTheServerKeepsServing) {
  EXPECT_EQ(exchange("\x01\x02 this is not SIP at all\r\n\r\n"), "");
  auto options = "OPTIONS sip:default.trunk.example.test SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 10.0.0.66:5060;branch=z9hG4bKopt1\r\n"
                 "Max-Forwards: 70\r\nFrom: <sip:fuzzer@10.0.0.66>;tag=1\r\n"
                 "To: <sip:default.trunk.example.test>\r\nCall-ID: opt-1\r\nCSeq: 1 OPTIONS\r\n"
                 "Content-Length: 0\r\n\r\n";
  auto response = exchange(options);
  EXPECT_THAT(response, StartsWith("SIP/2.0 200 OK"));
  EXPECT_THAT(response, HasSubstr("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER"));
  EXPECT_EQ(lab.reference().trunk().channels_in_use(), 0u);
}

TEST_F(BadInput, UnknownMethodGets405WithAllow) {
  auto text = "SUBSCRIBE sip:default.trunk.example.test SIP/2.0\r\n"
              "Via: SIP/2.0/UDP 10.0.0.66:5060;branch=z9hG4bKsub1\r\n"
              "Max-Forwards: 70\r\nFrom: <sip:fuzzer@10.0.0.66>;tag=1\r\n"
              "To: <sip:default.trunk.example.test>\r\nCall-ID: sub-1\r\nCSeq: 1 SUBSCRIBE\r\n"
              "Content-Length: 0\r\n\r\n";
  auto response = exchange(text);
  EXPECT_THAT(response, StartsWith("SIP/2.0 405 "));
  EXPECT_THAT(response, HasSubstr("Allow: "));
}

TEST_F(BadInput, ByeForAnUnknownDialogGets481) {
  auto text = "BYE sip:trunk@10.0.0.1:5060 SIP/2.0\r\n"
              "Via: SIP/2.0/UDP 10.0.0.66:5060;branch=z9hG4bKbye1\r\n"
              "Max-Forwards: 70\r\nFrom: <sip:fuzzer@10.0.0.66>;tag=1\r\n"
              "To: <sip:trunk@10.0.0.1>;tag=2\r\nCall-ID: nothing-here\r\nCSeq: 2 BYE\r\n"
              "Content-Length: 0\r\n\r\n";
  EXPECT_THAT(exchange(text), StartsWith("SIP/2.0 481 "));
}
