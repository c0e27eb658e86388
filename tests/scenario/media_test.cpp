// Media in scenarios (issue 14): the parties' RTP as their SDP negotiated, carried by the
// simulated network, judged by expect.media. Each test runs a small scenario in virtual time.
#include "scenario/runner.hpp"
#include "scenario/scenario.hpp"

#include "media/probe_payload.hpp"
#include "reference/config/json_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace trunklab::scenario {
namespace {

using ::testing::HasSubstr;

// alice (optionally behind a NAT) calls telnyx for 10 s. PARTY_MEDIA / PROVIDER_MEDIA / EXTRA /
// MEDIA_CHECKS are filled in per test.
constexpr const char* kCall = R"({
  "seed": 7,
  "reference": {
    "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" }],
    "providers": [{ "name": "telnyx" PROVIDER_CONFIG }],
    "routes": [{ "provider": "telnyx", "priority": 1 }] REFERENCE_EXTRA
  },
  "parties": {
    "alice": { BEHIND "phone": { "extension": "office-1" }, "media": PARTY_MEDIA },
    "telnyx": { "provider": { "invite": [{ "reply": 200, "after": "1s" }] }, "media": PROVIDER_MEDIA }
  },
  NAT
  "steps": [STEPS],
  "expect": { "media": [MEDIA_CHECKS] }
})";

struct CallSpec {
  std::string behind;  // "" = public
  std::string party_media = "{}";
  std::string provider_media = "{}";
  std::string steps = R"({ "at": "0s", "alice": { "call": "+15551234567" } }, { "at": "11s", "alice": "hangup" })";
  std::string checks;
  std::string provider_config;  // more of the reference's provider entry
  std::string reference_extra;  // more of the reference's configuration
};

std::string replaced(std::string text, const std::string& key, const std::string& value) {
  text.replace(text.find(key), key.size(), value);
  return text;
}

std::string scenario_text(const CallSpec& c) {
  std::string t = kCall;
  t = replaced(t, "BEHIND", c.behind.empty() ? "" : R"("behind": "home", "address": "192.168.1.10",)");
  t = replaced(t, "NAT", c.behind.empty() ? "" : R"("nat": { "home": { "public": "198.51.100.1" } },)");
  t = replaced(t, "PROVIDER_CONFIG", c.provider_config);
  t = replaced(t, "REFERENCE_EXTRA", c.reference_extra);
  t = replaced(t, "PARTY_MEDIA", c.party_media);
  t = replaced(t, "PROVIDER_MEDIA", c.provider_media);
  t = replaced(t, "STEPS", c.steps);
  return replaced(t, "MEDIA_CHECKS", c.checks);
}

Verdict run(const CallSpec& c) { return run_scenario(load_scenario_text(scenario_text(c), "media.json")); }

std::string failures(const Verdict& v) {
  std::string all;
  for (const auto& f : v.failures) all += f + "\n";
  return all;
}

const MediaFigures* stream(const Verdict& v, const std::string& from, const std::string& to) {
  for (const auto& m : v.media) {
    if (m.from == from && m.to == to) return &m;
  }
  return nullptr;
}

TEST(ScenarioMedia, BothDirectionsAreHeardAndAttributedToTheirSender) {
  CallSpec c;
  c.checks = R"({ "from": "alice", "to": "telnyx", "min_packets": 450, "max_loss": 0, "codec": "PCMU" },
                { "from": "telnyx", "to": "alice", "min_packets": 450, "max_loss": 0, "min_mos": 4.3 })";
  auto v = run(c);
  EXPECT_TRUE(v.passed) << failures(v);
  const auto* heard = stream(v, "telnyx", "alice");
  ASSERT_NE(heard, nullptr);
  EXPECT_EQ(heard->lost, 0u);
  EXPECT_EQ(heard->codec, "PCMU");
  EXPECT_EQ(heard->payload_type, 0);
  // 10 s of call at 50 packets a second, less what is on the wire at the BYE.
  EXPECT_GE(heard->packets, 490u);
  EXPECT_LE(heard->packets, 500u);
}

TEST(ScenarioMedia, APrivateSdpAddressBehindANatGivesOneWayAudioAndTheFailureSaysWhere) {
  CallSpec c;
  c.behind = "home";
  c.checks = R"({ "from": "telnyx", "to": "alice", "min_packets": 10 }, { "from": "alice", "to": "telnyx", "min_packets": 450 })";
  auto v = run(c);
  ASSERT_EQ(v.failures.size(), 1u) << failures(v);
  EXPECT_THAT(v.failures[0], HasSubstr("$.expect.media[0] (telnyx -> alice): alice received 0 RTP packet(s) from telnyx"));
  EXPECT_THAT(v.failures[0], HasSubstr("the last to 192.168.1.10:40000"));
  EXPECT_THAT(v.failures[0], HasSubstr("dropped: unroutable: 192.168.1.10 is private behind nat home"));
}

TEST(ScenarioMedia, SymmetricRtpAtTheProviderLatchesOntoTheNatAndRepairsTheAudio) {
  CallSpec c;
  c.behind = "home";
  c.provider_media = R"({ "symmetric_rtp": true })";
  c.checks = R"({ "from": "telnyx", "to": "alice", "min_packets": 450 })";
  auto v = run(c);
  EXPECT_TRUE(v.passed) << failures(v);
}

TEST(ScenarioMedia, AsymmetricRtpIsFilteredByThePortRestrictedNat) {
  CallSpec c;
  c.behind = "home";
  c.provider_media = R"({ "symmetric_rtp": true, "send_from_port": 30000 })";
  c.checks = R"({ "from": "telnyx", "to": "alice", "min_packets": 1 })";
  auto v = run(c);
  ASSERT_EQ(v.failures.size(), 1u) << failures(v);
  EXPECT_THAT(v.failures[0], HasSubstr("alice received 0 RTP packet(s) from telnyx"));
  EXPECT_THAT(v.failures[0], HasSubstr("dropped"));
}

TEST(ScenarioMedia, TheAnswerPicksTheCodecAndACodecExpectationSeesIt) {
  CallSpec c;
  c.party_media = R"({ "codecs": ["PCMA", "PCMU"] })";
  c.checks = R"({ "from": "telnyx", "to": "alice", "codec": "PCMU" })";
  auto v = run(c);
  ASSERT_EQ(v.failures.size(), 1u) << failures(v);
  EXPECT_THAT(v.failures[0], HasSubstr("codec PCMA, expected PCMU"));
  EXPECT_EQ(stream(v, "alice", "telnyx")->payload_type, 8);
}

TEST(ScenarioMedia, NoCodecInCommonIsAnswered488) {
  CallSpec c;
  c.party_media = R"({ "codecs": ["G729"] })";
  c.checks = R"({ "from": "telnyx", "to": "alice", "packets": 0 })";
  auto scenario_json = scenario_text(c);
  scenario_json = replaced(scenario_json, R"("expect": {)", R"("expect": { "finally": { "calls": { "alice": [{ "status": 488 }] } },)");
  auto v = run_scenario(load_scenario_text(scenario_json, "media.json"));
  EXPECT_TRUE(v.passed) << failures(v);
  // The provider said it, not the trunk (RFC 3264 §6).
  EXPECT_THAT(v.ladder_text(), HasSubstr("telnyx -> trunk 488"));
}

TEST(ScenarioMedia, HoldStopsTheHeldSideAndResumeBringsItBack) {
  CallSpec c;
  c.steps = R"({ "at": "0s", "alice": { "call": "+15551234567" } }, { "at": "5s", "alice": { "hold": "sendonly" } },
               { "at": "8s", "alice": "resume" }, { "at": "11s", "alice": "hangup" })";
  // telnyx is silent for the 3 s of the hold: about 350 of its 500 packets.
  c.checks = R"({ "from": "telnyx", "to": "alice", "min_packets": 330, "max_packets": 370, "max_loss": 0 },
                { "from": "alice", "to": "telnyx", "min_packets": 490 })";
  auto v = run(c);
  EXPECT_TRUE(v.passed) << failures(v);
  EXPECT_EQ(stream(v, "telnyx", "alice")->lost, 0u) << "the sequence continues over the hold";
}

TEST(ScenarioMedia, LossOnTheMediaPathIsMeasuredAndRated) {
  CallSpec c;
  c.checks = R"({ "from": "telnyx", "to": "alice", "max_loss": 0.01, "min_mos": 4.0 })";
  auto text = scenario_text(c);
  text = replaced(text, R"("steps")", R"("network": { "faults": [{ "drop": 0.1, "between": ["alice", "telnyx"] }] }, "steps")");
  auto v = run_scenario(load_scenario_text(text, "media.json"));
  ASSERT_EQ(v.failures.size(), 2u) << failures(v);
  EXPECT_THAT(v.failures[0], HasSubstr("loss "));
  EXPECT_THAT(v.failures[0], HasSubstr("expected at most 1.00%"));
  EXPECT_THAT(v.failures[1], HasSubstr("MOS "));
  const auto* heard = stream(v, "telnyx", "alice");
  ASSERT_NE(heard, nullptr);
  EXPECT_NEAR(heard->loss_ratio(), 0.1, 0.04);
  EXPECT_LT(heard->r_factor, 75.0);
}

TEST(ScenarioMedia, MediaIsAFunctionOfTheSeed) {
  CallSpec c;
  c.checks = R"({ "from": "telnyx", "to": "alice", "min_packets": 1 })";
  auto scenario = load_scenario_text(scenario_text(c), "media.json");
  auto a = run_scenario(scenario);
  auto b = run_scenario(scenario);
  RunOptions other;
  other.seed = 8;
  auto d = run_scenario(scenario, other);
  EXPECT_EQ(a.pcap, b.pcap);
  EXPECT_EQ(stream(a, "telnyx", "alice")->ssrc, stream(b, "telnyx", "alice")->ssrc);
  EXPECT_NE(stream(a, "telnyx", "alice")->ssrc, stream(d, "telnyx", "alice")->ssrc);
}

TEST(ScenarioMedia, EarlyMediaStartsBeforeTheAnswer) {
  CallSpec c;
  auto text = scenario_text(c);
  text = replaced(text, R"([{ "reply": 200, "after": "1s" }])", R"([{ "reply": 183, "after": "100ms" }, { "reply": 200, "after": "3s" }])");
  text = replaced(text, R"("media": [])", R"("media": [{ "from": "telnyx", "to": "alice", "starts_before": "trunk -> alice 200" }])");
  EXPECT_TRUE(run_scenario(load_scenario_text(text, "media.json")).passed);
  // Without the 183's SDP nothing flows before the answer.
  auto late = replaced(text, R"({ "reply": 183, "after": "100ms" })", R"({ "reply": 180, "after": "100ms" })");
  auto v = run_scenario(load_scenario_text(late, "media.json"));
  ASSERT_EQ(v.failures.size(), 1u) << failures(v);
  EXPECT_THAT(v.failures[0], HasSubstr("expected before \"trunk -> alice 200\""));
}

// RTCP (RFC 3550 §6): with "rtcp" a party sends a compound SR + SDES every 5 s to the peer's RTP
// port + 1; its CNAME names the sender's probe stream.
TEST(ScenarioMedia, RtcpReportsGoOutOnlyWhenAsked) {
  auto count = [](const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
    return n;
  };
  const auto cname = "trunklab-" + std::to_string(media::probe_stream_id("telnyx"));
  CallSpec c;
  c.checks = R"({ "from": "telnyx", "to": "alice", "min_packets": 1 })";
  EXPECT_EQ(count(run(c).pcap, cname), 0u);
  c.provider_media = R"({ "rtcp": true })";
  c.steps = R"({ "at": "0s", "alice": { "call": "+15551234567" } }, { "at": "12s", "alice": "hangup" })";
  // The media starts with the 200 at 1.04 s: reports at 6.04 s and 11.04 s, none after the BYE.
  EXPECT_EQ(count(run(c).pcap, cname), 2u);
}

// The reverse of the bundled dtmf-interworking: the phone negotiates telephone-event, the
// provider only PCMU. The trunk keeps telephone-event in the answer for the phone (it offered
// it), so the phone sends events, which reach the provider as tones, and the provider's tones
// reach the phone as events.
CallSpec dtmf_reverse(const std::string& policy) {
  CallSpec c;
  c.party_media = R"({ "codecs": ["PCMU", "telephone-event"] })";
  c.provider_media = R"({ "codecs": ["PCMU"] })";
  c.provider_config = R"(, "media": "relay")";
  c.reference_extra = R"(, "media": { "dtmf": ")" + policy + R"(" })";
  c.steps = R"({ "at": "0s", "alice": { "call": "+15551234567" } }, { "at": "3s", "alice": { "dtmf": "12" } },
               { "at": "6s", "telnyx": { "dtmf": "9" } }, { "at": "11s", "alice": "hangup" })";
  return c;
}

TEST(ScenarioMedia, DtmfInterworkingGivesEachSideDigitsTheWayItNegotiated) {
  auto c = dtmf_reverse("interwork");
  c.checks = R"({ "from": "alice", "to": "telnyx", "digits": "12", "dtmf": "inband", "max_loss": 0 },
                { "from": "telnyx", "to": "alice", "digits": "9", "dtmf": "rfc4733", "max_loss": 0 })";
  auto v = run(c);
  EXPECT_TRUE(v.passed) << failures(v);
}

TEST(ScenarioMedia, WithoutInterworkingTheAnswerDecidesAndBothSendTones) {
  auto c = dtmf_reverse("pass");
  c.checks = R"({ "from": "alice", "to": "telnyx", "digits": "12", "dtmf": "inband" },
                { "from": "telnyx", "to": "alice", "digits": "9", "dtmf": "inband" })";
  auto v = run(c);
  EXPECT_TRUE(v.passed) << failures(v);
}

TEST(ScenarioMedia, BadMediaInputNamesTheJsonPath) {
  CallSpec c;
  c.party_media = R"({ "ptime": "25ms" })";
  try {
    load_scenario_text(scenario_text(c), "media.json");
    FAIL() << "accepted a 25 ms ptime";
  } catch (const config::InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("$.parties.alice.media.ptime"));
  }
  CallSpec d;
  d.checks = R"({ "from": "bob", "to": "alice" })";
  try {
    load_scenario_text(scenario_text(d), "media.json");
    FAIL() << "accepted an unknown party";
  } catch (const config::InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("$.expect.media[0].from"));
    EXPECT_THAT(e.what(), HasSubstr("bob"));
  }
}

}  // namespace
}  // namespace trunklab::scenario
