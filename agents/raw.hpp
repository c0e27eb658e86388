// Raw sends: bytes a scenario or test writes itself (malformed SIP, oversized messages) go
// straight to the transport; responses that match no transaction of ours are kept for
// expectations to read.
#pragma once

#include "agents/party.hpp"

#include <string>
#include <vector>

namespace trunklab::agents {

class RawSender {
public:
  explicit RawSender(Party& party) : party_(party) {}

  void send(std::string text, const rt::Address& destination);
  void on_unmatched_response(const sip::Message& response);
  const std::vector<std::string>& responses() const { return responses_; }

private:
  Party& party_;
  std::vector<std::string> responses_;
};

}  // namespace trunklab::agents
