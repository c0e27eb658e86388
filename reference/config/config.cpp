#include "reference/config/config.hpp"

#include <fmt/format.h>

#include <set>
#include <type_traits>

namespace trunklab::config {

std::string Config::registrar_domain(const std::string& customer) const {
  return fmt::format("{}.registrar.{}", customer, base_domain);
}

std::string Config::trunk_domain(const std::string& trunk) const {
  return fmt::format("{}.trunk.{}", trunk, base_domain);
}

const Provider* Config::find_provider(std::string_view name) const {
  for (const auto& p : providers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const Trunk* Config::find_trunk(std::string_view name) const {
  for (const auto& t : trunks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const CallRoute* Config::find_call_route(std::string_view name) const {
  for (const auto& r : call_routes) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

const Extension* Config::find_extension(std::string_view customer, std::string_view name) const {
  for (const auto& e : extensions) {
    if (e.customer == customer && e.name == name) return &e;
  }
  return nullptr;
}

namespace {

MediaPolicy read_media_policy(const Node& n) {
  n.expect_only({"ports", "timeout", "dtmf"});
  MediaPolicy m;
  if (auto p = n.get("ports")) {
    if (!p->is_array() || p->json().size() != 2) p->fail("expected [first, last], such as [30000, 39999]");
    m.first_port = static_cast<std::uint16_t>(p->at(std::size_t{0}).as_int(1024, 65534));
    m.last_port = static_cast<std::uint16_t>(p->at(std::size_t{1}).as_int(1025, 65535));
    if (m.last_port < m.first_port + 3) p->fail("expected a range of at least 4 ports (two RTP/RTCP pairs)");
  }
  m.timeout = n.duration_or("timeout", m.timeout);
  if (m.timeout < std::chrono::seconds{1}) n.at("timeout").fail("expected at least 1s");
  if (auto d = n.get("dtmf")) {
    const auto text = d->as_string();
    if (text == "interwork") {
      m.dtmf = DtmfPolicy::interwork;
    } else if (text != "pass") {
      d->fail("expected \"pass\" (events and tones relayed as they are) or \"interwork\" (RFC 4733 events on one leg, inband tones on the other)");
    }
  }
  return m;
}

RegistrarPolicy read_registrar(const Node& n) {
  n.expect_only({"min_expires_s", "max_expires_s", "default_expires_s", "keepalive_options_interval"});
  RegistrarPolicy r;
  r.min_expires_s = static_cast<std::uint32_t>(n.int_or("min_expires_s", r.min_expires_s, 0, 1 << 30));
  r.max_expires_s = static_cast<std::uint32_t>(n.int_or("max_expires_s", r.max_expires_s, 1, 1 << 30));
  r.default_expires_s =
      static_cast<std::uint32_t>(n.int_or("default_expires_s", r.default_expires_s, 1, 1 << 30));
  if (r.min_expires_s > r.max_expires_s) n.fail("expected min_expires_s <= max_expires_s");
  if (auto k = n.get("keepalive_options_interval")) r.keepalive_options_interval = k->as_duration();
  return r;
}

AuthPolicy read_auth(const Node& n) {
  n.expect_only({"algorithms", "nonce_lifetime", "secret"});
  AuthPolicy a;
  if (auto list = n.get("algorithms")) {
    a.algorithms.clear();
    for (const auto& item : list->items()) {
      auto name = item.as_string();
      if (name != "MD5" && name != "SHA-256" && name != "SHA-512-256") {
        item.fail("expected \"MD5\", \"SHA-256\" or \"SHA-512-256\"");
      }
      a.algorithms.push_back(name);
    }
    if (a.algorithms.empty()) list->fail("expected at least one algorithm");
  }
  a.nonce_lifetime = n.duration_or("nonce_lifetime", a.nonce_lifetime);
  a.secret = n.string_or("secret", a.secret);
  if (a.secret.size() < 16) n.at("secret").fail("expected a secret of at least 16 characters (it keys the nonces)");
  return a;
}

template <typename T, typename ReadOne>
std::vector<T> read_list(const Node& n, std::string_view key, ReadOne read_one) {
  std::vector<T> out;
  if (auto list = n.get(key)) {
    for (const auto& item : list->items()) out.push_back(read_one(item));
  }
  return out;
}

T38Policy read_t38(const Node& n) {
  const auto text = n.is_string() ? n.as_string() : std::string();
  if (text == "relay") return T38Policy::relay;
  if (text == "reject") return T38Policy::reject;
  n.fail("expected \"relay\" (forward a T.38 re-INVITE to the other leg) or \"reject\" (answer it 488)");
}

// "a, b, c" (or "(none)"): the names an error lists.
std::string name_list(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

// Items of a list whose `key` repeats fail at their `field` (or at the item, if the name was
// not written: a route's is derived from its provider and prefix).
template <typename T, typename Key>
void check_unique(const Node& n, std::string_view list, const std::vector<T>& items, Key key,
                  std::string_view field, std::string_view what) {
  std::set<std::invoke_result_t<Key, const T&>> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (seen.insert(key(items[i])).second) continue;
    const auto item = n.at(list).at(i);
    (item.has(field) ? item.at(field) : item).fail(fmt::format("expected a unique {}", what));
  }
}

// `name` of customer `customer` must be one of `names` (a name -> customer list).
void check_named(const Node& at, std::string_view kind, const std::string& name, const std::string& customer,
                 const std::vector<std::pair<std::string, std::string>>& names) {
  std::set<std::string> same_customer;
  for (const auto& [n, c] : names) {
    if (c != customer) continue;
    if (n == name) return;
    same_customer.insert(n);
  }
  at.fail(fmt::format("unknown {} \"{}\" of customer \"{}\"; its {}s are: {}", kind, name, customer, kind,
                      name_list(same_customer)));
}

template <typename T>
std::vector<std::pair<std::string, std::string>> names_of(const std::vector<T>& items) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& item : items) out.emplace_back(item.name, item.customer);
  return out;
}

void check_numbers(const Node& n, const Config& c) {
  const auto extensions = names_of(c.extensions), trunks = names_of(c.trunks), routes = names_of(c.call_routes);
  for (std::size_t i = 0; i < c.numbers.size(); ++i) {
    const auto& num = c.numbers[i];
    const auto at = n.at("numbers").at(i);
    if (!num.dial_extension.empty()) check_named(at.at("dial_extension"), "extension", num.dial_extension, num.customer, extensions);
    if (!num.trunk.empty()) check_named(at.at("trunk"), "trunk", num.trunk, num.customer, trunks);
    if (!num.call_route.empty()) check_named(at.at("call_route"), "call route", num.call_route, num.customer, routes);
  }
}

void check_call_routes(const Node& n, const Config& c) {
  const auto extensions = names_of(c.extensions), trunks = names_of(c.trunks);
  for (std::size_t i = 0; i < c.call_routes.size(); ++i) {
    const auto& route = c.call_routes[i];
    for (std::size_t k = 0; k < route.entries.size(); ++k) {
      const auto& e = route.entries[k];
      const auto at = n.at("call_routes").at(i).at("entries").at(k);
      if (e.kind == CallRouteEntry::Kind::trunk) check_named(at.at("trunk"), "trunk", e.target, route.customer, trunks);
      if (e.kind == CallRouteEntry::Kind::extension) check_named(at.at("extension"), "extension", e.target, route.customer, extensions);
    }
  }
}

// Names must be unique within their kind, and references must resolve.
void check_references(const Node& n, const Config& c) {
  check_unique(n, "providers", c.providers, [](const Provider& p) { return p.name; }, "name", "provider name");
  check_unique(n, "trunks", c.trunks, [](const Trunk& t) { return t.name; }, "name", "trunk name");
  check_unique(n, "routes", c.routes, [](const Route& r) { return r.name; }, "name", "route name");
  check_unique(n, "call_routes", c.call_routes, [](const CallRoute& r) { return r.name; }, "name", "call route name");
  check_unique(n, "numbers", c.numbers, [](const Number& num) { return num.number; }, "number", "number");
  check_unique(n, "extensions", c.extensions, [](const Extension& e) { return std::pair{e.customer, e.name}; },
               "name", "extension name in its customer");
  std::set<std::string> providers;
  for (const auto& p : c.providers) providers.insert(p.name);
  for (std::size_t i = 0; i < c.routes.size(); ++i) {
    if (!providers.count(c.routes[i].provider)) {
      const auto at = n.at("routes").at(i);
      at.at(at.has("provider_id") ? "provider_id" : "provider")
          .fail(fmt::format("unknown provider \"{}\"; providers are: {}", c.routes[i].provider, name_list(providers)));
    }
  }
  check_numbers(n, c);
  check_call_routes(n, c);
}

}  // namespace

Config read_config(const Node& n) {
  n.expect_only({"base_domain", "extensions", "providers", "routes", "numbers", "trunks", "call_routes",
                 "registrar", "auth", "codecs", "media", "t38"});
  Config c;
  c.base_domain = n.string_or("base_domain", c.base_domain);
  c.extensions = read_list<Extension>(n, "extensions", read_extension);
  c.providers = read_list<Provider>(n, "providers", read_provider);
  c.routes = read_list<Route>(n, "routes", read_route);
  c.numbers = read_list<Number>(n, "numbers", read_number);
  c.trunks = read_list<Trunk>(n, "trunks", read_trunk);
  c.call_routes = read_list<CallRoute>(n, "call_routes", read_call_route);
  if (auto r = n.get("registrar")) c.registrar = read_registrar(*r);
  if (auto a = n.get("auth")) c.auth = read_auth(*a);
  if (auto m = n.get("media")) c.media = read_media_policy(*m);
  if (auto list = n.get("codecs")) {
    c.codecs.clear();
    for (const auto& item : list->items()) c.codecs.push_back(item.as_string());
  }
  if (auto t = n.get("t38")) c.t38 = read_t38(*t);
  check_references(n, c);
  return c;
}

Config load_config_file(const std::string& path) {
  auto json = load_json_file(path);
  return read_config(Node(json, path));
}

nlohmann::json to_json(const Config& c) {
  using nlohmann::json;
  json out;
  out["base_domain"] = c.base_domain;
  auto list = [](const auto& items) {
    json array = json::array();
    for (const auto& item : items) array.push_back(to_json(item));
    return array;
  };
  out["extensions"] = list(c.extensions);
  out["providers"] = list(c.providers);
  out["routes"] = list(c.routes);
  out["numbers"] = list(c.numbers);
  out["trunks"] = list(c.trunks);
  out["call_routes"] = list(c.call_routes);
  json reg{{"min_expires_s", c.registrar.min_expires_s},
           {"max_expires_s", c.registrar.max_expires_s},
           {"default_expires_s", c.registrar.default_expires_s}};
  if (c.registrar.keepalive_options_interval) {
    reg["keepalive_options_interval"] = format_duration(*c.registrar.keepalive_options_interval);
  }
  out["registrar"] = reg;
  out["auth"] = {{"algorithms", c.auth.algorithms},
                 {"nonce_lifetime", format_duration(c.auth.nonce_lifetime)},
                 {"secret", c.auth.secret}};
  out["codecs"] = c.codecs;
  out["media"] = {{"ports", {c.media.first_port, c.media.last_port}},
                  {"timeout", format_duration(c.media.timeout)},
                  {"dtmf", c.media.dtmf == DtmfPolicy::interwork ? "interwork" : "pass"}};
  out["t38"] = c.t38 == T38Policy::reject ? "reject" : "relay";
  return out;
}

}  // namespace trunklab::config
