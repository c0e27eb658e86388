// Telephone-event (RFC 4733 §7.1.1) in an SDP as a media relay edits it for DTMF interworking:
// offer telephone-event to a leg whose peer did not, or take it out of an answer for a peer
// that never offered it (an answer lists only offered formats, RFC 3264 §6.1). Text edits of
// the first audio stream, line by line: what they do not touch stays byte for byte.
#pragma once

#include "reference/sip/sdp.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace trunklab::sip {

// The payload type the media maps to telephone-event/8000, if any.
std::optional<int> telephone_event_type(const SdpMedia& media);
// The first audio stream's telephone-event type, if it has one.
std::optional<int> audio_telephone_event_type(const Sdp& sdp);
// A dynamic type (96-127) the media does not use, 101 when free (the usual one).
std::optional<int> free_dynamic_type(const SdpMedia& media);
// The first audio stream with `payload_type` added as telephone-event/8000 (events 0-15).
std::string add_telephone_event(std::string_view body, int payload_type);
// The first audio stream without `payload_type` (its m= format, rtpmap and fmtp lines).
std::string remove_payload_type(std::string_view body, int payload_type);

}  // namespace trunklab::sip
