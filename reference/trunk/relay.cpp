// Requests from the far ends once a call is set up: ACK, CANCEL before the answer, and the
// in-dialog requests (BYE, re-INVITE, INFO, ...) relayed leg to leg with their answers.
#include "reference/trunk/b2bua.hpp"

#include "reference/trunk/call_state.hpp"
#include "reference/dialog/invite_2xx.hpp"
#include "reference/sip/sdp.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trunklab::trunk {

bool Trunk::on_ack(const sip::Message& ack, const rt::Address& source) {
  (void)source;
  auto it = by_call_id_.find(ack.call_id());
  if (it == by_call_id_.end()) return false;
  auto call_it = calls_.find(it->second);
  if (call_it == calls_.end()) return true;
  auto& call = *call_it->second;
  if (ack.call_id() == call.a.call_id) {
    call.a_2xx->ack();
    if (call.winner) ack_leg(call.legs[*call.winner]);
  } else {
    // The ACK for a re-INVITE the B side sent and the A side answered.
    dialog::send_2xx_ack(endpoint_, call.a, call.a.remote_address);
  }
  return true;
}

bool Trunk::on_cancel(txn::ServerTxnId txn, const sip::Message& cancel, const rt::Address& source) {
  (void)source;
  auto it = by_call_id_.find(cancel.call_id());
  if (it == by_call_id_.end()) return false;
  auto call_it = calls_.find(it->second);
  if (call_it == calls_.end()) return false;
  auto& call = *call_it->second;
  if (cancel.call_id() != call.a.call_id) return false;
  endpoint_.respond(txn, sip::OutgoingMessage::response_to(cancel, 200, {}, call.a.local_tag));
  if (call.a_final_sent) return true;  // too late: the answer crossed the CANCEL
  call.cancelled = true;
  set_hangup(call, "caller", "CANCEL");
  ++counters_.cancelled;
  for (auto& leg : call.legs) cancel_leg(call, leg);
  respond_a(call, 487, "Request Terminated (cancelled by the caller)");
  if (std::all_of(call.legs.begin(), call.legs.end(), [](const Leg& l) { return l.final; })) {
    end_call(call);
  }
  return true;
}

bool Trunk::on_dialog_request(txn::ServerTxnId txn, const sip::Message& request, const rt::Address& source) {
  (void)source;
  auto it = by_call_id_.find(request.call_id());
  if (it == by_call_id_.end()) return false;
  auto call_it = calls_.find(it->second);
  if (call_it == calls_.end()) return false;
  auto& call = *call_it->second;
  const bool from_a = request.call_id() == call.a.call_id;
  if (!call.winner) return false;
  if (!from_a && call.legs[*call.winner].dialog.call_id != request.call_id()) return false;
  if (request.method() == "INVITE" && config_->t38 == config::T38Policy::reject && offers_t38(request)) {
    refuse_t38(txn, request);
    return true;
  }
  relay_request(call, from_a, txn, request);
  return true;
}

// A re-INVITE switching to fax: its offer has an active T.38 stream (RFC 3362's image/t38).
bool Trunk::offers_t38(const sip::Message& invite) {
  if (invite.body().empty()) return false;
  const auto sdp = sip::Sdp::parse(invite.body());
  if (!sdp) return false;
  return std::any_of(sdp->media.begin(), sdp->media.end(),
                     [](const sip::SdpMedia& m) { return m.is_t38() && m.port != 0; });
}

// Refused here, never relayed: the other side keeps the call as it was, and so does the
// offerer, whose previous offer/answer stays in force (RFC 3261 §14.1). Warning 304, "Media
// type not available" (§20.43): the site does not take the media type the offer asks for.
void Trunk::refuse_t38(txn::ServerTxnId txn, const sip::Message& invite) {
  auto response = sip::OutgoingMessage::response_to(invite, 488, "Not Acceptable Here (T.38 fax refused by configuration)");
  response.add("Warning", fmt::format("304 {} \"Media type not available\"", local_.to_string()));
  endpoint_.respond(txn, std::move(response));
}

void Trunk::relay_request(Call& call, bool from_a, txn::ServerTxnId origin, const sip::Message& request) {
  auto& leg = call.legs[*call.winner];
  auto& target = from_a ? leg.dialog : call.a;
  auto relayed = target.request(request.method());
  if (request.method() == "INVITE") target.invite_cseq = target.local_cseq;
  copy_sdp(call, from_a, relayed, request);
  if (auto reason = request.header("Reason")) relayed.add("Reason", std::string(*reason));
  endpoint_.add_via(relayed, target.remote_address);
  auto id = endpoint_.send_request(std::move(relayed), target.remote_address);
  TxnRef ref{TxnRole::relay, call.id, *call.winner, origin, from_a, nullptr};
  if (auto copy = dialog::copy_message(request)) ref.origin_request = std::make_shared<const sip::Message>(std::move(*copy));
  client_txns_[id.value] = std::move(ref);
  if (request.method() == "BYE") {
    call.outcome.active = false;
    auto reason = request.header("Reason");
    set_hangup(call, from_a ? "caller" : "callee", reason ? std::string(*reason) : "BYE");
  }
}

void Trunk::relay_final_response(const TxnRef& ref, const sip::Message& response) {
  if (!ref.origin || !ref.origin_request) return;
  auto reply = sip::OutgoingMessage::response_to(*ref.origin_request, response.status(), response.reason());
  auto call = calls_.find(ref.call);
  if (call != calls_.end()) {
    copy_sdp(*call->second, !ref.origin_is_a, reply, response);  // the answer comes from the other side
  } else {
    copy_body(reply, response);
  }
  if (call != calls_.end() && is_2xx(response.status()) && ref.origin_request->method() == "INVITE") {
    reply.add("Contact", call->second->a.contact);
  }
  endpoint_.respond(*ref.origin, std::move(reply));
  if (call != calls_.end() && ref.origin_request->method() == "BYE") end_call(*call->second);
}

}  // namespace trunklab::trunk
