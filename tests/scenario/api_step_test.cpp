// "api" steps: a management API request in the middle of a virtual-time run, judged by its
// status; a wrong one fails the verdict with what came back, and a malformed step fails at load.
#include "scenario/runner.hpp"
#include "scenario/scenario.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace trunklab::scenario {
namespace {

std::string with_api_step(const std::string& api) {
  return R"({
    "reference": { "providers": [{ "name": "telnyx" }], "routes": [{ "name": "r", "provider": "telnyx" }] },
    "parties": { "telnyx": { "provider": {} } },
    "steps": [{ "at": "1s", "api": )" + api + R"( }],
    "run_until": "5s"
  })";
}

TEST(ApiStep, TheExpectedStatusPasses) {
  auto v = run_scenario(load_scenario_text(with_api_step(R"({"method": "DELETE", "path": "/v1.0/routes/r", "status": 204})"), "api.json"));
  EXPECT_TRUE(v.passed) << ::testing::PrintToString(v.failures);
}

TEST(ApiStep, AnotherStatusFailsTheRunWithTheAnswer) {
  auto v = run_scenario(load_scenario_text(with_api_step(R"({"method": "DELETE", "path": "/v1.0/providers/telnyx"})"), "api.json"));
  EXPECT_FALSE(v.passed);
  EXPECT_THAT(v.failures, ::testing::Contains(::testing::AllOf(
                              ::testing::HasSubstr("$.steps[0]: DELETE /v1.0/providers/telnyx: expected status 2xx, got 409"),
                              ::testing::HasSubstr("route"))));
}

TEST(ApiStep, AMalformedStepFailsAtLoad) {
  try {
    load_scenario_text(with_api_step(R"({"method": "PATCH", "path": "/v1.0/routes"})"), "api.json");
    FAIL() << "loaded";
  } catch (const config::InputError& e) {
    EXPECT_STREQ(e.what(), "api.json: $.steps[0].api.method: expected \"GET\", \"POST\", \"PUT\" or \"DELETE\"");
  }
}

}  // namespace
}  // namespace trunklab::scenario
