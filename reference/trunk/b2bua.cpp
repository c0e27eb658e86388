#include "reference/trunk/b2bua.hpp"

#include "reference/txn/wire.hpp"
#include "reference/trunk/call_state.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trunklab::trunk {

Trunk::Trunk(const config::Config& config, registrar::Registrar& registrar, txn::Endpoint& endpoint,
             const rt::Address& local, const rt::Clock& clock, rt::Timers& timers, rt::Random& random)
    // Not owned: the caller keeps `config` alive; set_config hands over owned ones.
    : config_(std::shared_ptr<const config::Config>{}, &config),
      registrar_(registrar),
      endpoint_(endpoint),
      local_(local),
      clock_(clock),
      timers_(timers),
      random_(random),
      digest_(registrar::digest_config(config.auth), clock, random),
      routes_(config),
      probes_(config, endpoint, local, timers, random, routes_) {}

void Trunk::set_config(std::shared_ptr<const config::Config> config) {
  config_ = std::move(config);
  routes_.set_config(*config_);
  probes_.set_config(*config_);
}

Trunk::~Trunk() {
  for (auto& [id, call] : calls_) {
    for (auto& leg : call->legs) {
      timers_.cancel_timer(leg.timeout_timer);
      timers_.cancel_timer(leg.linger_timer);
    }
  }
}

// Over TLS a sips: Contact (RFC 5630 §4.1: transport=tls is deprecated; a sips: URI asks for TLS
// on the way to it).
std::string Trunk::contact_for(const rt::Address& peer) const {
  const auto transport = endpoint_.transport_to(peer);
  const auto address = endpoint_.local_address_to(peer).to_string();
  if (transport == rt::TransportKind::tls) return fmt::format("<sips:trunk@{}>", address);
  return fmt::format("<sip:trunk@{}{}>", address, transport == rt::TransportKind::tcp ? ";transport=tcp" : "");
}

Trunk::Call& Trunk::new_call(txn::ServerTxnId txn, const sip::Message& invite, const rt::Address& source) {
  auto call = std::make_unique<Call>();
  call->id = next_call_++;
  call->started_at = clock_.now();
  call->config = config_;
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
  a.contact = contact_for(source);
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
    copy_sdp(call, false, response, *relayed);
    if (status >= 300) {
      auto cause = relayed->header("Reason");
      response.add("Reason", cause ? std::string(*cause) : reason_header(status, relayed->reason()));
    }
  }
  if (status >= 200) {
    call.a_final_sent = true;
    call.outcome.final_status = status;
    call.final_reason = std::string(reason);
  }
  if (is_2xx(status)) {
    txn::stamp_received_rport(response, call.a.remote_address);
    call.a.invite_cseq = call.a_invite->cseq().number;
    call.a_2xx->start(response, call.a.remote_address, {{}, [this, &call] { on_a_no_ack(call); }});
    watch_media(call);
  }
  endpoint_.respond(call.a_txn, std::move(response));
}

// §13.3.1.4: no ACK within 64*T1 - the dialog is confirmed dead; end it with a BYE.
void Trunk::on_a_no_ack(Call& call) {
  set_hangup(call, "trunk", "no ACK from the caller");
  if (call.winner) bye_leg(call.legs[*call.winner]);
  end_call(call);
}

// ---- transaction-layer callbacks ----------------------------------------------------------------

bool Trunk::on_response(txn::ClientTxnId txn, const sip::Message& response) {
  if (probes_.on_response(txn, response)) return true;
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
    case TxnRole::cancel:
      break;
  }
  return true;
}

bool Trunk::on_timeout(txn::ClientTxnId txn) {
  return on_client_failure(txn, {408, "Request Timeout", "Request Timeout (no answer from the other side)"});
}

// RFC 3261 §8.1.3.1: a transport error (a TCP connection refused or reset) is treated as a 503
// from the peer: the call fails over at once instead of waiting for timer B.
bool Trunk::on_transport_error(txn::ClientTxnId txn) {
  return on_client_failure(
      txn, {503, "Service Unavailable (transport error)", "Service Unavailable (the other side is unreachable)"});
}

bool Trunk::on_client_failure(txn::ClientTxnId txn, const ClientFailure& failure) {
  if (probes_.on_timeout(txn)) return true;
  auto it = client_txns_.find(txn.value);
  if (it == client_txns_.end()) return false;
  auto ref = it->second;
  client_txns_.erase(it);
  switch (ref.role) {
    case TxnRole::invite: {
      auto call = calls_.find(ref.call);
      if (call == calls_.end()) break;
      auto& leg = call->second->legs[ref.leg];
      leg.closed = true;  // timer B or a transport error: the transaction is over
      if (!leg.final) on_leg_failed(*call->second, ref.leg, failure.status, failure.leg_reason, nullptr);
      break;
    }
    case TxnRole::relay: {
      // The other side never answered the relayed request: say so to the side that sent it.
      if (ref.origin && ref.origin_request) {
        endpoint_.respond(*ref.origin,
                          sip::OutgoingMessage::response_to(*ref.origin_request, failure.status, failure.relay_reason));
      }
      auto call = calls_.find(ref.call);
      if (call != calls_.end() && ref.origin_request && ref.origin_request->method() == "BYE") {
        end_call(*call->second);
      }
      break;
    }
    case TxnRole::cancel:
      break;
  }
  return true;
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

std::size_t Trunk::calls_in_progress() const {
  return static_cast<std::size_t>(std::count_if(calls_.begin(), calls_.end(), [](const auto& c) { return !c.second->ended; }));
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