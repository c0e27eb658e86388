#include "reference/registrar/registrar.hpp"

#include "reference/sip/text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trunklab::registrar {
namespace {

using sip::text::iequals;
using sip::text::to_lower;

std::optional<auth::Algorithm> algorithm_named(std::string_view name) {
  return auth::parse_algorithm(name);
}

}  // namespace

auth::ServerConfig digest_config(const config::AuthPolicy& policy) {
  auth::ServerConfig c;
  c.secret_key.assign(policy.secret.begin(), policy.secret.end());  // 16+ bytes: the config checks
  c.nonce_lifetime = policy.nonce_lifetime;
  c.algorithms.clear();
  for (const auto& name : policy.algorithms) {
    if (auto a = algorithm_named(name)) c.algorithms.push_back(*a);
  }
  return c;
}

Registrar::Registrar(const config::Config& config, BindingStore& store, const rt::Clock& clock,
                     rt::Timers& timers, rt::Random& random)
    : config_(&config),
      store_(store),
      clock_(clock),
      timers_(timers),
      random_(random),
      digest_(digest_config(config.auth), clock, random) {
  set_config(config);
}

void Registrar::set_config(const config::Config& config) {
  config_ = &config;
  by_username_.clear();
  for (const auto& e : config_->extensions) by_username_[{e.customer, e.username}] = &e;
}

std::optional<std::string> Registrar::customer_of_domain(std::string_view host) const {
  auto suffix = ".registrar." + config_->base_domain;
  auto lower = to_lower(host);
  if (lower.size() <= suffix.size() || !lower.ends_with(to_lower(suffix))) return std::nullopt;
  return lower.substr(0, lower.size() - suffix.size());
}

std::string Registrar::aor_of(std::string_view username, std::string_view customer) const {
  return fmt::format("{}@{}", username, config_->registrar_domain(std::string(customer)));
}

// Unknown users and wrong passwords get the same answer (no user enumeration).
constexpr std::string_view kWrongCredentials = "Forbidden (wrong user name or password)";

sip::OutgoingMessage Registrar::reply(const sip::Message& request, int status,
                                      std::string_view reason) {
  auto to_tag = request.to().tag().empty() ? sip::new_tag(random_) : std::string{};
  auto response = sip::OutgoingMessage::response_to(request, status, reason, to_tag);
  switch (status / 100) {
    case 2: ++counters_.accepted; break;
    default: break;
  }
  if (status >= 300 && status != 401) ++counters_.failures[status];
  if (status == 403) ++counters_.forbidden;
  if (status == 400) ++counters_.bad_requests;
  return response;
}

sip::OutgoingMessage Registrar::challenge(const sip::Message& request, const std::string& realm,
                                          bool stale, std::string_view why) {
  ++counters_.challenged;
  // The first challenge keeps the standard phrase (it says why: credentials are needed).
  auto response = reply(request, 401, why.empty() ? std::string{} : fmt::format("Unauthorized ({})", why));
  for (const auto& c : digest_.challenge(realm, stale)) {
    response.add("WWW-Authenticate", c.to_header_value());
  }
  return response;
}

sip::OutgoingMessage Registrar::handle_register(const sip::Message& request,
                                                const rt::Address& source) {
  ++counters_.registers;
  auto request_uri = sip::Uri::parse(request.request_uri());
  if (!request_uri) return reply(request, 400, "Bad Request (Request-URI is not a SIP URI)");
  // §10.2: the address-of-record in To is a SIP or SIPS URI (RFC 4475 "unksm2").
  const auto& to_scheme = request.to().uri.scheme;
  if (!iequals(to_scheme, "sip") && !iequals(to_scheme, "sips")) {
    return reply(request, 400, "Bad Request (To is not a SIP or SIPS URI)");
  }
  const auto* trunk = registered_trunk_of_domain(request_uri->host);
  auto customer = trunk ? std::optional<std::string>(trunk->customer) : customer_of_domain(request_uri->host);
  if (!customer) return reply(request, 404, "Not Found (not a registrar domain of this server)");
  const auto realm = trunk ? config_->trunk_domain(trunk->name) : config_->registrar_domain(*customer);

  auto authorization = request.header("Authorization");
  if (!authorization) return challenge(request, realm, false);
  std::string why;
  auto credentials = auth::Credentials::parse(*authorization, &why);
  if (!credentials) return reply(request, 400, "Bad Request (malformed Authorization: " + why + ")");

  // An unknown user is verified against a decoy secret, so the answer (403 after a valid
  // nonce, 401 for a stale one) and the work done are those of a wrong password.
  // A registered trunk's PBX has one account: the trunk's; an extension's, its customer's.
  const config::Extension* extension = nullptr;
  config::Extension trunk_account;
  if (trunk) {
    trunk_account = {trunk->name, trunk->username, trunk->password, trunk->customer};
    if (credentials->username == trunk->username) extension = &trunk_account;
  } else if (auto it = by_username_.find({*customer, credentials->username}); it != by_username_.end()) {
    extension = it->second;
  }
  const bool known = extension != nullptr;
  auto secret = known ? auth::Secret::from_password(extension->username, extension->password)
                      : auth::Secret::from_password(credentials->username, "\x01not-a-password");
  const auto verdict = digest_.verify(*credentials, realm, "REGISTER", secret);
  switch (auth::server_action(verdict)) {
    case auth::ServerAction::accept:
      break;
    case auth::ServerAction::challenge_stale:
      return challenge(request, realm, true, "nonce expired, retry");
    case auth::ServerAction::challenge:
      return challenge(request, realm, false, fmt::format("credentials not accepted: {}", auth::describe(verdict)));
    case auth::ServerAction::forbid:
      return reply(request, 403, kWrongCredentials);
  }
  if (!known) return reply(request, 403, kWrongCredentials);

  // §10.3 step 6: the authenticated user may only change its own address-of-record.
  const auto& to_uri = request.to().uri;
  if (to_uri.user != extension->username || !iequals(to_uri.host, realm)) {
    return reply(request, 403, "Forbidden (To is not the authenticated user's address-of-record)");
  }
  return update_bindings(request, source, fmt::format("{}@{}", extension->username, realm));
}

sip::OutgoingMessage Registrar::update_bindings(const sip::Message& request,
                                                const rt::Address& source, const std::string& aor) {
  const auto now = clock_.now();
  auto bindings = store_.lookup(aor);
  std::erase_if(bindings, [now](const Binding& b) { return !b.live_at(now); });
  const auto contacts = request.contacts();
  const auto& call_id = request.call_id();
  const auto cseq = request.cseq().number;
  // §10.3 step 7: the same Call-ID with a CSeq not above the binding's is an old request.
  auto is_older = [&](const Binding& b) { return b.call_id == call_id && cseq <= b.cseq; };

  const bool star = std::any_of(contacts.begin(), contacts.end(), [](const sip::Contact& c) { return c.star; });
  if (star) {
    if (contacts.size() != 1 || request.expires().value_or(1) != 0) {
      return reply(request, 400, "Bad Request (Contact: * needs Expires: 0 and no other contact)");
    }
    std::erase_if(bindings, [&](const Binding& b) { return !is_older(b); });
  } else {
    // Every contact's expiry is checked before anything changes: 423 refuses the whole request.
    const auto& policy = config_->registrar;
    std::vector<std::uint32_t> expires_s;
    for (const auto& c : contacts) {
      auto e = c.expires().value_or(request.expires().value_or(policy.default_expires_s));
      if (e > 0 && e < policy.min_expires_s) {
        ++counters_.too_brief;
        auto response = reply(request, 423, fmt::format("Interval Too Brief (at least {} s)", policy.min_expires_s));
        response.add("Min-Expires", std::to_string(policy.min_expires_s));
        return response;
      }
      expires_s.push_back(std::min(e, policy.max_expires_s));
    }
    const auto user_agent = std::string(request.header("User-Agent").value_or(""));
    for (std::size_t i = 0; i < contacts.size(); ++i) {
      auto uri = contacts[i].address.uri.to_string();
      auto existing = std::find_if(bindings.begin(), bindings.end(),
                                   [&](const Binding& b) { return b.contact_uri == uri; });
      if (existing != bindings.end() && is_older(*existing)) {
        return reply(request, 400, "Bad Request (CSeq is not above the binding's)");
      }
      if (existing != bindings.end()) bindings.erase(existing);
      if (expires_s[i] == 0) continue;
      Binding b{aor, uri, call_id, cseq, now + std::chrono::seconds(expires_s[i]), source, user_agent};
      schedule_purge(b.expires_at);
      bindings.push_back(std::move(b));
    }
  }
  try {
    store_.replace(aor, bindings);
  } catch (const StoreError& e) {
    return reply(request, 500, "Server Internal Error (bindings not stored)");
  }
  return ok_with_bindings(request, aor);
}

sip::OutgoingMessage Registrar::ok_with_bindings(const sip::Message& request, const std::string& aor) {
  const auto now = clock_.now();
  auto response = reply(request, 200);
  for (const auto& b : store_.lookup(aor)) {
    if (!b.live_at(now)) continue;
    response.add("Contact", fmt::format("<{}>;expires={}", b.contact_uri, b.remaining_s(now)));
  }
  return response;
}

void Registrar::schedule_purge(rt::Instant at) {
  auto delay = at - clock_.now();
  timers_.start_timer(delay, [this] { counters_.expired += store_.purge_expired(clock_.now()); });
}

std::vector<Binding> Registrar::live_contacts(std::string_view customer, std::string_view extension) const {
  const auto* ext = config_->find_extension(customer, extension);
  if (!ext) return {};
  auto bindings = store_.lookup(aor_of(ext->username, customer));
  const auto now = clock_.now();
  std::erase_if(bindings, [now](const Binding& b) { return !b.live_at(now); });
  return bindings;
}

std::vector<Binding> Registrar::trunk_contacts(const config::Trunk& trunk) const {
  if (trunk.type != config::TrunkType::registered) return {};
  auto bindings = store_.lookup(fmt::format("{}@{}", trunk.username, config_->trunk_domain(trunk.name)));
  const auto now = clock_.now();
  std::erase_if(bindings, [now](const Binding& b) { return !b.live_at(now); });
  return bindings;
}

const config::Trunk* Registrar::registered_trunk_of_domain(std::string_view host) const {
  for (const auto& t : config_->trunks) {
    if (t.type == config::TrunkType::registered && iequals(config_->trunk_domain(t.name), host)) return &t;
  }
  return nullptr;
}

std::vector<Binding> Registrar::live_bindings() const {
  auto bindings = store_.all();
  const auto now = clock_.now();
  std::erase_if(bindings, [now](const Binding& b) { return !b.live_at(now); });
  return bindings;
}

}  // namespace trunklab::registrar
