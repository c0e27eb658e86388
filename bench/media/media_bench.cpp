// RTP packets built, parsed and accounted per second on one core (issue 14's target:
// 1,000,000/s): the work the simulator does per media packet, minus the network.
#include <benchmark/benchmark.h>

#include <string>

#include "media/dtmf_inband.hpp"
#include "media/receiver_stats.hpp"
#include "media/sender.hpp"

namespace {

using namespace trunklab;

media::StreamConfig pcmu_stream() {
  media::StreamConfig c;
  c.ssrc = 0x5EED;
  c.initial_sequence = 65000;  // wraps during the run
  c.initial_timestamp = 0xFFFF0000;
  c.stream_id = media::probe_stream_id("alice");
  return c;
}

// schedule.plan(n) -> bytes -> parse_rtp -> ReceiverStats (RFC 3550 + probe accounting).
void BM_RtpBuildParseAccount(benchmark::State& state) {
  const media::RtpSchedule schedule(pcmu_stream());
  media::ReceiverStats stats;
  std::string buffer;
  buffer.reserve(256);
  std::uint64_t n = 0;
  for (auto _ : state) {
    const auto planned = schedule.plan(n);
    buffer.clear();
    schedule.append_bytes(buffer, *planned);
    const auto packet = media::parse_rtp(buffer);
    stats.on_packet(*packet, rt::Instant{planned->send_offset + std::chrono::milliseconds{30}});
    ++n;
  }
  benchmark::DoNotOptimize(stats.received());
  if (stats.cumulative_lost() != 0 || stats.unique() != n) state.SkipWithError("miscounted");
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_RtpBuildParseAccount);

void BM_RtpParseOnly(benchmark::State& state) {
  const media::RtpSchedule schedule(pcmu_stream());
  const std::string bytes = schedule.bytes(*schedule.plan(7));
  for (auto _ : state) {
    auto packet = media::parse_rtp(bytes);
    benchmark::DoNotOptimize(packet);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RtpParseOnly);

// Goertzel over one 20 ms PCMU frame (decode + 8 filters per 205-sample block).
void BM_DtmfDetectFrame(benchmark::State& state) {
  const auto frames = media::dtmf_inband_frames(media::Codec::pcmu, '7', std::chrono::seconds{1});
  media::DtmfDetector detector;
  std::size_t i = 0;
  for (auto _ : state) {
    detector.push_frame(media::Codec::pcmu, frames[i]);
    i = (i + 1) % frames.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DtmfDetectFrame);

}  // namespace
