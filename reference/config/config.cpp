#include "reference/config/config.hpp"

#include <fmt/format.h>

#include <set>

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

const Extension* Config::find_extension(std::string_view customer, std::string_view name) const {
  for (const auto& e : extensions) {
    if (e.customer == customer && e.name == name) return &e;
  }
  return nullptr;
}

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

Extension read_extension(const Node& n) {
  n.expect_only({"name", "username", "password", "customer"});
  Extension e;
  e.name = read_name(n, "name");
  e.username = n.string_or("username", e.name);
  e.password = n.at("password").as_string();
  e.customer = n.string_or("customer", kDefaultCustomer);
  return e;
}

std::optional<rt::Address> read_address(const Node& n) {
  auto text = n.as_string();
  auto address = rt::Address::parse(text);
  if (!address) n.fail("expected an IP address with optional port, such as \"192.0.2.10:5060\"");
  return address;
}

MediaMode read_media_mode(const Node& n) {
  const auto text = n.as_string();
  if (text == "relay") return MediaMode::relay;
  if (text != "direct") n.fail("expected \"direct\" (SDP passed through) or \"relay\" (media anchored)");
  return MediaMode::direct;
}

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
  return p;
}

Route read_route(const Node& n) {
  n.expect_only({"name", "provider", "priority", "prefix", "customer"});
  Route r;
  r.provider = read_name(n, "provider");
  r.priority = static_cast<int>(n.int_or("priority", 1, 0, 1'000'000));
  r.prefix = n.string_or("prefix", "");
  r.customer = n.string_or("customer", kDefaultCustomer);
  r.name = n.string_or("name", r.provider + (r.prefix.empty() ? "" : "-" + r.prefix));
  return r;
}

Number read_number(const Node& n) {
  n.expect_only({"number", "dial_extension", "customer"});
  Number num;
  num.number = read_name(n, "number");
  num.dial_extension = read_name(n, "dial_extension");
  num.customer = n.string_or("customer", kDefaultCustomer);
  return num;
}

Trunk read_trunk(const Node& n) {
  n.expect_only({"name", "customer", "channels", "trusted_addresses", "media"});
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
  return t;
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

// Names must be unique within their kind, and references must resolve.
void check_references(const Node& n, const Config& c) {
  std::set<std::string> providers;
  for (std::size_t i = 0; i < c.providers.size(); ++i) {
    if (!providers.insert(c.providers[i].name).second) {
      n.at("providers").at(i).at("name").fail("expected a unique provider name");
    }
  }
  for (std::size_t i = 0; i < c.routes.size(); ++i) {
    if (!providers.count(c.routes[i].provider)) {
      n.at("routes").at(i).at("provider").fail(fmt::format("unknown provider \"{}\"; providers are: {}",
                                                            c.routes[i].provider, name_list(providers)));
    }
  }
  std::set<std::pair<std::string, std::string>> extensions;
  for (std::size_t i = 0; i < c.extensions.size(); ++i) {
    const auto& e = c.extensions[i];
    if (!extensions.insert({e.customer, e.name}).second) {
      n.at("extensions").at(i).at("name").fail("expected a unique extension name in its customer");
    }
  }
  for (std::size_t i = 0; i < c.numbers.size(); ++i) {
    const auto& num = c.numbers[i];
    if (!extensions.count({num.customer, num.dial_extension})) {
      std::set<std::string> names;
      for (const auto& [customer, name] : extensions) {
        if (customer == num.customer) names.insert(name);
      }
      n.at("numbers").at(i).at("dial_extension").fail(fmt::format(
          "unknown extension \"{}\" of customer \"{}\"; its extensions are: {}", num.dial_extension,
          num.customer, name_list(names)));
    }
  }
}

}  // namespace

Config read_config(const Node& n) {
  n.expect_only({"base_domain", "extensions", "providers", "routes", "numbers", "trunks",
                 "registrar", "auth", "codecs", "media", "t38"});
  Config c;
  c.base_domain = n.string_or("base_domain", c.base_domain);
  c.extensions = read_list<Extension>(n, "extensions", read_extension);
  c.providers = read_list<Provider>(n, "providers", read_provider);
  c.routes = read_list<Route>(n, "routes", read_route);
  c.numbers = read_list<Number>(n, "numbers", read_number);
  c.trunks = read_list<Trunk>(n, "trunks", read_trunk);
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
  out["extensions"] = json::array();
  for (const auto& e : c.extensions) {
    out["extensions"].push_back({{"name", e.name}, {"username", e.username},
                                 {"password", e.password}, {"customer", e.customer}});
  }
  out["providers"] = json::array();
  for (const auto& p : c.providers) {
    json j{{"name", p.name}, {"hostname", p.hostname}};
    if (p.address) j["address"] = p.address->to_string();
    if (p.credentials) j["credentials"] = {{"username", p.credentials->username},
                                           {"password", p.credentials->password}};
    if (p.invite_timeout) j["invite_timeout"] = format_duration(*p.invite_timeout);
    if (p.options_interval) j["options_interval"] = format_duration(*p.options_interval);
    if (p.transport == rt::TransportKind::tcp) j["transport"] = "tcp";
    if (p.media == MediaMode::relay) j["media"] = "relay";
    out["providers"].push_back(j);
  }
  out["routes"] = json::array();
  for (const auto& r : c.routes) {
    json j{{"name", r.name}, {"provider", r.provider}, {"priority", r.priority},
           {"customer", r.customer}};
    if (!r.prefix.empty()) j["prefix"] = r.prefix;
    out["routes"].push_back(j);
  }
  out["numbers"] = json::array();
  for (const auto& num : c.numbers) {
    out["numbers"].push_back({{"number", num.number}, {"dial_extension", num.dial_extension},
                              {"customer", num.customer}});
  }
  out["trunks"] = json::array();
  for (const auto& t : c.trunks) {
    out["trunks"].push_back({{"name", t.name}, {"customer", t.customer}, {"channels", t.channels},
                             {"trusted_addresses", t.trusted_addresses}});
    if (t.media == MediaMode::relay) out["trunks"].back()["media"] = "relay";
  }
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
