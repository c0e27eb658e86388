// What the role components of one emulated party share (agents::UserAgent is the facade):
// its configuration, injected clock/timers/randomness, its transport and transaction
// endpoint, its calls (both directions), the client transactions it waits on, and the event
// log expectations read. Components: Registration, Caller (UAC), Answerer (UAS), RawSender.
#pragma once

#include "agents/call_media.hpp"
#include "agents/config.hpp"
#include "reference/dialog/dialog.hpp"
#include "reference/dialog/invite_2xx.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/transport.hpp"
#include "reference/sip/message.hpp"
#include "reference/txn/endpoint.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::agents {

// One call of the party, outgoing (Caller) or incoming (Answerer).
struct Call {
  AgentCall info;
  dialog::Dialog dialog;
  // Outgoing.
  sip::OutgoingMessage invite = sip::OutgoingMessage::request("INVITE", "");
  int auth_attempts = 0;
  bool provisional = false;
  bool cancel_requested = false;
  bool cancel_sent = false;
  // Incoming.
  txn::ServerTxnId server_txn;
  std::optional<sip::Message> request;
  std::vector<rt::TimerId> script_timers;
  bool final_sent = false;
  std::unique_ptr<dialog::Retransmit2xx> answer_2xx;  // until the ACK (§13.3.1.4)
  CallMediaState media;
  bool reinviting = false;  // a re-INVITE of ours awaits its final response
};

// Which component a client transaction's response goes to.
enum class TxnKind { register_, invite, cancel, bye };
struct TxnRef {
  TxnKind kind;
  std::string call_id;
};

class Party {
public:
  Party(UserAgentConfig config_in, rt::Clock& clock_in, rt::Timers& timers_in, rt::Random& random_in)
      : config(std::move(config_in)), clock(clock_in), timers(timers_in), random(random_in) {}

  void record(std::string kind, std::string detail, int status = 0);
  std::string user() const { return config.username.empty() ? config.name : config.username; }
  std::string contact() const;
  rt::Address local_address() const { return transport->local_address(); }
  // The Authorization value answering a 401/407, counting nonce uses in `nc`.
  std::optional<std::string> credentials_for(const sip::Message& challenge_response, const std::string& method,
                                             const std::string& uri, std::uint32_t& nc);

  // Adds the call with its media slot (its index at the party).
  Call& add_call(std::unique_ptr<Call> call);
  Call* find_call(const std::string& call_id);
  // Sends a request in a new client transaction and remembers whose it is.
  void send_tracked(sip::OutgoingMessage request, const rt::Address& destination, TxnKind kind,
                    std::string call_id);
  // BYE ends a call whichever side set it up.
  void send_bye(Call& call);

  UserAgentConfig config;
  rt::Clock& clock;
  rt::Timers& timers;
  rt::Random& random;
  rt::Transport* transport = nullptr;
  txn::Endpoint* endpoint = nullptr;

  std::map<std::string, std::unique_ptr<Call>> calls;  // by Call-ID
  std::vector<std::string> call_order;                 // in the order they started
  std::map<std::uint64_t, TxnRef> txns;                // client transactions awaiting a final
  std::vector<AgentEvent> events;
  CallMedia media{*this};  // after `calls`: gone before them
};

}  // namespace trunklab::agents
