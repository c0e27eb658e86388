#include "reference/trunk/routes.hpp"

#include <gtest/gtest.h>

using namespace trunklab;

namespace {
config::Config two_providers() {
  config::Config c;
  c.providers = {{"telnyx", "sip.telnyx.example", {}, {}, {}, {}},
                 {"twilio", "sip.twilio.example", {}, {}, {}, {}},
                 {"uk-carrier", "sip.uk.example", {}, {}, {}, {}}};
  c.routes = {{"r1", "twilio", 2, "", "default"},
              {"r2", "telnyx", 1, "", "default"},
              {"r3", "uk-carrier", 5, "+44", "default"}};
  return c;
}
std::vector<std::string> names(const std::vector<const config::Provider*>& ps) {
  std::vector<std::string> out;
  for (auto* p : ps) out.push_back(p->name);
  return out;
}
}  // namespace

TEST(RouteEngine, OrdersByPriority) {
  auto c = two_providers();
  trunk::RouteEngine routes(c);
  EXPECT_EQ(names(routes.candidates("default", "+15551234567")),
            (std::vector<std::string>{"telnyx", "twilio"}));
}

TEST(RouteEngine, LongestPrefixFirstThenPriority) {
  auto c = two_providers();
  trunk::RouteEngine routes(c);
  EXPECT_EQ(names(routes.candidates("default", "+442071234567")),
            (std::vector<std::string>{"uk-carrier", "telnyx", "twilio"}));
}

TEST(RouteEngine, SkipsProvidersMarkedDownAndOtherCustomers) {
  auto c = two_providers();
  trunk::RouteEngine routes(c);
  routes.mark_down("telnyx");
  EXPECT_EQ(names(routes.candidates("default", "+1555")), (std::vector<std::string>{"twilio"}));
  routes.mark_up("telnyx");
  EXPECT_EQ(names(routes.candidates("default", "+1555")), (std::vector<std::string>{"telnyx", "twilio"}));
  EXPECT_TRUE(routes.candidates("acme", "+1555").empty());
}
