// Admission: which calls the trunk takes (trunk domain or provider address), who the caller is
// (digest or a trusted address), and the rejections with a reason phrase that says why.
#include "reference/trunk/b2bua.hpp"

#include "reference/sip/sdp.hpp"
#include "reference/sip/text.hpp"
#include "reference/trunk/call_state.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace trunklab::trunk {

// ---- admission --------------------------------------------------------------------------------

void Trunk::reject(txn::ServerTxnId txn, const sip::Message& request, int status,
                   std::string_view reason) {
  auto tag = request.to().tag().empty() ? sip::new_tag(random_) : std::string{};
  endpoint_.respond(txn, sip::OutgoingMessage::response_to(request, status, reason, tag));
}

const config::Trunk* Trunk::trunk_of_domain(std::string_view host) const {
  for (const auto& t : config_.trunks) {
    auto domain = config_.trunk_domain(t.name);
    if (sip::text::iequals(domain, host)) return &t;
  }
  return nullptr;
}

const config::Provider* Trunk::provider_at(const rt::Address& source) const {
  for (const auto& p : config_.providers) {
    if (p.address && p.address->bytes() == source.bytes() && p.address->is_v6() == source.is_v6()) {
      return &p;
    }
  }
  return nullptr;
}

bool Trunk::codecs_acceptable(const sip::Message& invite) const {
  if (invite.body().empty()) return true;  // late offer: negotiated in the 200/ACK
  auto sdp = sip::Sdp::parse(invite.body());
  if (!sdp) return false;
  for (const auto& name : sdp->codec_names()) {
    if (name == "telephone-event") continue;
    if (std::find(config_.codecs.begin(), config_.codecs.end(), name) != config_.codecs.end()) {
      return true;
    }
  }
  return false;
}

namespace {

// Request-URI host an IP literal ("127.0.0.1", "[::1]"): the caller addressed this server, not
// a trunk domain (SIPp's `-sn uac`, softphones configured with an IP).
bool is_ip_literal(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return !host.empty() && rt::Address::parse(host).has_value();
}

bool same_ip(const rt::Address& a, const rt::Address& b) { return a.is_v6() == b.is_v6() && a.bytes() == b.bytes(); }

}  // namespace

void Trunk::on_invite(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source) {
  if (auto mf = invite.max_forwards(); mf && *mf <= 0) {
    return reject(txn, invite, 483, "Too Many Hops (Max-Forwards is 0)");
  }
  // A request that already passed through us is looping (§16.3 step 4).
  auto self = local_.to_string();
  for (const auto& via : invite.vias()) {
    if (via.sent_by() == self) return reject(txn, invite, 482, "Loop Detected (our own Via is in the request)");
  }
  auto request_uri = sip::Uri::parse(invite.request_uri());
  if (!request_uri) return reject(txn, invite, 400, "Bad Request (Request-URI is not a SIP URI)");
  // A call to a trunk domain is outbound whoever sends it (on loopback every party shares
  // 127.0.0.1, so the domain decides first).
  if (const auto* trunk = trunk_of_domain(request_uri->host)) return handle_outbound(txn, invite, source, *trunk);
  const bool by_ip = is_ip_literal(request_uri->host);
  const auto* provider = provider_at(source);
  // Otherwise a call from a provider is inbound; addressed by IP, "from a provider" must be its
  // exact address or a number we have, so a phone beside it on 127.0.0.1 still reaches a trunk.
  if (provider && (!by_ip || *provider->address == source || number_named(request_uri->user))) {
    return handle_inbound(txn, invite, source, *provider);
  }
  if (by_ip) return handle_outbound_by_ip(txn, invite, source);
  reject(txn, invite, 404, fmt::format("Not Found (no trunk domain {})", phrase_text(request_uri->host)));
}

const config::Number* Trunk::number_named(std::string_view number) const {
  for (const auto& n : config_.numbers) {
    if (n.number == number) return &n;
  }
  return nullptr;
}

// A trunk addressed by IP: the trunk of the trusted address it comes from, else the one whose
// domain the credentials' realm names, else (one trunk) that trunk; with several trunks and no
// credentials, the 407 challenges for every trunk's realm (one set each, in configuration order).
void Trunk::handle_outbound_by_ip(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source) {
  for (const auto& t : config_.trunks) {
    for (const auto& trusted : t.trusted_addresses) {
      auto address = rt::Address::parse(trusted);
      if (address && same_ip(*address, source)) return handle_outbound(txn, invite, source, t);
    }
  }
  if (config_.trunks.size() == 1) return handle_outbound(txn, invite, source, config_.trunks.front());
  if (auto value = invite.header("Proxy-Authorization")) {
    if (auto credentials = auth::Credentials::parse(*value)) {
      if (const auto* trunk = trunk_of_domain(credentials->realm)) return handle_outbound(txn, invite, source, *trunk);
    }
  }
  if (config_.trunks.empty()) return reject(txn, invite, 404, "Not Found (no trunk configured)");
  std::vector<std::string> realms;
  for (const auto& t : config_.trunks) realms.push_back(config_.trunk_domain(t.name));
  challenge(txn, invite, realms, false, {});
}

void Trunk::challenge(txn::ServerTxnId txn, const sip::Message& invite, const std::vector<std::string>& realms,
                      bool stale, std::string_view why) {
  ++counters_.challenged;
  auto reason = why.empty() ? std::string{} : fmt::format("Proxy Authentication Required ({})", why);
  auto response = sip::OutgoingMessage::response_to(invite, 407, reason, sip::new_tag(random_));
  for (const auto& realm : realms) {
    for (const auto& c : digest_.challenge(realm, stale)) response.add("Proxy-Authenticate", c.to_header_value());
  }
  endpoint_.respond(txn, std::move(response));
}

std::optional<std::string> Trunk::authenticate(txn::ServerTxnId txn, const sip::Message& invite,
                                               const rt::Address& source,
                                               const config::Trunk& trunk) {
  for (const auto& trusted : trunk.trusted_addresses) {
    auto address = rt::Address::parse(trusted);
    if (address && same_ip(*address, source)) return "trusted " + source.ip_string();
  }
  const auto realm = config_.trunk_domain(trunk.name);
  auto value = invite.header("Proxy-Authorization");
  if (!value) {
    challenge(txn, invite, {realm}, false, {});  // the standard phrase says it: credentials needed
    return std::nullopt;
  }
  std::string why;
  auto credentials = auth::Credentials::parse(*value, &why);
  if (!credentials) {
    reject(txn, invite, 400, "Bad Request (malformed Proxy-Authorization: " + why + ")");
    return std::nullopt;
  }
  const config::Extension* extension = nullptr;
  for (const auto& e : config_.extensions) {
    if (e.customer == trunk.customer && e.username == credentials->username) extension = &e;
  }
  // Unknown users get the same treatment as a wrong password (no user enumeration).
  auto secret = extension ? auth::Secret::from_password(extension->username, extension->password)
                          : auth::Secret::from_password(credentials->username, "\x01not-a-password");
  const auto verdict = digest_.verify(*credentials, realm, "INVITE", secret);
  switch (auth::server_action(verdict)) {
    case auth::ServerAction::accept:
      if (extension) return extension->name;
      break;
    case auth::ServerAction::challenge_stale:
      challenge(txn, invite, {realm}, true, "nonce expired, retry");
      return std::nullopt;
    case auth::ServerAction::challenge:
      challenge(txn, invite, {realm}, false, fmt::format("credentials not accepted: {}", auth::describe(verdict)));
      return std::nullopt;
    case auth::ServerAction::forbid:
      break;
  }
  ++counters_.forbidden;
  reject(txn, invite, 403, "Forbidden (wrong user name or password)");
  return std::nullopt;
}

void Trunk::handle_outbound(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source,
                            const config::Trunk& trunk_config) {
  const auto* trunk = &trunk_config;
  auto caller = authenticate(txn, invite, source, *trunk);
  if (!caller) return;
  if (!codecs_acceptable(invite)) {
    return reject(txn, invite, 488, fmt::format("Not Acceptable Here (no offered codec is one of {})",
                                                fmt::join(config_.codecs, ", ")));
  }
  auto& in_use = channels_[trunk->name];
  if (trunk->channels > 0 && in_use >= static_cast<std::size_t>(trunk->channels)) {
    ++counters_.channel_rejects;
    auto response = sip::OutgoingMessage::response_to(
        invite, 503, fmt::format("Service Unavailable (trunk {}: channel limit {} reached)", trunk->name, trunk->channels),
        sip::new_tag(random_));
    response.add("Reason", reason_header(503, "channel limit reached"));
    endpoint_.respond(txn, std::move(response));
    return;
  }
  auto& call = new_call(txn, invite, source);
  call.customer = trunk->customer;
  call.trunk = trunk->name;
  call.holds_channel = true;
  ++in_use;
  call.outcome.direction = "outbound";
  call.outcome.trunk = trunk->name;
  call.outcome.caller = *caller;
  respond_a(call, 100);
  call.providers = routes_.candidates(trunk->customer, call.outcome.destination);
  if (call.providers.empty()) {
    call.last_5xx = {503, fmt::format("Service Unavailable (no route for {})", phrase_text(call.outcome.destination))};
  }
  try_next_provider(call);
}

void Trunk::handle_inbound(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source,
                           const config::Provider& provider) {
  auto request_uri = sip::Uri::parse(invite.request_uri());
  if (!request_uri) return reject(txn, invite, 400, "Bad Request (Request-URI is not a SIP URI)");
  const auto* number = number_named(request_uri->user);
  if (!number) return reject(txn, invite, 404, fmt::format("Not Found (no number {} here)", phrase_text(request_uri->user)));
  auto contacts = registrar_.live_contacts(number->customer, number->dial_extension);
  if (contacts.empty()) {
    return reject(txn, invite, 480, fmt::format("Temporarily Unavailable ({} has no registered contact)",
                                                phrase_text(number->dial_extension)));
  }
  auto& call = new_call(txn, invite, source);
  call.inbound = true;
  call.customer = number->customer;
  call.outcome.direction = "inbound";
  call.outcome.caller = provider.name;
  respond_a(call, 100);
  const auto* extension = config_.find_extension(number->customer, number->dial_extension);
  for (const auto& binding : contacts) {
    start_leg(call, binding.contact_uri, binding.source, binding.contact_uri, kRingTimeout);
    call.legs.back().dialog.remote_uri =
        fmt::format("<sip:{}@{}>", extension->username, config_.registrar_domain(number->customer));
  }
  for (std::size_t i = 0; i < call.legs.size(); ++i) send_leg_invite(call, call.legs[i]);
}

}  // namespace trunklab::trunk
