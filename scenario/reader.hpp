// Internal to the scenario loader (scenario.cpp): the readers of each part of a scenario file,
// one file per concept: parties, NATs and the network (read_parties.cpp), steps
// (read_steps.cpp), expectations (read_expect.cpp), swarm bounds (read_swarm.cpp). Each throws config::InputError naming the
// JSON path.
#pragma once

#include "reference/config/json_reader.hpp"
#include "scenario/scenario.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::scenario::detail {

// The named behaviours an answer script can be given instead of a list ("answer", "busy", ...).
std::optional<agents::AnswerScript> named_behaviour(std::string_view name);
agents::AnswerScript read_script(const config::Node& n);
std::optional<rt::Address> read_address(const config::Node& n);

PartySpec read_party(const std::string& name, const config::Node& n, const config::Config& reference);
std::vector<NatSpec> read_nats(const config::Node& n);
void read_network(const config::Node& n, Scenario& s);

// Names (read_names.cpp): `name` must be one of `known`, else n.fail names it and lists them,
// `unknown party "bob"; parties are: alice, telnyx, trunk` (`kind` is the singular noun).
void require_name(const config::Node& n, const std::string& name, std::string_view kind,
                  const std::vector<std::string>& known);
std::vector<std::string> party_names(const Scenario& s, bool (*keep)(const PartySpec&) = nullptr);
std::vector<std::string> wire_names(const Scenario& s);  // parties on the wire and "trunk"
std::vector<std::string> nat_names(const Scenario& s);
std::vector<std::string> extension_names(const config::Config& c);
std::vector<std::string> provider_names(const config::Config& c);
std::vector<std::string> trunk_names(const config::Config& c);
const std::vector<std::string>& trunk_counter_names();
// A telephone number or dialled prefix: digits with an optional leading '+' ("+15551234567").
std::string read_number(const config::Node& n);
std::string check_number(const config::Node& n, const std::string& text);
// A ladder line ("alice -> trunk INVITE") whose two ends exist.
void check_ladder_line(const config::Node& n, const Scenario& s);

std::vector<Step> read_steps(const config::Node& n, const Scenario& s);
// Media (read_media.cpp): a party's "media"; a step {"hold": ...} or {"dtmf": ...} (false:
// neither); $.expect.media.
void read_party_media(const config::Node& n, PartySpec& party);
bool read_media_step(const config::Node& n, Step& step);
std::vector<MediaCheck> read_media_checks(const config::Node& n, const Scenario& s);
Expectations read_expect(const config::Node& n, const Scenario& s);
// After the expectations: checks the bounds against them (read_swarm.cpp).
SwarmBounds read_swarm(const config::Node& n, const Scenario& s);

}  // namespace trunklab::scenario::detail
