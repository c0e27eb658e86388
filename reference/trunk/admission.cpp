// Admission: which calls the trunk takes (trunk domain or provider address), who the caller is
// (digest or a trusted address), and the rejections with a reason phrase that says why.
#include "reference/trunk/b2bua.hpp"

#include "reference/sip/sdp.hpp"
#include "reference/trunk/call_state.hpp"

#include <fmt/format.h>

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
    if (domain.size() == host.size() &&
        std::equal(domain.begin(), domain.end(), host.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return &t;
    }
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

void Trunk::on_invite(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source) {
  if (auto mf = invite.max_forwards(); mf && *mf <= 0) return reject(txn, invite, 483);
  // A request that already passed through us is looping (§16.3 step 4).
  auto self = local_.to_string();
  for (const auto& via : invite.vias()) {
    if (via.sent_by() == self) return reject(txn, invite, 482);
  }
  // A call to a trunk domain is outbound whoever sends it; otherwise a call from a provider's
  // address is inbound (on loopback every party shares 127.0.0.1, so the domain decides first).
  auto request_uri = sip::Uri::parse(invite.request_uri());
  if (request_uri && trunk_of_domain(request_uri->host)) return handle_outbound(txn, invite, source);
  if (const auto* provider = provider_at(source)) {
    return handle_inbound(txn, invite, source, *provider);
  }
  handle_outbound(txn, invite, source);
}

std::optional<std::string> Trunk::authenticate(txn::ServerTxnId txn, const sip::Message& invite,
                                               const rt::Address& source,
                                               const config::Trunk& trunk) {
  for (const auto& trusted : trunk.trusted_addresses) {
    auto address = rt::Address::parse(trusted);
    if (address && address->bytes() == source.bytes()) return "trusted " + source.ip_string();
  }
  const auto realm = config_.trunk_domain(trunk.name);
  auto challenge = [&](bool stale) {
    ++counters_.challenged;
    auto response = sip::OutgoingMessage::response_to(invite, 407, {}, sip::new_tag(random_));
    for (const auto& c : digest_.challenge(realm, stale)) {
      response.add("Proxy-Authenticate", c.to_header_value());
    }
    endpoint_.respond(txn, std::move(response));
    return std::nullopt;
  };
  auto value = invite.header("Proxy-Authorization");
  if (!value) return challenge(false);
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
  switch (auth::server_action(digest_.verify(*credentials, realm, "INVITE", secret))) {
    case auth::ServerAction::accept:
      if (extension) return extension->name;
      break;
    case auth::ServerAction::challenge_stale:
      return challenge(true);
    case auth::ServerAction::challenge:
      return challenge(false);
    case auth::ServerAction::forbid:
      break;
  }
  ++counters_.forbidden;
  reject(txn, invite, 403);
  return std::nullopt;
}

void Trunk::handle_outbound(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source) {
  auto request_uri = sip::Uri::parse(invite.request_uri());
  if (!request_uri) return reject(txn, invite, 400, "Bad Request (Request-URI is not a SIP URI)");
  const auto* trunk = trunk_of_domain(request_uri->host);
  if (!trunk) return reject(txn, invite, 404, "Not Found (unknown trunk domain)");
  auto caller = authenticate(txn, invite, source, *trunk);
  if (!caller) return;
  if (!codecs_acceptable(invite)) return reject(txn, invite, 488);
  auto& in_use = channels_[trunk->name];
  if (trunk->channels > 0 && in_use >= static_cast<std::size_t>(trunk->channels)) {
    ++counters_.channel_rejects;
    auto response = sip::OutgoingMessage::response_to(invite, 503, {}, sip::new_tag(random_));
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
    call.last_5xx = {503, "Service Unavailable"};
  }
  try_next_provider(call);
}

void Trunk::handle_inbound(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source,
                           const config::Provider& provider) {
  auto request_uri = sip::Uri::parse(invite.request_uri());
  if (!request_uri) return reject(txn, invite, 400, "Bad Request (Request-URI is not a SIP URI)");
  const config::Number* number = nullptr;
  for (const auto& n : config_.numbers) {
    if (n.number == request_uri->user) number = &n;
  }
  if (!number) return reject(txn, invite, 404);
  auto contacts = registrar_.live_contacts(number->customer, number->dial_extension);
  if (contacts.empty()) return reject(txn, invite, 480);
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
