// The one request builder: every request a UA core starts (REGISTER, OPTIONS, the first
// INVITE) and every request inside a dialog (Dialog::request) gets its start line and
// Max-Forwards, From, To, Call-ID, CSeq, Route and Contact here, in that order (RFC 3261
// §8.1.1). The caller adds what its method needs (Expires, Authorization, a body) and the
// Via (txn::Endpoint::add_via).
#pragma once

#include "reference/sip/message.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace trunklab::dialog {

struct NewRequest {
  std::string method;
  std::string request_uri;
  std::string from;      // our name-addr, without tag: "<sip:alice@example.com>"
  std::string from_tag;
  std::string to;        // theirs as it goes on the wire (inside a dialog: with their tag)
  std::string call_id;
  std::uint32_t cseq = 1;
  std::vector<std::string> route_set = {};  // Route values, in order
  std::string contact = {};                 // "" = none
};

sip::OutgoingMessage build_request(const NewRequest& r);

}  // namespace trunklab::dialog
