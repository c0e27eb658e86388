// The start line of a SIP message (RFC 3261 §7.1 Request-Line, §7.2 Status-Line): whether a
// payload is SIP at all, and its first line. Shared by the ladder builder, the capture reader
// and the scenario engine's ladder matching.
#pragma once

#include <string_view>

namespace trunklab::reports {

// The payload up to its first CR or LF (the whole payload when there is none).
std::string_view first_line(std::string_view payload);

// True when the payload starts like a SIP request or response (status line or request line).
bool looks_like_sip(std::string_view payload);

}  // namespace trunklab::reports
