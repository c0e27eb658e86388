// RFC 3550 receiver statistics (A.1, A.3, A.8) and the probe tag's duplicate/reorder counts.
#include "media/receiver_stats.hpp"

#include <gtest/gtest.h>

#include "media/sender.hpp"

namespace trunklab::media {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

rt::Instant at_ms(std::int64_t ms) { return rt::Instant{milliseconds{ms}}; }

// Feeds packet n of `schedule` arriving at `arrival` (bytes written, then parsed back).
struct Feed {
  explicit Feed(StreamConfig c) : schedule(std::move(c)) {}
  void packet(std::uint64_t n, rt::Instant arrival) {
    bytes = schedule.bytes(schedule.plan(n).value());
    const auto p = parse_rtp(bytes);
    ASSERT_TRUE(p) << p.error();
    stats.on_packet(*p, arrival);
  }
  void on_time(std::uint64_t n, std::int64_t extra_ms = 0) {
    packet(n, at_ms(20 * static_cast<std::int64_t>(n) + extra_ms));
  }
  RtpSchedule schedule;
  ReceiverStats stats;
  std::string bytes;
};

StreamConfig stream(std::uint16_t first_seq) {
  StreamConfig c;
  c.ssrc = 42;
  c.initial_sequence = first_seq;
  c.initial_timestamp = 123456;
  c.stream_id = probe_stream_id("carrier");
  return c;
}

TEST(ReceiverStats, RegularStreamHasNoLossAndNoJitter) {
  Feed f(stream(1000));
  for (std::uint64_t n = 0; n < 500; ++n) f.on_time(n, 35);  // constant 35 ms transit
  EXPECT_EQ(f.stats.expected(), 500u);
  EXPECT_EQ(f.stats.received(), 500u);
  EXPECT_EQ(f.stats.cumulative_lost(), 0);
  EXPECT_EQ(f.stats.jitter_units(), 0.0);
  EXPECT_EQ(f.stats.jitter(), microseconds{0});
  EXPECT_EQ(f.stats.first_arrival(), at_ms(35));
  EXPECT_EQ(f.stats.last_arrival(), at_ms(20 * 499 + 35));
  EXPECT_EQ(f.stats.unique(), 500u);
  EXPECT_EQ(f.stats.lost_by_index(), 0u);
}

TEST(ReceiverStats, SequenceWrapExtendsTheHighestSequence) {
  Feed f(stream(65530));
  for (std::uint64_t n = 0; n < 10; ++n) f.on_time(n);
  // 65530..65535 then 0..3: one cycle of 65536 plus 3.
  EXPECT_EQ(f.stats.extended_highest_sequence(), 65536u + 3u);
  EXPECT_EQ(f.stats.expected(), 10u);
  EXPECT_EQ(f.stats.cumulative_lost(), 0);
}

TEST(ReceiverStats, JitterOfAKnownArrivalSeriesMatchesTheHandComputation) {
  Feed f(stream(1));
  // Sent every 20 ms (160 units); packet 2 arrives 5 ms (40 units) late.
  f.on_time(0);
  f.on_time(1);
  f.on_time(2, 5);
  f.on_time(3);
  // Transits 0, 0, 40, 0 -> D = 0, 40, 40 -> J = 0, 40/16 = 2.5, 2.5 + (40 - 2.5)/16.
  EXPECT_DOUBLE_EQ(f.stats.jitter_units(), 2.5 + 37.5 / 16.0);
  EXPECT_EQ(f.stats.jitter_report_value(), 5u);
  EXPECT_EQ(f.stats.jitter(), microseconds{605});  // 4.84375 / 8000 s
}

TEST(ReceiverStats, MissingPacketIsLostAndFractionLostIsPerInterval) {
  Feed f(stream(200));
  for (std::uint64_t n = 0; n < 10; ++n) {
    if (n != 4) f.on_time(n);
  }
  EXPECT_EQ(f.stats.expected(), 10u);
  EXPECT_EQ(f.stats.received(), 9u);
  EXPECT_EQ(f.stats.cumulative_lost(), 1);
  EXPECT_EQ(f.stats.lost_by_index(), 1u);
  const LossInterval first = f.stats.take_loss_interval();
  EXPECT_EQ(first.fraction_lost, 25);  // 1/10 * 256 = 25.6, truncated (A.3)
  EXPECT_EQ(first.cumulative_lost, 1);
  for (std::uint64_t n = 10; n < 20; ++n) f.on_time(n);
  const LossInterval second = f.stats.take_loss_interval();
  EXPECT_EQ(second.fraction_lost, 0);  // nothing lost since the last report
  EXPECT_EQ(second.cumulative_lost, 1);
}

TEST(ReceiverStats, DuplicatesAndReorderingAreToldApartByTheProbeIndex) {
  Feed f(stream(7));
  f.on_time(0);
  f.on_time(2);
  f.on_time(1, 30);  // late: reordered
  f.on_time(3);
  f.on_time(3, 1);  // network duplicate
  f.on_time(1, 50);  // duplicate of a reordered packet
  f.on_time(4);
  EXPECT_EQ(f.stats.unique(), 5u);
  EXPECT_EQ(f.stats.reordered(), 1u);
  EXPECT_EQ(f.stats.duplicates(), 2u);
  EXPECT_EQ(f.stats.lost_by_index(), 0u);
  // RFC 3550 counts duplicates as received, so its cumulative loss goes negative.
  EXPECT_EQ(f.stats.received(), 7u);
  EXPECT_EQ(f.stats.expected(), 5u);
  EXPECT_EQ(f.stats.cumulative_lost(), -2);
  EXPECT_EQ(f.stats.take_loss_interval().fraction_lost, 0);
}

TEST(ReceiverStats, OtherSsrcAndForeignStreamsAreCountedNotMixedIn) {
  Feed f(stream(7));
  f.on_time(0);
  StreamConfig other = stream(9000);
  other.ssrc = 43;
  Feed g(other);
  g.on_time(0);
  f.stats.on_packet(parse_rtp(g.bytes).value(), at_ms(5));
  EXPECT_EQ(f.stats.other_ssrc(), 1u);
  StreamConfig foreign = stream(8);
  foreign.stream_id = probe_stream_id("mallory");
  Feed h(foreign);
  h.on_time(0);
  f.stats.on_packet(parse_rtp(h.bytes).value(), at_ms(20));
  EXPECT_EQ(f.stats.foreign(), 1u);
  EXPECT_EQ(f.stats.unique(), 1u);
  EXPECT_EQ(f.stats.expected(), 2u);  // same SSRC and sequence space: RTP counts it
}

TEST(ReceiverStats, Rfc3550ProbationWithMinSequentialTwo) {
  ReceiverStatsConfig c;
  c.min_sequential = 2;
  Feed f(stream(50));
  f.stats = ReceiverStats(c);
  f.on_time(0);
  EXPECT_FALSE(f.stats.valid());
  EXPECT_EQ(f.stats.received(), 0u);
  f.on_time(1);
  EXPECT_TRUE(f.stats.valid());
  EXPECT_EQ(f.stats.received(), 1u);  // A.1: counting starts at the packet that validates
  EXPECT_EQ(f.stats.expected(), 1u);
}

TEST(ReceiverStats, LargeJumpRestartsOnlyWhenTwoPacketsAgree) {
  Feed f(stream(10));
  f.on_time(0);
  f.on_time(1);
  StreamConfig jumped = stream(30000);
  Feed g(jumped);
  g.on_time(0);
  f.stats.on_packet(parse_rtp(g.bytes).value(), at_ms(40));
  EXPECT_EQ(f.stats.received(), 2u);  // a stray: not counted
  g.on_time(1);
  f.stats.on_packet(parse_rtp(g.bytes).value(), at_ms(60));
  EXPECT_EQ(f.stats.received(), 1u);  // the source restarted at 30001
  EXPECT_EQ(f.stats.extended_highest_sequence(), 30001u);
}

}  // namespace
}  // namespace trunklab::media
