#include "reference/element/reference_server.hpp"

#include "reference/dialog/request.hpp"
#include "reference/element/header_inspection.hpp"
#include "reference/sip/printable.hpp"

#include <fmt/format.h>

namespace trunklab::element {

ReferenceServer::ReferenceServer(const config::Config& config, rt::Clock& clock, rt::Timers& timers,
                                 rt::Transport& transport, rt::Random& random,
                                 registrar::BindingStore& store, txn::Config txn_config)
    : config_(std::make_shared<const config::Config>(config)),
      clock_(clock),
      timers_(timers),
      random_(random),
      local_(transport.local_address()),
      endpoint_(clock, timers, transport, random, txn_config, *this),
      registrar_(*config_, store, clock, timers, random),
      trunk_(*config_, registrar_, endpoint_, transport.local_address(), clock, timers, random) {
  trunk_.set_config(config_);  // owned from here on, so apply_config can replace it
}

void ReferenceServer::apply_config(config::Config config) {
  config_ = std::make_shared<const config::Config>(std::move(config));
  registrar_.set_config(*config_);
  trunk_.set_config(config_);
}

ReferenceServer::~ReferenceServer() { timers_.cancel_timer(ping_timer_); }

void ReferenceServer::start() {
  trunk_.start_probes();
  if (config_->registrar.keepalive_options_interval) {
    ping_timer_ = timers_.start_timer(*config_->registrar.keepalive_options_interval,
                                      [this] { ping_nated_contacts(); });
  }
}

// A contact whose REGISTER came from another address than its Contact says sits behind a NAT;
// an OPTIONS every interval keeps the NAT's mapping (and so the inbound path) open.
void ReferenceServer::ping_nated_contacts() {
  for (const auto& binding : registrar_.live_bindings()) {
    auto uri = sip::Uri::parse(binding.contact_uri);
    auto contact_address = uri ? rt::Address::parse(uri->host, uri->port ? uri->port : 5060) : std::nullopt;
    if (contact_address && *contact_address == binding.source) continue;
    auto from_tag = sip::new_tag(random_);  // drawn before the Call-ID
    auto options = dialog::build_request({.method = "OPTIONS",
                                          .request_uri = binding.contact_uri,
                                          .from = fmt::format("<sip:registrar@{}>", local_.to_string()),
                                          .from_tag = std::move(from_tag),
                                          .to = fmt::format("<{}>", binding.contact_uri),
                                          .call_id = sip::new_call_id(random_, local_.ip_string())});
    endpoint_.add_via(options, binding.source);
    endpoint_.send_request(std::move(options), binding.source);
    ++counters_.nat_pings;
  }
  ping_timer_ = rt::kNoTimer;
  if (!config_->registrar.keepalive_options_interval) return;  // a new configuration turned it off
  ping_timer_ = timers_.start_timer(*config_->registrar.keepalive_options_interval,
                                    [this] { ping_nated_contacts(); });
}

void ReferenceServer::respond(txn::ServerTxnId id, const sip::Message& request, int status,
                              std::string_view reason) {
  auto tag = request.to().tag().empty() ? sip::new_tag(random_) : std::string{};
  auto response = sip::OutgoingMessage::response_to(request, status, reason, tag);
  if (status == 200 || status == 405) response.add("Allow", kAllow);
  if (status == 200) response.add("Accept", "application/sdp");
  endpoint_.respond(id, std::move(response));
}

// "REGISTER sip:x from 127.0.0.1:5070 aor office1@x -> 401 Unauthorized" for a request
// answered here, "INVITE sip:y to 127.0.0.1:5071 user office1@x -> 200 OK" for one sent: who
// (the AOR for a REGISTER, the From user otherwise) and why (the reason phrase), one line
// when the transaction has its final status. The caller stamps the time: this is protocol code.
std::string format_outcome(const txn::TxnOutcome& outcome) {
  std::string line = fmt::format("{} {} {} {}", outcome.method, outcome.request_uri,
                                 outcome.server ? "from" : "to", outcome.peer->to_string());
  const bool register_request = outcome.method == "REGISTER";
  const std::string_view who = register_request ? outcome.to_aor : outcome.from_aor;
  if (!who.empty()) fmt::format_to(std::back_inserter(line), " {} {}", register_request ? "aor" : "user", who);
  fmt::format_to(std::back_inserter(line), " -> {}", outcome.status);
  if (!outcome.reason.empty()) fmt::format_to(std::back_inserter(line), " {}", outcome.reason);
  return sip::printable(line);  // URIs, AORs and reason phrases come off the wire
}

void ReferenceServer::set_media_ports(anchor::PortBinder binder) {
  anchor::RelayConfig relay;
  relay.first_port = config_->media.first_port;
  relay.last_port = config_->media.last_port;
  relay_ = std::make_unique<anchor::MediaRelay>(clock_, std::move(binder), relay);
  trunk_.set_media_relay(relay_.get());
}

void ReferenceServer::set_log(std::function<void(const std::string&)> log) {
  log_ = std::move(log);
  if (!log_) {
    endpoint_.set_outcome_observer(nullptr);
    return;
  }
  endpoint_.set_outcome_observer([this](const txn::TxnOutcome& outcome) { log_(format_outcome(outcome)); });
}

void ReferenceServer::on_request(txn::ServerTxnId id, const sip::Message& request,
                                 const rt::Address& source) {
  const auto& method = request.method();
  const bool in_dialog = !request.to().tag().empty();
  if (refuse_by_headers(id, request, in_dialog)) return;
  if (method == "REGISTER") {
    auto response = registrar_.handle_register(request, source);
    endpoint_.respond(id, std::move(response));
    return;
  }
  if (method == "CANCEL") {
    if (!trunk_.on_cancel(id, request, source)) {
      ++counters_.no_transaction;
      respond(id, request, 481, "Call/Transaction Does Not Exist (no call to cancel)");
    }
    return;
  }
  if (in_dialog) {
    if (!trunk_.on_dialog_request(id, request, source)) {
      ++counters_.no_transaction;
      respond(id, request, 481, "Call/Transaction Does Not Exist (no such dialog)");
    }
    return;
  }
  if (method == "INVITE") return trunk_.on_invite(id, request, source);
  if (method == "OPTIONS") {
    ++counters_.options;
    return respond(id, request, 200);
  }
  ++counters_.not_allowed;
  respond(id, request, 405, "Method Not Allowed (only the methods in Allow are handled)");
}

// §8.2.1 before §8.2.2: a method this element does not serve outside a dialog gets its 405
// (below) rather than a 416 or 420 for a header it would never have looked at.
bool ReferenceServer::refuse_by_headers(txn::ServerTxnId id, const sip::Message& request,
                                        bool in_dialog) {
  const auto& method = request.method();
  const bool served = in_dialog || method == "REGISTER" || method == "INVITE" ||
                      method == "OPTIONS" || method == "CANCEL";
  if (!served) return false;
  auto refusal = inspect_headers(request, method == "INVITE" || in_dialog);
  if (!refusal) return false;
  auto tag = request.to().tag().empty() ? sip::new_tag(random_) : std::string{};
  auto response = sip::OutgoingMessage::response_to(request, refusal->status, refusal->reason, tag);
  for (const auto& option : refusal->unsupported) response.add("Unsupported", option);
  ++counters_.refused_by_headers;
  endpoint_.respond(id, std::move(response));
  return true;
}

void ReferenceServer::on_response(txn::ClientTxnId id, const sip::Message& response) {
  trunk_.on_response(id, response);
}

void ReferenceServer::on_timeout(txn::ClientTxnId id) { trunk_.on_timeout(id); }

// A request that could not be carried (a refused or reset TCP connection): as a 503 from there.
void ReferenceServer::on_transport_error(txn::ClientTxnId id) { trunk_.on_transport_error(id); }

void ReferenceServer::on_ack(const sip::Message& ack, const rt::Address& source) {
  trunk_.on_ack(ack, source);
}

void ReferenceServer::on_stray_response(const sip::Message& response, const rt::Address& source) {
  trunk_.on_stray_response(response, source);
}

void ReferenceServer::on_keepalive(const rt::Address& source) {
  (void)source;
  ++counters_.keepalives;
}

}  // namespace trunklab::element
