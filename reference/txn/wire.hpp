// Wire-level helpers of the transaction layer: transaction keys (§17.1.3, §17.2.3), the
// RFC 3581 Via rewrite for symmetric response routing, and the stateless 400 for requests that
// failed to parse.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/sip/message.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace trunklab::txn {

inline constexpr std::string_view kMagicCookie = "z9hG4bK";  // RFC 3261 §8.1.1.7

// The first Via of a message being built (first element of the first Via / v header).
std::optional<std::string_view> first_via(const sip::OutgoingMessage& message);

// The value of a Via parameter ("branch", "rport"), "" for a flag, nullopt when absent.
std::optional<std::string_view> via_param(std::string_view via_value, std::string_view name);

// Splits a header value at commas outside quotes and angle brackets.
std::vector<std::string_view> split_top_level(std::string_view value);

// §17.1.3: a response matches a client transaction by top Via branch + CSeq method.
std::string client_key(std::string_view branch, std::string_view method);
// §17.2.3: branch + sent-by + method; an ACK matches its INVITE (pass "INVITE" for ACK).
std::string server_key(std::string_view branch, std::string_view sent_by,
                       std::string_view method);

// §17.2.3's RFC 2543 rules, for a request whose branch lacks the magic cookie (or is the cookie
// alone, RFC 4475 "badbranch"): Request-URI, From tag, Call-ID, CSeq number and top Via, plus
// the method; the To tag too except for an INVITE key (pass "INVITE" for an ACK or a CANCEL: the
// ACK carries the To tag of our response, which the INVITE did not have).
std::string legacy_server_key(const sip::Message& request, std::string_view method);
// Whether the top Via's branch is an RFC 3261 transaction identifier.
bool has_rfc3261_branch(const sip::Via& via);

// RFC 3581 §4: in a Via value carrying `rport`, set received=<source ip> and
// rport=<source port> (received is added even when it equals the sent-by host). A value
// without rport comes back unchanged.
std::string via_with_received_rport(std::string_view via_value, const rt::Address& source);
// Applies via_with_received_rport to the top Via of a response being built.
void stamp_received_rport(sip::OutgoingMessage& response, const rt::Address& source);

// For a datagram Message::parse refused: a stateless "400 <reason naming the problem>" (505
// for a bad SIP version) when it is a request (not an ACK) with a Via to answer along; From,
// To, Call-ID and CSeq are copied when present (RFC 4475 "insuf" lacks three of them and still
// deserves its 400); a value holding a control octet is left out rather than echoed. nullopt
// otherwise (the datagram is dropped). `to_tag` goes on To when it has no tag.
std::optional<sip::OutgoingMessage> stateless_400_for(std::string_view raw,
                                                      const sip::ParseError& error,
                                                      std::string_view to_tag,
                                                      const rt::Address& source);
// The same for any status and reason: a stateless answer to the request `raw` starts.
std::optional<sip::OutgoingMessage> stateless_answer_for(std::string_view raw, int status,
                                                         std::string reason, std::string_view to_tag,
                                                         const rt::Address& source);

// RFC 3261 §21.5.14: what goes out instead of a final response of `bytes` bytes that the
// transport cannot carry (over `limit`): a 513 with only what §8.2.6.2 requires of a response
// (every Via, From, To with its tag, Call-ID, CSeq, copied from `response`), its reason saying
// why ("Message Too Large (the 401 response would be 65612 bytes, over the 65507-byte
// limit)"), or the bare "Message Too Large" when the explanation would not fit. Even that may
// be over the limit (the request's own Via, From or To are that large): the caller checks.
sip::OutgoingMessage too_large_response(const sip::OutgoingMessage& response, std::size_t bytes,
                                        std::size_t limit);

}  // namespace trunklab::txn
