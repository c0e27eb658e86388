// Interop with a real SIP peer from Debian: sipsak registers with digest at `trunklab serve`
// and pings it with OPTIONS, over loopback UDP and TCP. Skipped when sipsak is not installed.
//
// sipsak 0.9.8 answers only the FIRST WWW-Authenticate and only MD5 ("unsupported
// authentication algorithm" for SHA-256): the built-in configuration, served unmodified,
// challenges MD5 first for clients like it. sipsak also needs -u (else it sends username="alice@") and -x above the registrar's Min-Expires
// (its default Expires is 15 s, answered 423).
#include "tests/realtime/child_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <string>

namespace trunklab::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr auto kBound = 15s;  // generous: only a hung process reaches it

class SipsakInterop : public ::testing::Test {
protected:
  void SetUp() override {
    sipsak_ = find_on_path("sipsak");
    if (!sipsak_) GTEST_SKIP() << "sipsak is not installed (Debian package: sipsak)";
    // No --config: the built-in configuration, as a new user runs it.
    serve_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        TRUNKLAB_BINARY, "serve", "--listen", transport_ + ":127.0.0.1:0", "--db", ":memory:"});
    ASSERT_TRUE(serve_->wait_for_output(")\n", kBound)) << serve_->output();
    std::smatch match;
    const auto& out = serve_->output();
    ASSERT_TRUE(std::regex_search(out, match, std::regex("listening on " + transport_ + ":127\\.0\\.0\\.1:(\\d+)")))
        << out;
    port_ = match[1];
  }
  void TearDown() override {
    if (serve_) {
      serve_->signal(SIGTERM);
      EXPECT_EQ(serve_->wait(kBound), 0) << serve_->output();
    }
  }

  std::string transport_ = "udp";
  std::optional<std::string> sipsak_;
  std::unique_ptr<ChildProcess> serve_;
  std::string port_;
};

TEST_F(SipsakInterop, RegistersWithDigestAndGets200) {
  // -p before -s: sipsak then sends to the proxy instead of resolving the registrar domain.
  ChildProcess sipsak({*sipsak_, "-p", "127.0.0.1:" + port_, "-U", "-i", "-C",
                       "sip:alice@127.0.0.1:5099", "-u", "alice", "-a", "alice-secret", "-x", "120", "-s",
                       "sip:alice@default.registrar.example.test", "-H", "127.0.0.1", "-vv"});
  EXPECT_EQ(sipsak.wait(kBound), 0) << sipsak.output();
  EXPECT_THAT(sipsak.output(), HasSubstr("usrloc tests completed successful"));
  // serve logs one line per transaction: the challenge, then the registration.
  ASSERT_TRUE(serve_->wait_for_output("REGISTER sip:default.registrar.example.test from 127.0.0.1:", kBound))
      << serve_->output();
  ASSERT_TRUE(serve_->wait_for_output("-> 200", kBound)) << serve_->output();
  EXPECT_THAT(serve_->output(), HasSubstr("-> 401")) << "challenged first";
}

TEST_F(SipsakInterop, WrongPasswordIsRefused) {
  ChildProcess sipsak({*sipsak_, "-p", "127.0.0.1:" + port_, "-U", "-i", "-C",
                       "sip:alice@127.0.0.1:5099", "-u", "alice", "-a", "not-her-password", "-x", "120", "-s",
                       "sip:alice@default.registrar.example.test", "-H", "127.0.0.1", "-vv"});
  EXPECT_NE(sipsak.wait(kBound), 0) << sipsak.output();
  ASSERT_TRUE(serve_->wait_for_output("-> 403", kBound)) << serve_->output();
}

TEST_F(SipsakInterop, OptionsIsAnswered200) {
  ChildProcess sipsak({*sipsak_, "-s", "sip:ping@127.0.0.1:" + port_, "-H", "127.0.0.1", "-vv"});
  EXPECT_EQ(sipsak.wait(kBound), 0) << sipsak.output();
  EXPECT_THAT(sipsak.output(), HasSubstr("SIP/2.0 200"));
  // (sipsak 0.9.8 writes a five-digit port in its Request-URI as four digits: not checked.)
  EXPECT_TRUE(serve_->wait_for_output("OPTIONS sip:ping@127.0.0.1:", kBound))
      << serve_->output();
}

// The same over TCP (sipsak -E tcp): serve frames the stream by Content-Length and answers on
// the connection each request came in on.
class SipsakInteropTcp : public SipsakInterop {
protected:
  void SetUp() override {
    transport_ = "tcp";
    SipsakInterop::SetUp();
  }
};

TEST_F(SipsakInteropTcp, RegistersWithDigestOverTcp) {
  ChildProcess sipsak({*sipsak_, "-E", "tcp", "-p", "127.0.0.1:" + port_, "-U", "-i", "-C",
                       "sip:alice@127.0.0.1:5099;transport=tcp", "-u", "alice", "-a", "alice-secret", "-x",
                       "120", "-s", "sip:alice@default.registrar.example.test", "-H", "127.0.0.1", "-vv"});
  EXPECT_EQ(sipsak.wait(kBound), 0) << sipsak.output() << serve_->output();
  EXPECT_THAT(sipsak.output(), HasSubstr("usrloc tests completed successful"));
  ASSERT_TRUE(serve_->wait_for_output("-> 200", kBound)) << serve_->output();
  EXPECT_THAT(serve_->output(), HasSubstr("-> 401"));
}

TEST_F(SipsakInteropTcp, OptionsIsAnswered200OverTcp) {
  ChildProcess sipsak({*sipsak_, "-E", "tcp", "-s", "sip:ping@127.0.0.1:" + port_, "-H", "127.0.0.1", "-vv"});
  EXPECT_EQ(sipsak.wait(kBound), 0) << sipsak.output() << serve_->output();
  EXPECT_THAT(sipsak.output(), HasSubstr("SIP/2.0 200"));
}

}  // namespace
}  // namespace trunklab::testing
