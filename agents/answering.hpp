// The party's incoming side (the UAS): INVITEs answered by a reply script (per dialled prefix),
// a provider's digest challenge, the 2xx retransmitted until ACK (RFC 3261 §13.3.1.4),
// re-INVITE, BYE, CANCEL (487), OPTIONS.
#pragma once

#include "agents/party.hpp"
#include "reference/auth/digest.hpp"

#include <memory>
#include <string>

namespace trunklab::agents {

class Answerer {
public:
  explicit Answerer(Party& party);  // a challenging provider gets its digest server here
  ~Answerer();
  Answerer(const Answerer&) = delete;
  Answerer& operator=(const Answerer&) = delete;

  void on_request(txn::ServerTxnId id, const sip::Message& request, const rt::Address& source);
  void on_ack(const sip::Message& ack);
  void decline(Call& call);  // an incoming call still ringing: 603

private:
  void reply(txn::ServerTxnId id, const sip::Message& request, int status);
  void on_incoming_invite(txn::ServerTxnId id, const sip::Message& invite, const rt::Address& source);
  void on_reinvite(txn::ServerTxnId id, const sip::Message& invite);
  void on_bye(txn::ServerTxnId id, const sip::Message& bye);
  void on_cancel(txn::ServerTxnId id, const sip::Message& cancel);
  std::unique_ptr<Call> incoming_call(txn::ServerTxnId id, const sip::Message& invite, const rt::Address& source);
  void start_script(Call& call);
  const AnswerScript& script_for(const std::string& number) const;
  void stop_script(Call& call);
  void send_scripted_reply(const std::string& call_id, const ReplyStep& step);
  void on_final_sent(Call& call, sip::OutgoingMessage& response, const ReplyStep& step);
  void on_no_ack(Call& call);
  // True when the INVITE carries valid credentials; else it has been answered 401/407/403.
  bool check_challenge(txn::ServerTxnId id, const sip::Message& invite);
  bool send_challenge(txn::ServerTxnId id, const sip::Message& invite);

  Party& party_;
  std::unique_ptr<auth::DigestServer> digest_server_;
};

}  // namespace trunklab::agents
