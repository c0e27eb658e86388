// The SDP of a message in a few words, for its ladder label: "SDP PCMU PCMA" (the offered or
// answered encodings, in order), "SDP PCMU sendonly" (a hold), "SDP T38", "SDP PCMU, T38
// rejected" (a second m= line with port 0). What a reader of a ladder asks first of an offer
// or answer: which codecs, and is the call being held.
#pragma once

#include <string>
#include <string_view>

namespace trunklab::reports {

// `content_type` is the message's Content-Type ("" when it has none): a body is SDP when it
// says application/sdp, or says nothing and starts with "v=". "" when the body is not SDP;
// "SDP ?" when it claims to be and libosip2 refuses it.
std::string sdp_summary(std::string_view content_type, std::string_view body);

}  // namespace trunklab::reports
