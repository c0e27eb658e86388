#include "agents/party.hpp"

#include "reference/auth/digest.hpp"

#include <fmt/format.h>

namespace trunklab::agents {

void Party::record(std::string kind, std::string detail, int status) {
  events.push_back({clock.now(), std::move(kind), std::move(detail), status});
}

std::string Party::contact() const {
  const bool tcp = config.transport == rt::TransportKind::tcp;
  return fmt::format("<sip:{}@{}{}>", user(), transport->local_address().to_string(), tcp ? ";transport=tcp" : "");
}

std::optional<std::string> Party::credentials_for(const sip::Message& response, const std::string& method,
                                                  const std::string& uri, std::uint32_t& nc) {
  const bool proxy = response.status() == 407;
  std::vector<auth::Challenge> challenges;
  for (const auto& value : response.header_values(proxy ? "Proxy-Authenticate" : "WWW-Authenticate")) {
    if (auto c = auth::Challenge::parse(value)) challenges.push_back(*c);
  }
  auto chosen = auth::select_challenge(challenges);
  if (!chosen) return std::nullopt;
  auto credentials = auth::answer(challenges[*chosen], {user(), config.password}, method, uri, ++nc, random);
  return credentials.to_header_value();
}

Call& Party::add_call(std::unique_ptr<Call> call) {
  auto& ref = *call;
  ref.media.slot = call_order.size();
  call_order.push_back(ref.info.call_id);
  calls.emplace(ref.info.call_id, std::move(call));
  return ref;
}

Call* Party::find_call(const std::string& call_id) {
  auto it = calls.find(call_id);
  return it == calls.end() ? nullptr : it->second.get();
}

void Party::send_tracked(sip::OutgoingMessage request, const rt::Address& destination, TxnKind kind,
                         std::string call_id) {
  auto id = endpoint->send_request(std::move(request), destination);
  txns[id.value] = {kind, std::move(call_id)};
}

void Party::send_bye(Call& call) {
  auto bye = call.dialog.request("BYE");
  endpoint->add_via(bye, call.dialog.remote_address);
  send_tracked(std::move(bye), call.dialog.remote_address, TxnKind::bye, call.info.call_id);
  media.stop(call);
  record("hangup", call.info.call_id);
}

}  // namespace trunklab::agents
