#include "agents/user_agent.hpp"

#include "reference/sip/sdp.hpp"
#include "reference/txn/wire.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace trunklab::agents {

using namespace std::chrono_literals;

struct UserAgent::Call {
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
  std::optional<sip::OutgoingMessage> sent_2xx;
  rt::TimerId retransmit_timer = rt::kNoTimer;
  bool acked = false;
};

namespace {

bool carries_sdp_by_default(int status) { return status == 183 || (status >= 200 && status < 300); }

}  // namespace

void UserAgent::Forwarder::on_datagram(const rt::Address& local, const rt::Address& remote,
                                       std::string_view bytes) {
  if (target) target->on_datagram(local, remote, bytes);
}

UserAgent::UserAgent(UserAgentConfig config, const Binder& bind, rt::Clock& clock, rt::Timers& timers,
                     rt::Random& random, txn::Config txn_config)
    : config_(std::move(config)), clock_(clock), timers_(timers), random_(random) {
  transport_ = &bind(forwarder_);
  endpoint_ = std::make_unique<txn::Endpoint>(clock, timers, *transport_, random, txn_config, *this);
  forwarder_.target = endpoint_.get();
  if (config_.challenge) {
    auth::ServerConfig server;
    auto key = "trunklab-provider-" + config_.name;
    server.secret_key.assign(key.begin(), key.end());
    server.algorithms = {auth::Algorithm::md5};
    digest_server_ = std::make_unique<auth::DigestServer>(server, clock, random);
  }
  register_call_id_ = sip::new_call_id(random_, transport_->local_address().ip_string());
  register_from_tag_ = sip::new_tag(random_);
  if (config_.keepalive_interval && config_.registrar) {
    keepalive_timer_ = timers_.start_timer(*config_.keepalive_interval, [this] { send_keepalive(); });
  }
}

UserAgent::~UserAgent() {
  timers_.cancel_timer(refresh_timer_);
  timers_.cancel_timer(keepalive_timer_);
  for (auto& [id, call] : calls_) {
    timers_.cancel_timer(call->retransmit_timer);
    for (auto t : call->script_timers) timers_.cancel_timer(t);
  }
}

void UserAgent::record(std::string kind, std::string detail, int status) {
  events_.push_back({clock_.now(), std::move(kind), std::move(detail), status});
}

std::string UserAgent::contact() const {
  return fmt::format("<sip:{}@{}>", user(), transport_->local_address().to_string());
}

std::vector<AgentCall> UserAgent::calls() const {
  std::vector<AgentCall> out;
  for (const auto& id : call_order_) out.push_back(calls_.at(id)->info);
  return out;
}

bool UserAgent::waiting() const {
  if (!txns_.empty()) return true;
  return std::any_of(calls_.begin(), calls_.end(), [](const auto& entry) {
    const auto& info = entry.second->info;
    return !info.answered && !info.ended;
  });
}

bool UserAgent::busy() const {
  if (waiting()) return true;
  return std::any_of(calls_.begin(), calls_.end(), [](const auto& entry) { return !entry.second->info.ended; });
}

std::optional<std::string> UserAgent::credentials_for(const sip::Message& response,
                                                      const std::string& method,
                                                      const std::string& uri) {
  const bool proxy = response.status() == 407;
  std::vector<auth::Challenge> challenges;
  for (const auto& value : response.header_values(proxy ? "Proxy-Authenticate" : "WWW-Authenticate")) {
    if (auto c = auth::Challenge::parse(value)) challenges.push_back(*c);
  }
  auto chosen = auth::select_challenge(challenges);
  if (!chosen) return std::nullopt;
  auto& nc = method == "REGISTER" ? register_nc_ : invite_nc_;
  auto credentials = auth::answer(challenges[*chosen], {user(), config_.password}, method, uri, ++nc, random_);
  return credentials.to_header_value();
}

// ---- outgoing calls -----------------------------------------------------------------------------

std::string UserAgent::sdp_body(const std::string& session) {
  auto ip = transport_->local_address().ip_string();
  auto port = static_cast<std::uint16_t>(40000 + 2 * (calls_.size() % 1000));
  return sip::make_audio_sdp(session, ip, port, config_.codecs);
}

std::string UserAgent::call(const std::string& number) {
  if (!config_.outbound_proxy) {
    record("call-failed", "no outbound proxy configured");
    return {};
  }
  call_to(number, *config_.outbound_proxy, config_.call_domain);
  return call_order_.back();
}

void UserAgent::call_to(const std::string& number, const rt::Address& destination,
                        const std::string& domain) {
  auto call = std::make_unique<Call>();
  auto& d = call->dialog;
  d.call_id = sip::new_call_id(random_, transport_->local_address().ip_string());
  auto from_host = config_.registrar_domain.empty() ? transport_->local_address().to_string()
                                                    : config_.registrar_domain;
  d.local_uri = fmt::format("<sip:{}@{}>", user(), from_host);
  d.local_tag = sip::new_tag(random_);
  d.remote_target = fmt::format("sip:{}@{}", number, domain.empty() ? destination.to_string() : domain);
  d.remote_uri = fmt::format("<{}>", d.remote_target);
  d.remote_address = destination;
  d.local_cseq = 0;
  d.contact = contact();
  call->info.call_id = d.call_id;
  call->info.number = number;
  call->info.outgoing = true;
  record("call-started", number);
  auto& ref = *call;
  call_order_.push_back(d.call_id);
  calls_.emplace(d.call_id, std::move(call));
  send_invite(ref, std::nullopt);
}

void UserAgent::send_invite(Call& call, std::optional<std::pair<std::string, std::string>> authorization) {
  auto& d = call.dialog;
  auto invite = d.request("INVITE");
  d.invite_cseq = d.local_cseq;
  invite.set_body("application/sdp", sdp_body(d.local_tag));
  if (authorization) invite.add(authorization->first, authorization->second);
  endpoint_->add_via(invite);
  call.invite = invite;
  call.provisional = false;
  auto id = endpoint_->send_request(std::move(invite), d.remote_address);
  txns_[id.value] = {TxnKind::invite, d.call_id};
}

void UserAgent::on_invite_response(Call& call, const sip::Message& response) {
  const int status = response.status();
  auto& d = call.dialog;
  if (status < 200) {
    call.provisional = true;
    if (d.remote_tag.empty()) d.remote_tag = response.to().tag();
    if (status == 183 && !response.body().empty()) {
      call.info.early_media = true;
      record("early-media", call.info.call_id, status);
    } else if (status != 100) {
      record("ringing", call.info.call_id, status);
    }
    if (call.cancel_requested && !call.cancel_sent) send_cancel(call);
    return;
  }
  if (status < 300) {
    d.take_response(response);
    call.info.answered = true;
    call.info.final_status = status;
    call.info.final_reason = response.reason();
    record("call-answered", call.info.call_id, status);
    send_ack(call);
    if (call.cancel_requested) send_bye(call);  // the answer crossed our CANCEL
    return;
  }
  if ((status == 401 || status == 407) && call.auth_attempts < 1 && !call.cancel_requested) {
    ++call.auth_attempts;
    if (auto creds = credentials_for(response, "INVITE", call.invite.request_uri())) {
      return send_invite(call, std::make_pair(std::string(status == 407 ? "Proxy-Authorization" : "Authorization"), *creds));
    }
  }
  call.info.final_status = status;
  call.info.final_reason = response.reason();
  call.info.ended = true;
  record("call-failed", call.info.call_id, status);
}

void UserAgent::send_ack(Call& call) {
  auto ack = call.dialog.request("ACK", call.dialog.invite_cseq);
  endpoint_->add_via(ack);
  endpoint_->send_stateless(ack, call.dialog.remote_address);
}

void UserAgent::send_bye(Call& call) {
  auto bye = call.dialog.request("BYE");
  endpoint_->add_via(bye);
  auto id = endpoint_->send_request(std::move(bye), call.dialog.remote_address);
  txns_[id.value] = {TxnKind::bye, call.info.call_id};
  record("hangup", call.info.call_id);
}

void UserAgent::send_cancel(Call& call) {
  auto cancel = dialog::cancel_for(call.invite);
  call.cancel_sent = true;
  auto id = endpoint_->send_request(std::move(cancel), call.dialog.remote_address);
  txns_[id.value] = {TxnKind::cancel, call.info.call_id};
}

void UserAgent::cancel() {
  for (auto it = call_order_.rbegin(); it != call_order_.rend(); ++it) {
    auto& call = *calls_.at(*it);
    if (!call.info.outgoing || call.info.final_status != 0) continue;
    call.cancel_requested = true;
    record("cancel", call.info.call_id);
    if (call.provisional) send_cancel(call);  // else: sent when the first 1xx arrives (§9.1)
    return;
  }
  record("cancel-ignored", "no pending outgoing call");
}

void UserAgent::reinvite() {
  for (auto it = call_order_.rbegin(); it != call_order_.rend(); ++it) {
    auto& call = *calls_.at(*it);
    if (call.info.answered && !call.info.ended) {
      record("reinvite", call.info.call_id);
      return send_invite(call, std::nullopt);
    }
  }
  record("reinvite-ignored", "no answered call");
}

void UserAgent::hangup() {
  for (auto it = call_order_.rbegin(); it != call_order_.rend(); ++it) {
    auto& call = *calls_.at(*it);
    if (call.info.ended) continue;
    if (call.info.answered) {
      call.info.ended = true;
      return send_bye(call);
    }
    if (call.info.outgoing) return cancel();
    // An incoming call still ringing: decline it.
    for (auto t : call.script_timers) timers_.cancel_timer(t);
    call.script_timers.clear();
    send_scripted_reply(call.info.call_id, ReplyStep{603, rt::Duration{0}, {}, false});
    return;
  }
  record("hangup-ignored", "no call");
}

void UserAgent::send_raw(std::string text, const rt::Address& destination) {
  record("raw-sent", text.substr(0, text.find("\r\n")));
  transport_->send(destination, text);
}

// ---- incoming requests --------------------------------------------------------------------------

void UserAgent::on_request(txn::ServerTxnId id, const sip::Message& request, const rt::Address& source) {
  const auto& method = request.method();
  auto reply = [&](int status) {
    auto tag = request.to().tag().empty() ? sip::new_tag(random_) : std::string{};
    auto response = sip::OutgoingMessage::response_to(request, status, {}, tag);
    if (status == 200 && method == "OPTIONS") response.add("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS");
    endpoint_->respond(id, std::move(response));
  };
  auto found = calls_.find(request.call_id());
  if (method == "INVITE" && request.to().tag().empty()) return on_incoming_invite(id, request, source);
  if (method == "INVITE") {  // re-INVITE: accept the same media
    if (found == calls_.end()) return reply(481);
    auto response = sip::OutgoingMessage::response_to(request, 200);
    response.add("Contact", contact());
    response.set_body("application/sdp", sdp_body(found->second->dialog.local_tag));
    endpoint_->respond(id, std::move(response));
    return;
  }
  if (method == "BYE") {
    if (found == calls_.end()) return reply(481);
    if (!config_.answer_bye) return;
    found->second->info.ended = true;
    record("call-ended", request.call_id());
    return reply(200);
  }
  if (method == "CANCEL") {
    auto invite_txn = endpoint_->find_invite_server(request);
    if (found == calls_.end() || !invite_txn) return reply(481);
    reply(200);
    auto& call = *found->second;
    if (call.final_sent) return;
    for (auto t : call.script_timers) timers_.cancel_timer(t);
    call.script_timers.clear();
    record("call-cancelled", call.info.call_id);
    send_scripted_reply(call.info.call_id, ReplyStep{487, rt::Duration{0}, {}, false});
    return;
  }
  if (method == "OPTIONS") {
    if (config_.answer_options) reply(200);
    return;
  }
  reply(405);
}

const AnswerScript& UserAgent::script_for(const std::string& number) const {
  const AnswerScript* best = &config_.answer;
  std::size_t best_length = 0;
  for (const auto& [prefix, script] : config_.answer_by_prefix) {
    if (number.starts_with(prefix) && prefix.size() >= best_length) {
      best = &script;
      best_length = prefix.size();
    }
  }
  return *best;
}

bool UserAgent::check_challenge(txn::ServerTxnId id, const sip::Message& invite) {
  const auto& c = *config_.challenge;
  const bool proxy = c.status == 407;
  auto send_challenge = [&] {
    auto response = sip::OutgoingMessage::response_to(invite, c.status, {}, sip::new_tag(random_));
    for (const auto& ch : digest_server_->challenge(c.realm)) {
      response.add(proxy ? "Proxy-Authenticate" : "WWW-Authenticate", ch.to_header_value());
    }
    endpoint_->respond(id, std::move(response));
    return false;
  };
  auto value = invite.header(proxy ? "Proxy-Authorization" : "Authorization");
  if (!value) return send_challenge();
  auto creds = auth::Credentials::parse(*value);
  if (!creds) return send_challenge();
  switch (auth::server_action(digest_server_->verify(*creds, c.realm, "INVITE",
                                                      auth::Secret::from_password(c.username, c.password)))) {
    case auth::ServerAction::accept:
      return true;
    case auth::ServerAction::forbid:
      endpoint_->respond(id, sip::OutgoingMessage::response_to(invite, 403, {}, sip::new_tag(random_)));
      return false;
    case auth::ServerAction::challenge:
    case auth::ServerAction::challenge_stale:
      break;
  }
  return send_challenge();
}

void UserAgent::on_incoming_invite(txn::ServerTxnId id, const sip::Message& invite, const rt::Address& source) {
  if (config_.challenge && !check_challenge(id, invite)) return;
  auto call = std::make_unique<Call>();
  auto& d = call->dialog;
  d.call_id = invite.call_id();
  d.local_uri = dialog::strip_tag(invite.header("To").value_or(""));
  d.local_tag = sip::new_tag(random_);
  d.remote_uri = dialog::strip_tag(invite.header("From").value_or(""));
  d.remote_tag = invite.from().tag();
  d.remote_target = dialog::first_contact_uri(invite);
  d.route_set = dialog::uas_route_set(invite);
  if (d.remote_target.empty()) d.remote_target = invite.from().uri.to_string();
  d.remote_address = source;
  d.local_cseq = 0;
  d.contact = contact();
  call->info.call_id = d.call_id;
  call->info.outgoing = false;
  call->info.number = sip::Uri::parse(invite.request_uri()).value_or(sip::Uri{}).user;
  call->server_txn = id;
  call->request = dialog::copy_message(invite);
  const auto call_id = d.call_id;
  record("incoming-call", call->info.number);
  const auto& script = script_for(call->info.number);
  for (const auto& step : script.steps) {
    call->script_timers.push_back(timers_.start_timer(step.after, [this, call_id, step] {
      send_scripted_reply(call_id, step);
    }));
  }
  call_order_.push_back(call_id);
  calls_.emplace(call_id, std::move(call));
}

void UserAgent::send_scripted_reply(const std::string& call_id, const ReplyStep& step) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  auto& call = *it->second;
  if (call.final_sent || !call.request) return;
  auto response = sip::OutgoingMessage::response_to(*call.request, step.status, step.reason,
                                                    step.status == 100 ? std::string{} : call.dialog.local_tag);
  if (step.status > 100 && step.status < 300) response.add("Contact", contact());
  if (step.sdp.value_or(carries_sdp_by_default(step.status))) {
    response.set_body("application/sdp", sdp_body(call.dialog.local_tag));
    if (step.status == 183) call.info.early_media = true;
  }
  if (step.status >= 200) {
    call.final_sent = true;
    call.info.final_status = step.status;
    call.info.final_reason = step.reason.empty() ? std::string(sip::default_reason(step.status)) : step.reason;
    for (auto t : call.script_timers) timers_.cancel_timer(t);
    call.script_timers.clear();
  }
  if (step.status >= 200 && step.status < 300) {
    call.info.answered = true;
    txn::stamp_received_rport(response, call.dialog.remote_address);
    call.sent_2xx = response;
    record("answered", call_id, step.status);
    const auto t1 = endpoint_->config().t1;
    call.retransmit_timer = timers_.start_timer(t1, [this, call_id, t1] { retransmit_2xx(call_id, t1, t1); });
  } else if (step.status >= 300) {
    call.info.ended = true;
    record("rejected", call_id, step.status);
  }
  endpoint_->respond(call.server_txn, std::move(response));
}

void UserAgent::retransmit_2xx(const std::string& call_id, rt::Duration interval, rt::Duration elapsed) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  auto& call = *it->second;
  call.retransmit_timer = rt::kNoTimer;
  if (call.acked || !call.sent_2xx || call.info.ended) return;
  if (elapsed >= endpoint_->config().timer_h()) {
    record("ack-timeout", call_id);  // §13.3.1.4: the dialog is dead; end it
    call.info.ended = true;
    return send_bye(call);
  }
  endpoint_->send_stateless(*call.sent_2xx, call.dialog.remote_address);
  auto next = std::min(interval * 2, endpoint_->config().t2);
  call.retransmit_timer = timers_.start_timer(next, [this, call_id, next, elapsed] {
    retransmit_2xx(call_id, next, elapsed + next);
  });
}

// ---- transaction-layer callbacks ------------------------------------------------------------------

void UserAgent::on_response(txn::ClientTxnId id, const sip::Message& response) {
  auto it = txns_.find(id.value);
  if (it == txns_.end()) return;
  auto ref = it->second;
  if (response.status() >= 200) txns_.erase(it);
  switch (ref.kind) {
    case TxnKind::register_:
      return on_register_response(response);
    case TxnKind::invite: {
      auto call = calls_.find(ref.call_id);
      if (call != calls_.end()) on_invite_response(*call->second, response);
      return;
    }
    case TxnKind::bye:
      if (response.status() >= 200) record("bye-answered", ref.call_id, response.status());
      return;
    case TxnKind::cancel:
    case TxnKind::other:
      return;
  }
}

void UserAgent::on_timeout(txn::ClientTxnId id) {
  auto it = txns_.find(id.value);
  if (it == txns_.end()) return;
  auto ref = it->second;
  txns_.erase(it);
  switch (ref.kind) {
    case TxnKind::register_:
      registered_ = false;
      last_register_status_ = 408;
      return record("register-failed", "timeout", 408);
    case TxnKind::invite: {
      auto call = calls_.find(ref.call_id);
      if (call == calls_.end()) return;
      call->second->info.final_status = 408;
      call->second->info.ended = true;
      return record("call-failed", ref.call_id, 408);
    }
    case TxnKind::bye:
      return record("bye-timeout", ref.call_id, 408);
    case TxnKind::cancel:
    case TxnKind::other:
      return;
  }
}

void UserAgent::on_ack(const sip::Message& ack, const rt::Address& source) {
  (void)source;
  auto it = calls_.find(ack.call_id());
  if (it == calls_.end()) return;
  auto& call = *it->second;
  if (call.acked) return;
  call.acked = true;
  timers_.cancel_timer(call.retransmit_timer);
  call.retransmit_timer = rt::kNoTimer;
}

void UserAgent::on_stray_response(const sip::Message& response, const rt::Address& source) {
  (void)source;
  auto it = calls_.find(response.call_id());
  if (it != calls_.end() && it->second->info.outgoing && it->second->info.answered &&
      response.status() >= 200 && response.status() < 300 && response.cseq().method == "INVITE") {
    return send_ack(*it->second);  // our ACK was lost: the far end retransmits its 2xx
  }
  raw_responses_.emplace_back(response.raw());
  record("response", std::string(response.raw().substr(0, response.raw().find("\r\n"))), response.status());
}

}  // namespace trunklab::agents
