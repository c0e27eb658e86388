// Reads the parties, NAT boxes and network (links, faults) of a scenario file.
#include "scenario/reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace trunklab::scenario::detail {

using config::Node;
using namespace std::chrono_literals;

namespace {

// Names a step cannot use for a party: they introduce network actions or are the reference.
const std::set<std::string, std::less<>> kReservedNames = {kReferenceName, "nat", "host", "at"};

agents::ReplyStep reply(int status, rt::Duration after) {
  agents::ReplyStep step;
  step.status = status;
  step.after = after;
  return step;
}

}  // namespace

// The named behaviours a PSTN number (or any answer script) can be given instead of a list.
std::optional<agents::AnswerScript> named_behaviour(std::string_view name) {
  agents::AnswerScript s;
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

namespace {

constexpr const char* kBehaviours =
    "one of \"answer\", \"early_media\", \"busy\", \"not_found\", \"unavailable\", \"ring_out\", "
    "\"no_answer\"";

}  // namespace

agents::AnswerScript read_script(const Node& n) {
  if (n.is_string()) {
    auto script = named_behaviour(n.as_string());
    if (!script) n.fail(std::string("expected a behaviour name, ") + kBehaviours);
    return *script;
  }
  if (!n.is_array()) n.fail("expected an array of replies or a behaviour name");
  agents::AnswerScript script;
  for (const auto& item : n.items()) {
    item.expect_only({"reply", "after", "reason", "sdp"});
    agents::ReplyStep step;
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

namespace {

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
    if (!ext) require_name(*ext_node, p.extension, "extension", extension_names(reference));
  }
  p.trunk = n.string_or("trunk", reference.trunks.empty() ? "" : reference.trunks.front().name);
  if (auto t = n.get("trunk")) require_name(*t, p.trunk, "trunk", trunk_names(reference));
  // The PBX of a registered trunk registers (and calls) with the trunk's credentials.
  const auto* trunk = ext ? nullptr : reference.find_trunk(p.trunk);
  const bool registered = trunk && trunk->type == config::TrunkType::registered;
  p.username = n.string_or("username", ext ? ext->username : registered ? trunk->username : "");
  p.password = n.string_or("password", ext ? ext->password : registered ? trunk->password : "");
  p.expires_s = static_cast<std::uint32_t>(n.int_or("expires", 3600, 0, 86400));
  p.refresh = n.bool_or("refresh", true);
  p.register_at_start = n.bool_or("register", false);
  if (auto k = n.get("keepalive")) p.keepalive = k->as_duration();
  p.answer = n.get("answer") ? read_script(n.at("answer")) : *named_behaviour("answer");
  return p;
}

ProviderSpec read_provider_party(const Node& n) {
  n.expect_only({"invite", "destinations", "options", "challenge"});
  ProviderSpec p;
  p.invite = n.get("invite") ? read_script(n.at("invite")) : *named_behaviour("answer");
  if (auto d = n.get("destinations")) {
    if (!d->is_object()) d->fail("expected an object: dialled prefix -> replies");
    for (const auto& [prefix, script] : d->members()) p.destinations[check_number(script, prefix)] = read_script(script);
  }
  p.options = n.bool_or("options", true);
  if (auto c = n.get("challenge")) {
    c->expect_only({"status", "realm", "username", "password"});
    agents::DigestChallengeConfig ch;
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
  p.number = detail::read_number(n.at("number"));
  p.behaviour = n.string_or("behaviour", "answer");
  if (!named_behaviour(p.behaviour)) n.at("behaviour").fail(std::string("expected ") + kBehaviours);
  return p;
}

}  // namespace

PartySpec read_party(const std::string& name, const Node& n, const config::Config& reference) {
  if (kReservedNames.count(name)) n.fail(fmt::format("expected a party name other than \"{}\" (reserved)", name));
  n.expect_only({"phone", "provider", "pstn", "raw", "behind", "address", "transport", "media"});
  PartySpec party;
  party.name = name;
  party.behind = n.string_or("behind", "");
  if (auto a = n.get("address")) party.address = read_address(*a);
  if (auto t = n.get("transport")) {
    party.transport = config::read_transport(*t);
    // The simulated NAT boxes translate UDP only (sim/net/tcp.hpp), as the real stage's do.
    if (*party.transport == rt::TransportKind::tcp && !party.behind.empty()) {
      t->fail("expected \"udp\" for a party behind a NAT (TCP through a NAT box is not modelled)");
    }
  }
  int roles = 0;
  if (auto r = n.get("phone")) { party.role = read_phone(*r, reference); ++roles; }
  if (auto r = n.get("provider")) {
    party.role = read_provider_party(*r);
    ++roles;
    // A provider party is named after the provider of $.reference.providers it plays.
    require_name(n, name, "provider", provider_names(reference));
  }
  if (auto r = n.get("pstn")) { party.role = read_pstn(*r); ++roles; }
  if (auto r = n.get("raw")) { r->expect_only({}); party.role = RawSpec{}; ++roles; }
  if (roles != 1) n.fail("expected exactly one of \"phone\", \"provider\", \"pstn\", \"raw\"");
  if (auto m = n.get("media")) read_party_media(*m, party);
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

namespace {

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

}  // namespace

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

}  // namespace trunklab::scenario::detail
