// Call routing beyond one extension: destination policies of a trunk's addresses, hunting a
// call route on 5xx, and a configuration replaced while calls run (the management API's way).
#include "reference/trunk/destinations.hpp"
#include "tests/lab/lab.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace trunklab;
using testlab::Lab;
using ::testing::ElementsAre;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::testing::Contains;

namespace {

config::Trunk trunk_with(std::vector<std::pair<std::string, int>> addresses, config::DestinationPolicy policy) {
  config::Trunk t;
  t.name = "pbx";
  t.policy = policy;
  for (const auto& [ip, weight] : addresses) t.addresses.push_back({*rt::Address::parse(ip), 1, weight});
  return t;
}

std::vector<std::string> firsts(trunk::DestinationPicker& picker, const config::Trunk& t, int calls,
                                const std::string& down = {}) {
  std::vector<std::string> out;
  auto is_down = [&](const config::Trunk&, const config::TrunkAddress& a) { return a.address.ip_string() == down; };
  for (int i = 0; i < calls; ++i) out.push_back(picker.order_for_call(t, is_down).front().ip_string());
  return out;
}

}  // namespace

TEST(DestinationPolicy, WeightedInterleavesInProportion) {
  trunk::DestinationPicker picker;
  auto t = trunk_with({{"192.0.2.1", 3}, {"192.0.2.2", 1}}, config::DestinationPolicy::weighted);
  EXPECT_THAT(firsts(picker, t, 8), ElementsAre("192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.1",
                                                "192.0.2.1", "192.0.2.1", "192.0.2.2", "192.0.2.1"));
}

TEST(DestinationPolicy, RoundRobinSkipsADownAddressAndFailsOverToTheRest) {
  trunk::DestinationPicker picker;
  auto t = trunk_with({{"192.0.2.1", 1}, {"192.0.2.2", 1}, {"192.0.2.3", 1}}, config::DestinationPolicy::round_robin);
  EXPECT_THAT(firsts(picker, t, 4, "192.0.2.2"), ElementsAre("192.0.2.1", "192.0.2.3", "192.0.2.1", "192.0.2.3"));
  auto order = picker.order_for_call(t, [](const config::Trunk&, const config::TrunkAddress&) { return false; });
  ASSERT_EQ(order.size(), 3U);  // whichever starts, the others follow for failover
}

TEST(DestinationPolicy, FailoverKeepsPriorityOrder) {
  trunk::DestinationPicker picker;
  auto t = trunk_with({{"192.0.2.1", 1}, {"192.0.2.2", 1}}, config::DestinationPolicy::failover);
  t.addresses[0].priority = 5;
  EXPECT_THAT(firsts(picker, t, 2), ElementsAre("192.0.2.2", "192.0.2.2"));
}

namespace {

config::Config hunting_config() {
  config::Config c;
  c.providers.emplace_back();
  c.providers.back().name = "telnyx";
  c.providers.back().hostname = "sip.telnyx.example";
  c.routes.push_back({"r1", "telnyx", 1, "", "default"});
  for (auto [name, ip] : {std::pair{"pbx-a", "10.0.0.50"}, std::pair{"pbx-b", "10.0.0.51"}}) {
    config::Trunk t;
    t.name = name;
    t.addresses.push_back({*rt::Address::parse(ip), 1, 1});
    c.trunks.push_back(t);
  }
  config::CallRoute route;
  route.name = "hunt";
  route.entries = {{config::CallRouteEntry::Kind::trunk, "pbx-a", std::nullopt},
                   {config::CallRouteEntry::Kind::trunk, "pbx-b", std::nullopt}};
  c.call_routes.push_back(route);
  config::Number n;
  n.number = "+15550002000";
  n.call_route = "hunt";
  c.numbers.push_back(n);
  return c;
}

agents::UserAgentConfig answering(Lab& lab, std::vector<agents::ReplyStep> script) { return lab.provider(std::move(script)); }

}  // namespace

TEST(Hunting, A5xxFromTheFirstEntryHuntsToTheNext) {
  Lab lab{hunting_config()};
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.start();
  lab.add_agent("pbx-a", "10.0.0.50", answering(lab, {{503, rt::Duration{0}, {}, {}}}));
  lab.add_agent("pbx-b", "10.0.0.51", answering(lab, {{200, std::chrono::milliseconds(100), {}, {}}}));
  auto& pstn = lab.add_agent("telnyx", "10.0.0.20", lab.provider({}));
  lab.at_s(0, [&] { pstn.call_to("+15550002000", lab.trunk_address(), "10.0.0.1"); });
  lab.at_s(5, [&] { pstn.hangup(); });
  lab.run_for_s(40);
  EXPECT_THAT(lab.ladder(), IsSupersetOf({"trunk -> pbx-a INVITE", "pbx-a -> trunk 503", "trunk -> pbx-b INVITE",
                                          "pbx-b -> trunk 200", "trunk -> telnyx 200"}));
  EXPECT_EQ(lab.reference().trunk().outcomes().at(0).final_status, 200);
}

TEST(Hunting, A486IsTheAnswerAndDoesNotHunt) {
  Lab lab{hunting_config()};
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.start();
  lab.add_agent("pbx-a", "10.0.0.50", answering(lab, {{486, rt::Duration{0}, {}, {}}}));
  lab.add_agent("pbx-b", "10.0.0.51", answering(lab, {{200, rt::Duration{0}, {}, {}}}));
  auto& pstn = lab.add_agent("telnyx", "10.0.0.20", lab.provider({}));
  lab.at_s(0, [&] { pstn.call_to("+15550002000", lab.trunk_address(), "10.0.0.1"); });
  lab.run_for_s(40);
  EXPECT_THAT(lab.ladder(), Not(Contains("trunk -> pbx-b INVITE")));
  EXPECT_THAT(lab.ladder(), Contains("trunk -> telnyx 486"));
}

TEST(LiveConfig, NewCallsUseTheNewRouteWhileTheCallInProgressKeepsItsOwn) {
  Lab lab{hunting_config()};
  lab.add_provider_address("telnyx", "10.0.0.20");
  lab.start();
  lab.add_agent("pbx-a", "10.0.0.50", answering(lab, {{200, rt::Duration{0}, {}, {}}}));
  lab.add_agent("pbx-b", "10.0.0.51", answering(lab, {{200, rt::Duration{0}, {}, {}}}));
  auto& pstn = lab.add_agent("telnyx", "10.0.0.20", lab.provider({}));
  lab.at_s(0, [&] { pstn.call_to("+15550002000", lab.trunk_address(), "10.0.0.1"); });
  lab.at_s(2, [&] {
    auto changed = lab.reference().config();  // the number now goes straight to pbx-b
    changed.numbers[0].call_route.clear();
    changed.numbers[0].trunk = "pbx-b";
    changed.trunks.erase(changed.trunks.begin());  // pbx-a is gone from the configuration
    changed.call_routes.clear();
    lab.reference().apply_config(std::move(changed));
  });
  lab.at_s(4, [&] { pstn.hangup(); });  // the first call, set up by the old configuration, ends normally
  lab.at_s(6, [&] { pstn.call_to("+15550002000", lab.trunk_address(), "10.0.0.1"); });
  lab.at_s(8, [&] { pstn.hangup(); });
  lab.run_for_s(40);
  auto outcomes = lab.reference().trunk().outcomes();
  ASSERT_EQ(outcomes.size(), 2U);
  EXPECT_EQ(outcomes[0].answered_by, "pbx-a 10.0.0.50:5060");
  EXPECT_EQ(outcomes[1].answered_by, "pbx-b 10.0.0.51:5060");
  EXPECT_THAT(lab.ladder(), IsSupersetOf({"trunk -> pbx-a BYE", "pbx-a -> trunk 200"}));
  EXPECT_EQ(lab.reference().trunk().channels_in_use(), 0U);
}
