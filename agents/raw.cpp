#include "agents/raw.hpp"

namespace trunklab::agents {

void RawSender::send(std::string text, const rt::Address& destination) {
  party_.record("raw-sent", text.substr(0, text.find("\r\n")));
  party_.transport->send(destination, text);
}

void RawSender::on_unmatched_response(const sip::Message& response) {
  responses_.emplace_back(response.raw());
  party_.record("response", std::string(response.raw().substr(0, response.raw().find("\r\n"))), response.status());
}

}  // namespace trunklab::agents
