// The reference trunk: a B2BUA with two sides per call.
//  - Outbound: caller (phone/PBX) -> trunk domain {name}.trunk.<base> -> 407 digest challenge
//    (or a trusted source address) -> channel limit -> route engine -> provider, one at a time;
//    5xx or no final answer (per-provider timeout, else timer B) fails over to the next;
//    4xx/6xx is the far end's answer and is relayed with its status, reason phrase and a
//    Reason header; 180/183 (with SDP: early media) and the 200 are relayed.
//  - Inbound: provider -> configured number -> flow "dial extension" -> every live contact of
//    the extension at the address it registered from (forking; first 2xx wins, CANCEL to the
//    rest); none live: 480; unknown number: 404.
//  - In both: ACK, BYE from either side, CANCEL before the answer, re-INVITE, relayed leg to
//    leg (a T.38 re-INVITE too, or answered 488 by the trunk per config.t38); 2xx to the A
//    side retransmitted until ACKed (RFC 3261 §13.3.1.4).
// It runs on the transaction layer's Endpoint; the element above routes requests to it.
#pragma once

#include "reference/trunk/call_record.hpp"
#include "reference/config/config.hpp"
#include "reference/registrar/registrar.hpp"
#include "reference/rt/random.hpp"
#include "reference/rt/time.hpp"
#include "reference/sip/message.hpp"
#include "reference/txn/endpoint.hpp"
#include "reference/dialog/dialog.hpp"
#include "reference/trunk/probing.hpp"
#include "reference/anchor/relay.hpp"
#include "reference/trunk/destinations.hpp"
#include "reference/trunk/routes.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::trunk {

struct Counters {
  std::uint64_t calls = 0;             // INVITEs accepted for routing
  std::uint64_t answered = 0;
  std::uint64_t failed = 0;            // ended with an error to the caller
  std::uint64_t challenged = 0;        // 407 sent
  std::uint64_t forbidden = 0;         // 403 sent
  std::uint64_t channel_rejects = 0;   // 503 for the N+1th call
  std::uint64_t failovers = 0;         // a next provider tried
  std::uint64_t cancelled = 0;
  std::uint64_t media_relayed = 0;          // calls anchored on the relay
  std::uint64_t media_ports_exhausted = 0;  // wanted the relay, got no ports: went direct
  std::uint64_t media_timeouts = 0;         // no RTP for media.timeout: both legs BYEd
};

// One leg of a call towards a provider or a registered phone, for final-state expectations.
struct LegOutcome {
  std::string target;        // provider name, or the contact URI of a registered phone
  bool answered = false;     // a 2xx arrived on it (the winner's, or a late one we ended)
  bool won = false;          // its answer is the one the caller got
  bool cancel_sent = false;
  bool open = false;         // no final response to its INVITE yet: it may still be ringing
};

// What happened to a call, for final-state expectations and logs.
struct CallOutcome {
  std::string direction;    // "outbound" or "inbound"
  std::string trunk;        // outbound: the trunk name
  std::string caller;       // outbound: extension name or trusted source; inbound: provider
  std::string destination;  // the dialled number
  std::string answered_by;  // provider name, or extension contact URI; "" if not answered
  int final_status = 0;     // what the caller got
  bool active = false;      // answered and not yet ended
  std::vector<LegOutcome> legs;  // in the order they were started
};

class Trunk {
public:
  Trunk(const config::Config& config, registrar::Registrar& registrar, txn::Endpoint& endpoint,
        const rt::Address& local, const rt::Clock& clock, rt::Timers& timers, rt::Random& random);
  ~Trunk();
  Trunk(const Trunk&) = delete;
  Trunk& operator=(const Trunk&) = delete;

  // An out-of-dialog INVITE.
  void on_invite(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source);
  // An in-dialog request (BYE, re-INVITE, INFO, UPDATE...) or a CANCEL. False: no such call.
  bool on_dialog_request(txn::ServerTxnId txn, const sip::Message& request, const rt::Address& source);
  bool on_cancel(txn::ServerTxnId txn, const sip::Message& cancel, const rt::Address& source);
  // Transaction-layer callbacks for the requests the trunk sent. False: not the trunk's.
  bool on_response(txn::ClientTxnId txn, const sip::Message& response);
  bool on_timeout(txn::ClientTxnId txn);
  bool on_transport_error(txn::ClientTxnId txn);
  bool on_ack(const sip::Message& ack, const rt::Address& source);
  bool on_stray_response(const sip::Message& response, const rt::Address& source);

  // Media anchoring for the calls of trunks and providers configured "media": "relay"; without
  // a relay every call's media goes direct (the SDP passed through).
  void set_media_relay(anchor::MediaRelay* relay) { relay_ = relay; }

  // Starts OPTIONS probing of the providers that have an options_interval.
  void start_probes() { probes_.start(); }
  // A new configuration for the calls that start from now on; a call in progress keeps the one
  // it started with (it holds it). Probing restarts with the new providers.
  void set_config(std::shared_ptr<const config::Config> config);
  const config::Config& config() const { return *config_; }

  std::size_t channels_in_use(std::string_view trunk) const;
  std::size_t channels_in_use() const;
  const Counters& counters() const { return counters_; }
  // Every call in arrival order: the live ones and the last kFinishedHistory that ended.
  std::vector<CallOutcome> outcomes() const;
  // Called with each call's detail record as the call ends.
  void set_call_record_sink(std::function<void(const CallRecord&)> sink) { record_sink_ = std::move(sink); }
  std::size_t live_calls() const { return calls_.size(); }
  std::size_t calls_in_progress() const;  // not ended (live_calls() keeps an ended call 64*T1)
  static constexpr std::size_t kFinishedHistory = 100'000;
  const RouteEngine& routes() const { return routes_; }

private:
  // How a request the trunk sent ended without a final response: timer B/F, or a transport error.
  struct ClientFailure {
    int status;
    std::string leg_reason;    // for the failed leg (what failover and the caller see)
    std::string relay_reason;  // answered to the side whose request was relayed
  };
  bool on_client_failure(txn::ClientTxnId txn, const ClientFailure& failure);
  struct Leg;
  struct Call;
  struct HuntTarget;
  struct HuntGroup;
  enum class TxnRole { invite, cancel, relay };
  struct TxnRef {
    TxnRole role;
    std::uint64_t call = 0;
    std::size_t leg = 0;
    std::optional<txn::ServerTxnId> origin;  // relay: the request being relayed
    bool origin_is_a = false;
    std::shared_ptr<const sip::Message> origin_request;  // relay: what to answer
  };

  // Outbound and inbound admission.
  void handle_outbound(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source,
                       const config::Trunk& trunk);
  void handle_outbound_by_ip(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source);
  void challenge(txn::ServerTxnId txn, const sip::Message& invite, const std::vector<std::string>& realms,
                 bool stale, std::string_view why);
  const config::Number* number_named(std::string_view number) const;
  void handle_inbound(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source,
                      const config::Provider& provider);
  // Inbound hunting (hunting.cpp).
  struct Expanded;
  Expanded expand_entry(const config::CallRouteEntry& entry, const std::string& customer,
                        const std::string& dialled);
  std::vector<HuntGroup> trunk_groups(const config::Trunk& trunk, const config::CallRouteEntry& entry,
                                      const std::string& dialled, std::string& why);
  bool next_hunt_group(Call& call);
  void start_hunt_group(Call& call, HuntGroup group);
  bool hunt_on(Call& call);
  std::optional<std::string> authenticate(txn::ServerTxnId txn, const sip::Message& invite,
                                          const rt::Address& source, const config::Trunk& trunk);
  const config::Trunk* trunk_of_domain(std::string_view host) const;
  const config::Provider* provider_at(const rt::Address& source) const;
  bool codecs_acceptable(const sip::Message& invite) const;

  // Our Contact for a dialog with `peer`: ;transport=tcp when we reach it over TCP, so its
  // in-dialog requests come back on a connection (RFC 3261 §8.1.1.8, §19.1.1).
  std::string contact_for(const rt::Address& peer) const;
  Call& new_call(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source);
  void respond_a(Call& call, int status, std::string_view reason = {},
                 const sip::Message* relayed = nullptr);
  void reject(txn::ServerTxnId txn, const sip::Message& request, int status,
              std::string_view reason = {});
  // The call record of an INVITE refused before a call existed (not for a 407: a challenge is
  // part of placing the call, not its end).
  void record_refusal(const sip::Message& invite, int status, std::string_view reason);

  // B side.
  void try_next_provider(Call& call);
  void start_leg(Call& call, std::string target_name, const rt::Address& address,
                 std::string request_uri, std::optional<rt::Duration> timeout);
  void send_leg_invite(Call& call, Leg& leg);
  void on_leg_response(Call& call, std::size_t leg_index, const sip::Message& response);
  void on_leg_failed(Call& call, std::size_t leg_index, int status, const std::string& reason,
                     const sip::Message* response);
  void on_leg_answered(Call& call, std::size_t leg_index, const sip::Message& response);
  void cancel_leg(Call& call, Leg& leg);
  void send_cancel(Call& call, Leg& leg);
  void start_leg_linger(Call& call, Leg& leg);
  void on_late_leg_response(Call& call, Leg& leg, const sip::Message& response, bool stray);
  CallOutcome snapshot(const Call& call) const;
  CallRecord record_of(const Call& call) const;
  static void set_hangup(Call& call, std::string side, std::string cause);
  void finish_unanswered(Call& call);
  bool answer_provider_challenge(Call& call, Leg& leg, const sip::Message& response);
  void ack_leg(Leg& leg);
  void bye_leg(Leg& leg);

  // Media anchoring (media.cpp).
  bool wants_relay(const Call& call, const Leg& leg) const;
  std::string leg_offer(Call& call, Leg& leg);
  void copy_sdp(Call& call, bool from_a, sip::OutgoingMessage& to, const sip::Message& from);
  void release_leg_media(Call& call, Leg& leg);
  std::string dtmf_offer(Call& call, bool from_a, std::string body);
  std::string dtmf_answer(Call& call, bool from_a, std::string body);
  void watch_media(Call& call);
  void on_media_check(std::uint64_t call_id);
  void release_media(Call& call);

  // In-dialog relay.
  void relay_request(Call& call, bool from_a, txn::ServerTxnId origin, const sip::Message& request);
  static bool offers_t38(const sip::Message& invite);
  void refuse_t38(txn::ServerTxnId txn, const sip::Message& invite);
  void relay_final_response(const TxnRef& ref, const sip::Message& response);
  void end_call(Call& call);
  void forget_call(std::uint64_t call_id);

  // The A side never ACKed our 2xx (dialog::Retransmit2xx gave up).
  void on_a_no_ack(Call& call);

  std::shared_ptr<const config::Config> config_;  // new calls see a change at once
  registrar::Registrar& registrar_;
  txn::Endpoint& endpoint_;
  rt::Address local_;
  const rt::Clock& clock_;
  rt::Timers& timers_;
  rt::Random& random_;
  auth::DigestServer digest_;
  RouteEngine routes_;
  ProviderProbes probes_;
  std::uint64_t next_call_ = 1;
  std::map<std::uint64_t, std::unique_ptr<Call>> calls_;
  std::function<void(const CallRecord&)> record_sink_;
  // What admission learnt of the INVITE it is handling, for the record if it is refused.
  struct Admitting {
    std::string direction, customer, trunk, caller;
  } admitting_;
  std::deque<std::pair<std::uint64_t, CallOutcome>> finished_;  // bounded: a server runs for months
  std::map<std::string, std::uint64_t> by_call_id_;  // A and B Call-IDs -> call
  std::map<std::uint64_t, TxnRef> client_txns_;      // ClientTxnId.value -> what it is
  std::map<std::string, std::size_t> channels_;      // trunk name -> calls holding a channel
  DestinationPicker destinations_;
  Counters counters_;
  anchor::MediaRelay* relay_ = nullptr;
};

}  // namespace trunklab::trunk
