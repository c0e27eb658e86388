// Inbound calls: a provider's INVITE for a configured number rings every live contact of the
// extension the number dials, at the address each registered from (forking).
#include "reference/trunk/b2bua.hpp"

#include "reference/trunk/call_state.hpp"

#include <fmt/format.h>

namespace trunklab::trunk {

void Trunk::handle_inbound(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source,
                           const config::Provider& provider) {
  admitting_ = {"inbound", {}, {}, provider.name};
  auto request_uri = sip::Uri::parse(invite.request_uri());
  if (!request_uri) return reject(txn, invite, 400, "Bad Request (Request-URI is not a SIP URI)");
  const auto* number = number_named(request_uri->user);
  if (!number) return reject(txn, invite, 404, fmt::format("Not Found (no number {} here)", phrase_text(request_uri->user)));
  admitting_.customer = number->customer;
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
  const auto* extension = config_->find_extension(number->customer, number->dial_extension);
  for (const auto& binding : contacts) {
    start_leg(call, binding.contact_uri, binding.source, binding.contact_uri, kRingTimeout);
    call.legs.back().dialog.remote_uri =
        fmt::format("<sip:{}@{}>", extension->username, config_->registrar_domain(number->customer));
  }
  for (std::size_t i = 0; i < call.legs.size(); ++i) send_leg_invite(call, call.legs[i]);
}

}  // namespace trunklab::trunk
