#include "scenario/engine.hpp"

#include "scenario/run_state.hpp"

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
  auto& agent = *agents_.at(step.party);
  if (step.action == Action::send) {
    const auto& book = stage_.addresses();
    agent.send_raw(detail::expand_raw(scenario_, step, book, ++raw_counter_), book.at(step.target));
    return;
  }
  if (detail::apply_party_step(agent, step, *scenario_.find_party(step.party), stage_.reference())) ++calls_started_;
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
