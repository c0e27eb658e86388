// One side of a B2BUA call as a SIP dialog (RFC 3261 §12): what it takes to send an
// in-dialog request (BYE, re-INVITE, ACK) to the party on that side.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/sip/message.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::dialog {

struct Dialog {
  std::string call_id;
  std::string local_uri;    // our From/To name-addr, without tag ("<sip:trunk@...>")
  std::string local_tag;
  std::string remote_uri;   // theirs, without tag
  std::string remote_tag;
  std::string remote_target;  // their Contact URI: the Request-URI of in-dialog requests
  rt::Address remote_address;  // where their datagrams go (the source they used: NAT)
  std::uint32_t local_cseq = 1;
  std::uint32_t invite_cseq = 0;  // CSeq number of the INVITE an ACK acknowledges
  std::string contact;        // our Contact header value
  // RFC 3261 §12.1: the proxies that asked to stay on the path (Record-Route), as Route
  // values in the order in-dialog requests visit them. Loose routing (;lr) only: RFC 2543
  // strict routers are not supported.
  std::vector<std::string> route_set;
  // The ACK last sent for a 2xx (send_2xx_ack), sent again unchanged for its retransmissions.
  std::optional<sip::OutgoingMessage> ack_2xx;
  std::uint32_t ack_2xx_cseq = 0;  // the INVITE's CSeq that ack_2xx acknowledges

  // A request within the dialog; the caller adds the Via (Endpoint::add_via).
  // `cseq` = 0 takes the next local CSeq.
  sip::OutgoingMessage request(const std::string& method, std::uint32_t cseq = 0);
  // As the UAC, a 2xx (or the 1xx of an early dialog) fixes the far end's tag, its target
  // (Contact) and the route set: Record-Route in reverse order (§12.1.2).
  void take_response(const sip::Message& response);
};

// As the UAS: the route set is the request's Record-Route in order (§12.1.1).
std::vector<std::string> uas_route_set(const sip::Message& request);

// A copy of a received message (sip::Message is move-only: it owns libosip2's parse).
std::optional<sip::Message> copy_message(const sip::Message& message);
// The URI of the first Contact, "" when there is none (or it is "*").
std::string first_contact_uri(const sip::Message& message);
// RFC 3261 §9.1: the CANCEL for a sent INVITE copies its Request-URI, top Via, Call-ID, From,
// To and CSeq number; Endpoint::send_request runs it as its own transaction.
sip::OutgoingMessage cancel_for(const sip::OutgoingMessage& invite);

// The header value of a name-addr without its tag parameter ("<sip:a@b>;tag=x" -> "<sip:a@b>").
std::string strip_tag(std::string_view name_addr);
// "<sip:a@b>;tag=x" with a new tag.
std::string with_tag(std::string_view name_addr, std::string_view tag);

}  // namespace trunklab::dialog
