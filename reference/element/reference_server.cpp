#include "reference/element/reference_server.hpp"

#include <fmt/format.h>

namespace trunklab::element {

ReferenceServer::ReferenceServer(const config::Config& config, rt::Clock& clock, rt::Timers& timers,
                                 rt::Transport& transport, rt::Random& random,
                                 registrar::BindingStore& store, txn::Config txn_config)
    : random_(random),
      endpoint_(clock, timers, transport, random, txn_config, *this),
      registrar_(config, store, clock, timers, random),
      trunk_(config, registrar_, endpoint_, transport.local_address(), clock, timers, random) {}

void ReferenceServer::respond(txn::ServerTxnId id, const sip::Message& request, int status) {
  auto tag = request.to().tag().empty() ? sip::new_tag(random_) : std::string{};
  auto response = sip::OutgoingMessage::response_to(request, status, {}, tag);
  if (status == 200 || status == 405) response.add("Allow", kAllow);
  if (status == 200) response.add("Accept", "application/sdp");
  endpoint_.respond(id, std::move(response));
}

void ReferenceServer::on_request(txn::ServerTxnId id, const sip::Message& request,
                                 const rt::Address& source) {
  const auto& method = request.method();
  const bool in_dialog = !request.to().tag().empty();
  if (method == "REGISTER") {
    auto response = registrar_.handle_register(request, source);
    log(fmt::format("REGISTER {} from {} -> {}", request.to().uri.to_string(), source.to_string(),
                    response.status()));
    endpoint_.respond(id, std::move(response));
    return;
  }
  if (method == "CANCEL") {
    if (!trunk_.on_cancel(id, request, source)) {
      ++counters_.no_transaction;
      respond(id, request, 481);
    }
    return;
  }
  if (in_dialog) {
    if (!trunk_.on_dialog_request(id, request, source)) {
      ++counters_.no_transaction;
      respond(id, request, 481);
    }
    return;
  }
  if (method == "INVITE") return trunk_.on_invite(id, request, source);
  if (method == "OPTIONS") {
    ++counters_.options;
    return respond(id, request, 200);
  }
  ++counters_.not_allowed;
  respond(id, request, 405);
}

void ReferenceServer::on_response(txn::ClientTxnId id, const sip::Message& response) {
  trunk_.on_response(id, response);
}

void ReferenceServer::on_timeout(txn::ClientTxnId id) { trunk_.on_timeout(id); }

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
