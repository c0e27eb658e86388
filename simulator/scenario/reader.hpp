// Internal to the scenario loader (scenario.cpp): the readers of each part of a scenario file,
// one file per concept: parties, NATs and the network (read_parties.cpp), steps
// (read_steps.cpp), expectations (read_expect.cpp). Each throws config::InputError naming the
// JSON path.
#pragma once

#include "reference/config/json_reader.hpp"
#include "simulator/scenario/scenario.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::scenario::detail {

// The named behaviours an answer script can be given instead of a list ("answer", "busy", ...).
std::optional<sim::AnswerScript> named_behaviour(std::string_view name);
sim::AnswerScript read_script(const config::Node& n);
std::optional<rt::Address> read_address(const config::Node& n);

PartySpec read_party(const std::string& name, const config::Node& n, const config::Config& reference);
std::vector<NatSpec> read_nats(const config::Node& n);
void read_network(const config::Node& n, Scenario& s);

std::vector<Step> read_steps(const config::Node& n, const Scenario& s);
Expectations read_expect(const config::Node& n, const Scenario& s);

}  // namespace trunklab::scenario::detail
