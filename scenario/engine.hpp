// The scenario engine's live part, the same on both stages: one emulated party per scenario
// party on the wire, bound through the Stage; the registrations at start and the steps,
// scheduled on the stage's timers (scaled by its time_scale) and executed in order.
#pragma once

#include "agents/user_agent.hpp"
#include "scenario/scenario.hpp"
#include "scenario/stage.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace trunklab::scenario {

class Engine {
public:
  Engine(const Scenario& scenario, Stage& stage);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Builds the parties and schedules the steps from the stage's current time.
  void start();

  const agents::UserAgent* agent(const std::string& name) const;
  // Scheduled steps (and registrations at start) not yet run.
  std::size_t steps_left() const { return steps_left_; }
  std::uint64_t calls_started() const { return calls_started_; }
  // RTP and RTCP packets every party's media sessions sent (limits.media_packets).
  std::uint64_t media_packets_sent() const { return media_packets_sent_; }
  // A party waiting for a final response or with a call set-up under way.
  bool any_party_waiting() const;
  // The parties with open transactions or calls, "a, b" ("" = none).
  std::string busy_parties() const;
  // What went wrong in steps themselves (an "api" step's unexpected status), for the verdict.
  const std::vector<std::string>& step_failures() const { return step_failures_; }

private:
  void build_party(const PartySpec& party);
  void execute(const Step& step);
  void call_api(const Step& step);

  const Scenario& scenario_;
  Stage& stage_;
  std::map<std::string, std::unique_ptr<agents::UserAgent>> agents_;
  std::size_t steps_left_ = 0;
  std::uint64_t raw_counter_ = 0;
  std::uint64_t calls_started_ = 0;
  std::uint64_t media_packets_sent_ = 0;
  std::vector<std::string> step_failures_;
};

// A duration of the scenario on a stage that runs `time_scale` times as fast.
rt::Duration scaled(rt::Duration d, double time_scale);

}  // namespace trunklab::scenario
