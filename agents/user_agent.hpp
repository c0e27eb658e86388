// An emulated SIP party: the phone or PBX, the SIP provider, the PSTN number behind it.
// One user agent on the shared SIP core (transaction layer, digest client, dialogs) whose
// behaviour is data: whom it registers with, where it sends calls, how it answers incoming
// INVITEs (a script of replies with delays), whether it challenges, whether it answers OPTIONS.
// Everything it does is recorded as events, which scenario expectations read.
#pragma once

#include "reference/auth/digest.hpp"
#include "reference/dialog/dialog.hpp"
#include "reference/rt/address.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"
#include "reference/sip/message.hpp"
#include "reference/txn/endpoint.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::agents {

// One reply of an answer script: `status` sent `after` the INVITE arrived (not after the
// previous reply). 183 and 2xx carry SDP unless `sdp` says otherwise.
struct ReplyStep {
  int status = 200;
  rt::Duration after{0};
  std::string reason;        // "" = the standard phrase
  std::optional<bool> sdp;   // default: true for 183 and 2xx
};

// How an incoming INVITE is answered. No steps: never answered (rings out until CANCEL or
// the caller's timeout). The trunk sends 100 Trying by itself; a script may list 100 too.
struct AnswerScript {
  std::vector<ReplyStep> steps;
};

struct DigestChallengeConfig {  // a provider demanding digest auth of the trunk
  int status = 407;             // 401 or 407
  std::string realm;
  std::string username;
  std::string password;
};

struct UserAgentConfig {
  std::string name;  // the party's name: user part of From/Contact when no username
  // Registration (phones and PBXs).
  std::string username;
  std::string password;
  std::string registrar_domain;          // REGISTER Request-URI and AOR host
  std::optional<rt::Address> registrar;  // where REGISTERs go
  std::uint32_t expires_s = 3600;
  bool refresh = true;                   // re-register before expiry (at half the granted time)
  std::optional<rt::Duration> keepalive_interval;  // CRLF pings to the registrar
  // Calls out.
  std::string call_domain;               // INVITE Request-URI host (trunk domain)
  std::optional<rt::Address> outbound_proxy;  // where INVITEs go
  std::vector<std::string> codecs{"PCMU", "PCMA", "telephone-event"};
  // Calls in.
  AnswerScript answer;
  std::map<std::string, AnswerScript> answer_by_prefix;  // dialled-number prefix -> script
  std::optional<DigestChallengeConfig> challenge;
  bool answer_options = true;
  bool answer_bye = true;
};

struct AgentEvent {
  rt::Instant time;
  std::string kind;    // "registered", "register-failed", "unregistered", "call-answered", ...
  std::string detail;  // Call-ID, number, reason
  int status = 0;
};

struct AgentCall {
  std::string call_id;
  bool outgoing = true;
  std::string number;       // dialled (outgoing) or the Request-URI user (incoming)
  int final_status = 0;     // 0 while pending
  std::string final_reason;
  bool answered = false;
  bool ended = false;       // BYE done, or failed
  bool early_media = false; // a 183 with SDP arrived (outgoing) or was sent (incoming)
};

class UserAgent final : public txn::TransactionUser {
public:
  using Binder = std::function<rt::Transport&(rt::DatagramHandler&)>;
  UserAgent(UserAgentConfig config, const Binder& bind, rt::Clock& clock, rt::Timers& timers,
            rt::Random& random, txn::Config txn_config = {});
  ~UserAgent() override;
  UserAgent(const UserAgent&) = delete;
  UserAgent& operator=(const UserAgent&) = delete;

  // Steps.
  void register_now();          // REGISTER with config expires
  void unregister();            // REGISTER with Expires: 0
  void unregister_all();        // Contact: *, Expires: 0
  std::string call(const std::string& number);  // returns the Call-ID
  void call_to(const std::string& number, const rt::Address& destination, const std::string& domain);
  void hangup();                // BYE the answered call, or CANCEL the ringing one
  void cancel();                // CANCEL the pending outgoing call
  void reinvite();              // re-INVITE the answered call (same media, new offer)
  void send_raw(std::string text, const rt::Address& destination);
  void set_answer(AnswerScript script) { config_.answer = std::move(script); }
  void set_answer_options(bool on) { config_.answer_options = on; }

  // State for expectations.
  const std::string& name() const { return config_.name; }
  bool registered() const { return registered_; }
  int last_register_status() const { return last_register_status_; }
  const std::vector<AgentEvent>& events() const { return events_; }
  std::vector<AgentCall> calls() const;  // in the order they started
  // A request of ours has no final answer yet, or a call is still being set up: a real-time run
  // does not end early while any party waits.
  bool waiting() const;
  // Waiting, or a call is up (answered, no BYE yet): a virtual-time run is not idle.
  bool busy() const;
  const std::vector<std::string>& raw_responses() const { return raw_responses_; }
  rt::Address local_address() const { return transport_->local_address(); }

  // txn::TransactionUser
  void on_request(txn::ServerTxnId id, const sip::Message& request, const rt::Address& source) override;
  void on_response(txn::ClientTxnId id, const sip::Message& response) override;
  void on_timeout(txn::ClientTxnId id) override;
  void on_ack(const sip::Message& ack, const rt::Address& source) override;
  void on_stray_response(const sip::Message& response, const rt::Address& source) override;

private:
  struct Forwarder final : rt::DatagramHandler {
    rt::DatagramHandler* target = nullptr;
    std::vector<std::string>* raw_log = nullptr;
    void on_datagram(const rt::Address& local, const rt::Address& remote, std::string_view bytes) override;
  };
  struct Call;
  enum class TxnKind { register_, invite, cancel, bye, other };
  struct TxnRef {
    TxnKind kind;
    std::string call_id;
  };

  void record(std::string kind, std::string detail, int status = 0);
  std::string contact() const;
  std::string user() const { return config_.username.empty() ? config_.name : config_.username; }
  std::optional<std::string> credentials_for(const sip::Message& challenge_response,
                                             const std::string& method, const std::string& uri);

  // Registration.
  void send_register(std::uint32_t expires_s, bool star, std::optional<std::string> authorization);
  void on_register_response(const sip::Message& response);
  void schedule_refresh(std::uint32_t granted_s);
  void send_keepalive();

  // Outgoing calls.
  void send_invite(Call& call, std::optional<std::pair<std::string, std::string>> authorization);
  void on_invite_response(Call& call, const sip::Message& response);
  void send_ack(Call& call);
  void send_bye(Call& call);
  void send_cancel(Call& call);

  // Incoming calls.
  void on_incoming_invite(txn::ServerTxnId id, const sip::Message& invite, const rt::Address& source);
  void send_scripted_reply(const std::string& call_id, const ReplyStep& step);
  void retransmit_2xx(const std::string& call_id, rt::Duration interval, rt::Duration elapsed);
  bool check_challenge(txn::ServerTxnId id, const sip::Message& invite);
  const AnswerScript& script_for(const std::string& number) const;
  std::string sdp_body(const std::string& session) ;

  UserAgentConfig config_;
  rt::Clock& clock_;
  rt::Timers& timers_;
  rt::Random& random_;
  Forwarder forwarder_;
  rt::Transport* transport_ = nullptr;
  std::unique_ptr<txn::Endpoint> endpoint_;
  std::unique_ptr<auth::DigestServer> digest_server_;

  // Registration state.
  std::string register_call_id_;
  std::string register_from_tag_;
  std::uint32_t register_cseq_ = 0;
  std::uint32_t register_nc_ = 0;
  int register_auth_attempts_ = 0;
  std::uint32_t pending_expires_s_ = 0;
  bool pending_star_ = false;
  bool registered_ = false;
  int last_register_status_ = 0;
  rt::TimerId refresh_timer_ = rt::kNoTimer;
  rt::TimerId keepalive_timer_ = rt::kNoTimer;

  std::map<std::string, std::unique_ptr<Call>> calls_;  // by Call-ID
  std::vector<std::string> call_order_;
  std::map<std::uint64_t, TxnRef> txns_;
  std::vector<AgentEvent> events_;
  std::vector<std::string> raw_responses_;
  std::uint32_t invite_nc_ = 0;
};

}  // namespace trunklab::agents
