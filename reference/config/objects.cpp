// The configuration's objects one at a time (extension, provider, route, number, trunk, call
// route): read from JSON with path-precise errors, and written back as the same JSON, so the
// configuration file, `serve --print-config` and the management API share one shape.
#include "reference/config/config.hpp"

#include <fmt/format.h>

namespace trunklab::config {

rt::TransportKind read_transport(const Node& n) {
  const auto text = n.is_string() ? n.as_string() : std::string();
  if (text == "udp") return rt::TransportKind::udp;
  if (text == "tcp") return rt::TransportKind::tcp;
  n.fail("expected \"udp\" or \"tcp\"");
}

namespace {

std::string read_name(const Node& n, std::string_view key) {
  auto value = n.at(key).as_string();
  if (value.empty()) n.at(key).fail("expected a non-empty string");
  return value;
}

rt::Address read_address(const Node& n) {
  auto address = rt::Address::parse(n.as_string());
  if (!address) n.fail("expected an IP address with optional port, such as \"192.0.2.10:5060\"");
  return *address;
}

MediaMode read_media_mode(const Node& n) {
  const auto text = n.as_string();
  if (text == "relay") return MediaMode::relay;
  if (text != "direct") n.fail("expected \"direct\" (SDP passed through) or \"relay\" (media anchored)");
  return MediaMode::direct;
}

// "192.0.2.10:5060", or {"address": "192.0.2.10:5060", "priority": 1, "weight": 2}.
TrunkAddress read_trunk_address(const Node& n) {
  TrunkAddress a;
  if (n.is_string()) {
    a.address = read_address(n);
    return a;
  }
  n.expect_only({"address", "priority", "weight"});
  a.address = read_address(n.at("address"));
  a.priority = static_cast<int>(n.int_or("priority", 1, 0, 1'000'000));
  a.weight = static_cast<int>(n.int_or("weight", 1, 1, 1'000));
  return a;
}

DestinationPolicy read_policy(const Node& n) {
  const auto text = n.is_string() ? n.as_string() : std::string();
  if (text == "failover") return DestinationPolicy::failover;
  if (text == "round_robin") return DestinationPolicy::round_robin;
  if (text == "weighted") return DestinationPolicy::weighted;
  n.fail("expected \"failover\" (priority order), \"round_robin\" or \"weighted\"");
}

const char* policy_name(DestinationPolicy p) {
  switch (p) {
    case DestinationPolicy::round_robin: return "round_robin";
    case DestinationPolicy::weighted: return "weighted";
    case DestinationPolicy::failover: break;
  }
  return "failover";
}

void read_trunk_type(const Node& n, Trunk& t) {
  const auto text = n.string_or("type", "static");
  if (text == "registered") {
    t.type = TrunkType::registered;
    t.username = read_name(n, "username");
    t.password = n.at("password").as_string();
    if (t.password.empty()) n.at("password").fail("expected a non-empty password");
  } else if (text != "static") {
    n.at("type").fail("expected \"static\" (IP-authenticated, reached at its addresses) or \"registered\" "
                      "(its PBX registers with username and password)");
  } else if (n.has("username") || n.has("password")) {
    n.at(n.has("username") ? "username" : "password").fail("expected no credentials on a static trunk (\"type\": \"registered\" uses them)");
  }
}

CallRouteEntry read_call_route_entry(const Node& n) {
  n.expect_only({"trunk", "extension", "number", "timeout"});
  CallRouteEntry e;
  int kinds = 0;
  for (auto [key, kind] : {std::pair{"trunk", CallRouteEntry::Kind::trunk},
                           std::pair{"extension", CallRouteEntry::Kind::extension},
                           std::pair{"number", CallRouteEntry::Kind::number}}) {
    if (!n.has(key)) continue;
    ++kinds;
    e.kind = kind;
    e.target = read_name(n, key);
  }
  if (kinds != 1) n.fail("expected exactly one of \"trunk\", \"extension\" or \"number\"");
  if (auto t = n.get("timeout")) {
    e.timeout = t->as_duration();
    if (*e.timeout < std::chrono::seconds{1}) t->fail("expected at least 1s");
  }
  return e;
}

const char* entry_key(CallRouteEntry::Kind kind) {
  switch (kind) {
    case CallRouteEntry::Kind::extension: return "extension";
    case CallRouteEntry::Kind::number: return "number";
    case CallRouteEntry::Kind::trunk: break;
  }
  return "trunk";
}

}  // namespace

Extension read_extension(const Node& n) {
  n.expect_only({"name", "username", "password", "customer"});
  Extension e;
  e.name = read_name(n, "name");
  e.username = n.string_or("username", e.name);
  e.password = n.at("password").as_string();
  e.customer = n.string_or("customer", kDefaultCustomer);
  return e;
}

Provider read_provider(const Node& n) {
  n.expect_only({"name", "hostname", "address", "credentials", "invite_timeout",
                 "options_interval", "type", "transport", "media"});
  Provider p;
  p.name = read_name(n, "name");
  p.hostname = n.string_or("hostname", p.name + ".provider.example");
  if (auto a = n.get("address")) p.address = read_address(*a);
  if (auto c = n.get("credentials")) {
    c->expect_only({"username", "password"});
    p.credentials = ProviderCredentials{c->at("username").as_string(), c->at("password").as_string()};
  }
  if (auto t = n.get("invite_timeout")) p.invite_timeout = t->as_duration();
  if (auto t = n.get("options_interval")) p.options_interval = t->as_duration();
  if (auto t = n.get("transport")) p.transport = read_transport(*t);
  if (auto m = n.get("media")) p.media = read_media_mode(*m);
  if (auto t = n.get("type"); t && t->as_string() != "sip") t->fail("expected \"sip\"");
  return p;
}

Route read_route(const Node& n) {
  n.expect_only({"name", "provider", "provider_id", "priority", "prefix", "customer"});
  if (n.has("provider") && n.has("provider_id")) n.at("provider_id").fail("expected \"provider\" or \"provider_id\", not both");
  Route r;
  r.provider = read_name(n, n.has("provider_id") ? "provider_id" : "provider");
  r.priority = static_cast<int>(n.int_or("priority", 1, 0, 1'000'000));
  r.prefix = n.string_or("prefix", "");
  r.customer = n.string_or("customer", kDefaultCustomer);
  r.name = n.string_or("name", r.provider + (r.prefix.empty() ? "" : "-" + r.prefix));
  return r;
}

Number read_number(const Node& n) {
  n.expect_only({"number", "dial_extension", "trunk", "call_route", "customer"});
  Number num;
  num.number = read_name(n, "number");
  int flows = 0;
  for (auto [key, field] : {std::pair{"dial_extension", &Number::dial_extension}, std::pair{"trunk", &Number::trunk},
                            std::pair{"call_route", &Number::call_route}}) {
    if (!n.has(key)) continue;
    ++flows;
    num.*field = read_name(n, key);
  }
  if (flows != 1) n.fail("expected exactly one of \"dial_extension\", \"trunk\" or \"call_route\"");
  num.customer = n.string_or("customer", kDefaultCustomer);
  return num;
}

Trunk read_trunk(const Node& n) {
  n.expect_only({"name", "customer", "channels", "trusted_addresses", "media", "type", "username", "password",
                 "addresses", "policy", "options_interval", "invite_timeout"});
  Trunk t;
  t.name = read_name(n, "name");
  t.customer = n.string_or("customer", kDefaultCustomer);
  t.channels = static_cast<int>(n.int_or("channels", 0, 0, 1'000'000));
  if (auto m = n.get("media")) t.media = read_media_mode(*m);
  if (auto list = n.get("trusted_addresses")) {
    for (const auto& item : list->items()) {
      auto text = item.as_string();
      if (!rt::Address::parse(text)) item.fail("expected an IP address");
      t.trusted_addresses.push_back(text);
    }
  }
  read_trunk_type(n, t);
  if (auto list = n.get("addresses")) {
    for (const auto& item : list->items()) t.addresses.push_back(read_trunk_address(item));
    if (t.type == TrunkType::registered && !t.addresses.empty()) {
      list->fail("expected no addresses on a registered trunk (its calls go where its PBX registered from)");
    }
  }
  if (auto p = n.get("policy")) t.policy = read_policy(*p);
  if (auto o = n.get("options_interval")) t.options_interval = o->as_duration();
  if (auto o = n.get("invite_timeout")) t.invite_timeout = o->as_duration();
  return t;
}

CallRoute read_call_route(const Node& n) {
  n.expect_only({"name", "customer", "entries"});
  CallRoute r;
  r.name = read_name(n, "name");
  r.customer = n.string_or("customer", kDefaultCustomer);
  auto entries = n.at("entries");
  for (const auto& item : entries.items()) r.entries.push_back(read_call_route_entry(item));
  if (r.entries.empty() || r.entries.size() > kMaxCallRouteEntries) {
    entries.fail(fmt::format("expected 1 to {} entries", kMaxCallRouteEntries));
  }
  for (std::size_t i = 0; i + 1 < r.entries.size(); ++i) {
    if (r.entries[i].kind == CallRouteEntry::Kind::number) {
      entries.at(i).fail("expected a phone number only as the last entry (it takes the call when every trunk is unreachable)");
    }
  }
  return r;
}

nlohmann::json to_json(const Extension& e) {
  return {{"name", e.name}, {"username", e.username}, {"password", e.password}, {"customer", e.customer}};
}

nlohmann::json to_json(const Provider& p) {
  nlohmann::json j{{"name", p.name}, {"hostname", p.hostname}};
  if (p.address) j["address"] = p.address->to_string();
  if (p.credentials) j["credentials"] = {{"username", p.credentials->username}, {"password", p.credentials->password}};
  if (p.invite_timeout) j["invite_timeout"] = format_duration(*p.invite_timeout);
  if (p.options_interval) j["options_interval"] = format_duration(*p.options_interval);
  if (p.transport == rt::TransportKind::tcp) j["transport"] = "tcp";
  if (p.media == MediaMode::relay) j["media"] = "relay";
  return j;
}

nlohmann::json to_json(const Route& r) {
  nlohmann::json j{{"name", r.name}, {"provider", r.provider}, {"priority", r.priority}, {"customer", r.customer}};
  if (!r.prefix.empty()) j["prefix"] = r.prefix;
  return j;
}

nlohmann::json to_json(const Number& num) {
  nlohmann::json j{{"number", num.number}, {"customer", num.customer}};
  if (!num.dial_extension.empty()) j["dial_extension"] = num.dial_extension;
  if (!num.trunk.empty()) j["trunk"] = num.trunk;
  if (!num.call_route.empty()) j["call_route"] = num.call_route;
  return j;
}

nlohmann::json to_json(const Trunk& t) {
  nlohmann::json j{{"name", t.name}, {"customer", t.customer}, {"channels", t.channels},
                   {"trusted_addresses", t.trusted_addresses}};
  if (t.media == MediaMode::relay) j["media"] = "relay";
  if (t.type == TrunkType::registered) {
    j["type"] = "registered";
    j["username"] = t.username;
    j["password"] = t.password;
  }
  if (!t.addresses.empty()) {
    j["addresses"] = nlohmann::json::array();
    for (const auto& a : t.addresses) {
      j["addresses"].push_back({{"address", a.address.to_string()}, {"priority", a.priority}, {"weight", a.weight}});
    }
    j["policy"] = policy_name(t.policy);
  }
  if (t.options_interval) j["options_interval"] = format_duration(*t.options_interval);
  if (t.invite_timeout) j["invite_timeout"] = format_duration(*t.invite_timeout);
  return j;
}

nlohmann::json to_json(const CallRoute& r) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : r.entries) {
    nlohmann::json j{{entry_key(e.kind), e.target}};
    if (e.timeout) j["timeout"] = format_duration(*e.timeout);
    entries.push_back(j);
  }
  return {{"name", r.name}, {"customer", r.customer}, {"entries", entries}};
}

}  // namespace trunklab::config
