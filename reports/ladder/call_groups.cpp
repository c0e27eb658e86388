#include "reports/ladder/call_groups.hpp"

#include <algorithm>
#include <optional>

namespace trunklab::reports {
namespace {

// Failover tries the next provider after Timer B (32 s) at most: a later INVITE is a new call.
constexpr rt::Duration kLegWindow = rt::from_ms(32'000);
// Without a number in common, only an INVITE this soon with the same media is the out-leg.
constexpr rt::Duration kMediaOnlyWindow = rt::from_ms(1'000);

std::string digits_of(const std::string& user) {
  std::string out;
  for (char c : user) {
    if (c >= '0' && c <= '9') out += c;
  }
  return out;
}

// "+15550001000" and "15550001000" or "5550001000": the same number, written differently.
// A name ("alice") matches only itself, and only where `names` (the To user: the callee the
// trunk routes to; a From name is the same caller on every call).
bool same_number(const std::string& a, const std::string& b, bool names) {
  const std::string da = digits_of(a);
  const std::string db = digits_of(b);
  if (da.size() < 3 || db.size() < 3) return names && !a.empty() && a == b;
  const auto& shorter = da.size() < db.size() ? da : db;
  const auto& longer = da.size() < db.size() ? db : da;
  return longer.ends_with(shorter);
}

bool is_out_leg_of(const CallFacts& in, const CallFacts& out) {
  if (in.method.empty() || out.method.empty()) return false;
  if (out.from_party != in.to_party || out.to_party == in.to_party || out.time < in.time) return false;
  const auto after = out.time - in.time;
  if (after > kLegWindow || (in.settled && *in.settled <= out.time)) return false;
  if (same_number(in.to_user, out.to_user, true) || same_number(in.from_user, out.from_user, false)) return true;
  return after <= kMediaOnlyWindow && !in.sdp.empty() && in.sdp == out.sdp;
}

}  // namespace

void note_invite_request(CallFacts& call, std::uint32_t cseq) {
  if (call.answered || cseq == call.invite_cseq) return;  // a re-INVITE, or a retransmission
  call.invite_cseq = cseq;
  call.settled.reset();
}

void note_invite_response(CallFacts& call, std::uint32_t cseq, int status, rt::Instant time) {
  if (call.answered || status < 200 || cseq != call.invite_cseq || call.settled) return;
  call.settled = time;
  call.answered = status < 300;
}

std::vector<std::size_t> link_call_legs(const std::vector<CallFacts>& calls) {
  std::vector<std::optional<std::size_t>> linked_to(calls.size());  // the in-leg of an out-leg
  for (std::size_t out = 0; out < calls.size(); ++out) {
    // The latest in-leg before it: with several calls at once, the one just set up.
    for (std::size_t in = out; in-- > 0;) {
      if (!linked_to[in] && is_out_leg_of(calls[in], calls[out])) {
        linked_to[out] = in;
        break;
      }
    }
  }
  std::vector<std::size_t> groups(calls.size());
  std::size_t next = 0;
  for (std::size_t c = 0; c < calls.size(); ++c) {
    groups[c] = linked_to[c] ? groups[*linked_to[c]] : next++;
  }
  return groups;
}

}  // namespace trunklab::reports
