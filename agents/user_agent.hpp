// An emulated SIP party: the phone or PBX, the SIP provider, the PSTN number behind it.
// One user agent on the shared SIP core (transaction layer, digest client, dialogs) whose
// behaviour is data (agents/config.hpp): whom it registers with, where it sends calls, how it
// answers incoming INVITEs (a script of replies with delays), whether it challenges, whether
// it answers OPTIONS. Everything it does is recorded as events, which scenario expectations
// read. This class is the facade the scenario engine uses; the work is done by one component
// per role over a shared Party: Registration, Caller (UAC), Answerer (UAS), RawSender.
#pragma once

#include "agents/answering.hpp"
#include "agents/calling.hpp"
#include "agents/config.hpp"
#include "agents/party.hpp"
#include "agents/raw.hpp"
#include "agents/registration.hpp"
#include "reference/rt/address.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "reference/rt/transport.hpp"
#include "reference/txn/endpoint.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace trunklab::agents {

class UserAgent final : public txn::TransactionUser {
public:
  using Binder = std::function<rt::Transport&(rt::DatagramHandler&)>;
  using Media = MediaHooks;
  UserAgent(UserAgentConfig config, const Binder& bind, rt::Clock& clock, rt::Timers& timers,
            rt::Random& random, txn::Config txn_config = {}, Media media = {});
  ~UserAgent() override;
  UserAgent(const UserAgent&) = delete;
  UserAgent& operator=(const UserAgent&) = delete;

  // Steps.
  void register_now() { registration_.register_now(); }      // REGISTER with config expires
  void unregister() { registration_.unregister(); }          // REGISTER with Expires: 0
  void unregister_all() { registration_.unregister_all(); }  // Contact: *, Expires: 0
  std::string call(const std::string& number) { return caller_.call(number); }  // the Call-ID
  void call_to(const std::string& number, const rt::Address& destination, const std::string& domain) {
    caller_.call_to(number, destination, domain);
  }
  void hangup();    // BYE the answered call, or CANCEL the ringing one
  void cancel();    // CANCEL the pending outgoing call
  void reinvite(const Reoffer& reoffer = {});  // re-INVITE the answered call: a new offer
  // Digits on the answered call's media (RFC 4733 events or inband tones).
  // `auto_method`: RFC 4733 if the call negotiated telephone-event, else inband.
  void send_dtmf(media::DtmfRequest request, bool auto_method = false);
  void send_raw(std::string text, const rt::Address& destination) { raw_.send(std::move(text), destination); }
  void set_answer(AnswerScript script) { party_.config.answer = std::move(script); }
  void set_answer_options(bool on) { party_.config.answer_options = on; }

  // State for expectations.
  const std::string& name() const { return party_.config.name; }
  bool registered() const { return registration_.registered(); }
  int last_register_status() const { return registration_.last_status(); }
  const std::vector<AgentEvent>& events() const { return party_.events; }
  std::vector<AgentCall> calls() const;  // in the order they started
  // A request of ours has no final answer yet, or a call is still being set up: a real-time run
  // does not end early while any party waits.
  bool waiting() const;
  // Waiting, or a call is up (answered, no BYE yet): a virtual-time run is not idle.
  bool busy() const;
  const std::vector<std::string>& raw_responses() const { return raw_.responses(); }
  rt::Address local_address() const { return party_.local_address(); }
  // The media session of each call, in the order the calls started (null: no media yet).
  std::vector<const media::Session*> media_sessions() const;

  // txn::TransactionUser
  void on_request(txn::ServerTxnId id, const sip::Message& request, const rt::Address& source) override;
  void on_response(txn::ClientTxnId id, const sip::Message& response) override;
  void on_timeout(txn::ClientTxnId id) override;
  void on_ack(const sip::Message& ack, const rt::Address& source) override;
  void on_stray_response(const sip::Message& response, const rt::Address& source) override;

private:
  struct Forwarder final : rt::DatagramHandler {
    rt::DatagramHandler* target = nullptr;
    void on_datagram(const rt::Address& local, const rt::Address& remote, std::string_view bytes) override;
  };
  std::unique_ptr<txn::Endpoint> bind_endpoint(const Binder& bind, txn::Config txn_config);

  // Declaration order is construction order, and it fixes the order of random draws: the
  // endpoint, then a provider's digest server, then the registration's Call-ID and tag.
  Party party_;
  Forwarder forwarder_;
  std::unique_ptr<txn::Endpoint> endpoint_;
  Answerer answerer_;
  Registration registration_;
  Caller caller_;
  RawSender raw_;
};

}  // namespace trunklab::agents
