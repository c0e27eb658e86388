// Escaping shared by the renderers and the run report.
#pragma once

#include <string>
#include <string_view>

namespace trunklab::reports {

// Text for XML/HTML content and attribute values: &<>"' escaped; control characters that XML
// 1.0 forbids (and invalid UTF-8 is left to the consumer) become U+FFFD.
std::string xml_escape(std::string_view text);

// Message bytes as readable text: CRLF -> LF, other control bytes (except tab) -> '.'.
std::string printable_text(std::string_view bytes);

// "+1.234s": an offset in seconds with milliseconds.
std::string format_offset(long long microseconds);

}  // namespace trunklab::reports
