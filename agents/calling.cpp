#include "agents/calling.hpp"

#include <fmt/format.h>

namespace trunklab::agents {

std::string Caller::call(const std::string& number) {
  if (!party_.config.outbound_proxy) {
    party_.record("call-failed", "no outbound proxy configured");
    return {};
  }
  call_to(number, *party_.config.outbound_proxy, party_.config.call_domain);
  return party_.call_order.back();
}

void Caller::call_to(const std::string& number, const rt::Address& destination, const std::string& domain) {
  auto call = std::make_unique<Call>();
  auto& d = call->dialog;
  const auto local = party_.local_address();
  d.call_id = sip::new_call_id(party_.random, local.ip_string());
  auto from_host = party_.config.registrar_domain.empty() ? local.to_string() : party_.config.registrar_domain;
  d.local_uri = fmt::format("<sip:{}@{}>", party_.user(), from_host);
  d.local_tag = sip::new_tag(party_.random);
  d.remote_target = fmt::format("sip:{}@{}", number, domain.empty() ? destination.to_string() : domain);
  d.remote_uri = fmt::format("<{}>", d.remote_target);
  d.remote_address = destination;
  d.local_cseq = 0;
  d.contact = party_.contact();
  call->info.call_id = d.call_id;
  call->info.number = number;
  call->info.outgoing = true;
  party_.record("call-started", number);
  send_invite(party_.add_call(std::move(call)), std::nullopt);
}

void Caller::send_invite(Call& call, std::optional<Authorization> authorization) {
  auto& d = call.dialog;
  auto invite = d.request("INVITE");
  d.invite_cseq = d.local_cseq;
  // A retry with credentials repeats the offer; anything else is a new one.
  if (!authorization || call.media.offer_body.empty()) call.media.offer_body = party_.media.offer(call);
  invite.set_body("application/sdp", call.media.offer_body);
  if (authorization) invite.add(authorization->first, authorization->second);
  party_.endpoint->add_via(invite, d.remote_address);
  call.invite = invite;
  call.provisional = false;
  party_.send_tracked(std::move(invite), d.remote_address, TxnKind::invite, d.call_id);
}

void Caller::on_invite_response(Call& call, const sip::Message& response) {
  const int status = response.status();
  if (call.reinviting) return on_reinvite_response(call, response);
  if (status < 200) return on_provisional(call, response);
  if (status < 300) return on_answered(call, response);
  if (answer_challenge(call, response)) return;
  call.info.final_status = status;
  call.info.final_reason = response.reason();
  call.info.ended = true;
  party_.media.stop(call);
  party_.record("call-failed", call.info.call_id, status);
}

// A re-INVITE's answer changes the media; a refusal leaves the call and its media as they were
// (RFC 3261 §14.1).
void Caller::on_reinvite_response(Call& call, const sip::Message& response) {
  const int status = response.status();
  if (status < 200) return;
  call.reinviting = false;
  if (status >= 300) {
    party_.media.offer_refused(call);
    return party_.record("reinvite-refused", call.info.call_id, status);
  }
  call.dialog.take_response(response);
  send_ack(call);
  if (!response.body().empty()) party_.media.on_answer(call, response.body());
  party_.record("reinvite-answered", call.info.call_id, status);
}

void Caller::on_provisional(Call& call, const sip::Message& response) {
  const int status = response.status();
  call.provisional = true;
  if (call.dialog.remote_tag.empty()) call.dialog.remote_tag = response.to().tag();
  if (!response.body().empty() && status != 100) party_.media.on_answer(call, response.body());
  if (status == 183 && !response.body().empty()) {
    call.info.early_media = true;
    party_.record("early-media", call.info.call_id, status);
  } else if (status != 100) {
    party_.record("ringing", call.info.call_id, status);
  }
  if (call.cancel_requested && !call.cancel_sent) send_cancel(call);
}

void Caller::on_answered(Call& call, const sip::Message& response) {
  call.dialog.take_response(response);
  call.info.answered = true;
  call.info.final_status = response.status();
  call.info.final_reason = response.reason();
  party_.record("call-answered", call.info.call_id, response.status());
  send_ack(call);
  if (!response.body().empty()) party_.media.on_answer(call, response.body());
  if (call.cancel_requested) party_.send_bye(call);  // the answer crossed our CANCEL
}

// One digest answer per call; none once the caller asked to cancel.
bool Caller::answer_challenge(Call& call, const sip::Message& response) {
  const int status = response.status();
  if ((status != 401 && status != 407) || call.auth_attempts >= 1 || call.cancel_requested) return false;
  ++call.auth_attempts;
  auto creds = party_.credentials_for(response, "INVITE", call.invite.request_uri(), nc_);
  if (!creds) return false;
  send_invite(call, Authorization{status == 407 ? "Proxy-Authorization" : "Authorization", *creds});
  return true;
}

void Caller::on_invite_timeout(Call& call) {
  if (call.reinviting) {
    call.reinviting = false;
    party_.media.offer_refused(call);
    return party_.record("reinvite-refused", call.info.call_id, 408);
  }
  call.info.final_status = 408;
  call.info.ended = true;
  party_.media.stop(call);
  party_.record("call-failed", call.info.call_id, 408);
}

void Caller::send_ack(Call& call) { dialog::send_2xx_ack(*party_.endpoint, call.dialog, call.dialog.remote_address); }

void Caller::send_cancel(Call& call) {
  auto cancel = dialog::cancel_for(call.invite);
  call.cancel_sent = true;
  party_.send_tracked(std::move(cancel), call.dialog.remote_address, TxnKind::cancel, call.info.call_id);
}

bool Caller::cancel() {
  for (auto it = party_.call_order.rbegin(); it != party_.call_order.rend(); ++it) {
    auto& call = *party_.calls.at(*it);
    if (!call.info.outgoing || call.info.final_status != 0) continue;
    call.cancel_requested = true;
    party_.record("cancel", call.info.call_id);
    if (call.provisional) send_cancel(call);  // else: sent when the first 1xx arrives (§9.1)
    return true;
  }
  return false;
}

bool Caller::reinvite(const Reoffer& reoffer) {
  for (auto it = party_.call_order.rbegin(); it != party_.call_order.rend(); ++it) {
    auto& call = *party_.calls.at(*it);
    if (call.info.answered && !call.info.ended && !call.reinviting) {
      party_.record("reinvite", call.info.call_id);
      call.media.wanted = reoffer.direction;
      call.media.offer_t38 = reoffer.t38;
      call.reinviting = true;
      send_invite(call, std::nullopt);
      return true;
    }
  }
  return false;
}

bool Caller::on_stray_response(const sip::Message& response) {
  auto* call = party_.find_call(response.call_id());
  if (!call || !call->info.outgoing || !call->info.answered || response.status() < 200 ||
      response.status() >= 300 || response.cseq().method != "INVITE") {
    return false;
  }
  send_ack(*call);
  return true;
}

}  // namespace trunklab::agents
