// The scenario's ladder vocabulary: "alice -> trunk INVITE", "trunk -> alice 404 Not Found".
// Actual lines come from the capture (what was on the wire), expected lines from the scenario;
// the matcher compares them exactly or as an in-order subset and explains the first divergence
// with both ladders side by side.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/transport.hpp"
#include "reference/rt/time.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunklab::wiretap {
struct CaptureRecord;
}

namespace trunklab::scenario {

// One message on the wire, in ladder terms.
struct WireLine {
  rt::Instant time{};
  std::string from;
  std::string to;
  std::string label;  // "INVITE", "404 Not Found"
  bool is_request = false;
  bool retransmission = false;
  bool duplicate = false;  // a copy made by a network fault rule
  bool dropped = false;
  rt::Address src;  // as captured at the sender (a NATed sender's private address)
  rt::Address dst;  // as addressed by the sender
  std::string bytes;
  rt::TransportKind transport = rt::TransportKind::udp;  // what carried it

  std::string text() const;  // "alice -> trunk 404 Not Found"
  // "  1.250s  alice -> trunk INVITE  (retransmission) (dropped: fault-1)": the golden format.
  std::string annotated() const;
};

// The SIP messages of a simulator capture as wire lines, in capture (= send time) order; the
// NAT-translated copies are left out so each message shows once, as its sender sent it.
// Labels come from the first line only: judging needs no full parse, and reports::build_ladder
// (which parses every message for Call-ID grouping) costs a fifth of a run; it is built only
// when ladder files are written.
std::vector<WireLine> wire_lines(const std::vector<wiretap::CaptureRecord>& records);

// An expected line, parsed: "from -> to LABEL". A response label with only the status code
// matches any reason phrase; with a phrase it must match exactly.
struct LinePattern {
  std::string from;
  std::string to;
  std::string label;
  static std::optional<LinePattern> parse(std::string_view text);
  bool matches(const WireLine& line) const;
};

enum class MatchMode { exact, subset, exact_per_pair };

struct LadderMatch {
  bool passed = false;
  std::string diff;  // empty when passed: expected vs actual from the first divergence
};

// Exact: every actual message matches the next expected line in order; a retransmission or a
// network duplicate may be left out of the expected ladder (shown only where listed).
// Subset: the expected lines appear in order, anything in between.
// Exact per pair: exact between each two parties, free in how the pairs interleave. Used on a
// real network, where which of two datagrams sent to different parties is read first is up to
// the sockets, not the system under test.
LadderMatch match_ladder(const std::vector<std::string>& expected, const std::vector<WireLine>& actual,
                         MatchMode mode);

// Index of the `occurrence`-th (1-based) line matching `pattern` at or after `from`. With
// `messages_only`, retransmissions and network duplicates are not counted (nor found): the 3rd
// REGISTER is the 3rd one the party sent, however often the network made it send one again.
std::optional<std::size_t> find_line(const std::vector<WireLine>& lines, const LinePattern& pattern,
                                     int occurrence = 1, std::size_t from = 0, bool messages_only = false);

}  // namespace trunklab::scenario
