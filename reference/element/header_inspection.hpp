// RFC 3261 §8.2.2 header inspection, before a request reaches the registrar or the trunk:
// a Request-URI scheme the element does not serve gets 416 (§8.2.2.1, RFC 4475 "unkscm",
// "novelsc"), an option tag in Require it does not support gets 420 with Unsupported listing
// it (§8.2.2.3, RFC 4475 "bext01").
#pragma once

#include "reference/sip/message.hpp"

#include <optional>
#include <string>
#include <vector>

namespace trunklab::element {

struct Refusal {
  int status = 0;
  std::string reason;                  // "Unsupported URI Scheme (tel)", "Bad Extension (100rel)"
  std::vector<std::string> unsupported;  // option tags, for the Unsupported header of a 420
};

// The refusal for `request`, or nullopt to process it. ACK and CANCEL are never refused here
// (§8.2.2.3: an element must not reject them for Require). `as_proxy`: the request goes on
// through the trunk, whose phones use it as their outbound proxy, so Proxy-Require (§20.29,
// §16.3 step 6) is inspected too; a request this element answers itself as a UAS (REGISTER,
// OPTIONS, ...) is judged by Require alone.
std::optional<Refusal> inspect_headers(const sip::Message& request, bool as_proxy);

}  // namespace trunklab::element
