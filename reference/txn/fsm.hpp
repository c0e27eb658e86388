// RFC 3261 §17 transaction state machines, pure: each takes one event at a time and returns
// the actions to perform (send, start/cancel a timer, deliver to the TU, terminated). No socket,
// clock or timer lives in here; txn::Endpoint performs the actions against injected I/O.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"
#include "reference/sip/message.hpp"
#include "reference/txn/config.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace trunklab::txn {

// ---- events -------------------------------------------------------------------------------
struct ResponseFromWire {  // client transactions: a response matched to this transaction
  const sip::Message& response;
};
struct RequestFromWire {  // server transactions: a retransmitted request, or the ACK
  bool is_ack = false;
};
struct ResponseFromTu {  // server transactions: the TU's response, already serialized
  int status = 0;
  std::string bytes;
};
struct TimerFired {
  TimerName name;
};
struct TransportError {};
using Event = std::variant<ResponseFromWire, RequestFromWire, ResponseFromTu, TimerFired,
                           TransportError>;

// ---- actions ------------------------------------------------------------------------------
struct Send {
  rt::Address to;
  std::string bytes;
};
struct StartTimer {
  TimerName name;
  rt::Duration after;
};
struct CancelTimer {
  TimerName name;
};
struct DeliverResponse {};        // pass the ResponseFromWire's message to the TU
struct DeliverTimeout {};         // B / F (client: the TU treats it as 408), H (server)
struct DeliverTransportError {};
struct Terminated {};             // always the last action when present
using Action = std::variant<Send, StartTimer, CancelTimer, DeliverResponse, DeliverTimeout,
                            DeliverTransportError, Terminated>;
using Actions = std::vector<Action>;

// The ACK for a non-2xx final response (§17.1.1.3): Request-URI, Call-ID, From, the top Via
// and Route headers of the INVITE, To from the response (with its tag), CSeq number + "ACK".
sip::OutgoingMessage build_non2xx_ack(const sip::OutgoingMessage& invite,
                                      const sip::Message& response);

// ---- INVITE client (§17.1.1, Figure 5) ------------------------------------------------------
class InviteClient {
public:
  enum class State { calling, proceeding, completed, terminated };
  InviteClient(const Config& config, sip::OutgoingMessage invite, rt::Address destination);
  Actions start();  // sends the INVITE, starts A and B
  Actions on_event(const Event& event);
  State state() const { return state_; }

private:
  Actions on_response(const sip::Message& response);
  Actions on_timer(TimerName name);
  Actions to_terminated(Actions actions);

  Config config_;
  sip::OutgoingMessage invite_;
  std::string invite_bytes_;
  rt::Address destination_;
  std::string ack_bytes_;
  rt::Duration timer_a_{};
  State state_ = State::calling;
};

// ---- non-INVITE client (§17.1.2, Figure 6) --------------------------------------------------
class NonInviteClient {
public:
  enum class State { trying, proceeding, completed, terminated };
  NonInviteClient(const Config& config, std::string request_bytes, rt::Address destination);
  Actions start();  // sends the request, starts E and F
  Actions on_event(const Event& event);
  State state() const { return state_; }

private:
  Actions on_response(const sip::Message& response);
  Actions on_timer(TimerName name);

  Config config_;
  std::string request_bytes_;
  rt::Address destination_;
  rt::Duration timer_e_{};
  State state_ = State::trying;
};

// ---- INVITE server (§17.2.1, Figure 7) ------------------------------------------------------
class InviteServer {
public:
  // Accepted is RFC 6026's: after a 2xx the transaction lives on for timer L, absorbing
  // retransmissions of the INVITE (RFC 3261 alone ended it, so a retransmitted INVITE that
  // crossed the 2xx looked like a new call) and passing the TU's 2xx retransmissions on.
  enum class State { proceeding, accepted, completed, confirmed, terminated };
  // `trying_bytes` is the serialized 100 Trying sent if the TU has not answered in time;
  // responses go to `source` (the request's source address, RFC 3581 symmetric routing).
  InviteServer(const Config& config, std::string trying_bytes, rt::Address source);
  Actions start();  // starts the 100 Trying timer (or sends it at once when trying_after is 0)
  Actions on_event(const Event& event);
  State state() const { return state_; }

private:
  Actions on_tu_response(const ResponseFromTu& response);
  Actions on_request(const RequestFromWire& request);
  Actions on_timer(TimerName name);

  Config config_;
  std::string trying_bytes_;
  rt::Address source_;
  std::string last_response_;  // empty until something was sent
  rt::Duration timer_g_{};
  State state_ = State::proceeding;
};

// ---- non-INVITE server (§17.2.2, Figure 8) --------------------------------------------------
class NonInviteServer {
public:
  enum class State { trying, proceeding, completed, terminated };
  explicit NonInviteServer(const Config& config, rt::Address source);
  Actions on_event(const Event& event);
  State state() const { return state_; }

private:
  Actions on_tu_response(const ResponseFromTu& response);

  Config config_;
  rt::Address source_;
  std::string last_response_;
  State state_ = State::trying;
};

}  // namespace trunklab::txn
