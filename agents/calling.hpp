// The party's outgoing calls (the UAC side): INVITE with SDP, a digest answer to 401/407, ACK
// (again for a retransmitted 2xx), CANCEL (held back until the first 1xx, RFC 3261 §9.1),
// re-INVITE, BYE.
#pragma once

#include "agents/party.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace trunklab::agents {

// What a re-INVITE offers: a direction (hold: sendonly or inactive; resume: sendrecv), or a
// switch to T.38 fax.
struct Reoffer {
  sip::SdpDirection direction = sip::SdpDirection::sendrecv;
  bool t38 = false;
};

class Caller {
public:
  explicit Caller(Party& party) : party_(party) {}

  std::string call(const std::string& number);  // returns the Call-ID ("" when no proxy)
  void call_to(const std::string& number, const rt::Address& destination, const std::string& domain);
  bool cancel();    // the newest pending outgoing call; false when there is none
  bool reinvite(const Reoffer& reoffer = {});  // the newest answered call; false when none

  void on_invite_response(Call& call, const sip::Message& response);
  void on_invite_timeout(Call& call);
  // A 2xx retransmission after the INVITE transaction ended: our ACK was lost. False when the
  // response is not one.
  bool on_stray_response(const sip::Message& response);

private:
  using Authorization = std::pair<std::string, std::string>;  // header name, value
  void send_invite(Call& call, std::optional<Authorization> authorization);
  void on_provisional(Call& call, const sip::Message& response);
  void on_answered(Call& call, const sip::Message& response);
  void on_reinvite_response(Call& call, const sip::Message& response);
  bool answer_challenge(Call& call, const sip::Message& response);
  void send_ack(Call& call);
  void send_cancel(Call& call);

  Party& party_;
  std::uint32_t nc_ = 0;
};

}  // namespace trunklab::agents
