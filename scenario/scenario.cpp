#include "scenario/scenario.hpp"

#include "scenario/reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace trunklab::scenario {

namespace {

using config::Node;
using namespace std::chrono_literals;
using detail::named_behaviour;
using detail::read_address;

// The reference's configuration as the scenario implies it: providers get the address of the
// party of the same name, and a trunk named "default" exists when none is listed (a
// configuration without trunks has no trunk domain to call).
nlohmann::json completed_reference(const nlohmann::json& reference, const nlohmann::json& parties) {
  nlohmann::json config = reference.is_null() ? nlohmann::json::object() : reference;
  if (!config.is_object()) return config;  // read_config reports it with its path
  if (!config.contains("trunks")) {
    config["trunks"] = nlohmann::json::array({{{"name", "default"}, {"customer", config::kDefaultCustomer}}});
  }
  if (config.contains("providers") && config["providers"].is_array()) {
    for (auto& p : config["providers"]) {
      if (p.is_object() && !p.contains("address") && p.contains("name") && p["name"].is_string()) {
        auto name = p["name"].get<std::string>();
        // Filled in after addresses are assigned; a marker keeps read_config's check happy.
        if (parties.is_object() && parties.contains(name)) p["address"] = "0.0.0.0:5060";
      }
    }
  }
  return config;
}

// A PSTN number is not on the wire: its provider answers INVITEs for it with its behaviour.
void attach_pstn_numbers(Scenario& s) {
  for (const auto& party : s.parties) {
    const auto* pstn = std::get_if<PstnSpec>(&party.role);
    if (!pstn) continue;
    for (auto& provider : s.parties) {
      if (provider.name == pstn->provider) {
        std::get<ProviderSpec>(provider.role).destinations[pstn->number] = *named_behaviour(pstn->behaviour);
      }
    }
  }
}

// The reference as the parties may name it: with the providers "api" steps add as it runs (a
// provider party may play one the configuration gets only then).
config::Config with_api_providers(const config::Config& reference, const Node& root) {
  config::Config known = reference;
  const auto steps = root.get("steps");
  if (!steps || !steps->is_array()) return known;
  for (const auto& step : steps->json()) {
    if (!step.is_object() || !step.contains("api")) continue;
    const auto& api = step["api"];
    if (!api.is_object() || !api.contains("body") || !api["body"].is_object()) continue;
    if (!api.value("path", "").starts_with("/v1.0/providers")) continue;
    if (const auto& name = api["body"].value("name", ""); !name.empty() && !known.find_provider(name)) {
      known.providers.emplace_back();
      known.providers.back().name = name;
    }
  }
  return known;
}

void assign_addresses(Scenario& s) {
  std::set<std::uint32_t> used = {s.reference_address.ipv4_host_order()};
  for (const auto& p : s.parties) {
    if (p.address) used.insert(p.address->ipv4_host_order());
  }
  for (const auto& n : s.nats) {
    if (n.public_ip) used.insert(n.public_ip->ipv4_host_order());
  }
  auto next_free = [&](std::uint32_t from) {
    while (used.count(from)) ++from;
    used.insert(from);
    return from;
  };
  constexpr std::uint32_t kPublicBase = (10u << 24) + 2;            // 10.0.0.2
  constexpr std::uint32_t kNatBase = (203u << 24) + (113u << 8) + 1;  // 203.0.113.1
  for (auto& n : s.nats) {
    if (!n.public_ip) n.public_ip = rt::Address::ipv4(next_free(kNatBase), 0);
  }
  for (auto& p : s.parties) {
    if (p.address || !p.on_wire()) continue;
    if (p.behind.empty()) {
      p.address = rt::Address::ipv4(next_free(kPublicBase), 5060);
    } else {
      auto nat = std::find_if(s.nats.begin(), s.nats.end(), [&](const NatSpec& x) { return x.name == p.behind; });
      auto subnet = static_cast<std::uint32_t>(nat - s.nats.begin()) + 1;
      p.address = rt::Address::ipv4(next_free((192u << 24) + (168u << 16) + (subnet << 8) + 10), 5060);
    }
  }
}

void check_references(const Node& root, Scenario& s) {
  using detail::require_name;
  for (auto& p : s.parties) {
    auto node = root.at("parties").at(p.name);
    if (!p.behind.empty()) require_name(node.at("behind"), p.behind, "NAT", detail::nat_names(s));
    if (auto* pstn = std::get_if<PstnSpec>(&p.role)) {
      auto providers = detail::party_names(s, [](const PartySpec& x) { return std::holds_alternative<ProviderSpec>(x.role); });
      require_name(node.at("pstn").at("provider"), pstn->provider, "provider party", providers);
    }
  }
  // Network rules name parties on the wire, "trunk" or NAT boxes.
  auto hosts = detail::wire_names(s);
  for (const auto& nat : s.nats) hosts.push_back(nat.name);
  auto check_hosts = [&](const Node& rule) {
    for (const char* key : {"between", "partition"}) {
      if (auto pair = rule.get(key); pair && pair->is_array()) {
        for (const auto& end : pair->items()) require_name(end, end.as_string(), "party", hosts);
      }
    }
    for (const char* key : {"src", "dst"}) {
      if (auto end = rule.get(key)) require_name(*end, end->as_string(), "party", hosts);
    }
  };
  if (auto net = root.get("network")) {
    for (const char* list : {"faults", "links"}) {
      if (auto rules = net->get(list)) {
        for (const auto& rule : rules->items()) check_hosts(rule);
      }
    }
  }
}

Limits read_limits(const Node& n) {
  n.expect_only({"virtual_time", "events", "messages", "media_packets", "output_bytes"});
  Limits l;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  l.virtual_time = n.duration_or("virtual_time", l.virtual_time);
  if (l.virtual_time <= rt::Duration::zero()) n.at("virtual_time").fail("expected a positive duration");
  l.events = static_cast<std::uint64_t>(n.int_or("events", static_cast<std::int64_t>(l.events), 1, kMax));
  l.messages = static_cast<std::uint64_t>(n.int_or("messages", static_cast<std::int64_t>(l.messages), 1, kMax));
  l.media_packets = static_cast<std::uint64_t>(n.int_or("media_packets", static_cast<std::int64_t>(l.media_packets), 1, kMax));
  l.output_bytes = static_cast<std::uint64_t>(n.int_or("output_bytes", static_cast<std::int64_t>(l.output_bytes), 1, kMax));
  return l;
}

}  // namespace

const PartySpec* Scenario::find_party(std::string_view party) const {
  for (const auto& p : parties) {
    if (p.name == party) return &p;
  }
  return nullptr;
}

Scenario read_scenario(const nlohmann::json& document, const std::string& file,
                       const std::string& default_name) {
  Node root(document, file);
  if (!root.is_object()) root.fail("expected a scenario object");
  root.expect_only({"$schema", "name", "description", "seed", "reference", "parties", "nat", "network",
                    "steps", "run_until", "limits", "expect", "swarm"});
  Scenario s;
  s.file = file;
  s.name = root.string_or("name", default_name);
  s.description = root.string_or("description", "");
  s.seed = static_cast<std::uint64_t>(root.int_or("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));

  nlohmann::json reference_json = document.contains("reference") ? document["reference"] : nlohmann::json::object();
  s.reference_address = *rt::Address::parse("10.0.0.1:5060");
  if (reference_json.is_object() && reference_json.contains("address")) {
    Node a = root.at("reference").at("address");
    s.reference_address = *read_address(a);
    reference_json.erase("address");
  }
  auto completed = completed_reference(reference_json, document.contains("parties") ? document["parties"] : nlohmann::json());
  s.reference = config::read_config(Node(completed, file, "$.reference"));

  if (auto nats = root.get("nat")) s.nats = detail::read_nats(*nats);
  s.default_link.latency = 10ms;
  if (auto net = root.get("network")) detail::read_network(*net, s);
  auto parties = root.at("parties");
  if (!parties.is_object()) parties.fail("expected an object: party name -> party");
  const auto known = with_api_providers(s.reference, root);
  for (const auto& [name, node] : parties.members()) s.parties.push_back(detail::read_party(name, node, known));
  std::sort(s.parties.begin(), s.parties.end(), [](const PartySpec& a, const PartySpec& b) { return a.name < b.name; });
  check_references(root, s);
  attach_pstn_numbers(s);
  assign_addresses(s);
  for (auto& provider : s.reference.providers) {
    if (const PartySpec* party = s.find_party(provider.name); party && party->address) {
      if (provider.address && provider.address->ip_string() == "0.0.0.0") provider.address = party->address;
      // The built-in reference reaches a provider party as the party says it wants to be.
      if (party->transport) provider.transport = *party->transport;
    }
  }
  if (auto steps = root.get("steps")) s.steps = detail::read_steps(*steps, s);
  if (auto r = root.get("run_until")) {
    if (!(r->is_string() && r->as_string() == "idle")) s.run_until = r->as_duration();
    s.run_until_written = s.run_until.has_value();
  } else {
    // Long enough for every transaction a step starts to end (timer B/F: 64*T1 = 32 s).
    rt::Instant last = s.steps.empty() ? rt::Instant{} : s.steps.back().at;
    s.run_until = last.time_since_epoch() + std::chrono::seconds(40);
  }
  if (auto l = root.get("limits")) s.limits = read_limits(*l);
  if (auto e = root.get("expect")) s.expect = detail::read_expect(*e, s);
  if (auto w = root.get("swarm")) s.swarm = detail::read_swarm(*w, s);
  return s;
}

Scenario load_scenario_text(std::string_view text, const std::string& file) {
  auto document = config::parse_json_text(text, file);
  return read_scenario(document, file, std::filesystem::path(file).stem().string());
}

Scenario load_scenario_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config::InputError(path, "$", "expected a readable scenario file");
  std::ostringstream text;
  text << in.rdbuf();
  return load_scenario_text(text.str(), path);
}

}  // namespace trunklab::scenario
