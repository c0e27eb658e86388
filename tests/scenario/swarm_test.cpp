// Swarm runs: the seeds and the draw are deterministic and within the scenario's bounds, the draw
// lands in the network that runs, a seed run again gives the same verdict, and bounds the
// expectations cannot survive are refused at load time with file, JSON path and reason.
#include "scenario/swarm.hpp"

#include "reference/config/json_reader.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace trunklab::scenario {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kCall = R"({
  "seed": 11,
  "reference": {
    "extensions": [{ "name": "office-1", "username": "office1", "password": "s3cret" }],
    "providers": [{ "name": "telnyx" }],
    "routes": [{ "provider": "telnyx", "priority": 1 }]
  },
  "parties": {
    "alice": { "phone": { "extension": "office-1" } },
    "telnyx": { "provider": { "invite": "answer" } }
  },
  "network": { "faults": [{ "name": "own", "drop": 0.01, "between": ["alice", "trunk"] }] },
  "steps": [{ "at": "0s", "alice": { "call": "+15551234567" } }, { "at": "5s", "alice": "hangup" }],
  "expect": {
    "ladder": ["alice -> trunk INVITE", "trunk -> alice 407", "alice -> trunk ACK", "alice -> trunk INVITE",
               "trunk -> alice 100", "trunk -> telnyx INVITE"],
    "ladder_mode": "subset",
    "within": [{ "from": "alice -> trunk INVITE", "to": "trunk -> alice 407", "max": "SLOW" }],
    "finally": { "channels_in_use": 0, "answered": { "alice": "telnyx" } }
  },
  "swarm": SWARM
})";

std::string with(std::string text, const std::string& swarm, const std::string& max = "200ms") {
  text.replace(text.find("SWARM"), 5, swarm);
  text.replace(text.find("SLOW"), 4, max);
  return text;
}

Scenario load(const std::string& swarm, const std::string& max = "200ms") {
  return load_scenario_text(with(kCall, swarm, max), "call.json");
}

std::string load_error(const std::string& text) {
  try {
    load_scenario_text(text, "call.json");
  } catch (const config::InputError& e) {
    return e.what();
  }
  return "(loaded)";
}

constexpr const char* kAll = R"({ "loss": [0, 0.1], "duplicate": [0.01, 0.05], "delay": ["10ms", "300ms"],
  "delayed": [0.1, 0.2], "latency": ["5ms", "80ms"], "jitter": ["0ms", "7ms"] })";

TEST(SwarmSeeds, AreDeterministicDistinctShortAndDeriveFromTheBase) {
  std::set<std::uint64_t> seen;
  for (std::uint64_t i = 0; i < 200; ++i) {
    const auto seed = swarm_seed(11, i);
    EXPECT_EQ(seed, swarm_seed(11, i));
    EXPECT_LT(seed, std::uint64_t{1} << 40);
    seen.insert(seed);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_NE(swarm_seed(11, 0), swarm_seed(12, 0));
}

TEST(SwarmDraw, IsAFunctionOfTheSeedAndStaysWithinTheBoundsAtTheirPrecision) {
  const auto s = load(kAll);
  std::set<std::string> texts;
  for (std::uint64_t i = 0; i < 500; ++i) {
    const auto seed = swarm_seed(s.seed, i);
    const auto d = draw_swarm(s, seed);
    EXPECT_EQ(d.text(), draw_swarm(s, seed).text());
    texts.insert(d.text());
    EXPECT_GE(d.loss, 0.0);
    EXPECT_LE(d.loss, 0.1);
    EXPECT_GE(d.duplicate, 0.01);
    EXPECT_LE(d.duplicate, 0.05);
    EXPECT_GE(d.delayed, 0.1);
    EXPECT_LE(d.delayed, 0.2);
    EXPECT_DOUBLE_EQ(d.loss * 1000.0, std::round(d.loss * 1000.0));  // what the text shows runs
    EXPECT_GE(d.delay, 10ms);
    EXPECT_LE(d.delay, 300ms);
    EXPECT_EQ(d.delay.count() % 1000, 0);
    ASSERT_EQ(d.paths.size(), 1u);  // no "between": the default link
    EXPECT_GE(*d.paths[0].latency, 5ms);
    EXPECT_LE(*d.paths[0].latency, 80ms);
    EXPECT_LE(*d.paths[0].jitter, 7ms);
  }
  EXPECT_GT(texts.size(), 490u);  // the seeds really draw different networks
}

TEST(SwarmDraw, LandsInTheNetworkThatRunsAfterTheScenariosOwnFaults) {
  const auto s = load(R"({ "loss": [0.05, 0.1], "latency": ["20ms", "30ms"], "between": [["alice", "trunk"]] })");
  const auto d = draw_swarm(s, 42);
  const auto swarmed = apply_swarm(s, d);
  ASSERT_EQ(swarmed.faults.size(), 2u);
  EXPECT_EQ(swarmed.faults[0].name, "own");  // the scenario's rules decide first
  EXPECT_EQ(swarmed.faults[1].name, "swarm-loss-alice-trunk");
  EXPECT_DOUBLE_EQ(swarmed.faults[1].probability, d.loss);
  EXPECT_TRUE(swarmed.faults[1].both_directions);
  ASSERT_EQ(swarmed.links.size(), 1u);
  EXPECT_EQ(swarmed.links[0].link.latency, *d.paths[0].latency);
  EXPECT_EQ(swarmed.default_link.latency, s.default_link.latency);  // other paths untouched
  EXPECT_EQ(swarmed.seed, 42u);
  EXPECT_THAT(d.text(), HasSubstr("latency alice-trunk "));
}

TEST(SwarmDraw, WithoutBoundsTheScenarioKeepsItsOwnNetwork) {
  auto text = with(kCall, "{}");
  text.replace(text.find(",\n  \"swarm\": {}"), std::string(",\n  \"swarm\": {}").size(), "");
  const auto s = load_scenario_text(text, "call.json");
  ASSERT_FALSE(s.swarm);
  const auto d = draw_swarm(s, 9);
  EXPECT_FALSE(d.bounded);
  const auto swarmed = apply_swarm(s, d);
  EXPECT_EQ(swarmed.faults.size(), s.faults.size());
  EXPECT_EQ(swarmed.default_link.latency, s.default_link.latency);
  EXPECT_EQ(swarmed.seed, 9u);
}

TEST(SwarmRun, ASeedRunAgainGivesTheSameDrawAndVerdictAndSaysHowToReproduceIt) {
  // max 30ms for a round trip over 5-40 ms links: some seeds fail, some pass.
  const auto s = load(R"({ "latency": ["5ms", "40ms"], "loss": [0, 0.05] })", "30ms");
  std::size_t failed = 0;
  for (std::uint64_t i = 0; i < 20; ++i) {
    const auto seed = swarm_seed(s.seed, i);
    const auto a = run_swarm_seed(s, seed, {}, "--max-messages 500");
    const auto b = run_swarm_seed(load(R"({ "latency": ["5ms", "40ms"], "loss": [0, 0.05] })", "30ms"), seed, {},
                                  "--max-messages 500");
    EXPECT_EQ(a.to_json().dump(), b.to_json().dump());
    EXPECT_EQ(a.swarm_draw, draw_swarm(s, seed).text());
    if (a.passed) continue;
    ++failed;
    EXPECT_THAT(a.failure_text(), HasSubstr("expected at most 30ms"));
    EXPECT_THAT(a.failure_text(), HasSubstr(fmt::format("trunklab run call.json --swarm-seed {} --max-messages 500", seed)));
    EXPECT_THAT(a.failure_text(), HasSubstr("swarm draw: " + a.swarm_draw));
  }
  EXPECT_GT(failed, 0u);
  EXPECT_LT(failed, 20u);
}

TEST(SwarmRun, AnExactLadderIsJudgedPerPair) {
  const auto s = load(kAll);
  EXPECT_EQ(apply_swarm(s, draw_swarm(s, 1)).expect.ladder_mode, LadderMode::subset);
  auto exact = s;
  exact.expect.ladder_mode = LadderMode::exact;
  EXPECT_EQ(apply_swarm(exact, draw_swarm(exact, 1)).expect.ladder_mode, LadderMode::exact_per_pair);
}

TEST(SwarmLoader, RefusesBadBoundsWithTheirPath) {
  EXPECT_THAT(load_error(with(kCall, R"({ "latency": ["80ms", "5ms"] })")),
              HasSubstr("call.json: $.swarm.latency: expected [low, high] with low <= high"));
  EXPECT_THAT(load_error(with(kCall, R"({ "loss": [0, 1.5] })")),
              HasSubstr("$.swarm.loss[1]: expected a probability between 0 and 1"));
  EXPECT_THAT(load_error(with(kCall, R"({ "loss": 0.1 })")), HasSubstr("$.swarm.loss: expected [low, high]"));
  EXPECT_THAT(load_error(with(kCall, R"({ "los": [0, 0.1] })")), HasSubstr("$.swarm.los: unknown member"));
  EXPECT_THAT(load_error(with(kCall, R"({})")), HasSubstr("$.swarm: expected at least one of"));
  EXPECT_THAT(load_error(with(kCall, R"({ "delayed": [0, 0.5] })")), HasSubstr("$.swarm.delayed: expected \"delay\" too"));
  EXPECT_THAT(load_error(with(kCall, R"({ "loss": [0, 0.1], "between": [["alice", "bob"]] })")),
              HasSubstr("$.swarm.between[0][1]: unknown party \"bob\""));
}

TEST(SwarmLoader, RefusesLossWhereARawPartysResponsesAreCounted) {
  constexpr const char* kRaw = R"({
    "parties": { "fuzz": { "raw": {} } },
    "steps": [{ "at": "0s", "fuzz": { "send": ["OPTIONS sip:{{trunk}} SIP/2.0", "Via: SIP/2.0/UDP {{self}};branch={{branch}}",
      "From: <sip:fuzz@{{self}}>;tag=1", "To: <sip:{{trunk}}>", "Call-ID: {{call_id}}", "CSeq: 1 OPTIONS", "Max-Forwards: 70",
      "Content-Length: 0", ""], "to": "trunk" } }],
    "expect": { "finally": { "raw_responses": { "fuzz": 1 } } },
    "swarm": SWARM
  })";
  auto raw = [&](const std::string& swarm) {
    std::string text = kRaw;
    text.replace(text.find("SWARM"), 5, swarm);
    return text;
  };
  EXPECT_THAT(load_error(raw(R"({ "loss": [0, 0.1] })")),
              HasSubstr("$.swarm.loss: expected no loss on the paths of raw party \"fuzz\": "
                        "$.expect.finally.raw_responses.fuzz counts"));
  EXPECT_EQ(load_error(raw(R"({ "latency": ["5ms", "50ms"] })")), "(loaded)");  // timing alone keeps the count
}

}  // namespace
}  // namespace trunklab::scenario
