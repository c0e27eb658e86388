// Admission as a third-party client meets it: a trunk addressed by IP (SIPp's `-sn uac` sends
// `INVITE sip:+15551234567@127.0.0.1:5060`) is routed like its trunk domain; MD5 is challenged
// first by default (clients that read only the first challenge know only MD5); and every 4xx the
// reference writes says why in its reason phrase, keeping the standard phrase in front.
#include "tests/lab/lab.hpp"

#include "reference/config/example.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

using namespace trunklab;
using testlab::Lab;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using namespace std::chrono_literals;

namespace {

config::Config base_config() {
  config::Config c;
  c.extensions = {{"office-1", "office1", "s3cret", "default"}};
  c.providers = {{"telnyx", "sip.telnyx.example", {}, {}, {}, {}}};
  c.routes = {{"r1", "telnyx", 1, "+1", "default"}};
  c.numbers = {[] { config::Number x; x.number = "+15550001111"; x.dial_extension = "office-1"; return x; }()};
  return c;
}

agents::ReplyStep reply(int status, rt::Duration after = 0ms) { return {status, after, {}, {}}; }

// The header values of `name` in a message, in order.
std::vector<std::string> header_values(const std::string& message, const std::string& name) {
  std::vector<std::string> out;
  for (auto at = message.find("\r\n" + name + ":"); at != std::string::npos;
       at = message.find("\r\n" + name + ":", at + 2)) {
    auto start = at + 2 + name.size() + 1;
    out.push_back(message.substr(start, message.find("\r\n", start) - start));
  }
  return out;
}

struct Admission : ::testing::Test {
  config::Config config = base_config();
  std::unique_ptr<Lab> lab;
  void start() {
    lab = std::make_unique<Lab>(config);
    lab->add_provider_address("telnyx", "10.0.0.20");
    lab->start();
    telnyx = &lab->add_agent("telnyx", "10.0.0.20", lab->provider({reply(200, 100ms)}));
  }
  agents::UserAgent* telnyx = nullptr;
  // A phone that addresses the trunk by the reference's IP instead of its trunk domain.
  agents::UserAgent& phone_by_ip(const std::string& name, const std::string& ip) {
    auto c = lab->phone("office-1");
    c.call_domain = "10.0.0.1:5060";
    return lab->add_agent(name, ip, c);
  }
  // Every response the reference sent, as "407 Proxy Authentication Required".
  std::vector<std::string> trunk_statuses() const {
    std::vector<std::string> out;
    for (const auto& line : lab->ladder(true)) {
      if (line.starts_with("trunk -> ") && line.find(" -> ") != std::string::npos) {
        auto label = line.substr(line.find(' ', 9) + 1);
        if (!label.empty() && std::isdigit(static_cast<unsigned char>(label[0]))) out.push_back(label);
      }
    }
    return out;
  }
};

}  // namespace

TEST_F(Admission, AuthenticatedExtensionAddressingTheTrunkByIpIsRouted) {
  start();
  auto& alice = phone_by_ip("alice", "10.0.0.10");
  lab->at_s(0, [&] { alice.call("+15551234567"); });
  lab->at_s(5, [&] { alice.hangup(); });
  lab->run_for_s(30);
  auto text = testlab::join(lab->ladder(true));
  EXPECT_THAT(lab->message("alice -> trunk INVITE"), StartsWith("INVITE sip:+15551234567@10.0.0.1:5060 SIP/2.0"));
  EXPECT_THAT(lab->ladder(), Contains("trunk -> alice 407")) << text;
  EXPECT_THAT(lab->message("trunk -> telnyx INVITE"), StartsWith("INVITE sip:+15551234567@sip.telnyx.example SIP/2.0"))
      << text;
  EXPECT_EQ(alice.calls().at(0).final_status, 200) << text;
  auto outcomes = lab->reference().trunk().outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].caller, "office-1");  // the customer comes from the authenticated extension
  EXPECT_EQ(outcomes[0].trunk, "default");
}

TEST_F(Admission, TrustedAddressAddressingTheTrunkByIpIsRoutedUnchallenged) {
  config.trunks = {[] { config::Trunk x; x.name = "pbx"; x.trusted_addresses = {"10.0.0.30"}; return x; }()};
  start();
  agents::UserAgentConfig pbx;
  pbx.outbound_proxy = lab->trunk_address();
  pbx.call_domain = "10.0.0.1";
  auto& office = lab->add_agent("pbx", "10.0.0.30", pbx);
  lab->at_s(0, [&] { office.call("+15551234567"); });
  lab->run_for_s(10);
  auto ladder = lab->ladder();
  ASSERT_GE(ladder.size(), 3u);
  EXPECT_EQ(ladder[0], "pbx -> trunk INVITE");
  EXPECT_EQ(ladder[1], "trunk -> pbx 100");
  EXPECT_EQ(ladder[2], "trunk -> telnyx INVITE") << testlab::join(lab->ladder(true));
  EXPECT_EQ(office.calls().at(0).final_status, 200);
  EXPECT_EQ(lab->reference().trunk().outcomes().at(0).caller, "trusted 10.0.0.30");
}

// telnyx (at its configured address) calls our number and an unknown one, both addressed to our
// IP as providers do: still inbound calls, not a caller to be challenged for a trunk.
TEST_F(Admission, ProviderCallingByIpStaysInbound) {
  start();
  auto& office = lab->add_agent("office", "10.0.0.10", lab->phone("office-1"));
  lab->at_s(0, [&] { office.register_now(); });
  lab->at_s(1, [&] { telnyx->call("+15550001111"); });
  lab->at_s(3, [&] { telnyx->hangup(); });
  lab->at_s(5, [&] { telnyx->call("+4930123456"); });
  lab->run_for_s(20);
  auto text = testlab::join(lab->ladder(true));
  EXPECT_THAT(lab->message("telnyx -> trunk INVITE"), StartsWith("INVITE sip:+15550001111@10.0.0.1:5060 SIP/2.0"));
  EXPECT_THAT(lab->ladder(), Contains("trunk -> office INVITE")) << text;
  EXPECT_THAT(lab->ladder(), Not(Contains("trunk -> telnyx 407"))) << text;
  auto calls = telnyx->calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].final_status, 200) << text;
  EXPECT_EQ(calls[1].final_status, 404) << text;
  EXPECT_EQ(calls[1].final_reason, "Not Found (no number +4930123456 here)");
}

// The default challenges MD5 only: SIPp 3.6 and sipsak 0.9 read only the first challenge and
// know only MD5, and baresip 1.0 gives up on a response carrying any non-MD5 challenge.
TEST_F(Admission, DefaultChallengeIsMd5Only) {
  config.auth = config::AuthPolicy{};  // the defaults
  start();
  auto& alice = lab->add_agent("alice", "10.0.0.10", lab->phone("office-1"));
  lab->at_s(0, [&] { alice.call("+15551234567"); });
  lab->at_s(0.5, [&] { alice.register_now(); });
  lab->run_for_s(5);
  auto invite_challenges = header_values(lab->message("trunk -> alice 407"), "Proxy-Authenticate");
  ASSERT_EQ(invite_challenges.size(), 1u);
  EXPECT_THAT(invite_challenges[0], HasSubstr("algorithm=MD5"));
  auto register_challenges = header_values(lab->message("trunk -> alice 401"), "WWW-Authenticate");
  ASSERT_EQ(register_challenges.size(), 1u);
  EXPECT_THAT(register_challenges[0], HasSubstr("algorithm=MD5"));
  EXPECT_EQ(alice.calls().at(0).final_status, 200);
  EXPECT_TRUE(alice.registered());
}

// SHA-256 stays available: configured first, it is offered first and a client that knows it
// (the emulated phone takes the topmost challenge it supports, RFC 8760 §2.4) authenticates.
TEST_F(Admission, Sha256IsOfferedFirstWhenConfiguredAndAccepted) {
  config.auth.algorithms = {"SHA-256", "MD5"};
  start();
  auto& alice = lab->add_agent("alice", "10.0.0.10", lab->phone("office-1"));
  lab->at_s(0, [&] { alice.call("+15551234567"); });
  lab->at_s(0.5, [&] { alice.register_now(); });
  lab->run_for_s(5);
  auto challenges = header_values(lab->message("trunk -> alice 407"), "Proxy-Authenticate");
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_THAT(challenges[0], HasSubstr("algorithm=SHA-256"));
  EXPECT_THAT(challenges[1], HasSubstr("algorithm=MD5"));
  EXPECT_THAT(lab->message("alice -> trunk INVITE", 1), HasSubstr("algorithm=SHA-256"));
  EXPECT_EQ(alice.calls().at(0).final_status, 200);
  EXPECT_THAT(lab->message("alice -> trunk REGISTER", 1), HasSubstr("algorithm=SHA-256"));
  EXPECT_TRUE(alice.registered());
}

TEST(BuiltInConfig, ChallengesMd5SoOldClientsWork) {
  EXPECT_THAT(config::example_config().auth.algorithms, ElementsAre("MD5"));
  EXPECT_THAT(config::AuthPolicy{}.algorithms, ElementsAre("MD5"));
}

// ---- reason phrases: the standard phrase, then why -------------------------------------------

TEST_F(Admission, WrongPasswordOnAnInviteSaysSo) {
  start();
  auto c = lab->phone("office-1");
  c.password = "wrong";
  auto& alice = lab->add_agent("alice", "10.0.0.10", c);
  lab->at_s(0, [&] { alice.call("+15551234567"); });
  lab->run_for_s(10);
  EXPECT_EQ(alice.calls().at(0).final_status, 403);
  EXPECT_EQ(alice.calls().at(0).final_reason, "Forbidden (wrong user name or password)");
}

TEST_F(Admission, WrongPasswordOnARegisterSaysSo) {
  start();
  auto c = lab->phone("office-1");
  c.password = "wrong";
  lab->add_agent("alice", "10.0.0.10", c).register_now();
  lab->run_for_s(5);
  EXPECT_THAT(lab->ladder(true), Contains("trunk -> alice 403 Forbidden (wrong user name or password)"));
}

TEST_F(Admission, UnknownTrunkDomainNamesTheDomain) {
  start();
  auto c = lab->phone("office-1");
  c.call_domain = "nobody.example.org";
  auto& alice = lab->add_agent("alice", "10.0.0.10", c);
  lab->at_s(0, [&] { alice.call("+15551234567"); });
  lab->run_for_s(5);
  EXPECT_EQ(alice.calls().at(0).final_reason, "Not Found (no trunk domain nobody.example.org)");
}

TEST_F(Admission, NoRouteNamesTheNumber) {
  start();
  auto& alice = lab->add_agent("alice", "10.0.0.10", lab->phone("office-1"));
  lab->at_s(0, [&] { alice.call("+4930123456"); });  // routes cover +1 only
  lab->run_for_s(5);
  EXPECT_EQ(alice.calls().at(0).final_status, 503);
  EXPECT_EQ(alice.calls().at(0).final_reason, "Service Unavailable (no route for +4930123456)");
}

TEST_F(Admission, InboundToANumberWithoutRegisteredContactSaysWho) {
  start();
  lab->at_s(0, [&] { telnyx->call("+15550001111"); });
  lab->run_for_s(5);
  EXPECT_EQ(telnyx->calls().at(0).final_reason, "Temporarily Unavailable (office-1 has no registered contact)");
}

TEST_F(Admission, OfferWithoutAnAllowedCodecListsTheAllowedOnes) {
  config.codecs = {"G722"};
  start();
  auto& alice = lab->add_agent("alice", "10.0.0.10", lab->phone("office-1"));
  lab->at_s(0, [&] { alice.call("+15551234567"); });
  lab->run_for_s(5);
  EXPECT_EQ(alice.calls().at(0).final_status, 488);
  EXPECT_EQ(alice.calls().at(0).final_reason, "Not Acceptable Here (no offered codec is one of G722)");
}

TEST_F(Admission, ChannelLimitNamesTheTrunkAndTheLimit) {
  config.trunks = {[] { config::Trunk x; x.name = "acme"; x.channels = 1; return x; }()};
  config.providers[0].invite_timeout = 20s;
  start();
  auto& alice = lab->add_agent("alice", "10.0.0.10", lab->phone("office-1"));
  auto& bob = lab->add_agent("bob", "10.0.0.11", lab->phone("office-1"));
  lab->at_s(0, [&] { alice.call("+15551234567"); });
  lab->at_s(2, [&] { bob.call("+15551234567"); });
  lab->run_for_s(5);
  EXPECT_EQ(bob.calls().at(0).final_reason, "Service Unavailable (trunk acme: channel limit 1 reached)");
}

TEST_F(Admission, RegisterTooBriefSaysTheMinimum) {
  start();
  auto c = lab->phone("office-1");
  c.expires_s = 10;
  lab->add_agent("alice", "10.0.0.10", c).register_now();
  lab->run_for_s(5);
  EXPECT_THAT(lab->ladder(true), Contains("trunk -> alice 423 Interval Too Brief (at least 60 s)"));
}

// Every 4xx the reference wrote in these flows carries "(why)" after the standard phrase; the
// first 401/407 challenge keeps the bare standard phrase, which already says why.
TEST_F(Admission, Every4xxTheReferenceWritesSaysWhy) {
  config.codecs = {"G722"};
  start();
  auto wrong = lab->phone("office-1");
  wrong.password = "wrong";
  auto& mallory = lab->add_agent("mallory", "10.0.0.12", wrong);
  auto& alice = lab->add_agent("alice", "10.0.0.10", lab->phone("office-1"));
  auto brief = lab->phone("office-1");
  brief.expires_s = 10;
  auto& bob = lab->add_agent("bob", "10.0.0.11", brief);
  lab->at_s(0, [&] { mallory.call("+15551234567"); });
  lab->at_s(0, [&] { mallory.register_now(); });
  lab->at_s(0, [&] { bob.register_now(); });
  lab->at_s(1, [&] { alice.call("+15551234567"); });  // 488: the trunk takes G722 only
  lab->at_s(2, [&] { telnyx->call("+15550001111"); });  // 480: nobody registered
  lab->at_s(3, [&] { telnyx->call("+4930999"); });      // 404: not our number
  lab->run_for_s(10);
  auto statuses = trunk_statuses();
  std::size_t checked = 0;
  for (const auto& s : statuses) {
    if (s[0] != '4' || s == "401 Unauthorized" || s == "407 Proxy Authentication Required") continue;
    ++checked;
    EXPECT_THAT(s, ::testing::MatchesRegex("4[0-9][0-9] [A-Za-z/ ]+ \\(.+\\)")) << s;
  }
  EXPECT_GE(checked, 5u) << testlab::join(lab->ladder(true));
}
