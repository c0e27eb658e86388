// Call statistics from call detail records: calls by direction, provider and status, each
// provider's legs, seizures and the answer-seizure ratio, post-dial delay and setup time, and
// the bounds on labels and series.
#include "reference/observe/call_stats.hpp"
#include "tests/observe/exposition_parse.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace trunklab::observe {
namespace {

using namespace std::chrono_literals;

config::Config two_providers() {
  config::Config c;
  c.providers.push_back(config::Provider{});
  c.providers.back().name = "telnyx";
  c.providers.push_back(config::Provider{});
  c.providers.back().name = "twilio";
  return c;
}

rt::Instant at(rt::Duration d) { return rt::Instant{} + d; }

trunk::CallRecord outbound(std::vector<trunk::LegRecord> legs, int final_status) {
  trunk::CallRecord r;
  r.direction = "outbound";
  r.legs = std::move(legs);
  r.final_status = final_status;
  r.start = at(10s);
  r.end = at(20s);
  return r;
}

std::string text_of(const CallStats& stats) {
  Exposition out;
  stats.write(out);
  return out.text();
}

TEST(CallStats, CallsLegsAndAnswerSeizureRatioPerProvider) {
  const auto config = two_providers();
  CallStats stats;
  // Failover: telnyx 503, twilio rings after 300 ms and answers after 1.5 s.
  auto failover = outbound({{"telnyx", 503, "Service Unavailable", false}, {"twilio", 200, "OK", true}}, 200);
  failover.ringing = at(10s + 300ms);
  failover.answer = at(10s + 1500ms);
  stats.add(failover, config);
  // twilio busy; telnyx answers; a channel-limit refusal (no leg); an inbound call from telnyx.
  stats.add(outbound({{"twilio", 486, "Busy Here", true}}, 486), config);
  auto answered = outbound({{"telnyx", 200, "OK", true}}, 200);
  answered.answer = at(10s + 20s);  // past the last bound: only +Inf
  stats.add(answered, config);
  stats.add(outbound({}, 503), config);
  auto inbound = outbound({{"sip:alice@10.0.0.2", 200, "OK", true}}, 200);
  inbound.direction = "inbound";
  inbound.caller = "telnyx";
  inbound.ringing = at(10s + 40ms);
  stats.add(inbound, config);

  auto m = testing::parse_exposition(text_of(stats));
  EXPECT_EQ(m.types.at("trunklab_calls_total"), "counter");
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="outbound",provider="twilio",status="200"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="outbound",provider="twilio",status="486"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="outbound",provider="telnyx",status="200"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="outbound",provider="none",status="503"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="inbound",provider="telnyx",status="200"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_provider_legs_total{provider="telnyx",status="503"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_provider_legs_total{provider="telnyx",status="200"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_provider_legs_total{provider="twilio",status="486"})"), 1);
  // ASR: telnyx 1 of 2 outbound seizures answered, twilio 1 of 2; inbound the phone's contact
  // is no provider label: the call counts for the provider that sent it.
  EXPECT_EQ(m.at(R"(trunklab_provider_seizures_total{direction="outbound",provider="telnyx"})"), 2);
  EXPECT_EQ(m.at(R"(trunklab_provider_answered_total{direction="outbound",provider="telnyx"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_provider_asr{direction="outbound",provider="telnyx"})"), 0.5);
  EXPECT_EQ(m.at(R"(trunklab_provider_asr{direction="outbound",provider="twilio"})"), 0.5);
  EXPECT_EQ(m.at(R"(trunklab_provider_asr{direction="inbound",provider="telnyx"})"), 1);
  EXPECT_EQ(m.samples.count(R"(trunklab_provider_legs_total{provider="other",status="200"})"), 0u);
  // PDD 0.3 s and setup 1.5 s under twilio (the provider that answered), setup 20 s under telnyx.
  EXPECT_EQ(m.at(R"(trunklab_post_dial_delay_seconds_bucket{direction="outbound",provider="twilio",le="0.25"})"), 0);
  EXPECT_EQ(m.at(R"(trunklab_post_dial_delay_seconds_bucket{direction="outbound",provider="twilio",le="0.5"})"), 1);
  EXPECT_DOUBLE_EQ(m.at(R"(trunklab_post_dial_delay_seconds_sum{direction="outbound",provider="twilio"})"), 0.3);
  EXPECT_EQ(m.at(R"(trunklab_setup_time_seconds_bucket{direction="outbound",provider="twilio",le="1"})"), 0);
  EXPECT_EQ(m.at(R"(trunklab_setup_time_seconds_bucket{direction="outbound",provider="twilio",le="2"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_setup_time_seconds_bucket{direction="outbound",provider="telnyx",le="60"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_setup_time_seconds_bucket{direction="outbound",provider="telnyx",le="+Inf"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_setup_time_seconds_count{direction="outbound",provider="telnyx"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_post_dial_delay_seconds_bucket{direction="inbound",provider="telnyx",le="0.05"})"), 1);
  EXPECT_EQ(m.at("trunklab_call_records_total"), 5);
  EXPECT_EQ(m.at("trunklab_metrics_series_dropped_total"), 0);
}

// A name the configuration does not have is "other", whatever it is; a status outside 100-699
// is "none": what a peer sends cannot make new series.
TEST(CallStats, LabelsComeFromTheConfiguration) {
  const auto config = two_providers();
  CallStats stats;
  stats.add(outbound({{"evil\"}\n", 200, "OK", true}}, 200), config);
  auto inbound = outbound({}, 999);
  inbound.direction = "inbound";
  inbound.caller = "sip:anyone@example.com";
  stats.add(inbound, config);
  auto weird = outbound({}, 0);
  weird.direction = "sideways";
  stats.add(weird, config);
  auto m = testing::parse_exposition(text_of(stats));
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="outbound",provider="other",status="200"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_provider_legs_total{provider="other",status="200"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="inbound",provider="other",status="none"})"), 1);
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="unknown",provider="none",status="none"})"), 1);
}

// Past the series limit nothing new is counted, and what was not is counted as dropped.
TEST(CallStats, SeriesAreCappedAndWhatIsDroppedIsCounted) {
  const auto config = two_providers();
  CallStats stats(10);
  for (int status = 400; status < 420; ++status) stats.add(outbound({}, status), config);
  stats.add(outbound({}, 400), config);  // an existing series still counts
  auto m = testing::parse_exposition(text_of(stats));
  EXPECT_EQ(stats.series(), 10u);
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="outbound",provider="none",status="400"})"), 2);
  EXPECT_EQ(m.at(R"(trunklab_calls_total{direction="outbound",provider="none",status="409"})"), 1);
  EXPECT_EQ(m.samples.count(R"(trunklab_calls_total{direction="outbound",provider="none",status="410"})"), 0u);
  EXPECT_EQ(m.at("trunklab_metrics_series_dropped_total"), 10);
  EXPECT_EQ(m.at("trunklab_call_records_total"), 21);
}

}  // namespace
}  // namespace trunklab::observe
