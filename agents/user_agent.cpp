#include "agents/user_agent.hpp"

#include <algorithm>

namespace trunklab::agents {

void UserAgent::Forwarder::on_datagram(const rt::Address& local, const rt::Address& remote,
                                       std::string_view bytes) {
  if (target) target->on_datagram(local, remote, bytes);
}

UserAgent::UserAgent(UserAgentConfig config, const Binder& bind, rt::Clock& clock, rt::Timers& timers,
                     rt::Random& random, txn::Config txn_config, Media media)
    : party_(std::move(config), clock, timers, random),
      endpoint_(bind_endpoint(bind, txn_config)),
      answerer_(party_),
      registration_(party_),
      caller_(party_),
      raw_(party_) {
  if (media.bind && media.random) party_.media.set_hooks(std::move(media));
}

UserAgent::~UserAgent() = default;

std::unique_ptr<txn::Endpoint> UserAgent::bind_endpoint(const Binder& bind, txn::Config txn_config) {
  party_.transport = &bind(forwarder_);
  auto endpoint = std::make_unique<txn::Endpoint>(party_.clock, party_.timers, *party_.transport, party_.random,
                                                  txn_config, *this);
  forwarder_.target = endpoint.get();
  party_.endpoint = endpoint.get();
  return endpoint;
}

std::vector<AgentCall> UserAgent::calls() const {
  std::vector<AgentCall> out;
  for (const auto& id : party_.call_order) out.push_back(party_.calls.at(id)->info);
  return out;
}

bool UserAgent::waiting() const {
  if (!party_.txns.empty()) return true;
  return std::any_of(party_.calls.begin(), party_.calls.end(), [](const auto& entry) {
    const auto& info = entry.second->info;
    return !info.answered && !info.ended;
  });
}

bool UserAgent::busy() const {
  if (waiting()) return true;
  return std::any_of(party_.calls.begin(), party_.calls.end(),
                     [](const auto& entry) { return !entry.second->info.ended; });
}

void UserAgent::cancel() {
  if (!caller_.cancel()) party_.record("cancel-ignored", "no pending outgoing call");
}

void UserAgent::reinvite(const Reoffer& reoffer) {
  if (!caller_.reinvite(reoffer)) party_.record("reinvite-ignored", "no answered call");
}

void UserAgent::send_dtmf(media::DtmfRequest request, bool auto_method) {
  for (auto it = party_.call_order.rbegin(); it != party_.call_order.rend(); ++it) {
    auto& call = *party_.calls.at(*it);
    if (call.info.ended || !call.media.session) continue;
    const auto& plan = call.media.session->plan();
    if (auto_method) request.method = plan && plan->telephone_event ? media::DtmfMethod::rfc4733 : media::DtmfMethod::inband;
    std::string why;
    if (call.media.session->send_dtmf(request, why)) {
      return party_.record("dtmf", request.digits + " " + std::string(media::to_string(request.method)));
    }
    return party_.record("dtmf-failed", why);
  }
  party_.record("dtmf-failed", "no call with media");
}

std::vector<const media::Session*> UserAgent::media_sessions() const {
  std::vector<const media::Session*> out;
  for (const auto& id : party_.call_order) out.push_back(party_.calls.at(id)->media.session.get());
  return out;
}

void UserAgent::hangup() {
  for (auto it = party_.call_order.rbegin(); it != party_.call_order.rend(); ++it) {
    auto& call = *party_.calls.at(*it);
    if (call.info.ended) continue;
    if (call.info.answered) {
      call.info.ended = true;
      return party_.send_bye(call);
    }
    if (call.info.outgoing) return cancel();
    return answerer_.decline(call);
  }
  party_.record("hangup-ignored", "no call");
}

// ---- transaction-layer callbacks: each goes to the component whose transaction it is ----------

void UserAgent::on_request(txn::ServerTxnId id, const sip::Message& request, const rt::Address& source) {
  answerer_.on_request(id, request, source);
}

void UserAgent::on_response(txn::ClientTxnId id, const sip::Message& response) {
  auto it = party_.txns.find(id.value);
  if (it == party_.txns.end()) return;
  auto ref = it->second;
  if (response.status() >= 200) party_.txns.erase(it);
  switch (ref.kind) {
    case TxnKind::register_:
      return registration_.on_response(response);
    case TxnKind::invite:
      if (auto* call = party_.find_call(ref.call_id)) caller_.on_invite_response(*call, response);
      return;
    case TxnKind::bye:
      if (response.status() >= 200) party_.record("bye-answered", ref.call_id, response.status());
      return;
    case TxnKind::cancel:
      return;
  }
}

void UserAgent::on_timeout(txn::ClientTxnId id) {
  auto it = party_.txns.find(id.value);
  if (it == party_.txns.end()) return;
  auto ref = it->second;
  party_.txns.erase(it);
  switch (ref.kind) {
    case TxnKind::register_:
      return registration_.on_timeout();
    case TxnKind::invite:
      if (auto* call = party_.find_call(ref.call_id)) caller_.on_invite_timeout(*call);
      return;
    case TxnKind::bye:
      return party_.record("bye-timeout", ref.call_id, 408);
    case TxnKind::cancel:
      return;
  }
}

void UserAgent::on_ack(const sip::Message& ack, const rt::Address& /*source*/) { answerer_.on_ack(ack); }

void UserAgent::on_stray_response(const sip::Message& response, const rt::Address& /*source*/) {
  if (caller_.on_stray_response(response)) return;  // our ACK was lost: the far end retransmits its 2xx
  raw_.on_unmatched_response(response);
}

}  // namespace trunklab::agents
