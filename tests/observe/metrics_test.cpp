// The element's metrics after scenarios run through the reference in virtual time: calls by
// provider after a failover, registrations and failures by reason, live bindings, channels in
// use per trunk, providers up and down by OPTIONS probing, the refused attempts.
#include "reference/observe/metrics.hpp"
#include "scenario/runner.hpp"
#include "scenario/scenario.hpp"
#include "tests/observe/exposition_parse.hpp"

#include <gtest/gtest.h>

namespace trunklab::observe {
namespace {

testing::Parsed metrics_of(const std::string& scenario_text) {
  auto v = scenario::run_scenario(scenario::load_scenario_text(scenario_text, "metrics.json"));
  EXPECT_TRUE(v.passed) << (v.failures.empty() ? "" : v.failures.front());
  EXPECT_FALSE(v.metrics.empty());
  return testing::parse_exposition(v.metrics);
}

testing::Parsed bundled(const std::string& name) {
  auto v = scenario::run_scenario(scenario::load_scenario_file(std::string(TRUNKLAB_SOURCE_DIR) + "/scenarios/" + name));
  EXPECT_TRUE(v.passed) << (v.failures.empty() ? "" : v.failures.front());
  return testing::parse_exposition(v.metrics);
}

TEST(Metrics, AFailoverCountsBothProvidersAnswers) {
  auto m = bundled("failover-5xx.json");  // telnyx 503, twilio rings at 100 ms, answers at 2 s
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="outbound",provider="twilio",status="200"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_provider_legs_total{provider="telnyx",status="503"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_provider_asr{direction="outbound",provider="telnyx"})"), 0);
  EXPECT_EQ(m.at(R"(trunklab_provider_asr{direction="outbound",provider="twilio"})"), 1);
  // From the INVITE at the trunk (after the 407 round) through telnyx's 503 to twilio's 180.
  EXPECT_EQ(m.at(R"(trunklab_post_dial_delay_seconds_bucket{direction="outbound",provider="twilio",le="0.1"})"), 0);
  EXPECT_EQ(m.at(R"(trunklab_post_dial_delay_seconds_bucket{direction="outbound",provider="twilio",le="0.25"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_setup_time_seconds_bucket{direction="outbound",provider="twilio",le="2"})"), 0);
  EXPECT_EQ(m.at(R"(trunklab_setup_time_seconds_bucket{direction="outbound",provider="twilio",le="3"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_channels_in_use{trunk="default"})"), 0);
  EXPECT_EQ(m.at(R"(trunklab_trunk_events_total{event="failovers"})"), 1);
  EXPECT_EQ(m.at("trunklab_calls_in_progress"), 0);
}

TEST(Metrics, RegistrationsFailuresAndBindings) {
  auto m = metrics_of(R"({
    "seed": 1,
    "reference": { "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" },
                                  { "name": "office-2", "username": "office2", "password": "s3cret2" }] },
    "parties": {
      "alice": { "phone": { "extension": "office-1" } },
      "bob": { "phone": { "extension": "office-2", "password": "wrong-password" } }
    },
    "steps": [{ "at": "0s", "alice": "register" }, { "at": "0s", "bob": "register" }]
  })");
  EXPECT_EQ(m.at("trunklab_registrations_total"), 1);
  EXPECT_EQ(m.at(R"(trunklab_registration_failures_total{status="403",reason="forbidden"})"), 1);
  EXPECT_EQ(m.at("trunklab_register_challenges_total"), 2);
  EXPECT_EQ(m.at("trunklab_register_requests_total"), 4);
  EXPECT_EQ(m.at("trunklab_bindings"), 1);
}

// While a call holds acme's only channel a second is refused; a provider that stopped answering
// OPTIONS is down, the other up.
TEST(Metrics, ChannelsInUseRefusalsAndProvidersDown) {
  auto m = metrics_of(R"({
    "seed": 1,
    "reference": {
      "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" },
                     { "name": "office-2", "username": "office2", "password": "s3cret2" }],
      "providers": [{ "name": "telnyx", "options_interval": "5s" }, { "name": "twilio", "options_interval": "5s" }],
      "routes": [{ "provider": "telnyx", "priority": 1 }, { "provider": "twilio", "priority": 2 }],
      "trunks": [{ "name": "acme", "channels": 1 }]
    },
    "parties": {
      "alice": { "phone": { "extension": "office-1" }, "media": { "enabled": false } },
      "bob": { "phone": { "extension": "office-2" }, "media": { "enabled": false } },
      "telnyx": { "provider": { "invite": [{ "reply": 200, "after": "1s" }] }, "media": { "enabled": false } },
      "twilio": { "provider": {} }
    },
    "steps": [{ "at": "0s", "host": { "down": "twilio" } },
              { "at": "1s", "alice": { "call": "+15551234567" } },
              { "at": "4s", "bob": { "call": "+15557654321" } },
              { "at": "60s", "alice": "hangup" }]
  })");
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="outbound",provider="none",status="503"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="outbound",provider="telnyx",status="200"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_channels_limit{trunk="acme"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_trunk_events_total{event="channel_rejects"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_provider_up{provider="telnyx"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_provider_up{provider="twilio"})"), 0);
  EXPECT_EQ(m.at("trunklab_call_records_total"), 2);
}

}  // namespace
}  // namespace trunklab::observe
