// Internal: the URI checks the parser makes on what libosip2 lets through (RFC 3261 §19.1,
// §25.1; RFC 5118 IPv6 references).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trunklab::sip::uri_syntax {

// The scheme of an absolute URI ("sip", "soap.beep"), lower-cased; nullopt when `uri` does not
// start with scheme ":" (scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )).
std::optional<std::string> scheme(std::string_view uri);

// Why a Request-URI is malformed, or nullopt. Any absolute URI is well-formed here (RFC 4475
// "unkscm", "novelsc": the element answers 416 for a scheme it does not support); a sip: or
// sips: URI must also parse as one, and its host must be a hostname, an IPv4 address or an
// IPv6 reference in [] (RFC 5118 "ipv6-bad": an IPv6 address without them is refused).
std::optional<std::string> request_uri_problem(std::string_view uri);

}  // namespace trunklab::sip::uri_syntax
