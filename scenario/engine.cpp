#include "scenario/engine.hpp"

#include "scenario/run_state.hpp"

#include "reference/sip/printable.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trunklab::scenario {

rt::Duration scaled(rt::Duration d, double time_scale) {
  if (time_scale == 1.0) return d;
  return rt::Duration{static_cast<std::int64_t>(static_cast<double>(d.count()) * time_scale)};
}

Engine::Engine(const Scenario& scenario, Stage& stage) : scenario_(scenario), stage_(stage) {}

void Engine::start() {
  for (const auto& party : scenario_.parties) {
    if (party.on_wire()) build_party(party);
  }
  for (const auto& step : scenario_.steps) {
    ++steps_left_;
    stage_.timers().start_timer(scaled(step.at.time_since_epoch(), stage_.time_scale()), [this, &step] {
      --steps_left_;
      execute(step);
    });
  }
}

void Engine::build_party(const PartySpec& party) {
  auto config = detail::party_config(scenario_, party, stage_.reference(), stage_.time_scale(), stage_.transport_of(party));
  auto binder = [this, &party](rt::DatagramHandler& handler) -> rt::Transport& {
    return stage_.bind_party(party, handler);
  };
  agents::UserAgent::Media media;
  media.bind = [this, &party](std::uint16_t port, rt::DatagramHandler& handler) {
    return stage_.bind_media(party, port, handler);
  };
  // Its own stream: media identifiers do not shift the party's Call-IDs and tags.
  media.random = &stage_.random_stream(party.name + ".media");
  media.packets_sent = &media_packets_sent_;
  auto agent = std::make_unique<agents::UserAgent>(std::move(config), binder, stage_.clock(), stage_.timers(),
                                                   stage_.random_stream(party.name), txn::Config{}, std::move(media));
  const auto* phone = std::get_if<PhoneSpec>(&party.role);
  if (phone && phone->register_at_start) {
    auto* raw = agent.get();
    ++steps_left_;
    stage_.timers().start_timer(rt::Duration{0}, [this, raw] {
      --steps_left_;
      raw->register_now();
    });
  }
  agents_.emplace(party.name, std::move(agent));
}

void Engine::execute(const Step& step) {
  if (step.action == Action::nat_rebind || step.action == Action::host_down || step.action == Action::host_up) {
    stage_.network_step(step);
    return;
  }
  if (step.action == Action::api) return call_api(step);
  auto& agent = *agents_.at(step.party);
  if (step.action == Action::send) {
    const auto& book = stage_.addresses();
    agent.send_raw(detail::expand_raw(scenario_, step, book, ++raw_counter_), book.at(step.target));
    return;
  }
  if (detail::apply_party_step(agent, step, *scenario_.find_party(step.party), stage_.reference())) ++calls_started_;
}

// The body's {{party}} placeholders become the party's address on this stage (a provider added
// while the scenario runs is told where its party listens).
void Engine::call_api(const Step& step) {
  Step expanded = step;
  const auto& book = stage_.addresses();
  ApiCall call{step.api_method, step.api_path, step.argument.empty() ? "" : detail::expand_raw(scenario_, expanded, book, ++raw_counter_)};
  const auto answer = stage_.api_call(call);
  const auto what = fmt::format("{}: {} {}", step.json_path, step.api_method, step.api_path);
  if (!answer.error.empty()) {
    step_failures_.push_back(fmt::format("{}: not answered: {}", what, answer.error));
  } else if (step.api_status ? answer.status != step.api_status : answer.status / 100 != 2) {
    step_failures_.push_back(fmt::format("{}: expected status {}, got {} {}", what,
                                         step.api_status ? std::to_string(step.api_status) : std::string("2xx"),
                                         answer.status, sip::printable(answer.body.substr(0, 300))));
  }
}

const agents::UserAgent* Engine::agent(const std::string& name) const {
  auto it = agents_.find(name);
  return it == agents_.end() ? nullptr : it->second.get();
}

bool Engine::any_party_waiting() const {
  return std::any_of(agents_.begin(), agents_.end(), [](const auto& entry) { return entry.second->waiting(); });
}

std::string Engine::busy_parties() const {
  std::string parties;
  for (const auto& [name, agent] : agents_) {
    if (agent->busy()) parties += (parties.empty() ? "" : ", ") + name;
  }
  return parties;
}

}  // namespace trunklab::scenario
