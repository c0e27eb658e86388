// The 2xx of an INVITE is end to end: the transaction layer hands it over once and forgets it
// (RFC 3261 §13.3.1.4, §17.2.1), so the cores on both ends keep it reliable themselves:
//  - the UAS retransmits its 2xx (T1, doubling up to T2) until the ACK arrives, and when none
//    has arrived after 64*T1 (timer H's length) the dialog is dead: Retransmit2xx;
//  - the UAC ACKs the 2xx, and ACKs again each retransmission of it (§13.2.2.4): send_2xx_ack.
// Both the emulated parties (agents/) and the trunk (reference/trunk) use these.
#pragma once

#include "reference/dialog/dialog.hpp"
#include "reference/rt/time.hpp"
#include "reference/txn/endpoint.hpp"

#include <functional>
#include <optional>

namespace trunklab::dialog {

class Retransmit2xx {
public:
  struct Hooks {
    std::function<bool()> stopped;  // asked before each retransmission: the UAS gave up itself
    std::function<void()> no_ack;   // 64*T1 without an ACK: end the dialog (a BYE)
  };
  Retransmit2xx(rt::Timers& timers, txn::Endpoint& endpoint) : timers_(timers), endpoint_(endpoint) {}
  ~Retransmit2xx() { timers_.cancel_timer(timer_); }
  Retransmit2xx(const Retransmit2xx&) = delete;
  Retransmit2xx& operator=(const Retransmit2xx&) = delete;

  // `response` as sent (its Via already stamped); the first retransmission is T1 from now.
  void start(const sip::OutgoingMessage& response, const rt::Address& to, Hooks hooks);
  // The ACK arrived: no more retransmissions. False when it had already.
  bool ack();
  bool acked() const { return acked_; }

private:
  void fire(rt::Duration interval, rt::Duration elapsed);

  rt::Timers& timers_;
  txn::Endpoint& endpoint_;
  std::optional<sip::OutgoingMessage> response_;
  rt::Address to_;
  Hooks hooks_;
  rt::TimerId timer_ = rt::kNoTimer;
  bool acked_ = false;
};

// The ACK for the 2xx that confirmed `dialog` (CSeq of its INVITE), sent to `to` outside any
// transaction; again for each 2xx retransmission.
void send_2xx_ack(txn::Endpoint& endpoint, Dialog& dialog, const rt::Address& to);

}  // namespace trunklab::dialog
