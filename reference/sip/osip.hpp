// Internal: libosip2 includes, one-time initialisation and RAII owners. Not part of the API.
#pragma once

// <sys/time.h> must precede the osip headers (they use struct timeval without including it).
#include <sys/time.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/sdp_message.h>

#include <memory>

namespace trunklab::sip::osip {

// Runs parser_init() once and routes libosip2's trace output to a sink that drops it, so
// that nothing reaches stdout whatever libosip2 was built with. Thread-safe (static init).
void ensure_initialized();

struct MessageFree {
  void operator()(osip_message_t* m) const { osip_message_free(m); }
};
struct UriFree {
  void operator()(osip_uri_t* u) const { osip_uri_free(u); }
};
struct SdpFree {
  void operator()(sdp_message_t* s) const { sdp_message_free(s); }
};
using MessagePtr = std::unique_ptr<osip_message_t, MessageFree>;
using UriPtr = std::unique_ptr<osip_uri_t, UriFree>;
using SdpPtr = std::unique_ptr<sdp_message_t, SdpFree>;

}  // namespace trunklab::sip::osip
