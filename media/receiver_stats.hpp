// Per-stream receiver statistics as RFC 3550 computes them (Appendix A.1 sequence tracking,
// A.3 loss, A.8 interarrival jitter), plus what the probe payload adds: each packet's own index
// tells duplicates from reordered packets and gives the loss the sender really caused.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>

#include "media/rtp.hpp"
#include "reference/rt/time.hpp"

namespace trunklab::media {

struct ReceiverStatsConfig {
  std::uint32_t clock_rate_hz = 8000;
  // RFC 3550 A.1's MIN_SEQUENTIAL: packets in sequence before a source is valid (and counted).
  // The RFC suggests 2; the lab's parties trust the first packet, hence 1.
  int min_sequential = 1;
  // The probe stream id expected (nullopt: the first tagged packet's). Others count as foreign.
  std::optional<std::uint32_t> stream_id;
};

// One report block's worth of loss figures (RFC 3550 §6.4.1).
struct LossInterval {
  std::uint8_t fraction_lost = 0;  // lost/expected since the last interval, in 1/256
  std::int32_t cumulative_lost = 0;  // clamped to the 24-bit signed field
};

class ReceiverStats {
public:
  static constexpr std::uint32_t kMaxDropout = 3000;    // RFC 3550 A.1
  static constexpr std::uint32_t kMaxMisorder = 100;    // RFC 3550 A.1
  static constexpr std::size_t kIndexWindow = 4096;     // probe indices remembered for dups

  explicit ReceiverStats(ReceiverStatsConfig config = {});

  // One RTP packet of this stream, as it arrived. Packets of another SSRC than the first one
  // seen are only counted (other_ssrc): demultiplex per SSRC before.
  void on_packet(const RtpPacket& packet, rt::Instant arrival);

  std::optional<std::uint32_t> ssrc() const { return ssrc_; }
  bool valid() const { return probation_ == 0 && ssrc_.has_value(); }

  // RFC 3550 A.1 / A.3.
  std::uint32_t extended_highest_sequence() const { return cycles_ + max_seq_; }
  std::uint64_t expected() const;
  std::uint64_t received() const { return received_; }  // as the RFC counts: duplicates too
  std::int64_t cumulative_lost() const;                 // expected - received, may be < 0
  // Fraction lost since the previous call (A.3), and the cumulative loss for a report block.
  LossInterval take_loss_interval();
  // RFC 3550 §6.4.1 / A.8, in RTP timestamp units and in time.
  double jitter_units() const { return jitter_; }
  rt::Duration jitter() const;
  std::uint32_t jitter_report_value() const;  // the report block's 32-bit field

  // From the probe tag.
  std::uint64_t tagged() const { return tagged_; }          // packets carrying our tag
  std::uint64_t unique() const { return unique_; }          // distinct packet indices
  std::uint64_t duplicates() const { return duplicates_; }  // an index seen before
  std::uint64_t reordered() const { return reordered_; }    // below the highest index seen
  std::uint64_t stale() const { return stale_; }  // too old to tell (beyond kIndexWindow)
  std::uint64_t foreign() const { return foreign_; }  // tagged by another stream id
  std::uint64_t untagged() const { return untagged_; }
  std::uint64_t other_ssrc() const { return other_ssrc_; }
  // Indices 0..highest not received: the sender's loss as far as this receiver can know.
  std::uint64_t lost_by_index() const;
  std::optional<std::uint32_t> highest_index() const { return highest_index_; }

  std::optional<rt::Instant> first_arrival() const { return first_arrival_; }
  std::optional<rt::Instant> last_arrival() const { return last_arrival_; }

private:
  void init_sequence(std::uint16_t seq);
  bool update_sequence(std::uint16_t seq);
  void update_jitter(std::uint32_t rtp_timestamp, rt::Instant arrival);
  void account_probe(std::string_view payload);

  ReceiverStatsConfig config_;
  std::optional<std::uint32_t> ssrc_;
  // RFC 3550 A.1's source state.
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;
  std::uint32_t base_seq_ = 0;
  std::uint32_t bad_seq_ = 0;
  int probation_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t expected_prior_ = 0;
  std::uint64_t received_prior_ = 0;
  // A.8.
  bool have_transit_ = false;
  std::uint32_t transit_ = 0;
  double jitter_ = 0.0;
  // Probe accounting: bit i of the window = index (highest - i) was seen.
  std::optional<std::uint32_t> stream_id_;
  std::optional<std::uint32_t> highest_index_;
  std::bitset<kIndexWindow> seen_;
  std::uint64_t tagged_ = 0, unique_ = 0, duplicates_ = 0, reordered_ = 0, stale_ = 0;
  std::uint64_t foreign_ = 0, untagged_ = 0, other_ssrc_ = 0;
  std::optional<rt::Instant> first_arrival_, last_arrival_;
};

}  // namespace trunklab::media
