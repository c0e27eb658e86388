// The metrics while a call is up, through the lab's reference in virtual time: the call holds
// acme's only channel and counts as in progress; once it ends both are back to 0 and the call
// is counted under its provider. The call statistics are fed by a sink beside any other.
#include "reference/observe/metrics.hpp"
#include "tests/lab/lab.hpp"
#include "tests/observe/exposition_parse.hpp"

#include <gtest/gtest.h>

namespace trunklab::observe {
namespace {

using namespace std::chrono_literals;

TEST(LiveMetrics, ChannelsAndCallsInProgressWhileACallIsUp) {
  config::Config c;
  c.extensions = {{"office-1", "office1", "s3cret", "default"}};
  c.providers = {{"telnyx", "sip.telnyx.example", {}, {}, {}, {}}};
  c.routes = {{"r1", "telnyx", 1, "", "default"}};
  c.trunks = {[] { config::Trunk x; x.name = "acme"; x.channels = 1; return x; }()};
  testlab::Lab lab(c);
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.start();
  CallStats stats;
  std::size_t other_sink = 0;
  lab.reference().add_call_record_sink([&](const trunk::CallRecord&) { ++other_sink; });
  lab.reference().add_call_record_sink([&](const trunk::CallRecord& r) { stats.add(r, lab.reference().config()); });
  auto& alice = lab.add_agent("alice", "10.0.0.10", lab.phone("office-1"));
  lab.add_agent("telnyx", "10.0.0.20", lab.provider({{180, 100ms, {}, {}}, {200, 500ms, {}, {}}}));
  lab.at_s(0, [&] { alice.call("+15551234567"); });
  lab.at_s(5, [&] { alice.hangup(); });
  lab.run_for_s(3);
  auto during = testing::parse_exposition(render_metrics(stats, lab.reference()));
  EXPECT_EQ(during.at(R"(trunklab_channels_in_use{trunk="acme"})"), 1);
  EXPECT_EQ(during.at("trunklab_calls_in_progress"), 1);
  EXPECT_EQ(during.at("trunklab_call_records_total"), 0);
  lab.run_for_s(10);
  auto after = testing::parse_exposition(render_metrics(stats, lab.reference()));
  EXPECT_EQ(after.at(R"(trunklab_channels_in_use{trunk="acme"})"), 0);
  EXPECT_EQ(after.at("trunklab_calls_in_progress"), 0);
  EXPECT_EQ(after.at(R"(trunklab_calls_total{direction="outbound",provider="telnyx",status="200"})"), 1);
  EXPECT_EQ(after.at(R"(trunklab_post_dial_delay_seconds_count{direction="outbound",provider="telnyx"})"), 1);
  EXPECT_EQ(other_sink, 1u);
}

}  // namespace
}  // namespace trunklab::observe
