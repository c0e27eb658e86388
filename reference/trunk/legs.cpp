// Ending legs: CANCEL (§9.1), ACK and BYE of a late answer, the strays of legs given up on, and
// how long a call is kept so those late replies still find it.
#include "reference/trunk/b2bua.hpp"

#include "reference/trunk/call_state.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trunklab::trunk {

void Trunk::cancel_leg(Call& call, Leg& leg) {
  (void)call;
  if (leg.final || leg.cancel_sent) return;
  if (!leg.provisional) {
    leg.cancel_pending = true;  // §9.1: no CANCEL before a provisional response
    return;
  }
  auto cancel = dialog::cancel_for(leg.invite);
  leg.cancel_sent = true;
  auto id = endpoint_.send_request(std::move(cancel), leg.address);
  client_txns_[id.value] = TxnRef{TxnRole::cancel, call.id, 0, std::nullopt, false, {}, nullptr};
}

void Trunk::ack_leg(Leg& leg) {
  auto ack = leg.dialog.request("ACK", leg.dialog.invite_cseq);
  endpoint_.add_via(ack);
  endpoint_.send_stateless(ack, leg.address);
  leg.acked = true;
}

void Trunk::bye_leg(Leg& leg) {
  auto bye = leg.dialog.request("BYE");
  endpoint_.add_via(bye);
  auto id = endpoint_.send_request(std::move(bye), leg.address);
  client_txns_[id.value] = TxnRef{TxnRole::cancel, 0, 0, std::nullopt, false, {}, nullptr};
}

bool Trunk::on_stray_response(const sip::Message& response, const rt::Address& source) {
  (void)source;
  auto it = by_call_id_.find(response.call_id());
  if (it == by_call_id_.end()) return false;
  auto call_it = calls_.find(it->second);
  if (call_it == calls_.end()) return true;
  auto& call = *call_it->second;
  if (!is_2xx(response.status()) || response.cseq().method != "INVITE") return true;
  for (auto& leg : call.legs) {
    if (leg.dialog.call_id != response.call_id()) continue;
    if (leg.acked) {
      ack_leg(leg);  // a 2xx retransmission: our ACK was lost
    } else if (leg.final && !leg.answered) {
      // A late answer on a leg given up on (abandoned after its timeout): end it.
      leg.answered = true;
      leg.dialog.take_response(response);
      ack_leg(leg);
      bye_leg(leg);
    }
  }
  return true;
}

void Trunk::end_call(Call& call) {
  if (call.ended) return;
  call.ended = true;
  call.outcome.active = false;
  if (call.holds_channel) {
    call.holds_channel = false;
    --channels_[call.trunk];
  }
  // Keep the call as long as retransmissions of its last messages may arrive (64*T1), then
  // let it go: a long-running server must not grow with every call it ever carried.
  auto id = call.id;
  timers_.start_timer(endpoint_.config().timer_h(), [this, id] { forget_call(id); });
}

void Trunk::forget_call(std::uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  auto& call = *it->second;
  timers_.cancel_timer(call.a_2xx_timer);
  by_call_id_.erase(call.a.call_id);
  for (auto& leg : call.legs) {
    timers_.cancel_timer(leg.timeout_timer);
    by_call_id_.erase(leg.dialog.call_id);
  }
  finished_.emplace_back(call_id, std::move(call.outcome));
  if (finished_.size() > kFinishedHistory) finished_.pop_front();
  calls_.erase(it);
}

}  // namespace trunklab::trunk
