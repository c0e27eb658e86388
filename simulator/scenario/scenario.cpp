#include "simulator/scenario/scenario.hpp"

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

// Names a step cannot use for a party: they introduce network actions or are the reference.
const std::set<std::string, std::less<>> kReservedNames = {kReferenceName, "nat", "host", "at"};

sim::ReplyStep reply(int status, rt::Duration after) {
  sim::ReplyStep step;
  step.status = status;
  step.after = after;
  return step;
}

// The named behaviours a PSTN number (or any answer script) can be given instead of a list.
std::optional<sim::AnswerScript> named_behaviour(std::string_view name) {
  sim::AnswerScript s;
  if (name == "answer") {
    s.steps = {reply(180, 100ms), reply(200, 1s)};
  } else if (name == "early_media") {
    s.steps = {reply(183, 100ms), reply(200, 2s)};
  } else if (name == "busy") {
    s.steps = {reply(486, 100ms)};
  } else if (name == "not_found") {
    s.steps = {reply(404, 100ms)};
  } else if (name == "unavailable") {
    s.steps = {reply(503, 50ms)};
  } else if (name == "ring_out") {
    s.steps = {reply(180, 100ms)};
  } else if (name == "no_answer") {
    // Nothing at all: the caller's timer (or the trunk's invite_timeout) decides.
  } else {
    return std::nullopt;
  }
  return s;
}

constexpr const char* kBehaviours =
    "one of \"answer\", \"early_media\", \"busy\", \"not_found\", \"unavailable\", \"ring_out\", "
    "\"no_answer\"";

sim::AnswerScript read_script(const Node& n) {
  if (n.is_string()) {
    auto script = named_behaviour(n.as_string());
    if (!script) n.fail(std::string("expected a behaviour name, ") + kBehaviours);
    return *script;
  }
  if (!n.is_array()) n.fail("expected an array of replies or a behaviour name");
  sim::AnswerScript script;
  for (const auto& item : n.items()) {
    item.expect_only({"reply", "after", "reason", "sdp"});
    sim::ReplyStep step;
    step.status = static_cast<int>(item.at("reply").as_int(100, 699));
    step.after = item.duration_or("after", rt::Duration{0});
    step.reason = item.string_or("reason", "");
    if (auto sdp = item.get("sdp")) step.sdp = sdp->as_bool();
    script.steps.push_back(step);
  }
  return script;
}

std::optional<rt::Address> read_address(const Node& n) {
  auto address = rt::Address::parse(n.as_string());
  if (!address || address->is_v6()) n.fail("expected an IPv4 address with optional port, such as \"10.0.0.7\"");
  return address;
}

PhoneSpec read_phone(const Node& n, const config::Config& reference) {
  n.expect_only({"extension", "username", "password", "trunk", "expires", "refresh", "register",
                 "keepalive", "answer"});
  PhoneSpec p;
  // Without an extension the party is a PBX on an IP-authenticated trunk: it never registers.
  const config::Extension* ext = nullptr;
  if (auto ext_node = n.get("extension")) {
    p.extension = ext_node->as_string();
    for (const auto& e : reference.extensions) {
      if (e.name == p.extension) ext = &e;
    }
    if (!ext) ext_node->fail(fmt::format("expected the name of an extension in $.reference.extensions; \"{}\" is not one", p.extension));
  }
  p.username = n.string_or("username", ext ? ext->username : "");
  p.password = n.string_or("password", ext ? ext->password : "");
  p.trunk = n.string_or("trunk", reference.trunks.empty() ? "" : reference.trunks.front().name);
  if (auto t = n.get("trunk")) {
    bool known = std::any_of(reference.trunks.begin(), reference.trunks.end(),
                             [&](const config::Trunk& k) { return k.name == p.trunk; });
    if (!known) t->fail("expected the name of a trunk in $.reference.trunks");
  }
  p.expires_s = static_cast<std::uint32_t>(n.int_or("expires", 3600, 0, 86400));
  p.refresh = n.bool_or("refresh", true);
  p.register_at_start = n.bool_or("register", false);
  if (auto k = n.get("keepalive")) p.keepalive = k->as_duration();
  p.answer = n.get("answer") ? read_script(n.at("answer")) : *named_behaviour("answer");
  return p;
}

ProviderSpec read_provider(const Node& n) {
  n.expect_only({"invite", "destinations", "options", "challenge"});
  ProviderSpec p;
  p.invite = n.get("invite") ? read_script(n.at("invite")) : *named_behaviour("answer");
  if (auto d = n.get("destinations")) {
    if (!d->is_object()) d->fail("expected an object: dialled prefix -> replies");
    for (const auto& [prefix, script] : d->members()) p.destinations[prefix] = read_script(script);
  }
  p.options = n.bool_or("options", true);
  if (auto c = n.get("challenge")) {
    c->expect_only({"status", "realm", "username", "password"});
    sim::DigestChallengeConfig ch;
    ch.status = static_cast<int>(c->int_or("status", 407, 401, 407));
    if (ch.status != 401 && ch.status != 407) c->at("status").fail("expected 401 or 407");
    ch.realm = c->string_or("realm", "provider");
    ch.username = c->at("username").as_string();
    ch.password = c->at("password").as_string();
    p.challenge = ch;
  }
  return p;
}

PstnSpec read_pstn(const Node& n) {
  n.expect_only({"provider", "number", "behaviour"});
  PstnSpec p;
  p.provider = n.at("provider").as_string();
  p.number = n.at("number").as_string();
  p.behaviour = n.string_or("behaviour", "answer");
  if (!named_behaviour(p.behaviour)) n.at("behaviour").fail(std::string("expected ") + kBehaviours);
  return p;
}

PartySpec read_party(const std::string& name, const Node& n, const config::Config& reference) {
  if (kReservedNames.count(name)) n.fail(fmt::format("expected a party name other than \"{}\" (reserved)", name));
  n.expect_only({"phone", "provider", "pstn", "raw", "behind", "address"});
  PartySpec party;
  party.name = name;
  party.behind = n.string_or("behind", "");
  if (auto a = n.get("address")) party.address = read_address(*a);
  int roles = 0;
  if (auto r = n.get("phone")) { party.role = read_phone(*r, reference); ++roles; }
  if (auto r = n.get("provider")) {
    party.role = read_provider(*r);
    ++roles;
    if (!reference.find_provider(name)) {
      n.fail(fmt::format("expected a provider party named after a provider in $.reference.providers; \"{}\" is not one", name));
    }
  }
  if (auto r = n.get("pstn")) { party.role = read_pstn(*r); ++roles; }
  if (auto r = n.get("raw")) { r->expect_only({}); party.role = RawSpec{}; ++roles; }
  if (roles != 1) n.fail("expected exactly one of \"phone\", \"provider\", \"pstn\", \"raw\"");
  return party;
}

std::vector<NatSpec> read_nats(const Node& n) {
  std::vector<NatSpec> nats;
  for (const auto& [name, node] : n.members()) {
    node.expect_only({"public", "idle_timeout"});
    NatSpec nat;
    nat.name = name;
    if (auto p = node.get("public")) nat.public_ip = read_address(*p);
    nat.idle_timeout = node.duration_or("idle_timeout", std::chrono::seconds(60));
    nats.push_back(nat);
  }
  std::sort(nats.begin(), nats.end(), [](const NatSpec& a, const NatSpec& b) { return a.name < b.name; });
  return nats;
}

std::pair<std::string, std::string> read_pair(const Node& n) {
  if (!n.is_array() || n.json().size() != 2) n.fail("expected two party names, such as [\"alice\", \"trunk\"]");
  return {n.at(std::size_t{0}).as_string(), n.at(std::size_t{1}).as_string()};
}

sim::FaultRule read_fault(const Node& n, std::size_t index) {
  n.expect_only({"name", "drop", "delay", "duplicate", "partition", "pass", "between", "src", "dst",
                 "from", "until", "probability"});
  const std::string name = n.string_or("name", fmt::format("fault-{}", index + 1));
  sim::FaultRule rule;
  int kinds = 0;
  if (auto d = n.get("drop")) {
    rule = sim::FaultRule::drop(name);
    auto p = d->json();
    if (!p.is_number() || p.get<double>() < 0.0 || p.get<double>() > 1.0) d->fail("expected a probability between 0 and 1");
    rule.probability = p.get<double>();
    ++kinds;
  }
  if (auto d = n.get("delay")) { rule = sim::FaultRule::delay_by(name, d->as_duration()); ++kinds; }
  if (auto d = n.get("duplicate")) { rule = sim::FaultRule::duplicate(name, d->as_duration()); ++kinds; }
  if (auto d = n.get("pass")) { d->as_bool(); rule = sim::FaultRule::pass(name); ++kinds; }
  if (auto d = n.get("partition")) {
    rule = sim::FaultRule::drop(name);
    auto [a, b] = read_pair(*d);
    rule.with_src_host(a).with_dst_host(b).in_both_directions();
    ++kinds;
  }
  if (kinds != 1) n.fail("expected exactly one of \"drop\", \"delay\", \"duplicate\", \"pass\", \"partition\"");
  if (auto b = n.get("between")) {
    auto [a, c] = read_pair(*b);
    rule.with_src_host(a).with_dst_host(c).in_both_directions();
  }
  if (auto s = n.get("src")) rule.with_src_host(s->as_string());
  if (auto s = n.get("dst")) rule.with_dst_host(s->as_string());
  rule.active_from = rt::Instant{n.duration_or("from", rt::Duration{0})};
  if (auto u = n.get("until")) rule.active_until = rt::Instant{u->as_duration()};
  if (auto p = n.get("probability")) {
    if (!p->json().is_number()) p->fail("expected a probability between 0 and 1");
    rule.probability = p->json().get<double>();
  }
  return rule;
}

sim::Link read_link(const Node& n, sim::Link fallback) {
  sim::Link link;
  link.latency = n.duration_or("latency", fallback.latency);
  link.jitter = n.duration_or("jitter", fallback.jitter);
  return link;
}

void read_network(const Node& n, Scenario& s) {
  n.expect_only({"latency", "jitter", "links", "faults"});
  s.default_link = read_link(n, s.default_link);
  if (auto links = n.get("links")) {
    for (const auto& l : links->items()) {
      l.expect_only({"between", "latency", "jitter"});
      auto [a, b] = read_pair(l.at("between"));
      s.links.push_back({a, b, read_link(l, s.default_link)});
    }
  }
  if (auto faults = n.get("faults")) {
    auto items = faults->items();
    for (std::size_t i = 0; i < items.size(); ++i) s.faults.push_back(read_fault(items[i], i));
  }
}

Step read_party_action(const Node& n, const Scenario& s, const std::string& party) {
  Step step;
  step.party = party;
  const PartySpec* spec = s.find_party(party);
  if (n.is_string()) {
    static const std::map<std::string, Action, std::less<>> simple = {
        {"register", Action::register_},   {"unregister", Action::unregister},
        {"unregister_all", Action::unregister_all}, {"hangup", Action::hangup},
        {"cancel", Action::cancel},        {"reinvite", Action::reinvite}};
    auto it = simple.find(n.as_string());
    if (it == simple.end()) {
      n.fail("expected \"register\", \"unregister\", \"unregister_all\", \"hangup\", \"cancel\", "
             "\"reinvite\" or an object such as {\"call\": \"+15551234567\"}");
    }
    step.action = it->second;
    bool registration = step.action == Action::register_ || step.action == Action::unregister ||
                        step.action == Action::unregister_all;
    if (registration && !std::holds_alternative<PhoneSpec>(spec->role)) {
      n.fail("expected a registration step on a phone party");
    }
    return step;
  }
  n.expect_only({"call", "send", "to", "answer", "options"});
  if (auto c = n.get("call")) {
    step.action = Action::call;
    step.argument = c->as_string();
    if (!std::holds_alternative<PhoneSpec>(spec->role) && !std::holds_alternative<ProviderSpec>(spec->role)) {
      c->fail("expected a call step on a phone (outbound) or provider (inbound) party");
    }
  } else if (auto t = n.get("send")) {
    step.action = Action::send;
    if (t->is_array()) {
      // A message as an array of lines reads better in JSON than one string with \r\n.
      for (const auto& line : t->items()) step.argument += line.as_string() + "\r\n";
    } else {
      step.argument = t->as_string();
    }
    auto to = n.at("to");
    step.target = to.as_string();
    if (step.target != kReferenceName && !s.find_party(step.target)) to.fail("expected \"trunk\" or a party name");
  } else if (auto a = n.get("answer")) {
    step.action = Action::set_answer;
    step.answer = read_script(*a);
  } else if (auto o = n.get("options")) {
    step.action = Action::set_options;
    step.flag = o->as_bool();
  } else {
    n.fail("expected one of \"call\", \"send\", \"answer\", \"options\"");
  }
  return step;
}

Step read_network_action(const Node& n, const std::string& key, const Scenario& s) {
  Step step;
  if (key == "nat") {
    n.expect_only({"rebind"});
    step.action = Action::nat_rebind;
    auto r = n.at("rebind");
    step.party = r.as_string();
    bool known = std::any_of(s.nats.begin(), s.nats.end(), [&](const NatSpec& x) { return x.name == step.party; });
    if (!known) r.fail("expected the name of a NAT in $.nat");
  } else {
    n.expect_only({"down", "up"});
    auto which = n.get("down") ? n.at("down") : n.at("up");
    step.action = n.get("down") ? Action::host_down : Action::host_up;
    step.party = which.as_string();
    if (step.party != kReferenceName && !s.find_party(step.party)) which.fail("expected \"trunk\" or a party name");
  }
  return step;
}

std::vector<Step> read_steps(const Node& n, const Scenario& s) {
  std::vector<Step> steps;
  for (const auto& item : n.items()) {
    if (!item.is_object()) item.fail("expected a step object such as {\"at\": \"1s\", \"alice\": \"register\"}");
    auto at = rt::Instant{item.at("at").as_duration()};
    auto members = item.members();
    std::vector<std::pair<std::string, Node>> actions;
    for (auto& m : members) {
      if (m.first != "at") actions.push_back(m);
    }
    if (actions.size() != 1) item.fail("expected \"at\" and exactly one party (or \"nat\"/\"host\") member");
    const auto& [key, action] = actions.front();
    Step step;
    if (key == "nat" || key == "host") {
      step = read_network_action(action, key, s);
    } else {
      const PartySpec* party = s.find_party(key);
      if (!party || !party->on_wire()) item.fail(fmt::format("expected a party name with a host, \"nat\" or \"host\"; \"{}\" is not one", key));
      step = read_party_action(action, s, key);
    }
    step.at = at;
    step.json_path = item.path();
    steps.push_back(std::move(step));
  }
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) { return a.at < b.at; });
  return steps;
}

std::vector<std::string> read_strings(const Node& n) {
  std::vector<std::string> out;
  if (n.is_string()) return {n.as_string()};
  for (const auto& item : n.items()) out.push_back(item.as_string());
  return out;
}

std::map<std::string, std::string> read_string_map(const Node& n) {
  if (!n.is_object()) n.fail("expected an object of strings");
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : n.members()) out[k] = v.as_string();
  return out;
}

MessageCheck read_message_check(const Node& n) {
  n.expect_only({"match", "occurrence", "status_line", "sent_to", "headers", "header_contains", "absent_headers", "body_contains"});
  MessageCheck c;
  c.match = n.at("match").as_string();
  c.occurrence = static_cast<int>(n.int_or("occurrence", 1, 1, 1000000));
  if (auto s = n.get("status_line")) c.status_line = s->as_string();
  if (auto s = n.get("sent_to")) c.sent_to = read_address(*s);
  if (auto h = n.get("headers")) c.headers = read_string_map(*h);
  if (auto h = n.get("header_contains")) c.header_contains = read_string_map(*h);
  if (auto h = n.get("absent_headers")) c.absent_headers = read_strings(*h);
  if (auto b = n.get("body_contains")) c.body_contains = read_strings(*b);
  c.json_path = n.path();
  return c;
}

TimingCheck read_timing(const Node& n) {
  n.expect_only({"from", "to", "occurrence", "max", "min"});
  TimingCheck t;
  if (auto f = n.get("from")) t.from = f->as_string();
  t.to = n.at("to").as_string();
  t.to_occurrence = static_cast<int>(n.int_or("occurrence", 1, 1, 1000000));
  if (auto m = n.get("max")) t.max = m->as_duration();
  if (auto m = n.get("min")) t.min = m->as_duration();
  if (!t.max && !t.min) n.fail("expected \"max\" and/or \"min\"");
  t.json_path = n.path();
  return t;
}

void require_party(const Node& n, const Scenario& s, const std::string& name) {
  if (!s.find_party(name)) n.fail(fmt::format("expected a party name; \"{}\" is not one", name));
}

FinalChecks read_finally(const Node& n, const Scenario& s) {
  n.expect_only({"channels_in_use", "answered", "registered", "register_status", "bindings", "calls",
                 "trunk_counters", "raw_responses"});
  FinalChecks f;
  if (auto c = n.get("channels_in_use")) f.channels_in_use = c->as_int(0, 1000000);
  if (auto a = n.get("answered")) {
    for (const auto& [k, v] : a->members()) {
      require_party(*a, s, k);
      f.answered[k] = v.json().is_null() ? "" : v.as_string();
    }
  }
  if (auto r = n.get("registered")) {
    for (const auto& [k, v] : r->members()) { require_party(*r, s, k); f.registered[k] = v.as_bool(); }
  }
  if (auto r = n.get("register_status")) {
    for (const auto& [k, v] : r->members()) { require_party(*r, s, k); f.register_status[k] = static_cast<int>(v.as_int(0, 699)); }
  }
  if (auto b = n.get("bindings")) {
    for (const auto& [k, v] : b->members()) f.bindings[k] = v.as_int(0, 1000000);
  }
  if (auto c = n.get("calls")) {
    for (const auto& [k, v] : c->members()) {
      require_party(*c, s, k);
      for (const auto& item : v.items()) {
        item.expect_only({"status", "answered", "early_media", "reason"});
        CallCheck cc;
        if (auto x = item.get("status")) cc.status = static_cast<int>(x->as_int(0, 699));
        if (auto x = item.get("answered")) cc.answered = x->as_bool();
        if (auto x = item.get("early_media")) cc.early_media = x->as_bool();
        if (auto x = item.get("reason")) cc.reason = x->as_string();
        f.calls[k].push_back(cc);
      }
    }
  }
  if (auto t = n.get("trunk_counters")) {
    for (const auto& [k, v] : t->members()) f.trunk_counters[k] = v.as_int(0, 1000000000);
  }
  if (auto r = n.get("raw_responses")) {
    for (const auto& [k, v] : r->members()) { require_party(*r, s, k); f.raw_responses[k] = v.as_int(0, 1000000); }
  }
  return f;
}

Expectations read_expect(const Node& n, const Scenario& s) {
  n.expect_only({"ladder", "ladder_mode", "messages", "within", "finally"});
  Expectations e;
  if (auto l = n.get("ladder")) e.ladder = read_strings(*l);
  auto mode = n.string_or("ladder_mode", "exact");
  if (mode == "subset") {
    e.ladder_mode = LadderMode::subset;
  } else if (mode != "exact") {
    n.at("ladder_mode").fail("expected \"exact\" or \"subset\"");
  }
  if (auto m = n.get("messages")) {
    for (const auto& item : m->items()) e.messages.push_back(read_message_check(item));
  }
  if (auto w = n.get("within")) {
    for (const auto& item : w->items()) e.within.push_back(read_timing(item));
  }
  if (auto f = n.get("finally")) e.finally = read_finally(*f, s);
  return e;
}

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
  for (auto& p : s.parties) {
    auto node = root.at("parties").at(p.name);
    if (!p.behind.empty()) {
      bool known = std::any_of(s.nats.begin(), s.nats.end(), [&](const NatSpec& n) { return n.name == p.behind; });
      if (!known) node.at("behind").fail("expected the name of a NAT in $.nat");
    }
    if (auto* pstn = std::get_if<PstnSpec>(&p.role)) {
      const PartySpec* provider = s.find_party(pstn->provider);
      if (!provider || !std::holds_alternative<ProviderSpec>(provider->role)) {
        node.at("pstn").at("provider").fail("expected the name of a provider party");
      }
    }
  }
  for (const auto& f : s.faults) {
    for (const auto* name : {&f.src.host, &f.dst.host}) {
      if (name->empty() || *name == kReferenceName || s.find_party(*name)) continue;
      bool nat = std::any_of(s.nats.begin(), s.nats.end(), [&](const NatSpec& n) { return n.name == *name; });
      if (!nat) root.at("network").at("faults").fail(fmt::format("expected party, NAT or \"trunk\" names; \"{}\" is not one", *name));
    }
  }
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
                    "steps", "run_until", "expect"});
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

  if (auto nats = root.get("nat")) s.nats = read_nats(*nats);
  s.default_link.latency = 10ms;
  if (auto net = root.get("network")) read_network(*net, s);
  auto parties = root.at("parties");
  if (!parties.is_object()) parties.fail("expected an object: party name -> party");
  for (const auto& [name, node] : parties.members()) s.parties.push_back(read_party(name, node, s.reference));
  std::sort(s.parties.begin(), s.parties.end(), [](const PartySpec& a, const PartySpec& b) { return a.name < b.name; });
  check_references(root, s);
  attach_pstn_numbers(s);
  assign_addresses(s);
  for (auto& provider : s.reference.providers) {
    if (const PartySpec* party = s.find_party(provider.name); party && party->address) {
      if (provider.address && provider.address->ip_string() == "0.0.0.0") provider.address = party->address;
    }
  }
  if (auto steps = root.get("steps")) s.steps = read_steps(*steps, s);
  if (auto r = root.get("run_until")) {
    if (!(r->is_string() && r->as_string() == "idle")) s.run_until = r->as_duration();
  } else {
    // Long enough for every transaction a step starts to end (timer B/F: 64*T1 = 32 s).
    rt::Instant last = s.steps.empty() ? rt::Instant{} : s.steps.back().at;
    s.run_until = last.time_since_epoch() + std::chrono::seconds(40);
  }
  if (auto e = root.get("expect")) s.expect = read_expect(*e, s);
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
