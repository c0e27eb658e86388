// The runner end to end: a scenario run against the reference passes, is deterministic (same
// seed: same pcap bytes and verdict), and a broken expectation fails with a readable diff.
#include "scenario/runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace trunklab::scenario {
namespace {

using ::testing::HasSubstr;

constexpr const char* kFailover = R"({
  "seed": 5,
  "reference": {
    "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" }],
    "providers": [{ "name": "telnyx" }, { "name": "twilio" }],
    "routes": [{ "provider": "telnyx", "priority": 1 }, { "provider": "twilio", "priority": 2 }]
  },
  "parties": {
    "alice": { "phone": { "extension": "office-1" } },
    "telnyx": { "provider": { "invite": [{ "reply": 503, "after": "50ms" }] } },
    "twilio": { "provider": { "invite": [{ "reply": 180, "after": "100ms" }, { "reply": 200, "after": "2s" }] } }
  },
  "network": { "jitter": "3ms", "faults": [{ "drop": 0.1, "between": ["alice", "trunk"] }] },
  "steps": [{ "at": "0s", "alice": { "call": "+15551234567" } }, { "at": "10s", "alice": "hangup" }],
  "expect": {
    "ladder": ["trunk -> telnyx INVITE", "telnyx -> trunk 503", "trunk -> twilio INVITE", "twilio -> trunk 200"],
    "ladder_mode": "subset",
    "within": [{ "from": "telnyx -> trunk 503", "to": "trunk -> twilio INVITE", "max": "100ms" }],
    "finally": { "channels_in_use": 0, "answered": { "alice": "twilio" } }
  }
})";

void replace_first(std::string& text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

TEST(Runner, FailoverScenarioPassesAgainstTheReference) {
  auto verdict = run_scenario(load_scenario_text(kFailover, "failover.json"));
  EXPECT_TRUE(verdict.passed) << verdict.failure_text() << verdict.ladder_text();
  EXPECT_FALSE(verdict.pcap.empty());
  EXPECT_EQ(verdict.seed, 5u);
}

TEST(Runner, SameSeedGivesIdenticalPcapAndVerdict) {
  auto scenario = load_scenario_text(kFailover, "failover.json");
  auto a = run_scenario(scenario);
  auto b = run_scenario(scenario);
  EXPECT_EQ(a.pcap, b.pcap);
  EXPECT_EQ(a.to_json().dump(), b.to_json().dump());
}

TEST(Runner, SeedOverrideIsUsedAndReported) {
  auto scenario = load_scenario_text(kFailover, "failover.json");
  RunOptions options;
  options.seed = 99;
  auto verdict = run_scenario(scenario, options);
  EXPECT_EQ(verdict.seed, 99u);
  EXPECT_THAT(verdict.failure_text(), HasSubstr("--seed 99"));
}

TEST(Runner, BrokenExpectationFailsWithReadableDiffAndSeed) {
  std::string text = kFailover;
  // Claim the trunk sends the caller an INVITE, which it never does in this flow.
  replace_first(text, "\"trunk -> twilio INVITE\", \"twilio", "\"trunk -> alice INVITE\", \"twilio");
  replace_first(text, "\"answered\": { \"alice\": \"twilio\" }", "\"answered\": { \"alice\": \"telnyx\" }");
  auto verdict = run_scenario(load_scenario_text(text, "broken.json"));
  ASSERT_FALSE(verdict.passed);
  auto report = verdict.failure_text();
  EXPECT_THAT(report, HasSubstr("expected line 3 \"trunk -> alice INVITE\" does not occur"));
  EXPECT_THAT(report, HasSubstr("finally.answered.alice: expected telnyx, got \"twilio\""));
  EXPECT_THAT(report, HasSubstr("reproduce with `trunklab run broken.json --seed 5`"));
}

TEST(Runner, TimingExpectationIsChecked) {
  std::string text = kFailover;
  replace_first(text, "\"max\": \"100ms\"", "\"max\": \"1ms\"");
  auto verdict = run_scenario(load_scenario_text(text, "timing.json"));
  ASSERT_FALSE(verdict.passed);
  EXPECT_THAT(verdict.failure_text(), HasSubstr("expected at most 1ms"));
}

TEST(Runner, LadderComesFromTheWireWithDropsMarked) {
  auto verdict = run_scenario(load_scenario_text(kFailover, "failover.json"));
  bool any_dropped = std::any_of(verdict.lines.begin(), verdict.lines.end(), [](const WireLine& l) { return l.dropped; });
  bool any_retransmission =
      std::any_of(verdict.lines.begin(), verdict.lines.end(), [](const WireLine& l) { return l.retransmission; });
  EXPECT_TRUE(any_dropped);  // 10% loss over ~20 messages at this seed
  EXPECT_TRUE(any_retransmission);
  EXPECT_THAT(verdict.ladder_text(), HasSubstr("(dropped)"));
}

TEST(Runner, MessageChecksReadTheWireText) {
  std::string text = kFailover;
  text.replace(text.find("\"within\""), 8,
               R"("messages": [{ "match": "trunk -> alice 200", "headers": { "Content-Type": "application/sdp" },
                                  "body_contains": "m=audio", "absent_headers": ["Proxy-Authorization"] },
                                { "match": "trunk -> alice 407", "header_contains": { "Proxy-Authenticate": "nonce=" } },
                                { "match": "trunk -> alice 407", "headers": { "Proxy-Authenticate": "wrong" } }],
                  "within")");
  auto verdict = run_scenario(load_scenario_text(text, "messages.json"));
  ASSERT_EQ(verdict.failures.size(), 1u) << verdict.failure_text();
  EXPECT_THAT(verdict.failures[0], HasSubstr("$.expect.messages[2]"));
  EXPECT_THAT(verdict.failures[0], HasSubstr("header Proxy-Authenticate: expected \"wrong\", got \"Digest"));
}

TEST(Runner, GoldenLadderMismatchIsAFailureAndUpdateRewritesIt) {
  auto dir = std::filesystem::temp_directory_path() / "trunklab-golden-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto scenario = load_scenario_text(kFailover, (dir / "failover.json").string());
  auto verdict = run_scenario(scenario);
  EXPECT_FALSE(check_golden(scenario, verdict, true));
  EXPECT_TRUE(std::filesystem::exists(dir / "golden" / "failover.ladder.txt"));
  auto again = run_scenario(scenario);
  check_golden(scenario, again, false);
  EXPECT_TRUE(again.failures.empty()) << again.failure_text();
  { std::ofstream(dir / "golden" / "failover.ladder.txt") << "   0.000s  alice -> trunk REGISTER\n"; }
  auto changed = run_scenario(scenario);
  check_golden(scenario, changed, false);
  ASSERT_EQ(changed.failures.size(), 1u);
  EXPECT_THAT(changed.failures[0], HasSubstr("differs at line 1"));
  EXPECT_THAT(changed.failures[0], HasSubstr("--update"));
  std::filesystem::remove_all(dir);
}

TEST(Runner, TopologyRefusedByTheNetworkIsAFailedVerdict) {
  auto verdict = run_scenario(load_scenario_text(
      R"({"reference": {"address": "10.0.0.9"}, "parties": {"fuzzer": {"raw": {}, "address": "10.0.0.9"}}})", "dup.json"));
  EXPECT_FALSE(verdict.passed);
  EXPECT_THAT(verdict.failure_text(), HasSubstr("topology refused"));
}

constexpr const char* kRegisterOverTcp = R"({
  "reference": { "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" }] },
  "parties": { "alice": { "transport": "tcp", "phone": { "extension": "office-1" } } },
  "steps": [{ "at": "0s", "alice": "register" }],
  "run_until": "10s",
  "expect": {
    "ladder": ["alice -> trunk REGISTER", "trunk -> alice 401", "alice -> trunk REGISTER", "trunk -> alice 200"],
    "messages": [{ "match": "trunk -> alice 200", "transport": "tcp" }],
    "finally": { "registered": { "alice": true } }
  }
})";

// Over TCP nothing is retransmitted (exact ladder, no timer E), and the transport is checked.
TEST(Runner, RegistrationOverTcpPassesAndATransportExpectationCanFail) {
  auto verdict = run_scenario(load_scenario_text(kRegisterOverTcp, "tcp.json"));
  EXPECT_TRUE(verdict.passed) << verdict.failure_text() << verdict.ladder_text();
  std::string text = kRegisterOverTcp;
  replace_first(text, R"("transport": "tcp" }])", R"("transport": "udp" }])");
  auto wrong = run_scenario(load_scenario_text(text, "tcp.json"));
  EXPECT_FALSE(wrong.passed);
  EXPECT_THAT(wrong.failure_text(), HasSubstr("\"trunk -> alice 200\", message 4): carried over TCP, expected UDP"));
}

}  // namespace
}  // namespace trunklab::scenario
