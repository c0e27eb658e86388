// The two legs of one B2BUA call: the INVITE into the trunk and the INVITE it sends out have
// different Call-IDs (RFC 7092 §3.1), and a ladder reader wants them linked. Without the
// trunk's own state, a capture tells it by time and content: the out-leg's INVITE leaves the
// party the in-leg's INVITE reached, soon after it, for the same number (the To or From user's
// digits), or with the same SDP media when numbers were rewritten.
#pragma once

#include "reference/rt/time.hpp"

#include <cstddef>
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
  std::size_t from_party = 0;
  std::size_t to_party = 0;
};

// One group per call, numbered 0, 1, ... in order of first appearance; the legs of one B2BUA
// call share a group (an in-leg may have several out-legs: hunting, failover).
std::vector<std::size_t> link_call_legs(const std::vector<CallFacts>& calls);

}  // namespace trunklab::reports
