// The reference trunk in virtual time, leg by leg, against the product's documented ladders
// (shared/seeds/003: 407 challenge, early media, hangup-cause relay; 001: failover, inbound).
#include "tests/lab/lab.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

using namespace trunklab;
using testlab::Lab;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

namespace {

config::Config base_config() {
  config::Config c;
  c.extensions = {{"office-1", "office1", "s3cret", "default"}, {"office-2", "office2", "pa55", "default"}};
  c.providers = {{"telnyx", "sip.telnyx.example", {}, {}, {}, {}},
                 {"twilio", "sip.twilio.example", {}, {}, {}, {}}};
  c.routes = {{"r1", "telnyx", 1, "", "default"}, {"r2", "twilio", 2, "", "default"}};
  c.numbers = {[] { config::Number x; x.number = "+15550001111"; x.dial_extension = "office-1"; return x; }()};
  return c;
}

agents::ReplyStep reply(int status, rt::Duration after = 0ms) { return {status, after, {}, {}}; }

struct Outbound : ::testing::Test {
  config::Config config = base_config();
  std::unique_ptr<Lab> lab;
  agents::UserAgent* alice = nullptr;
  agents::UserAgent* telnyx = nullptr;
  agents::UserAgent* twilio = nullptr;

  void SetUp() override {}
  void build(std::vector<agents::ReplyStep> telnyx_script, std::vector<agents::ReplyStep> twilio_script = {}) {
    lab = std::make_unique<Lab>(config);
    lab->add_provider_address("telnyx", "10.0.0.20");
    lab->add_provider_address("twilio", "10.0.0.21");
    lab->start();
    alice = &lab->add_agent("alice", "10.0.0.10", lab->phone("office-1"));
    telnyx = &lab->add_agent("telnyx", "10.0.0.20", lab->provider(std::move(telnyx_script)));
    twilio = &lab->add_agent("twilio", "10.0.0.21", lab->provider(std::move(twilio_script)));
  }
};

}  // namespace

TEST_F(Outbound, DocumentedLadderWith407) {
  build({reply(100), reply(180, 100ms), reply(200, 2s)});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(10, [&] { alice->hangup(); });
  lab->run_for_s(60);
  EXPECT_THAT(lab->ladder(), ElementsAreArray({
      "alice -> trunk INVITE", "trunk -> alice 407", "alice -> trunk ACK",
      "alice -> trunk INVITE", "trunk -> alice 100",
      "trunk -> telnyx INVITE", "telnyx -> trunk 100", "telnyx -> trunk 180", "trunk -> alice 180",
      "telnyx -> trunk 200", "trunk -> alice 200", "alice -> trunk ACK", "trunk -> telnyx ACK",
      "alice -> trunk BYE", "trunk -> telnyx BYE", "telnyx -> trunk 200", "trunk -> alice 200"}))
      << testlab::join(lab->ladder(true));
  EXPECT_EQ(lab->reference().trunk().channels_in_use(), 0u);
  auto calls = alice->calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].final_status, 200);
  EXPECT_THAT(lab->message("alice -> trunk INVITE", 1), HasSubstr("Proxy-Authorization: Digest"));
}

TEST_F(Outbound, EarlyMedia183WithSdpIsRelayedBeforeThe200) {
  build({reply(100), {183, 100ms, "Session Progress", true}, reply(200, 3s)});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(10, [&] { alice->hangup(); });
  lab->run_for_s(60);
  auto ladder = lab->ladder();
  auto pos = [&](const std::string& line) { return std::find(ladder.begin(), ladder.end(), line) - ladder.begin(); };
  EXPECT_LT(pos("telnyx -> trunk 183"), pos("trunk -> alice 183"));
  EXPECT_LT(pos("trunk -> alice 183"), pos("telnyx -> trunk 200"));
  auto relayed = lab->message("trunk -> alice 183");
  EXPECT_THAT(relayed, HasSubstr("Content-Type: application/sdp"));
  EXPECT_THAT(relayed, HasSubstr("m=audio"));
  EXPECT_TRUE(alice->calls().at(0).early_media);
}

TEST_F(Outbound, FarEnd404IsRelayedWithItsReasonAndCauseNotFailedOver) {
  build({reply(100), {404, 200ms, "Not Found", {}}}, {reply(200)});
  lab->at_s(0, [&] { alice->call("+15559999999"); });
  lab->run_for_s(60);
  auto ladder = lab->ladder();
  EXPECT_THAT(ladder, ::testing::Contains("trunk -> alice 404"));
  EXPECT_THAT(ladder, ::testing::Not(::testing::Contains("trunk -> twilio INVITE")));
  auto relayed = lab->message("trunk -> alice 404");
  EXPECT_THAT(relayed, HasSubstr("SIP/2.0 404 Not Found\r\n"));
  EXPECT_THAT(relayed, HasSubstr("Reason: SIP;cause=404;text=\"Not Found\""));
  EXPECT_EQ(alice->calls().at(0).final_status, 404);
  EXPECT_EQ(lab->reference().trunk().channels_in_use(), 0u);
}

TEST_F(Outbound, ReasonPhraseOfTheFarEndIsKeptExactly) {
  build({{486, 50ms, "Busy Here (callee on another call)", {}}});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->run_for_s(60);
  EXPECT_THAT(lab->message("trunk -> alice 486"), HasSubstr("SIP/2.0 486 Busy Here (callee on another call)\r\n"));
}

TEST_F(Outbound, FailsOverOn503ToTheNextProvider) {
  build({reply(100), reply(503, 50ms)}, {reply(100), reply(180, 100ms), reply(200, 2s)});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(10, [&] { alice->hangup(); });
  lab->run_for_s(60);
  EXPECT_THAT(lab->ladder(), ElementsAreArray({
      "alice -> trunk INVITE", "trunk -> alice 407", "alice -> trunk ACK",
      "alice -> trunk INVITE", "trunk -> alice 100",
      "trunk -> telnyx INVITE", "telnyx -> trunk 100", "telnyx -> trunk 503", "trunk -> telnyx ACK",
      "trunk -> twilio INVITE", "twilio -> trunk 100", "twilio -> trunk 180", "trunk -> alice 180",
      "twilio -> trunk 200", "trunk -> alice 200", "alice -> trunk ACK", "trunk -> twilio ACK",
      "alice -> trunk BYE", "trunk -> twilio BYE", "twilio -> trunk 200", "trunk -> alice 200"}))
      << testlab::join(lab->ladder(true));
  EXPECT_EQ(lab->reference().trunk().counters().failovers, 1u);
  auto outcomes = lab->reference().trunk().outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].answered_by, "twilio");
}

TEST_F(Outbound, FailsOverWhenTheProviderNeverAnswers) {
  // telnyx takes the INVITE (100) and then says nothing: after the provider timeout, twilio.
  auto c = base_config();
  c.providers[0].invite_timeout = 5s;
  config = c;
  build({reply(100)}, {reply(200, 1s)});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->run_for_s(60);
  auto ladder = lab->ladder();
  EXPECT_THAT(ladder, ::testing::Contains("trunk -> telnyx CANCEL"));
  EXPECT_THAT(ladder, ::testing::Contains("trunk -> twilio INVITE"));
  EXPECT_EQ(alice->calls().at(0).final_status, 200) << testlab::join(lab->ladder(true));
}

TEST_F(Outbound, SilentProviderFailsOverAfterTimerB) {
  build({}, {reply(200, 1s)});  // telnyx never answers at all: timer B (32 s)
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->run_for_s(90);
  EXPECT_THAT(lab->ladder(), ::testing::Contains("trunk -> twilio INVITE"));
  EXPECT_EQ(alice->calls().at(0).final_status, 200) << testlab::join(lab->ladder(true));
}

TEST_F(Outbound, AllProvidersFailingGivesTheLast5xx) {
  build({reply(503, 10ms)}, {{502, 10ms, "Bad Gateway", {}}});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->run_for_s(60);
  EXPECT_EQ(alice->calls().at(0).final_status, 502) << testlab::join(lab->ladder(true));
  EXPECT_EQ(lab->reference().trunk().channels_in_use(), 0u);
}

TEST_F(Outbound, CancelBeforeAnswerReachesTheProviderAnd487TheCaller) {
  build({reply(100), reply(180, 100ms), reply(200, 20s)});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(2, [&] { alice->cancel(); });
  lab->run_for_s(60);
  auto ladder = lab->ladder();
  EXPECT_THAT(ladder, ::testing::IsSupersetOf({"alice -> trunk CANCEL", "trunk -> alice 200",
                                                "trunk -> alice 487", "trunk -> telnyx CANCEL",
                                                "telnyx -> trunk 200", "telnyx -> trunk 487",
                                                "trunk -> telnyx ACK"}))
      << testlab::join(lab->ladder(true));
  EXPECT_EQ(alice->calls().at(0).final_status, 487);
  EXPECT_EQ(lab->reference().trunk().channels_in_use(), 0u);
}

TEST_F(Outbound, CalleeHangsUpFirst) {
  build({reply(200, 1s)});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(5, [&] { telnyx->hangup(); });
  lab->run_for_s(60);
  auto ladder = lab->ladder();
  EXPECT_THAT(ladder, ::testing::IsSupersetOf({"telnyx -> trunk BYE", "trunk -> alice BYE",
                                                "alice -> trunk 200", "trunk -> telnyx 200"}))
      << testlab::join(lab->ladder(true));
  EXPECT_EQ(lab->reference().trunk().channels_in_use(), 0u);
}

TEST_F(Outbound, WrongPasswordGets403) {
  auto c = base_config();
  lab = std::make_unique<Lab>(c);
  lab->add_provider_address("telnyx", "10.0.0.20");
  lab->start();
  auto cfg = lab->phone("office-1");
  cfg.password = "wrong";
  alice = &lab->add_agent("alice", "10.0.0.10", cfg);
  lab->add_agent("telnyx", "10.0.0.20", lab->provider({reply(200)}));
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->run_for_s(60);
  EXPECT_EQ(alice->calls().at(0).final_status, 403) << testlab::join(lab->ladder(true));
  EXPECT_THAT(lab->ladder(), ::testing::Not(::testing::Contains("trunk -> telnyx INVITE")));
}

TEST_F(Outbound, UnknownTrunkDomainIsRefusedNeverRouted) {
  build({reply(200)});
  auto cfg = lab->phone("office-1");
  cfg.call_domain = "nobody.trunk.example.test";
  auto& bob = lab->add_agent("bob", "10.0.0.11", cfg);
  lab->at_s(0, [&] { bob.call("+15551234567"); });
  lab->run_for_s(60);
  EXPECT_EQ(bob.calls().at(0).final_status, 404);
  EXPECT_THAT(lab->ladder(), ::testing::Not(::testing::Contains("trunk -> telnyx INVITE")));
}

TEST(Trunk, ChannelLimitRejectsTheNPlusOnethCallAndReleasesOnBye) {
  auto c = base_config();
  c.trunks = {[] { config::Trunk x; x.name = "acme"; x.channels = 1; return x; }()};
  Lab lab(c);
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.start();
  auto& alice = lab.add_agent("alice", "10.0.0.10", lab.phone("office-1"));
  auto& bob = lab.add_agent("bob", "10.0.0.11", lab.phone("office-2"));
  lab.add_agent("telnyx", "10.0.0.20", lab.provider({reply(200, 500ms)}));
  lab.at_s(0, [&] { alice.call("+15551234567"); });
  lab.at_s(2, [&] { bob.call("+15557654321"); });
  lab.at_s(5, [&] { alice.hangup(); });
  lab.at_s(8, [&] { bob.call("+15557654321"); });
  lab.at_s(12, [&] { bob.hangup(); });
  lab.run_for_s(60);
  auto bob_calls = bob.calls();
  ASSERT_EQ(bob_calls.size(), 2u);
  EXPECT_EQ(bob_calls[0].final_status, 503);
  EXPECT_EQ(bob_calls[1].final_status, 200) << testlab::join(lab.ladder(true));
  EXPECT_EQ(lab.reference().trunk().counters().channel_rejects, 1u);
  EXPECT_EQ(lab.reference().trunk().channels_in_use(), 0u);
}

TEST(Trunk, TrustedSourceAddressIsNotChallenged) {
  auto c = base_config();
  c.trunks = {[] { config::Trunk x; x.name = "pbx"; x.trusted_addresses = {"10.0.0.30"}; return x; }()};
  Lab lab(c);
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.start();
  agents::UserAgentConfig pbx;
  pbx.outbound_proxy = lab.trunk_address();
  pbx.call_domain = c.trunk_domain("pbx");
  auto& office = lab.add_agent("pbx", "10.0.0.30", pbx);
  lab.add_agent("telnyx", "10.0.0.20", lab.provider({reply(200, 100ms)}));
  lab.at_s(0, [&] { office.call("+15551234567"); });
  lab.run_for_s(10);
  auto ladder = lab.ladder();
  EXPECT_EQ(ladder.at(0), "pbx -> trunk INVITE");
  EXPECT_EQ(ladder.at(1), "trunk -> pbx 100");
  EXPECT_EQ(office.calls().at(0).final_status, 200);
}

TEST(Trunk, ProviderChallengeIsAnsweredWithTheProviderCredentials) {
  auto c = base_config();
  c.providers[0].credentials = config::ProviderCredentials{"acct-77", "provider-pass"};
  Lab lab(c);
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.start();
  auto& alice = lab.add_agent("alice", "10.0.0.10", lab.phone("office-1"));
  auto pcfg = lab.provider({reply(200, 100ms)});
  pcfg.challenge = agents::DigestChallengeConfig{407, "sip.telnyx.example", "acct-77", "provider-pass"};
  lab.add_agent("telnyx", "10.0.0.20", pcfg);
  lab.at_s(0, [&] { alice.call("+15551234567"); });
  lab.run_for_s(10);
  EXPECT_THAT(lab.ladder(), ::testing::IsSupersetOf({"telnyx -> trunk 407", "trunk -> telnyx ACK"}));
  EXPECT_EQ(alice.calls().at(0).final_status, 200) << testlab::join(lab.ladder(true));
}

TEST(Trunk, OfferWithoutAnAcceptableCodecGets488) {
  auto c = base_config();
  c.codecs = {"G729"};
  Lab lab(c);
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.start();
  auto& alice = lab.add_agent("alice", "10.0.0.10", lab.phone("office-1"));  // offers PCMU/PCMA
  lab.add_agent("telnyx", "10.0.0.20", lab.provider({reply(200)}));
  lab.at_s(0, [&] { alice.call("+15551234567"); });
  lab.run_for_s(10);
  EXPECT_EQ(alice.calls().at(0).final_status, 488) << testlab::join(lab.ladder(true));
}

TEST(Trunk, OptionsProbingSkipsAProviderThatStoppedAnswering) {
  auto c = base_config();
  c.providers[0].options_interval = 10s;
  Lab lab(c);
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.add_provider_address("twilio", "10.0.0.21");
  lab.start();
  auto& alice = lab.add_agent("alice", "10.0.0.10", lab.phone("office-1"));
  auto& telnyx = lab.add_agent("telnyx", "10.0.0.20", lab.provider({reply(200)}));
  lab.add_agent("twilio", "10.0.0.21", lab.provider({reply(200)}));
  telnyx.set_answer_options(false);
  lab.at_s(60, [&] { alice.call("+15551234567"); });
  lab.run_for_s(70);
  EXPECT_TRUE(lab.reference().trunk().routes().is_down("telnyx"));
  EXPECT_THAT(lab.ladder(), ::testing::Not(::testing::Contains("trunk -> telnyx INVITE")));
  EXPECT_EQ(alice.calls().at(0).final_status, 200) << testlab::join(lab.ladder(true));
}

TEST_F(Outbound, ReinviteIsRelayedToTheOtherLegAndAcked) {
  build({reply(200, 500ms)});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(5, [&] { alice->reinvite(); });
  lab->at_s(10, [&] { alice->hangup(); });
  lab->run_for_s(60);
  auto ladder = lab->ladder();
  auto from = std::find(ladder.begin(), ladder.end(), "alice -> trunk BYE");
  auto first_ack = std::find(ladder.begin(), ladder.end(), "trunk -> telnyx ACK");
  ASSERT_NE(first_ack, ladder.end());
  std::vector<std::string> middle(first_ack + 1, from);
  EXPECT_THAT(middle, ElementsAreArray({"alice -> trunk INVITE", "trunk -> telnyx INVITE", "telnyx -> trunk 200",
                                        "trunk -> alice 200", "alice -> trunk ACK", "trunk -> telnyx ACK"}))
      << testlab::join(lab->ladder(true));
  EXPECT_THAT(lab->message("trunk -> telnyx INVITE", 1), HasSubstr("m=audio"));
}

namespace {

bool recorded(const agents::UserAgent& agent, const std::string& kind, int status) {
  for (const auto& e : agent.events()) {
    if (e.kind == kind && e.status == status) return true;
  }
  return false;
}

}  // namespace

TEST_F(Outbound, T38ReinviteIsRelayedByDefault) {
  build({reply(200, 500ms)});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(5, [&] { alice->reinvite({sip::SdpDirection::sendrecv, /*t38=*/true}); });
  lab->at_s(10, [&] { alice->hangup(); });
  lab->run_for_s(60);
  EXPECT_THAT(lab->message("trunk -> telnyx INVITE", 1), HasSubstr("m=image 42000 udptl t38"));
  EXPECT_THAT(lab->message("trunk -> alice 200", 1), HasSubstr("m=image"));
  EXPECT_TRUE(recorded(*alice, "reinvite-answered", 200)) << testlab::join(lab->ladder(true));
}

TEST_F(Outbound, T38ReinviteRefusedByConfigurationGets488AndTheCallStaysUp) {
  config.t38 = config::T38Policy::reject;
  build({reply(200, 500ms)});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(5, [&] { alice->reinvite({sip::SdpDirection::sendrecv, /*t38=*/true}); });
  lab->at_s(7, [&] { alice->reinvite(); });  // an audio re-INVITE still goes through
  lab->at_s(10, [&] { alice->hangup(); });
  lab->run_for_s(60);
  auto ladder = lab->ladder();
  auto from = std::find(ladder.begin(), ladder.end(), "trunk -> telnyx ACK");
  auto bye = std::find(ladder.begin(), ladder.end(), "alice -> trunk BYE");
  ASSERT_NE(from, ladder.end());
  std::vector<std::string> middle(from + 1, bye);
  // Answered by the trunk itself, the ACK absorbed by its INVITE server transaction; the
  // provider never sees the fax offer, only the later audio re-INVITE.
  EXPECT_THAT(middle, ElementsAreArray({"alice -> trunk INVITE", "trunk -> alice 488", "alice -> trunk ACK",
                                        "alice -> trunk INVITE", "trunk -> telnyx INVITE", "telnyx -> trunk 200",
                                        "trunk -> alice 200", "alice -> trunk ACK", "trunk -> telnyx ACK"}))
      << testlab::join(lab->ladder(true));
  const auto refusal = lab->message("trunk -> alice 488");
  EXPECT_THAT(refusal, HasSubstr("SIP/2.0 488 Not Acceptable Here (T.38 fax refused by configuration)\r\n"));
  EXPECT_THAT(refusal, HasSubstr("Warning: 304 10.0.0.1:5060 \"Media type not available\"\r\n"));
  EXPECT_THAT(lab->message("trunk -> telnyx INVITE", 1), HasSubstr("m=audio"));
  EXPECT_TRUE(recorded(*alice, "reinvite-refused", 488));
  // The call survived the refusal: the BYE is relayed and answered, no channel left.
  EXPECT_THAT(ladder, ::testing::Contains("trunk -> telnyx BYE"));
  EXPECT_EQ(lab->reference().trunk().channels_in_use(), 0u);
  EXPECT_TRUE(alice->calls().at(0).answered);
}

TEST(Trunk, CallCompletesOverALossyNetworkThroughRetransmissions) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    Lab lab(base_config(), seed);
    lab.add_provider_address("telnyx", "10.0.0.20");
    lab.start();
    auto& alice = lab.add_agent("alice", "10.0.0.10", lab.phone("office-1"));
    lab.add_agent("telnyx", "10.0.0.20", lab.provider({reply(100), reply(180, 100ms), reply(200, 2s)}));
    lab.world().network().add_fault(sim::FaultRule::drop("loss").with_probability(0.2));
    lab.at_s(0, [&] { alice.call("+15551234567"); });
    lab.at_s(30, [&] { alice.hangup(); });
    lab.run_for_s(120);
    auto calls = alice.calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].final_status, 200) << "seed " << seed << "\n" << testlab::join(lab.ladder(true));
    EXPECT_GT(lab.world().network().stats().dropped, 0u) << "seed " << seed;
    EXPECT_EQ(lab.reference().trunk().channels_in_use(), 0u) << "seed " << seed << "\n" << testlab::join(lab.ladder(true));
  }
}

TEST_F(Outbound, EndedCallsAreForgottenAfterRetransmissionsCanNoLongerArrive) {
  build({reply(200, 500ms)});
  lab->at_s(0, [&] { alice->call("+15551234567"); });
  lab->at_s(5, [&] { alice->hangup(); });
  lab->run_for_s(20);
  EXPECT_EQ(lab->reference().trunk().live_calls(), 1u);  // within 64*T1 of the BYE
  lab->run_for_s(60);
  EXPECT_EQ(lab->reference().trunk().live_calls(), 0u);
  auto outcomes = lab->reference().trunk().outcomes();
  ASSERT_EQ(outcomes.size(), 1u);  // still reported
  EXPECT_EQ(outcomes[0].answered_by, "telnyx");
  EXPECT_FALSE(outcomes[0].active);
}

// On loopback every party shares 127.0.0.1: a phone at a provider's IP calling the trunk
// domain is still an outbound caller (challenged, routed), not an inbound call from that provider.
TEST(Trunk, CallToTheTrunkDomainFromAProvidersIpIsOutbound) {
  auto c = base_config();
  Lab lab(c);
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.add_provider_address("twilio", "10.0.0.10");  // the same host as alice
  lab.start();
  auto& alice = lab.add_agent("alice", "10.0.0.10", lab.phone("office-1"));
  lab.add_agent("telnyx", "10.0.0.20", lab.provider({reply(200, 100ms)}));
  lab.at_s(0, [&] { alice.call("+15551234567"); });
  lab.run_for_s(10);
  auto ladder = lab.ladder();
  ASSERT_GE(ladder.size(), 2u) << testlab::join(lab.ladder(true));
  EXPECT_EQ(ladder.at(1), "trunk -> alice 407");
  EXPECT_EQ(alice.calls().at(0).final_status, 200);
  EXPECT_EQ(lab.reference().trunk().outcomes().at(0).direction, "outbound");
}
