// RTCP (RFC 3550 §6): sender and receiver reports with report blocks (§6.4.1, §6.4.2),
// SDES CNAME (§6.5.1), BYE (§6.6), and compound packets (§6.1). Pure byte code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "media/parsed.hpp"
#include "media/receiver_stats.hpp"
#include "reference/rt/time.hpp"

namespace trunklab::media {

inline constexpr std::uint8_t kRtcpSenderReport = 200;
inline constexpr std::uint8_t kRtcpReceiverReport = 201;
inline constexpr std::uint8_t kRtcpSdes = 202;
inline constexpr std::uint8_t kRtcpBye = 203;
inline constexpr std::uint8_t kRtcpApp = 204;
inline constexpr std::size_t kRtcpMaxReportBlocks = 31;  // the 5-bit RC field

// §6.4.1 report block: what a receiver says about one source.
struct ReportBlock {
  std::uint32_t ssrc = 0;
  std::uint8_t fraction_lost = 0;           // 1/256 since the previous report
  std::int32_t cumulative_lost = 0;         // 24-bit signed on the wire
  std::uint32_t extended_highest_sequence = 0;
  std::uint32_t jitter = 0;                 // RTP timestamp units
  std::uint32_t last_sr = 0;                // LSR: middle 32 bits of the last SR's NTP time
  std::uint32_t delay_since_last_sr = 0;    // DLSR, 1/65536 s
  bool operator==(const ReportBlock&) const = default;
};

struct SenderReport {
  std::uint32_t ssrc = 0;
  std::uint64_t ntp_timestamp = 0;  // 32.32 fixed point seconds since 1900
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t packet_count = 0;
  std::uint32_t octet_count = 0;    // payload octets
  std::vector<ReportBlock> blocks;
  bool operator==(const SenderReport&) const = default;
};

struct ReceiverReport {
  std::uint32_t ssrc = 0;
  std::vector<ReportBlock> blocks;
  bool operator==(const ReceiverReport&) const = default;
};

// SDES with the CNAME item (the only one RFC 3550 requires); other items are skipped on parse.
struct SdesChunk {
  std::uint32_t ssrc = 0;
  std::string cname;  // at most 255 octets
  bool operator==(const SdesChunk&) const = default;
};
struct Sdes {
  std::vector<SdesChunk> chunks;
  bool operator==(const Sdes&) const = default;
};

struct Bye {
  std::vector<std::uint32_t> ssrcs;
  std::string reason;  // optional, at most 255 octets
  bool operator==(const Bye&) const = default;
};

// A packet type this code does not model (APP, RFC 4585 feedback, XR): kept as bytes.
struct OtherRtcp {
  std::uint8_t packet_type = 0;
  std::string bytes;  // the whole packet, header included
  bool operator==(const OtherRtcp&) const = default;
};

using RtcpPacket = std::variant<SenderReport, ReceiverReport, Sdes, Bye, OtherRtcp>;

// Packets concatenated as §6.1 compounds them. Throws std::invalid_argument for what cannot be
// encoded (more than 31 report blocks or SDES chunks or BYE sources, a CNAME or reason over 255
// octets).
std::string write_rtcp(const std::vector<RtcpPacket>& packets);

// A.2's validity checks: version 2 throughout, the first packet an SR or RR, padding only in the
// last one, lengths that add up to the datagram exactly.
Parsed<std::vector<RtcpPacket>> parse_rtcp(std::string_view bytes);

// NTP time (RFC 3550 §4) of an instant on the simulation's timeline, given the NTP seconds at
// its zero (e.g. 2026-01-01T00:00:00Z = 3976214400).
std::uint64_t ntp_timestamp(rt::Instant t, std::uint64_t ntp_seconds_at_zero);
// The middle 32 bits an LSR field carries.
inline std::uint32_t ntp_middle32(std::uint64_t ntp) {
  return static_cast<std::uint32_t>((ntp >> 16) & 0xFFFFFFFFu);
}
// DLSR in 1/65536 s units.
std::uint32_t dlsr_units(rt::Duration since_last_sr);

// The last SR heard from a source: its NTP time and when it arrived.
struct LastSenderReport {
  std::uint64_t ntp_timestamp = 0;
  rt::Instant arrival{};
};
// The report block a receiver sends about `stats`' source at `now`: takes the loss interval
// (A.3), so fraction_lost covers the time since the previous block. LSR/DLSR stay 0 until an
// SR was heard (§6.4.1).
ReportBlock make_report_block(ReceiverStats& stats, const std::optional<LastSenderReport>& last_sr,
                              rt::Instant now);

}  // namespace trunklab::media
