// `trunklab ladder --format tsv`: the ladder as one tab-separated line per message, for scripts
// and for the test that compares a capture's ladder with tshark's fields. Columns:
//   number  kind  what  call_id  from  to  flags
// number is the F number the other formats print; kind is request, response, rtp or note; what
// is the method, the status code, or the RTP stream's or note's label; flags is a comma-separated list of
// retransmission, truncated, duplicate, dropped ("-" when none). Fields are sip::printable
// text, so they hold no tab or line end.
#pragma once

#include "reports/ladder/ladder.hpp"

#include <string>

namespace trunklab::reports {

std::string render_tsv(const Ladder& ladder);

}  // namespace trunklab::reports
