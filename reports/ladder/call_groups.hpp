// The two legs of one B2BUA call: the INVITE into the trunk and the INVITE it sends out have
// different Call-IDs (RFC 7092 §3.1), and a ladder reader wants them linked. Without the
// trunk's own state, a capture tells it by time and content: the out-leg's INVITE leaves the
// party the in-leg's INVITE reached, soon after it, for the same number (the To or From user's
// digits), or with the same SDP media when numbers were rewritten.
#pragma once

#include "reference/rt/time.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trunklab::reports {

// A call's first INVITE (empty `method`: the capture holds none).
struct CallFacts {
  std::string method;
  std::string from_user;
  std::string to_user;
  std::string sdp;  // sdp_summary
  rt::Instant time{};
  // When the call's INVITE was settled: the final response to its latest INVITE (after a 407,
  // the INVITE with credentials), frozen at the first 2xx. A B2BUA sends its out-legs while the
  // in-leg is still being set up, so a later INVITE is another call. Unset: never settled.
  std::optional<rt::Instant> settled;
  std::uint32_t invite_cseq = 0;  // the latest INVITE's CSeq number (settling tracks it)
  bool answered = false;          // a 2xx settled it: later re-INVITEs do not move `settled`
  std::size_t from_party = 0;
  std::size_t to_party = 0;
};

// One group per call, numbered 0, 1, ... in order of first appearance; the legs of one B2BUA
// call share a group (an in-leg may have several out-legs: hunting, failover).
std::vector<std::size_t> link_call_legs(const std::vector<CallFacts>& calls);

// Follows a call's INVITE transactions for `settled`: an INVITE (CSeq number) or a response to
// one (status), at `time`, in capture order.
void note_invite_request(CallFacts& call, std::uint32_t cseq);
void note_invite_response(CallFacts& call, std::uint32_t cseq, int status, rt::Instant time);

}  // namespace trunklab::reports
