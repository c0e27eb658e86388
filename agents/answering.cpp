#include "agents/answering.hpp"

#include "reference/txn/wire.hpp"


namespace trunklab::agents {

namespace {

bool carries_sdp_by_default(int status) { return status == 183 || (status >= 200 && status < 300); }

}  // namespace

Answerer::Answerer(Party& party) : party_(party) {
  if (!party_.config.challenge) return;
  auth::ServerConfig server;
  auto key = "trunklab-provider-" + party_.config.name;
  server.secret_key.assign(key.begin(), key.end());
  server.algorithms = {auth::Algorithm::md5};
  digest_server_ = std::make_unique<auth::DigestServer>(server, party_.clock, party_.random);
}

Answerer::~Answerer() {
  for (auto& [id, call] : party_.calls) stop_script(*call);
}

void Answerer::reply(txn::ServerTxnId id, const sip::Message& request, int status) {
  auto tag = request.to().tag().empty() ? sip::new_tag(party_.random) : std::string{};
  auto response = sip::OutgoingMessage::response_to(request, status, {}, tag);
  if (status == 200 && request.method() == "OPTIONS") response.add("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS");
  party_.endpoint->respond(id, std::move(response));
}

void Answerer::on_request(txn::ServerTxnId id, const sip::Message& request, const rt::Address& source) {
  const auto& method = request.method();
  if (method == "INVITE" && request.to().tag().empty()) return on_incoming_invite(id, request, source);
  if (method == "INVITE") return on_reinvite(id, request);
  if (method == "BYE") return on_bye(id, request);
  if (method == "CANCEL") return on_cancel(id, request);
  if (method == "OPTIONS") {
    if (party_.config.answer_options) reply(id, request, 200);
    return;
  }
  reply(id, request, 405);
}

// A new offer in the dialog (hold, resume, a fax switch): answered from our media, or 488 when
// nothing in it is acceptable; without SDP, the 200 carries our offer (RFC 3264 §4).
void Answerer::on_reinvite(txn::ServerTxnId id, const sip::Message& invite) {
  auto* call = party_.find_call(invite.call_id());
  if (!call) return reply(id, invite, 481);
  std::string body;
  const bool offered = !invite.body().empty();
  if (offered) {
    auto answer = party_.media.on_offer(*call, invite.body());
    if (!answer) {
      party_.record("reinvite-refused", call->info.call_id, 488);
      return reply(id, invite, 488);
    }
    body = std::move(*answer);
  } else {
    body = party_.media.offer(*call);
  }
  auto response = sip::OutgoingMessage::response_to(invite, 200);
  response.add("Contact", party_.contact());
  response.set_body("application/sdp", body);
  party_.endpoint->respond(id, std::move(response));
  party_.record(call->media.t38 ? "fax-accepted" : "reinvite-accepted", call->info.call_id, 200);
  if (offered) party_.media.answer_sent(*call);
}

void Answerer::on_bye(txn::ServerTxnId id, const sip::Message& bye) {
  auto* call = party_.find_call(bye.call_id());
  if (!call) return reply(id, bye, 481);
  if (!party_.config.answer_bye) return;
  call->info.ended = true;
  party_.media.stop(*call);
  party_.record("call-ended", bye.call_id());
  reply(id, bye, 200);
}

void Answerer::on_cancel(txn::ServerTxnId id, const sip::Message& cancel) {
  auto* call = party_.find_call(cancel.call_id());
  auto invite_txn = party_.endpoint->find_invite_server(cancel);
  if (!call || !invite_txn) return reply(id, cancel, 481);
  reply(id, cancel, 200);
  if (call->final_sent) return;
  stop_script(*call);
  party_.record("call-cancelled", call->info.call_id);
  send_scripted_reply(call->info.call_id, ReplyStep{487, rt::Duration{0}, {}, false});
}

void Answerer::decline(Call& call) {
  stop_script(call);
  send_scripted_reply(call.info.call_id, ReplyStep{603, rt::Duration{0}, {}, false});
}

// ---- a new INVITE: the provider's challenge, the call, its script -------------------------------

bool Answerer::send_challenge(txn::ServerTxnId id, const sip::Message& invite) {
  const auto& c = *party_.config.challenge;
  auto response = sip::OutgoingMessage::response_to(invite, c.status, {}, sip::new_tag(party_.random));
  for (const auto& ch : digest_server_->challenge(c.realm)) {
    response.add(c.status == 407 ? "Proxy-Authenticate" : "WWW-Authenticate", ch.to_header_value());
  }
  party_.endpoint->respond(id, std::move(response));
  return false;
}

bool Answerer::check_challenge(txn::ServerTxnId id, const sip::Message& invite) {
  const auto& c = *party_.config.challenge;
  auto value = invite.header(c.status == 407 ? "Proxy-Authorization" : "Authorization");
  if (!value) return send_challenge(id, invite);
  auto creds = auth::Credentials::parse(*value);
  if (!creds) return send_challenge(id, invite);
  auto secret = auth::Secret::from_password(c.username, c.password);
  switch (auth::server_action(digest_server_->verify(*creds, c.realm, "INVITE", secret))) {
    case auth::ServerAction::accept:
      return true;
    case auth::ServerAction::forbid:
      party_.endpoint->respond(id, sip::OutgoingMessage::response_to(invite, 403, {}, sip::new_tag(party_.random)));
      return false;
    case auth::ServerAction::challenge:
    case auth::ServerAction::challenge_stale:
      break;
  }
  return send_challenge(id, invite);
}

std::unique_ptr<Call> Answerer::incoming_call(txn::ServerTxnId id, const sip::Message& invite,
                                              const rt::Address& source) {
  auto call = std::make_unique<Call>();
  auto& d = call->dialog;
  d.call_id = invite.call_id();
  d.local_uri = dialog::strip_tag(invite.header("To").value_or(""));
  d.local_tag = sip::new_tag(party_.random);
  d.remote_uri = dialog::strip_tag(invite.header("From").value_or(""));
  d.remote_tag = invite.from().tag();
  d.remote_target = dialog::first_contact_uri(invite);
  d.route_set = dialog::uas_route_set(invite);
  if (d.remote_target.empty()) d.remote_target = invite.from().uri.to_string();
  d.remote_address = source;
  d.local_cseq = 0;
  d.contact = party_.contact();
  call->info.call_id = d.call_id;
  call->info.outgoing = false;
  call->info.number = sip::Uri::parse(invite.request_uri()).value_or(sip::Uri{}).user;
  call->server_txn = id;
  call->request = dialog::copy_message(invite);
  call->answer_2xx = std::make_unique<dialog::Retransmit2xx>(party_.timers, *party_.endpoint);
  return call;
}

void Answerer::on_incoming_invite(txn::ServerTxnId id, const sip::Message& invite, const rt::Address& source) {
  if (party_.config.challenge && !check_challenge(id, invite)) return;
  auto& call = party_.add_call(incoming_call(id, invite, source));
  party_.record("incoming-call", call.info.number);
  if (!invite.body().empty()) {
    auto answer = party_.media.on_offer(call, invite.body());
    if (!answer) {  // RFC 3264 §6: no codec in common
      return send_scripted_reply(call.info.call_id, ReplyStep{488, rt::Duration{0}, {}, false});
    }
    call.media.answer_body = std::move(*answer);
  }
  start_script(call);
}

void Answerer::start_script(Call& call) {
  const auto call_id = call.info.call_id;
  for (const auto& step : script_for(call.info.number).steps) {
    call.script_timers.push_back(party_.timers.start_timer(step.after, [this, call_id, step] {
      send_scripted_reply(call_id, step);
    }));
  }
}

const AnswerScript& Answerer::script_for(const std::string& number) const {
  const AnswerScript* best = &party_.config.answer;
  std::size_t best_length = 0;
  for (const auto& [prefix, script] : party_.config.answer_by_prefix) {
    if (number.starts_with(prefix) && prefix.size() >= best_length) {
      best = &script;
      best_length = prefix.size();
    }
  }
  return *best;
}

void Answerer::stop_script(Call& call) {
  for (auto t : call.script_timers) party_.timers.cancel_timer(t);
  call.script_timers.clear();
}

// ---- replies ----------------------------------------------------------------------------------

void Answerer::send_scripted_reply(const std::string& call_id, const ReplyStep& step) {
  auto* call = party_.find_call(call_id);
  if (!call || call->final_sent || !call->request) return;
  auto response = sip::OutgoingMessage::response_to(*call->request, step.status, step.reason,
                                                    step.status == 100 ? std::string{} : call->dialog.local_tag);
  if (step.status > 100 && step.status < 300) response.add("Contact", party_.contact());
  const bool with_sdp = step.sdp.value_or(carries_sdp_by_default(step.status)) && step.status < 300;
  const bool answering = with_sdp && !call->media.answer_body.empty();
  if (with_sdp) {
    // Our answer to the INVITE's offer, or (an INVITE without SDP) our offer (RFC 3264 §4).
    if (!answering && call->media.offer_body.empty()) call->media.offer_body = party_.media.offer(*call);
    response.set_body("application/sdp", answering ? call->media.answer_body : call->media.offer_body);
    if (step.status == 183) call->info.early_media = true;
  }
  if (step.status >= 200) on_final_sent(*call, response, step);
  party_.endpoint->respond(call->server_txn, std::move(response));
  if (answering) party_.media.answer_sent(*call);  // media follows the answer onto the wire
}

void Answerer::on_final_sent(Call& call, sip::OutgoingMessage& response, const ReplyStep& step) {
  const auto& call_id = call.info.call_id;
  call.final_sent = true;
  call.info.final_status = step.status;
  call.info.final_reason = step.reason.empty() ? std::string(sip::default_reason(step.status)) : step.reason;
  stop_script(call);
  if (step.status >= 300) {
    call.info.ended = true;
    party_.media.stop(call);
    return party_.record("rejected", call_id, step.status);
  }
  call.info.answered = true;
  txn::stamp_received_rport(response, call.dialog.remote_address);
  party_.record("answered", call_id, step.status);
  call.answer_2xx->start(response, call.dialog.remote_address,
                         {[&call] { return call.info.ended; }, [this, &call] { on_no_ack(call); }});
}

void Answerer::on_no_ack(Call& call) {
  party_.record("ack-timeout", call.info.call_id);  // §13.3.1.4: the dialog is dead; end it
  call.info.ended = true;
  party_.send_bye(call);
}

void Answerer::on_ack(const sip::Message& ack) {
  auto* call = party_.find_call(ack.call_id());
  if (call && call->answer_2xx) call->answer_2xx->ack();
  if (call && call->media.offering && !ack.body().empty()) party_.media.on_answer(*call, ack.body());
}

}  // namespace trunklab::agents
