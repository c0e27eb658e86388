// The B-side legs: starting one (provider or registered contact), its INVITE and the responses
// to it (failover, forking, the caller's final answer); ending legs: CANCEL (§9.1), ACK and BYE
// of a late answer, the strays of legs given up on, and how long a call is kept so those late
// replies still find it.
#include "reference/trunk/b2bua.hpp"

#include "reference/txn/fsm.hpp"
#include "reference/trunk/call_state.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trunklab::trunk {

void Trunk::start_leg(Call& call, std::string target_name, const rt::Address& address,
                      std::string request_uri, std::optional<rt::Duration> timeout) {
  Leg leg;
  leg.target_name = std::move(target_name);
  leg.address = address;
  leg.request_uri = std::move(request_uri);
  leg.timeout = timeout;
  auto& d = leg.dialog;
  d.call_id = sip::new_call_id(random_, local_.ip_string());
  auto caller_user = sip::Uri::parse(call.a_invite->from().uri.to_string()).value_or(sip::Uri{}).user;
  if (caller_user.empty()) caller_user = "trunk";
  d.local_uri = fmt::format("<sip:{}@{}>", caller_user, local_.to_string());
  d.local_tag = sip::new_tag(random_);
  d.remote_target = leg.request_uri;
  d.remote_address = address;
  d.local_cseq = 0;
  d.contact = contact_for(address);
  by_call_id_[d.call_id] = call.id;
  call.legs.push_back(std::move(leg));
}

void Trunk::send_leg_invite(Call& call, Leg& leg) {
  auto invite = leg.dialog.request("INVITE");
  leg.dialog.invite_cseq = leg.dialog.local_cseq;
  if (auto mf = call.a_invite->max_forwards()) invite.set("Max-Forwards", std::to_string(std::max(*mf - 1, 0)));
  if (!call.offer.empty()) invite.set_body(call.offer_type, leg_offer(call, leg));
  endpoint_.add_via(invite, leg.address);
  leg.invite = invite;
  leg.invite_txn = endpoint_.send_request(std::move(invite), leg.address);
  std::size_t index = static_cast<std::size_t>(&leg - call.legs.data());
  client_txns_[leg.invite_txn.value] = TxnRef{TxnRole::invite, call.id, index, std::nullopt, false, nullptr};
  if (leg.timeout && leg.timeout_timer == rt::kNoTimer) {
    auto call_id = call.id;
    leg.timeout_timer = timers_.start_timer(*leg.timeout, [this, call_id, index] {
      auto it = calls_.find(call_id);
      if (it == calls_.end()) return;
      auto& c = *it->second;
      auto& l = c.legs[index];
      l.timeout_timer = rt::kNoTimer;
      if (l.final) return;
      // Nothing came back yet: the INVITE keeps being retransmitted (timer A, up to timer B) so
      // that a provider whose 1xx were lost answers a retransmission with its 1xx, which gets
      // the waiting CANCEL (cancel_leg, §9.1). Abandoning it here left a ringing provider that
      // answered later: a ghost call, found by a swarm with loss.
      cancel_leg(c, l);
      on_leg_failed(c, index, 408, "Request Timeout", nullptr);
    });
  }
}

void Trunk::on_leg_response(Call& call, std::size_t index, const sip::Message& response) {
  auto& leg = call.legs[index];
  const int status = response.status();
  if (leg.final) return on_late_leg_response(call, leg, response, false);  // timeout, lost fork, cancel race
  if (status >= 200) {
    leg.closed = true;
    leg.final_status = status;
    leg.final_reason = response.reason();
  }
  if (status < 200) {
    leg.provisional = true;
    if (leg.dialog.remote_tag.empty()) leg.dialog.remote_tag = response.to().tag();
    if (leg.cancel_pending) return cancel_leg(call, leg);
    call.sdp_leg = index;
    if (status >= 180 && !call.ringing_at && !call.cancelled && !call.a_final_sent) call.ringing_at = clock_.now();
    if (status != 100 && !call.cancelled) respond_a(call, status, response.reason(), &response);
    return;
  }
  if (is_2xx(status)) return on_leg_answered(call, index, response);
  if ((status == 401 || status == 407) && answer_provider_challenge(call, leg, response)) return;
  on_leg_failed(call, index, status, response.reason(), &response);
}

void Trunk::on_leg_answered(Call& call, std::size_t index, const sip::Message& response) {
  auto& leg = call.legs[index];
  leg.final = true;
  leg.answered = true;
  timers_.cancel_timer(leg.timeout_timer);
  leg.timeout_timer = rt::kNoTimer;
  leg.dialog.take_response(response);
  if (call.winner || call.cancelled || call.a_final_sent) {
    ack_leg(leg);
    bye_leg(leg);
    return;
  }
  call.winner = index;
  call.answer_time = clock_.now();
  for (auto& other : call.legs) {
    if (&other != &leg && !other.final) cancel_leg(call, other);
    if (&other != &leg) release_leg_media(call, other);
  }
  ++counters_.answered;
  call.outcome.answered_by = leg.target_name;
  call.outcome.active = true;
  respond_a(call, response.status(), response.reason(), &response);
}

void Trunk::on_leg_failed(Call& call, std::size_t index, int status, const std::string& reason,
                          const sip::Message* response) {
  auto& leg = call.legs[index];
  leg.final = true;
  timers_.cancel_timer(leg.timeout_timer);
  leg.timeout_timer = rt::kNoTimer;
  release_leg_media(call, leg);
  if (leg.final_status == 0) {
    leg.final_status = status;
    leg.final_reason = reason;
  }
  if (call.a_final_sent) {
    if (std::all_of(call.legs.begin(), call.legs.end(), [](const Leg& l) { return l.final; }) &&
        !call.outcome.active) {
      end_call(call);
    }
    return;
  }
  if (call.inbound) {
    if (response && (!call.best_inbound || better_inbound(status, call.best_inbound->first))) {
      call.best_inbound = {status, reason};
      call.best_inbound_response = dialog::copy_message(*response);
    }
    if (std::all_of(call.legs.begin(), call.legs.end(), [](const Leg& l) { return l.final; }) && !hunt_on(call)) {
      finish_unanswered(call);
    }
    return;
  }
  const bool fail_over = status >= 500 || status == 408;
  if (!fail_over) {
    // The far end's answer (404, 486, 603...): relayed with its code and reason phrase.
    ++counters_.failed;
    respond_a(call, status, reason, response);
    end_call(call);
    return;
  }
  if (response && status >= 500) call.last_5xx = {status, reason};
  try_next_provider(call);
}

void Trunk::finish_unanswered(Call& call) {
  if (!call.a_final_sent) {
    ++counters_.failed;
    if (call.cancelled) {
      respond_a(call, 487, "Request Terminated (cancelled by the caller)");
    } else if (call.inbound && call.best_inbound) {
      respond_a(call, call.best_inbound->first, call.best_inbound->second,
                call.best_inbound_response ? &*call.best_inbound_response : nullptr);
    } else if (call.inbound) {
      respond_a(call, 480, "Temporarily Unavailable (no registered contact answered)");
    } else if (call.last_5xx) {
      auto [status, reason] = *call.last_5xx;
      auto response = sip::OutgoingMessage::response_to(*call.a_invite, status, reason, call.a.local_tag);
      response.add("Reason", reason_header(status, call.providers.empty() ? "no route to destination" : reason));
      call.a_final_sent = true;
      call.outcome.final_status = status;
      call.final_reason = reason;
      endpoint_.respond(call.a_txn, std::move(response));
    } else {
      auto response = sip::OutgoingMessage::response_to(*call.a_invite, 503, "Service Unavailable (no provider answered)",
                                                        call.a.local_tag);
      response.add("Reason", reason_header(503, "no provider answered"));
      call.a_final_sent = true;
      call.outcome.final_status = 503;
      call.final_reason = "Service Unavailable (no provider answered)";
      endpoint_.respond(call.a_txn, std::move(response));
    }
  }
  end_call(call);
}

void Trunk::cancel_leg(Call& call, Leg& leg) {
  if (leg.closed || leg.answered || leg.cancel_sent) return;
  if (!leg.provisional) {
    // §9.1: no CANCEL before a provisional response; it goes when the first 1xx comes, even
    // one that arrives after we moved on (on_late_leg_response).
    leg.cancel_pending = true;
    start_leg_linger(call, leg);
    return;
  }
  send_cancel(call, leg);
}

void Trunk::send_cancel(Call& call, Leg& leg) {
  auto cancel = dialog::cancel_for(leg.invite);
  leg.cancel_sent = true;
  auto id = endpoint_.send_request(std::move(cancel), leg.address);
  client_txns_[id.value] = TxnRef{TxnRole::cancel, call.id, 0, std::nullopt, false, nullptr};
  start_leg_linger(call, leg);
}

// A leg we no longer want that the far end never closed with a final response: §9.1 lets the
// INVITE transaction go 64*T1 after the CANCEL (in Proceeding it has no timer of its own, so it
// would otherwise stay forever). Its late replies still reach the call as strays.
void Trunk::start_leg_linger(Call& call, Leg& leg) {
  timers_.cancel_timer(leg.linger_timer);
  const auto call_id = call.id;
  const auto index = static_cast<std::size_t>(&leg - call.legs.data());
  leg.linger_timer = timers_.start_timer(endpoint_.config().timer_h(), [this, call_id, index] {
    auto it = calls_.find(call_id);
    if (it == calls_.end()) return;
    auto& c = *it->second;
    auto& l = c.legs[index];
    l.linger_timer = rt::kNoTimer;
    if (l.closed || l.abandoned) return;
    endpoint_.abandon(l.invite_txn);
    client_txns_.erase(l.invite_txn.value);
    l.abandoned = true;
    if (!l.final) on_leg_failed(c, index, 408, "Request Timeout", nullptr);
  });
}

// A response on a leg we are done with: given up on after its timeout, lost to another leg, or
// cancelled by the caller. `stray`: it came outside any transaction (ours was abandoned or has
// ended), so nobody else ACKs a non-2xx final.
void Trunk::on_late_leg_response(Call& call, Leg& leg, const sip::Message& response, bool stray) {
  const int status = response.status();
  if (status < 200) {
    leg.provisional = true;
    if (leg.cancel_pending) send_cancel(call, leg);  // the CANCEL that waited for this 1xx
    return;
  }
  leg.closed = true;
  if (!is_2xx(status)) {
    if (stray) {  // §17.1.1.3: hop-by-hop ACK, or the far end retransmits until its timer H
      endpoint_.send_stateless(txn::build_non2xx_ack(leg.invite, response), leg.address);
    }
    return;
  }
  if (leg.answered) {
    // A retransmission of the 2xx: our ACK was lost; ACK each (§13.2.2.4), BYE only once.
    if (leg.acked) ack_leg(leg);
    return;
  }
  // A late answer on a leg nobody wants: confirm the dialog and end it at once.
  leg.answered = true;
  leg.dialog.take_response(response);
  ack_leg(leg);
  bye_leg(leg);
}

void Trunk::ack_leg(Leg& leg) {
  dialog::send_2xx_ack(endpoint_, leg.dialog, leg.address);
  leg.acked = true;
}

void Trunk::bye_leg(Leg& leg) {
  auto bye = leg.dialog.request("BYE");
  endpoint_.add_via(bye, leg.address);
  auto id = endpoint_.send_request(std::move(bye), leg.address);
  client_txns_[id.value] = TxnRef{TxnRole::cancel, 0, 0, std::nullopt, false, nullptr};
}

bool Trunk::on_stray_response(const sip::Message& response, const rt::Address& source) {
  (void)source;
  auto it = by_call_id_.find(response.call_id());
  if (it == by_call_id_.end()) return false;
  auto call_it = calls_.find(it->second);
  if (call_it == calls_.end()) return true;
  auto& call = *call_it->second;
  if (response.cseq().method != "INVITE") return true;
  for (auto& leg : call.legs) {
    if (leg.dialog.call_id != response.call_id() || !leg.final) continue;
    // A 2xx (a retransmission, or a late answer), or what an abandoned INVITE still gets.
    if (is_2xx(response.status()) || (!leg.answered && response.cseq().number == leg.dialog.invite_cseq)) {
      on_late_leg_response(call, leg, response, true);
    }
  }
  return true;
}

void Trunk::end_call(Call& call) {
  if (call.ended) return;
  call.ended = true;
  call.ended_at = clock_.now();
  call.outcome.active = false;
  if (call.holds_channel) {
    call.holds_channel = false;
    --channels_[call.trunk];
  }
  release_media(call);
  if (record_sink_) record_sink_(record_of(call));
  // Keep the call as long as retransmissions of its last messages may arrive (64*T1), then
  // let it go: a long-running server must not grow with every call it ever carried.
  auto id = call.id;
  timers_.start_timer(endpoint_.config().timer_h(), [this, id] { forget_call(id); });
}

void Trunk::forget_call(std::uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  auto& call = *it->second;
  // A leg whose INVITE never got a final response may still ring and answer (its CANCEL lost,
  // or a provider that ignores it): keep the call for its late 2xx, up to timer C after the end.
  const bool leg_open = std::any_of(call.legs.begin(), call.legs.end(), [](const Leg& l) { return !l.closed; });
  if (leg_open && clock_.now() - call.ended_at < kRingTimeout) {
    timers_.start_timer(endpoint_.config().timer_h(), [this, call_id] { forget_call(call_id); });
    return;
  }
  by_call_id_.erase(call.a.call_id);
  for (auto& leg : call.legs) {
    timers_.cancel_timer(leg.timeout_timer);
    timers_.cancel_timer(leg.linger_timer);
    by_call_id_.erase(leg.dialog.call_id);
  }
  finished_.emplace_back(call_id, snapshot(call));
  if (finished_.size() > kFinishedHistory) finished_.pop_front();
  calls_.erase(it);
}

CallOutcome Trunk::snapshot(const Call& call) const {
  CallOutcome outcome = call.outcome;
  for (std::size_t i = 0; i < call.legs.size(); ++i) {
    const auto& leg = call.legs[i];
    outcome.legs.push_back(LegOutcome{leg.target_name, leg.answered, call.winner == i, leg.cancel_sent, !leg.closed});
  }
  return outcome;
}

void Trunk::set_hangup(Call& call, std::string side, std::string cause) {
  if (!call.hangup_side.empty()) return;  // the first to end it
  call.hangup_side = std::move(side);
  call.hangup_cause = std::move(cause);
}

// An unanswered call failed at the far end when a leg gave the answer the caller got, else at
// the trunk (no route, channel limit, every provider timed out...).
CallRecord Trunk::record_of(const Call& call) const {
  CallRecord r;
  r.id = call.id;
  r.call_id = call.a.call_id;
  r.direction = call.outcome.direction;
  r.customer = call.customer;
  r.trunk = call.trunk;
  r.caller = call.outcome.caller;
  r.callee = call.outcome.destination;
  for (std::size_t i = 0; i < call.legs.size(); ++i) {
    const auto& leg = call.legs[i];
    r.legs.push_back(LegRecord{leg.target_name, leg.final_status, leg.final_reason, call.winner == i});
  }
  r.start = call.started_at;
  r.ringing = call.ringing_at;
  r.answer = call.answer_time;
  r.end = call.ended_at;
  r.final_status = call.outcome.final_status;
  r.final_reason = call.final_reason;
  r.hangup_side = call.hangup_side;
  r.hangup_cause = call.hangup_cause;
  if (r.hangup_side.empty()) {
    const bool far_end = std::any_of(call.legs.begin(), call.legs.end(),
                                     [&](const Leg& l) { return l.final_status == call.outcome.final_status; });
    r.hangup_side = far_end ? "callee" : "trunk";
    r.hangup_cause = fmt::format("{} {}", call.outcome.final_status, call.final_reason);
  }
  return r;
}

}  // namespace trunklab::trunk
