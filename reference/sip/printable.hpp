// Text that came off the wire, made safe to print: the one escaping used by every log line,
// terminal report and text ladder (HTML and XML are escaped separately, pcaps keep raw bytes).
#pragma once

#include <string>
#include <string_view>

namespace trunklab::sip {

// Printable ASCII (0x20-0x7E) is kept; "\" becomes "\\", CR, LF and HTAB become \r, \n, \t,
// and every other octet (controls, DEL, bytes >= 0x80) becomes \xNN. The result holds no
// control octet, so a Request-URI or reason phrase cannot start a log line of its own or
// send escape sequences to a terminal, and the original bytes can be read back unambiguously.
std::string printable(std::string_view bytes);

}  // namespace trunklab::sip
