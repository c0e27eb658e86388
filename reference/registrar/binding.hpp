// A registration binding (RFC 3261 §10): address-of-record -> contact, with what the
// registrar learned when the REGISTER arrived: its source address (the NAT-reachable one,
// RFC 3581) and the Call-ID/CSeq that order later updates (§10.3 step 7).
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"

#include <cstdint>
#include <string>

namespace trunklab::registrar {

struct Binding {
  std::string aor;          // "office1@acme.registrar.example.test"
  std::string contact_uri;  // as registered: "sip:office1@192.168.1.10:5060"
  std::string call_id;
  std::uint32_t cseq = 0;
  rt::Instant expires_at;   // on the server's clock; real time uses the Unix epoch
  rt::Address source;       // where the REGISTER came from: inbound requests go here
  std::string user_agent;

  bool live_at(rt::Instant now) const { return expires_at > now; }
  // Whole seconds left, rounded up, as the 200 OK's Contact expires parameter shows them.
  std::uint32_t remaining_s(rt::Instant now) const;
  bool operator==(const Binding&) const = default;
};

}  // namespace trunklab::registrar
