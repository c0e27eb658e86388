// finally.ghost_answers and finally.left_ringing: a provider that answers a call the caller never
// had, or is left ringing, fails the scenario with a message naming it; judged from the
// reference's legs in virtual time and from the parties alone (as against a target).
#include "scenario/leg_checks.hpp"
#include "scenario/runner.hpp"

#include "sim/net/fault.hpp"
#include "tests/lab/lab.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace trunklab::scenario {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// telnyx rings and answers after 6 s; the trunk gives up after 2 s and CANCELs it, but every
// message to telnyx is lost from 1.9 s to 8 s: telnyx answers (a ghost the trunk must end).
constexpr const char* kLostCancel = R"({
  "seed": 1,
  "reference": {
    "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" }],
    "providers": [{ "name": "telnyx", "invite_timeout": "2s" }, { "name": "twilio" }],
    "routes": [{ "provider": "telnyx", "priority": 1 }, { "provider": "twilio", "priority": 2 }]
  },
  "parties": {
    "alice": { "phone": { "extension": "office-1" } },
    "telnyx": { "provider": { "invite": [{ "reply": 100, "after": "0ms" }, { "reply": 180, "after": "1s" },
                                          { "reply": 200, "after": "6s" }] } },
    "twilio": { "provider": { "invite": [{ "reply": 200, "after": "1s" }] } }
  },
  "network": { "faults": [{ "name": "cancel-lost", "drop": 1, "src": "trunk", "dst": "telnyx", "from": "1900ms", "until": "8s" }] },
  "steps": [{ "at": "0s", "alice": { "call": "+15551234567" } }, { "at": "10s", "alice": "hangup" }],
  "expect": { "finally": { "answered": { "alice": "twilio" }, "ghost_answers": GHOSTS } }
})";

// telnyx never answers and the run ends 10 s in, before the trunk gives up on it (timer B).
constexpr const char* kRinging = R"({
  "seed": 1,
  "reference": {
    "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" }],
    "providers": [{ "name": "telnyx" }],
    "routes": [{ "provider": "telnyx", "priority": 1 }]
  },
  "parties": {
    "alice": { "phone": { "extension": "office-1" } },
    "telnyx": { "provider": { "invite": [{ "reply": 180, "after": "100ms" }] } }
  },
  "steps": [{ "at": "0s", "alice": { "call": "+15551234567" } }],
  "run_until": "10s",
  "expect": { "finally": { "left_ringing": RINGING } }
})";

std::string with(std::string text, const std::string& placeholder, const std::string& value) {
  text.replace(text.find(placeholder), placeholder.size(), value);
  return text;
}

TEST(LegChecks, GhostAnswerFailsNamingTheProviderAndTheCallItWasNotPartOf) {
  auto verdict = run_scenario(load_scenario_text(with(kLostCancel, "GHOSTS", "0"), "lost-cancel.json"));
  EXPECT_FALSE(verdict.passed);
  EXPECT_THAT(verdict.failure_text(), HasSubstr("finally.ghost_answers: expected 0, got 1; telnyx answered call 1 "
                                                "(outbound +15551234567 from office-1) after the trunk's CANCEL, twilio won it"));
  EXPECT_THAT(verdict.failure_text(), HasSubstr("the parties answered 2 incoming call(s): telnyx 1, twilio 1; "
                                                "for 1 answered outgoing call(s): alice 1"));
}

TEST(LegChecks, GhostAnswerThatIsExpectedPasses) {
  auto verdict = run_scenario(load_scenario_text(with(kLostCancel, "GHOSTS", "1"), "lost-cancel.json"));
  EXPECT_TRUE(verdict.passed) << verdict.failure_text();
}

TEST(LegChecks, ACallLeftRingingFailsNamingTheParty) {
  auto verdict = run_scenario(load_scenario_text(with(kRinging, "RINGING", "0"), "ringing.json"));
  EXPECT_FALSE(verdict.passed);
  EXPECT_THAT(verdict.failure_text(),
              HasSubstr("finally.left_ringing: expected 0 incoming call(s) still ringing at the end, got 1: "
                        "no final response and no CANCEL for telnyx (call to +15551234567)"));
  auto expected = run_scenario(load_scenario_text(with(kRinging, "RINGING", "1"), "ringing.json"));
  EXPECT_TRUE(expected.passed) << expected.failure_text();
}

// Against a target only the parties are observable: the ghost is counted from what they saw.
struct PartiesOnly final : detail::RunState {
  std::map<std::string, const agents::UserAgent*> agents;
  const element::ReferenceServer* server() const override { return nullptr; }
  const agents::UserAgent* agent(const std::string& name) const override {
    auto it = agents.find(name);
    return it == agents.end() ? nullptr : it->second;
  }
};

TEST(LegChecks, GhostAnswerIsSeenFromThePartiesAloneWithoutTheReference) {
  config::Config c;
  c.extensions = {{"office-1", "office1", "s3cret", "default"}};
  c.providers = {{"telnyx", "sip.telnyx.example", {}, {}, {}, {}}, {"twilio", "sip.twilio.example", {}, {}, {}, {}}};
  c.providers[0].invite_timeout = 2s;
  c.routes = {{"r1", "telnyx", 1, "", "default"}, {"r2", "twilio", 2, "", "default"}};
  testlab::Lab lab(c);
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.add_provider_address("twilio", "10.0.0.21");
  lab.start();
  lab.world().network().add_fault(sim::FaultRule::drop("cancel-lost").with_src_host("trunk").with_dst_host("telnyx")
                                      .during(rt::Instant{1900ms}, rt::Instant{8s}));
  PartiesOnly state;
  auto& alice = lab.add_agent("alice", "10.0.0.10", lab.phone("office-1"));
  state.agents["alice"] = &alice;
  state.agents["telnyx"] = &lab.add_agent("telnyx", "10.0.0.20", lab.provider({{100, 0ms, {}, {}}, {180, 1s, {}, {}}, {200, 6s, {}, {}}}));
  state.agents["twilio"] = &lab.add_agent("twilio", "10.0.0.21", lab.provider({{200, 1s, {}, {}}}));
  lab.at_s(0, [&] { alice.call("+15551234567"); });
  lab.at_s(10, [&] { alice.hangup(); });
  lab.run_for_s(60);
  auto scenario = load_scenario_text(with(kLostCancel, "GHOSTS", "0"), "lost-cancel.json");
  auto failures = detail::check_ghost_answers(scenario, state, 0);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_THAT(failures[0], HasSubstr("expected 0, got 1 (the parties answered 2 incoming call(s): telnyx 1, twilio 1"));
  EXPECT_TRUE(detail::check_ghost_answers(scenario, state, 1).empty());
}

}  // namespace
}  // namespace trunklab::scenario
