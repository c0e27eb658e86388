#include "reference/trunk/b2bua.hpp"

#include "reference/dialog/request.hpp"
#include "reference/txn/wire.hpp"
#include "reference/trunk/call_state.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trunklab::trunk {

namespace {

void copy_body(sip::OutgoingMessage& to, const sip::Message& from) {
  if (from.body().empty()) return;
  to.set_body(std::string(from.content_type().value_or("application/sdp")), from.body());
}

// RFC 3261 §16.7 step 6: a 6xx wins; otherwise the lowest class, first received.
bool better_inbound(int candidate, int current) {
  if (current >= 600) return false;
  if (candidate >= 600) return true;
  return candidate / 100 < current / 100;
}

}  // namespace

Trunk::Trunk(const config::Config& config, registrar::Registrar& registrar, txn::Endpoint& endpoint,
             const rt::Address& local, const rt::Clock& clock, rt::Timers& timers, rt::Random& random)
    : config_(config),
      registrar_(registrar),
      endpoint_(endpoint),
      local_(local),
      clock_(clock),
      timers_(timers),
      random_(random),
      digest_(registrar::digest_config(config.auth), clock, random),
      routes_(config) {}

Trunk::~Trunk() {
  for (auto& [name, id] : probe_timers_) timers_.cancel_timer(id);
  for (auto& [id, call] : calls_) {
    for (auto& leg : call->legs) {
      timers_.cancel_timer(leg.timeout_timer);
      timers_.cancel_timer(leg.linger_timer);
    }
  }
}

Trunk::Call& Trunk::new_call(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source) {
  auto call = std::make_unique<Call>();
  call->id = next_call_++;
  call->a_txn = txn;
  call->a_invite = dialog::copy_message(invite);
  call->a_2xx.emplace(timers_, endpoint_);
  auto& a = call->a;
  a.call_id = invite.call_id();
  a.remote_uri = dialog::strip_tag(invite.header("From").value_or(""));
  a.remote_tag = invite.from().tag();
  a.local_uri = dialog::strip_tag(invite.header("To").value_or(""));
  a.local_tag = sip::new_tag(random_);
  a.remote_target = dialog::first_contact_uri(invite);
  a.route_set = dialog::uas_route_set(invite);
  if (a.remote_target.empty()) a.remote_target = invite.from().uri.to_string();
  a.remote_address = source;
  a.local_cseq = 0;
  a.contact = fmt::format("<sip:trunk@{}>", local_.to_string());
  if (!invite.body().empty()) {
    call->offer_type = std::string(invite.content_type().value_or("application/sdp"));
    call->offer = invite.body();
  }
  call->outcome.destination = sip::Uri::parse(invite.request_uri()).value_or(sip::Uri{}).user;
  by_call_id_[a.call_id] = call->id;
  ++counters_.calls;
  auto& ref = *call;
  calls_.emplace(call->id, std::move(call));
  return ref;
}

// ---- responses to the A side ------------------------------------------------------------------

void Trunk::respond_a(Call& call, int status, std::string_view reason, const sip::Message* relayed) {
  if (call.a_final_sent) return;
  auto response = sip::OutgoingMessage::response_to(*call.a_invite, status, reason,
                                                    status == 100 ? std::string{} : call.a.local_tag);
  if (status > 100 && status < 300) response.add("Contact", call.a.contact);
  if (relayed) {
    copy_body(response, *relayed);
    if (status >= 300) {
      auto cause = relayed->header("Reason");
      response.add("Reason", cause ? std::string(*cause) : reason_header(status, relayed->reason()));
    }
  }
  if (status >= 200) {
    call.a_final_sent = true;
    call.outcome.final_status = status;
  }
  if (is_2xx(status)) {
    txn::stamp_received_rport(response, call.a.remote_address);
    call.a.invite_cseq = call.a_invite->cseq().number;
    call.a_2xx->start(response, call.a.remote_address, {{}, [this, &call] { on_a_no_ack(call); }});
  }
  endpoint_.respond(call.a_txn, std::move(response));
}

// §13.3.1.4: no ACK within 64*T1 - the dialog is confirmed dead; end it with a BYE.
void Trunk::on_a_no_ack(Call& call) {
  if (call.winner) bye_leg(call.legs[*call.winner]);
  end_call(call);
}

// ---- the B side -------------------------------------------------------------------------------

void Trunk::try_next_provider(Call& call) {
  while (!call.cancelled && call.next_provider < call.providers.size()) {
    const auto* provider = call.providers[call.next_provider++];
    if (!provider->address) continue;  // nowhere to send: as if it failed
    if (!call.legs.empty()) ++counters_.failovers;
    // Without a configured timeout the leg gets timer B's length: a provider that sent 100
    // and then nothing would otherwise hold the call forever (B stops in Proceeding).
    start_leg(call, provider->name, *provider->address,
              fmt::format("sip:{}@{}", call.outcome.destination, provider->hostname),
              provider->invite_timeout.value_or(endpoint_.config().timer_b()));
    call.legs.back().dialog.remote_uri = fmt::format("<{}>", call.legs.back().request_uri);
    send_leg_invite(call, call.legs.back());
    return;
  }
  finish_unanswered(call);
}

void Trunk::start_leg(Call& call, std::string target_name, const rt::Address& address,
                      std::string request_uri, std::optional<rt::Duration> timeout) {
  Leg leg;
  leg.target_name = std::move(target_name);
  leg.address = address;
  leg.request_uri = std::move(request_uri);
  leg.timeout = timeout;
  auto& d = leg.dialog;
  d.call_id = sip::new_call_id(random_, local_.ip_string());
  auto caller_user = sip::Uri::parse(call.a_invite->from().uri.to_string()).value_or(sip::Uri{}).user;
  if (caller_user.empty()) caller_user = "trunk";
  d.local_uri = fmt::format("<sip:{}@{}>", caller_user, local_.to_string());
  d.local_tag = sip::new_tag(random_);
  d.remote_target = leg.request_uri;
  d.remote_address = address;
  d.local_cseq = 0;
  d.contact = call.a.contact;
  by_call_id_[d.call_id] = call.id;
  call.legs.push_back(std::move(leg));
}

void Trunk::send_leg_invite(Call& call, Leg& leg) {
  auto invite = leg.dialog.request("INVITE");
  leg.dialog.invite_cseq = leg.dialog.local_cseq;
  if (auto mf = call.a_invite->max_forwards()) invite.set("Max-Forwards", std::to_string(std::max(*mf - 1, 0)));
  if (!call.offer.empty()) invite.set_body(call.offer_type, call.offer);
  endpoint_.add_via(invite);
  leg.invite = invite;
  leg.invite_txn = endpoint_.send_request(std::move(invite), leg.address);
  std::size_t index = static_cast<std::size_t>(&leg - call.legs.data());
  client_txns_[leg.invite_txn.value] = TxnRef{TxnRole::invite, call.id, index, std::nullopt, false, {}, nullptr};
  if (leg.timeout && leg.timeout_timer == rt::kNoTimer) {
    auto call_id = call.id;
    leg.timeout_timer = timers_.start_timer(*leg.timeout, [this, call_id, index] {
      auto it = calls_.find(call_id);
      if (it == calls_.end()) return;
      auto& c = *it->second;
      auto& l = c.legs[index];
      l.timeout_timer = rt::kNoTimer;
      if (l.final) return;
      // Nothing came back yet: the INVITE keeps being retransmitted (timer A, up to timer B) so
      // that a provider whose 1xx were lost answers a retransmission with its 1xx, which gets
      // the waiting CANCEL (cancel_leg, §9.1). Abandoning it here left a ringing provider that
      // answered later: a ghost call, found by a swarm with loss.
      cancel_leg(c, l);
      on_leg_failed(c, index, 408, "Request Timeout", nullptr);
    });
  }
}

bool Trunk::answer_provider_challenge(Call& call, Leg& leg, const sip::Message& response) {
  if (call.inbound || leg.auth_attempts > 0) return false;
  const auto* provider = config_.find_provider(leg.target_name);
  if (!provider || !provider->credentials) return false;
  const bool proxy = response.status() == 407;
  std::vector<auth::Challenge> challenges;
  for (const auto& value : response.header_values(proxy ? "Proxy-Authenticate" : "WWW-Authenticate")) {
    if (auto c = auth::Challenge::parse(value)) challenges.push_back(*c);
  }
  auto chosen = auth::select_challenge(challenges);
  if (!chosen) return false;
  ++leg.auth_attempts;
  auto credentials = auth::answer(challenges[*chosen],
                                  {provider->credentials->username, provider->credentials->password},
                                  "INVITE", leg.request_uri, ++leg.auth_nc, random_);
  auto invite = leg.dialog.request("INVITE");
  leg.dialog.invite_cseq = leg.dialog.local_cseq;
  if (!call.offer.empty()) invite.set_body(call.offer_type, call.offer);
  invite.add(proxy ? "Proxy-Authorization" : "Authorization", credentials.to_header_value());
  endpoint_.add_via(invite);
  client_txns_.erase(leg.invite_txn.value);
  leg.invite = invite;
  leg.provisional = false;
  leg.closed = false;  // a new INVITE transaction
  leg.invite_txn = endpoint_.send_request(std::move(invite), leg.address);
  auto index = static_cast<std::size_t>(&leg - call.legs.data());
  client_txns_[leg.invite_txn.value] = TxnRef{TxnRole::invite, call.id, index, std::nullopt, false, {}, nullptr};
  return true;
}

void Trunk::on_leg_response(Call& call, std::size_t index, const sip::Message& response) {
  auto& leg = call.legs[index];
  const int status = response.status();
  if (leg.final) return on_late_leg_response(call, leg, response, false);  // timeout, lost fork, cancel race
  if (status >= 200) leg.closed = true;
  if (status < 200) {
    leg.provisional = true;
    if (leg.dialog.remote_tag.empty()) leg.dialog.remote_tag = response.to().tag();
    if (leg.cancel_pending) return cancel_leg(call, leg);
    if (status != 100 && !call.cancelled) respond_a(call, status, response.reason(), &response);
    return;
  }
  if (is_2xx(status)) return on_leg_answered(call, index, response);
  if ((status == 401 || status == 407) && answer_provider_challenge(call, leg, response)) return;
  on_leg_failed(call, index, status, response.reason(), &response);
}

void Trunk::on_leg_answered(Call& call, std::size_t index, const sip::Message& response) {
  auto& leg = call.legs[index];
  leg.final = true;
  leg.answered = true;
  timers_.cancel_timer(leg.timeout_timer);
  leg.timeout_timer = rt::kNoTimer;
  leg.dialog.take_response(response);
  if (call.winner || call.cancelled || call.a_final_sent) {
    ack_leg(leg);
    bye_leg(leg);
    return;
  }
  call.winner = index;
  for (auto& other : call.legs) {
    if (&other != &leg && !other.final) cancel_leg(call, other);
  }
  ++counters_.answered;
  call.outcome.answered_by = leg.target_name;
  call.outcome.active = true;
  respond_a(call, response.status(), response.reason(), &response);
}

void Trunk::on_leg_failed(Call& call, std::size_t index, int status, const std::string& reason,
                          const sip::Message* response) {
  auto& leg = call.legs[index];
  leg.final = true;
  timers_.cancel_timer(leg.timeout_timer);
  leg.timeout_timer = rt::kNoTimer;
  if (call.a_final_sent) {
    if (std::all_of(call.legs.begin(), call.legs.end(), [](const Leg& l) { return l.final; }) &&
        !call.outcome.active) {
      end_call(call);
    }
    return;
  }
  if (call.inbound) {
    if (response && (!call.best_inbound || better_inbound(status, call.best_inbound->first))) {
      call.best_inbound = {status, reason};
      call.best_inbound_response = dialog::copy_message(*response);
    }
    if (std::all_of(call.legs.begin(), call.legs.end(), [](const Leg& l) { return l.final; })) {
      finish_unanswered(call);
    }
    return;
  }
  const bool fail_over = status >= 500 || status == 408;
  if (!fail_over) {
    // The far end's answer (404, 486, 603...): relayed with its code and reason phrase.
    ++counters_.failed;
    respond_a(call, status, reason, response);
    end_call(call);
    return;
  }
  if (response && status >= 500) call.last_5xx = {status, reason};
  try_next_provider(call);
}

void Trunk::finish_unanswered(Call& call) {
  if (!call.a_final_sent) {
    ++counters_.failed;
    if (call.cancelled) {
      respond_a(call, 487, "Request Terminated (cancelled by the caller)");
    } else if (call.inbound && call.best_inbound) {
      respond_a(call, call.best_inbound->first, call.best_inbound->second,
                call.best_inbound_response ? &*call.best_inbound_response : nullptr);
    } else if (call.inbound) {
      respond_a(call, 480, "Temporarily Unavailable (no registered contact answered)");
    } else if (call.last_5xx) {
      auto [status, reason] = *call.last_5xx;
      auto response = sip::OutgoingMessage::response_to(*call.a_invite, status, reason, call.a.local_tag);
      response.add("Reason", reason_header(status, call.providers.empty() ? "no route to destination" : reason));
      call.a_final_sent = true;
      call.outcome.final_status = status;
      endpoint_.respond(call.a_txn, std::move(response));
    } else {
      auto response = sip::OutgoingMessage::response_to(*call.a_invite, 503, "Service Unavailable (no provider answered)",
                                                        call.a.local_tag);
      response.add("Reason", reason_header(503, "no provider answered"));
      call.a_final_sent = true;
      call.outcome.final_status = 503;
      endpoint_.respond(call.a_txn, std::move(response));
    }
  }
  end_call(call);
}

// ---- transaction-layer callbacks ----------------------------------------------------------------

bool Trunk::on_response(txn::ClientTxnId txn, const sip::Message& response) {
  auto it = client_txns_.find(txn.value);
  if (it == client_txns_.end()) return false;
  auto ref = it->second;
  const bool final = response.status() >= 200;
  if (final) client_txns_.erase(it);
  switch (ref.role) {
    case TxnRole::invite: {
      auto call = calls_.find(ref.call);
      if (call != calls_.end()) on_leg_response(*call->second, ref.leg, response);
      break;
    }
    case TxnRole::relay:
      if (final) relay_final_response(ref, response);
      break;
    case TxnRole::probe:
      if (final) routes_.mark_up(ref.provider);
      break;
    case TxnRole::cancel:
      break;
  }
  return true;
}

bool Trunk::on_timeout(txn::ClientTxnId txn) {
  auto it = client_txns_.find(txn.value);
  if (it == client_txns_.end()) return false;
  auto ref = it->second;
  client_txns_.erase(it);
  switch (ref.role) {
    case TxnRole::invite: {
      auto call = calls_.find(ref.call);
      if (call == calls_.end()) break;
      auto& leg = call->second->legs[ref.leg];
      leg.closed = true;  // timer B: the transaction is over
      if (!leg.final) on_leg_failed(*call->second, ref.leg, 408, "Request Timeout", nullptr);
      break;
    }
    case TxnRole::relay: {
      // The other side never answered the relayed request: say so to the side that sent it.
      if (ref.origin && ref.origin_request) {
        endpoint_.respond(*ref.origin, sip::OutgoingMessage::response_to(*ref.origin_request, 408,
                                                                         "Request Timeout (no answer from the other side)"));
      }
      auto call = calls_.find(ref.call);
      if (call != calls_.end() && ref.origin_request && ref.origin_request->method() == "BYE") {
        end_call(*call->second);
      }
      break;
    }
    case TxnRole::probe:
      routes_.mark_down(ref.provider);
      break;
    case TxnRole::cancel:
      break;
  }
  return true;
}

bool Trunk::on_ack(const sip::Message& ack, const rt::Address& source) {
  (void)source;
  auto it = by_call_id_.find(ack.call_id());
  if (it == by_call_id_.end()) return false;
  auto call_it = calls_.find(it->second);
  if (call_it == calls_.end()) return true;
  auto& call = *call_it->second;
  if (ack.call_id() == call.a.call_id) {
    call.a_2xx->ack();
    if (call.winner) ack_leg(call.legs[*call.winner]);
  } else {
    // The ACK for a re-INVITE the B side sent and the A side answered.
    dialog::send_2xx_ack(endpoint_, call.a, call.a.remote_address);
  }
  return true;
}

bool Trunk::on_cancel(txn::ServerTxnId txn, const sip::Message& cancel, const rt::Address& source) {
  (void)source;
  auto it = by_call_id_.find(cancel.call_id());
  if (it == by_call_id_.end()) return false;
  auto call_it = calls_.find(it->second);
  if (call_it == calls_.end()) return false;
  auto& call = *call_it->second;
  if (cancel.call_id() != call.a.call_id) return false;
  endpoint_.respond(txn, sip::OutgoingMessage::response_to(cancel, 200, {}, call.a.local_tag));
  if (call.a_final_sent) return true;  // too late: the answer crossed the CANCEL
  call.cancelled = true;
  ++counters_.cancelled;
  for (auto& leg : call.legs) cancel_leg(call, leg);
  respond_a(call, 487, "Request Terminated (cancelled by the caller)");
  if (std::all_of(call.legs.begin(), call.legs.end(), [](const Leg& l) { return l.final; })) {
    end_call(call);
  }
  return true;
}

bool Trunk::on_dialog_request(txn::ServerTxnId txn, const sip::Message& request, const rt::Address& source) {
  (void)source;
  auto it = by_call_id_.find(request.call_id());
  if (it == by_call_id_.end()) return false;
  auto call_it = calls_.find(it->second);
  if (call_it == calls_.end()) return false;
  auto& call = *call_it->second;
  const bool from_a = request.call_id() == call.a.call_id;
  if (!call.winner) return false;
  if (!from_a && call.legs[*call.winner].dialog.call_id != request.call_id()) return false;
  relay_request(call, from_a, txn, request);
  return true;
}

// ---- in-dialog relay ----------------------------------------------------------------------------

void Trunk::relay_request(Call& call, bool from_a, txn::ServerTxnId origin, const sip::Message& request) {
  auto& leg = call.legs[*call.winner];
  auto& target = from_a ? leg.dialog : call.a;
  auto relayed = target.request(request.method());
  if (request.method() == "INVITE") target.invite_cseq = target.local_cseq;
  copy_body(relayed, request);
  if (auto reason = request.header("Reason")) relayed.add("Reason", std::string(*reason));
  endpoint_.add_via(relayed);
  auto id = endpoint_.send_request(std::move(relayed), target.remote_address);
  TxnRef ref{TxnRole::relay, call.id, *call.winner, origin, from_a, {}, nullptr};
  if (auto copy = dialog::copy_message(request)) ref.origin_request = std::make_shared<const sip::Message>(std::move(*copy));
  client_txns_[id.value] = std::move(ref);
  if (request.method() == "BYE") call.outcome.active = false;
}

void Trunk::relay_final_response(const TxnRef& ref, const sip::Message& response) {
  if (!ref.origin || !ref.origin_request) return;
  auto reply = sip::OutgoingMessage::response_to(*ref.origin_request, response.status(), response.reason());
  copy_body(reply, response);
  auto call = calls_.find(ref.call);
  if (call != calls_.end() && is_2xx(response.status()) && ref.origin_request->method() == "INVITE") {
    reply.add("Contact", call->second->a.contact);
  }
  endpoint_.respond(*ref.origin, std::move(reply));
  if (call != calls_.end() && ref.origin_request->method() == "BYE") end_call(*call->second);
}

// ---- OPTIONS probing ----------------------------------------------------------------------------

void Trunk::start_probes() {
  for (const auto& p : config_.providers) {
    if (p.options_interval && p.address) probe(p.name);
  }
}

void Trunk::probe(const std::string& name) {
  const auto* provider = config_.find_provider(name);
  auto from_tag = sip::new_tag(random_);  // drawn before the Call-ID
  auto options = dialog::build_request({.method = "OPTIONS",
                                        .request_uri = fmt::format("sip:{}", provider->hostname),
                                        .from = fmt::format("<sip:trunk@{}>", local_.to_string()),
                                        .from_tag = std::move(from_tag),
                                        .to = fmt::format("<sip:{}>", provider->hostname),
                                        .call_id = sip::new_call_id(random_, local_.ip_string())});
  endpoint_.add_via(options);
  auto id = endpoint_.send_request(std::move(options), *provider->address);
  client_txns_[id.value] = TxnRef{TxnRole::probe, 0, 0, std::nullopt, false, name, nullptr};
  probe_timers_[name] = timers_.start_timer(*provider->options_interval, [this, name] { probe(name); });
}

// ---- introspection --------------------------------------------------------------------------------

std::size_t Trunk::channels_in_use(std::string_view trunk) const {
  auto it = channels_.find(std::string(trunk));
  return it == channels_.end() ? 0 : it->second;
}

std::size_t Trunk::channels_in_use() const {
  std::size_t total = 0;
  for (const auto& [name, count] : channels_) total += count;
  return total;
}

std::vector<CallOutcome> Trunk::outcomes() const {
  std::vector<std::pair<std::uint64_t, CallOutcome>> all(finished_.begin(), finished_.end());
  for (const auto& [id, call] : calls_) all.emplace_back(id, snapshot(*call));
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<CallOutcome> out;
  out.reserve(all.size());
  for (auto& [id, outcome] : all) out.push_back(std::move(outcome));
  return out;
}

}  // namespace trunklab::trunk