// Caps on a run in virtual time and the meaning of `"run_until": "idle"`: a run that would never
// end (a phone refreshing its registration forever) ends when idle, and a run that reaches a cap
// of `limits` is a FAIL naming the cap and the seed, never a PASS.
#include "scenario/runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace trunklab::scenario {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// A phone that registers at 0 s for 60 s and refreshes for ever; `extra` adds members.
std::string refreshing_phone(const std::string& extra) {
  return R"({
  "seed": 7,
  "reference": {
    "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" }],
    "providers": [{ "name": "telnyx" }],
    "routes": [{ "provider": "telnyx" }]
  },
  "parties": {
    "alice": { "phone": { "extension": "office-1", "expires": 60, "register": true, "keepalive": "15s" } },
    "telnyx": { "provider": {} }
  },
  "run_until": "idle")" + extra + "\n}";
}

Verdict run_text(const std::string& text, const RunOptions& options = {}) {
  return run_scenario(load_scenario_text(text, "limits.json"), options);
}

TEST(RunUntilIdle, RefreshingPhoneEndsOnceItsRegistrationIsDone) {
  auto verdict = run_text(refreshing_phone(R"(,
  "expect": { "finally": { "registered": { "alice": true } } })"));
  EXPECT_TRUE(verdict.passed) << verdict.failure_text();
  EXPECT_EQ(verdict.limit, "");
  // REGISTER, 401, REGISTER, 200: refreshes, keep-alives and OPTIONS probes come later and do
  // not keep the run alive.
  EXPECT_EQ(verdict.lines.size(), 4u) << verdict.ladder_text();
  EXPECT_LE(verdict.virtual_duration, 1s);
}

TEST(RunUntilIdle, WaitsForEveryStepAndTheCallsItStarts) {
  auto verdict = run_text(refreshing_phone(R"(,
  "steps": [{ "at": "100s", "alice": { "call": "+15551234567" } }, { "at": "105s", "alice": "hangup" }],
  "expect": { "ladder": ["alice -> trunk BYE", "trunk -> alice 200"], "ladder_mode": "subset",
              "finally": { "channels_in_use": 0 } })"));
  EXPECT_TRUE(verdict.passed) << verdict.failure_text();
  EXPECT_GE(verdict.virtual_duration, 105s);
  EXPECT_LE(verdict.virtual_duration, 145s);  // the trunk's call ends with its transactions (64*T1)
}

TEST(RunUntilIdle, CallLeftUpNeverIdlesAndFailsAtTheVirtualTimeCap) {
  auto verdict = run_text(refreshing_phone(R"(,
  "limits": { "virtual_time": "10m" },
  "steps": [{ "at": "1s", "alice": { "call": "+15551234567" } }])"));
  EXPECT_FALSE(verdict.passed);
  EXPECT_EQ(verdict.limit, "virtual_time");
  EXPECT_EQ(verdict.virtual_duration, 10min);
  auto text = verdict.failure_text();
  EXPECT_THAT(text, HasSubstr("limit reached: limits.virtual_time: the run reached 600s without becoming idle"));
  EXPECT_THAT(text, HasSubstr("still open:"));
  EXPECT_THAT(text, HasSubstr("seed 7"));
  EXPECT_EQ(verdict.to_json()["limit"], "virtual_time");
}

// A 30 s call: about 20 SIP messages and 3,000 RTP packets. `messages` caps the SIP, and
// `media_packets` the RTP and RTCP, each a FAIL naming itself.
TEST(Limits, MediaPacketsHaveTheirOwnCap) {
  const std::string call = refreshing_phone(R"(,
  "steps": [{ "at": "1s", "alice": { "call": "+15551234567" } }, { "at": "31s", "alice": "hangup" }],
  "limits": { "messages": 50 LIMIT })");
  auto with = [&](const std::string& limit) {
    auto text = call;
    return text.replace(text.find("LIMIT"), 5, limit);
  };
  auto roomy = run_text(with(""));
  EXPECT_TRUE(roomy.passed) << roomy.failure_text();
  auto capped = run_text(with(R"(, "media_packets": 1000)"));
  EXPECT_FALSE(capped.passed);
  EXPECT_EQ(capped.limit, "media_packets");
  EXPECT_THAT(capped.failure_text(), HasSubstr("limits.media_packets: the parties sent more than 1000 RTP/RTCP packets by 12.04s"));
}

TEST(Limits, RunUntilBeyondTheVirtualTimeCapFails) {
  std::string text = refreshing_phone(R"(,
  "limits": { "virtual_time": "1h" })");
  text.replace(text.find("\"idle\""), 6, "\"2h\"");
  auto verdict = run_text(text);
  EXPECT_FALSE(verdict.passed);
  EXPECT_EQ(verdict.limit, "virtual_time");
  EXPECT_EQ(verdict.virtual_duration, 1h);
  EXPECT_THAT(verdict.failure_text(), HasSubstr("limits.virtual_time: the run reached 3600s before run_until 7200s"));
}

TEST(Limits, MessagesCapFails) {
  auto verdict = run_text(refreshing_phone(R"(,
  "limits": { "messages": 3 })"));
  EXPECT_FALSE(verdict.passed);
  EXPECT_EQ(verdict.limit, "messages");
  EXPECT_EQ(verdict.lines.size(), 4u);  // the fourth message is the one over the cap
  EXPECT_THAT(verdict.failure_text(), HasSubstr("limits.messages: the parties sent more than 3 messages"));
  EXPECT_THAT(verdict.failure_text(), HasSubstr("seed 7"));
}

TEST(Limits, EventsCapFails) {
  auto verdict = run_text(refreshing_phone(R"(,
  "limits": { "events": 3 })"));
  EXPECT_FALSE(verdict.passed);
  EXPECT_EQ(verdict.limit, "events");
  EXPECT_THAT(verdict.failure_text(), HasSubstr("limits.events: 3 events executed"));
}

TEST(Limits, OutputBytesCapIsThePcapSize) {
  auto full = run_text(refreshing_phone(""));
  ASSERT_TRUE(full.passed) << full.failure_text();
  const auto pcap_size = full.pcap.size();
  // A cap of exactly the pcap's size passes; one byte less fails, naming the cap.
  auto at_cap = run_text(refreshing_phone(",\n  \"limits\": { \"output_bytes\": " + std::to_string(pcap_size) + " }"));
  EXPECT_TRUE(at_cap.passed) << at_cap.failure_text();
  EXPECT_EQ(at_cap.pcap, full.pcap);
  auto over = run_text(refreshing_phone(",\n  \"limits\": { \"output_bytes\": " + std::to_string(pcap_size - 1) + " }"));
  EXPECT_FALSE(over.passed);
  EXPECT_EQ(over.limit, "output_bytes");
  EXPECT_THAT(over.failure_text(), HasSubstr("limits.output_bytes: the capture grew past"));
}

TEST(Limits, CommandLineOverridesReplaceTheScenarios) {
  RunOptions options;
  options.limits.messages = 2;
  auto verdict = run_text(refreshing_phone(R"(,
  "limits": { "messages": 1000 })"), options);
  EXPECT_EQ(verdict.limit, "messages");
  EXPECT_THAT(verdict.failure_text(), HasSubstr("more than 2 messages"));
}

TEST(Limits, DefaultsAreDocumentedValues) {
  Limits l;
  EXPECT_EQ(l.virtual_time, 24h);
  EXPECT_EQ(l.events, 10'000'000u);
  EXPECT_EQ(l.messages, 100'000u);
  EXPECT_EQ(l.output_bytes, 64u << 20);
}

TEST(Limits, UnknownOrInvalidCapIsALoadError) {
  EXPECT_THROW(load_scenario_text(refreshing_phone(",\n  \"limits\": { \"packets\": 3 }"), "x.json"), config::InputError);
  EXPECT_THROW(load_scenario_text(refreshing_phone(",\n  \"limits\": { \"messages\": 0 }"), "x.json"), config::InputError);
  EXPECT_THROW(load_scenario_text(refreshing_phone(",\n  \"limits\": { \"virtual_time\": \"0s\" }"), "x.json"), config::InputError);
}

}  // namespace
}  // namespace trunklab::scenario
