// IP fragment reassembly for captures (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6): a SIP
// message over UDP larger than the path MTU (an INVITE with a large SDP) arrives as several
// fragments, and only the whole datagram is a SIP message. Fragments are kept per datagram
// (source, destination, protocol, identification) until they cover it; every limit is counted
// in FragmentStats, never silent: fragments buffered, datagrams pending at once, the bytes of
// one datagram, and a timeout in capture time after which an incomplete datagram is given up.
// An exact duplicate fragment is ignored; a fragment that overlaps bytes already held keeps
// the bytes that came first (its new bytes are used) and is counted.
#pragma once

#include "reference/rt/address.hpp"
#include "reference/rt/time.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

namespace trunklab::reports {

struct FragmentLimits {
  std::size_t max_pending_datagrams = 1024;
  std::size_t max_buffered_fragments = 16384;   // over every pending datagram
  std::size_t max_datagram_bytes = 65535;       // an IP payload cannot be larger (no jumbograms)
  rt::Duration timeout = std::chrono::seconds(30);  // capture time since the first fragment
};

struct FragmentStats {
  std::uint64_t fragments = 0;
  std::uint64_t reassembled = 0;       // datagrams completed
  std::uint64_t duplicates = 0;        // fragments carrying only bytes already held: ignored
  std::uint64_t overlapping = 0;       // fragments overlapping bytes held (the first bytes kept)
  std::uint64_t timed_out = 0;         // datagrams given up: not complete within the timeout
  std::uint64_t incomplete = 0;        // datagrams still incomplete at the end of the capture
  std::uint64_t over_limit = 0;        // fragments dropped: a limit was reached
  std::uint64_t malformed = 0;         // fragments that cannot be placed (beyond the end, ...)
  std::uint64_t unfinished_fragments = 0;  // fragments of the datagrams timed out or incomplete
  bool limited() const { return over_limit > 0; }
};

struct Fragment {
  rt::Instant time{};
  rt::Address src;  // without ports
  rt::Address dst;
  std::uint8_t protocol = 0;    // of the whole datagram's payload (UDP, TCP)
  std::uint32_t identification = 0;
  std::size_t offset = 0;       // bytes
  bool more_fragments = false;
  std::string_view bytes;
};

class IpFragments {
public:
  explicit IpFragments(FragmentLimits limits = {}) : limits_(limits) {}
  // The whole IP payload when this fragment completes its datagram.
  std::optional<std::string> feed(const Fragment& fragment);
  // The stats, with the datagrams still pending counted as incomplete.
  FragmentStats finish() const;
  const FragmentLimits& limits() const { return limits_; }

private:
  using Key = std::tuple<rt::Address, rt::Address, std::uint8_t, std::uint32_t>;
  struct Pending {
    rt::Instant first{};
    std::map<std::size_t, std::string> pieces;  // by offset, never overlapping
    std::optional<std::size_t> total;           // known from the last fragment
    std::size_t fragments = 0;
  };

  void expire(rt::Instant now);
  bool fits(const Pending& p, bool more_fragments, std::size_t end);
  bool place(Pending& p, std::size_t offset, std::string_view bytes);
  static std::optional<std::string> whole(const Pending& p);

  FragmentLimits limits_;
  std::map<Key, Pending> pending_;
  std::size_t buffered_ = 0;
  FragmentStats stats_;
};

}  // namespace trunklab::reports
