// Outbound calls: the caller proves who it is (digest with the trunk domain's realm, or a
// trusted source address), gets a channel of its trunk, and the call goes to the route's
// providers one at a time (a provider's own digest challenge answered once).
#include "reference/trunk/b2bua.hpp"

#include "reference/trunk/call_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fmt/ranges.h>

namespace trunklab::trunk {

// A trunk addressed by IP: the trunk of the trusted address it comes from, else the one whose
// domain the credentials' realm names, else (one trunk) that trunk; with several trunks and no
// credentials, the 407 challenges for every trunk's realm (one set each, in configuration order).
void Trunk::handle_outbound_by_ip(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source) {
  admitting_.direction = "outbound";
  for (const auto& t : config_->trunks) {
    for (const auto& trusted : t.trusted_addresses) {
      auto address = rt::Address::parse(trusted);
      if (address && same_ip(*address, source)) return handle_outbound(txn, invite, source, t);
    }
  }
  if (config_->trunks.size() == 1) return handle_outbound(txn, invite, source, config_->trunks.front());
  if (auto value = invite.header("Proxy-Authorization")) {
    if (auto credentials = auth::Credentials::parse(*value)) {
      if (const auto* trunk = trunk_of_domain(credentials->realm)) return handle_outbound(txn, invite, source, *trunk);
    }
  }
  if (config_->trunks.empty()) return reject(txn, invite, 404, "Not Found (no trunk configured)");
  std::vector<std::string> realms;
  for (const auto& t : config_->trunks) realms.push_back(config_->trunk_domain(t.name));
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
  const auto realm = config_->trunk_domain(trunk.name);
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
  for (const auto& e : config_->extensions) {
    if (e.customer == trunk.customer && e.username == credentials->username) extension = &e;
  }
  // A registered trunk's PBX calls with the credentials it registers with.
  config::Extension trunk_account{trunk.name, trunk.username, trunk.password, trunk.customer};
  if (trunk.type == config::TrunkType::registered && credentials->username == trunk.username) extension = &trunk_account;
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
  admitting_ = {"outbound", trunk->customer, trunk->name, {}};
  auto caller = authenticate(txn, invite, source, *trunk);
  if (!caller) return;
  admitting_.caller = *caller;
  if (!codecs_acceptable(invite)) {
    return reject(txn, invite, 488, fmt::format("Not Acceptable Here (no offered codec is one of {})",
                                                fmt::join(config_->codecs, ", ")));
  }
  auto& in_use = channels_[trunk->name];
  if (trunk->channels > 0 && in_use >= static_cast<std::size_t>(trunk->channels)) {
    ++counters_.channel_rejects;
    auto reason = fmt::format("Service Unavailable (trunk {}: channel limit {} reached)", trunk->name, trunk->channels);
    auto response = sip::OutgoingMessage::response_to(invite, 503, reason, sip::new_tag(random_));
    response.add("Reason", reason_header(503, "channel limit reached"));
    endpoint_.respond(txn, std::move(response));
    record_refusal(invite, 503, reason);
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

void Trunk::try_next_provider(Call& call) {
  while (!call.cancelled && call.next_provider < call.providers.size()) {
    const auto* provider = call.providers[call.next_provider++];
    if (!provider->address) continue;  // nowhere to send: as if it failed
    if (!call.legs.empty()) ++counters_.failovers;
    // Without a configured timeout the leg gets timer B's length: a provider that sent 100
    // and then nothing would otherwise hold the call forever (B stops in Proceeding).
    start_leg(call, provider->name, *provider->address,
              fmt::format("sip:{}@{}", call.outcome.destination, provider->hostname),
              provider->invite_timeout.value_or(endpoint_.config().timer_b()));
    call.legs.back().dialog.remote_uri = fmt::format("<{}>", call.legs.back().request_uri);
    call.legs.back().to_provider = true;
    send_leg_invite(call, call.legs.back());
    return;
  }
  finish_unanswered(call);
}

bool Trunk::answer_provider_challenge(Call& call, Leg& leg, const sip::Message& response) {
  if (!leg.to_provider || leg.auth_attempts > 0) return false;
  const auto* provider = config_->find_provider(leg.target_name);
  if (!provider || !provider->credentials) return false;
  const bool proxy = response.status() == 407;
  std::vector<auth::Challenge> challenges;
  for (const auto& value : response.header_values(proxy ? "Proxy-Authenticate" : "WWW-Authenticate")) {
    if (auto c = auth::Challenge::parse(value)) challenges.push_back(*c);
  }
  auto chosen = auth::select_challenge(challenges);
  if (!chosen) return false;
  ++leg.auth_attempts;
  auto credentials = auth::answer(challenges[*chosen],
                                  {provider->credentials->username, provider->credentials->password},
                                  "INVITE", leg.request_uri, ++leg.auth_nc, random_);
  auto invite = leg.dialog.request("INVITE");
  leg.dialog.invite_cseq = leg.dialog.local_cseq;
  if (!call.offer.empty()) invite.set_body(call.offer_type, leg_offer(call, leg));
  invite.add(proxy ? "Proxy-Authorization" : "Authorization", credentials.to_header_value());
  endpoint_.add_via(invite, leg.address);
  client_txns_.erase(leg.invite_txn.value);
  leg.invite = invite;
  leg.provisional = false;
  leg.closed = false;  // a new INVITE transaction
  leg.invite_txn = endpoint_.send_request(std::move(invite), leg.address);
  auto index = static_cast<std::size_t>(&leg - call.legs.data());
  client_txns_[leg.invite_txn.value] = TxnRef{TxnRole::invite, call.id, index, std::nullopt, false, nullptr};
  return true;
}

}  // namespace trunklab::trunk
