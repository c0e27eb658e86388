#include "reference/dialog/invite_2xx.hpp"

#include <algorithm>

namespace trunklab::dialog {

void Retransmit2xx::start(const sip::OutgoingMessage& response, const rt::Address& to, Hooks hooks) {
  timers_.cancel_timer(timer_);
  response_ = response;
  to_ = to;
  hooks_ = std::move(hooks);
  const auto t1 = endpoint_.config().t1;
  timer_ = timers_.start_timer(t1, [this, t1] { fire(t1, t1); });
}

bool Retransmit2xx::ack() {
  if (acked_) return false;
  acked_ = true;
  timers_.cancel_timer(timer_);
  timer_ = rt::kNoTimer;
  return true;
}

void Retransmit2xx::fire(rt::Duration interval, rt::Duration elapsed) {
  timer_ = rt::kNoTimer;
  if (acked_ || !response_ || (hooks_.stopped && hooks_.stopped())) return;
  const auto& config = endpoint_.config();
  if (elapsed >= config.timer_h()) {
    if (hooks_.no_ack) hooks_.no_ack();  // last: it may end the dialog that owns us
    return;
  }
  endpoint_.send_stateless(*response_, to_);
  const auto next = std::min(interval * 2, config.t2);
  timer_ = timers_.start_timer(next, [this, next, elapsed] { fire(next, elapsed + next); });
}

// A retransmitted 2xx gets the same ACK again, branch included (§13.2.2.4 allows a new one, but
// the same bytes are what the far end, a stateful proxy or a capture recognises as a repeat
// rather than a second ACK). A 2xx of a later INVITE (re-INVITE: another CSeq) gets a new one.
void send_2xx_ack(txn::Endpoint& endpoint, Dialog& dialog, const rt::Address& to) {
  if (!dialog.ack_2xx || dialog.ack_2xx_cseq != dialog.invite_cseq) {
    auto ack = dialog.request("ACK", dialog.invite_cseq);
    endpoint.add_via(ack, to);
    dialog.ack_2xx = std::move(ack);
    dialog.ack_2xx_cseq = dialog.invite_cseq;
  }
  endpoint.send_stateless(*dialog.ack_2xx, to);
}

}  // namespace trunklab::dialog
