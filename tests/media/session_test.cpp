// media::Session on a fake clock, fake timers and a loopback transport: what one call's media
// puts on the wire (RTP sequence, timestamps, markers, RFC 4733 events, inband tones, holds,
// limits) and what the receiving session makes of it.
#include "media/session.hpp"

#include "media/dtmf.hpp"
#include "media/rtp.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <utility>
#include <vector>

using namespace trunklab;
using namespace std::chrono_literals;

namespace {

// Virtual time: timers fire in (deadline, start order), as the simulator's kernel does.
class FakeTime final : public rt::Clock, public rt::Timers {
public:
  rt::Instant now() const override { return now_; }
  rt::TimerId start_timer(rt::Duration after, std::function<void()> on_fire) override {
    const auto id = next_id_++;
    pending_.emplace(std::pair{now_ + after, id}, std::move(on_fire));
    return id;
  }
  void cancel_timer(rt::TimerId id) override {
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->first.second == id) {
        pending_.erase(it);
        return;
      }
    }
  }
  void run_for(rt::Duration d) {
    const auto until = now_ + d;
    while (!pending_.empty() && pending_.begin()->first.first <= until) {
      auto node = pending_.extract(pending_.begin());
      now_ = node.key().first;
      node.mapped()();
    }
    now_ = until;
  }

private:
  rt::Instant now_{};
  rt::TimerId next_id_ = 1;
  std::map<std::pair<rt::Instant, rt::TimerId>, std::function<void()>> pending_;
};

struct Wire {
  rt::Instant at;
  rt::Address to;
  std::string bytes;
};

// Records what is sent and hands it at once to the receiving session (a lossless, zero-delay
// link), from the sender's address.
class Loopback final : public rt::Transport {
public:
  Loopback(const rt::Clock& clock, rt::Address local) : clock_(clock), local_(local) {}
  rt::Address local_address() const override { return local_; }
  void send(const rt::Address& to, std::string_view bytes) override {
    sent.push_back({clock_.now(), to, std::string(bytes)});
    if (peer) peer->on_rtp(local_, bytes);
  }
  std::vector<Wire> sent;
  media::Session* peer = nullptr;

private:
  const rt::Clock& clock_;
  rt::Address local_;
};

const rt::Address kAlice = *rt::Address::parse("10.0.0.10:40000");
const rt::Address kTelnyx = *rt::Address::parse("10.0.0.20:40000");

media::MediaPlan plan_to(const rt::Address& remote, bool telephone_event = true) {
  media::MediaPlan plan;
  plan.remote = remote;
  plan.codec = media::Codec::pcmu;
  plan.payload_type = 0;
  if (telephone_event) plan.telephone_event = 101;
  return plan;
}

struct Call : ::testing::Test {
  FakeTime time;
  rt::SplitMix64 random{7};
  Loopback alice_socket{time, kAlice};
  Loopback telnyx_socket{time, kTelnyx};
  std::unique_ptr<media::Session> alice;
  std::unique_ptr<media::Session> telnyx;

  void start(bool telephone_event = true, media::SessionConfig config = {}) {
    config.stream_id = 1;
    alice = std::make_unique<media::Session>(time, time, random, config);
    config.stream_id = 2;
    telnyx = std::make_unique<media::Session>(time, time, random, config);
    alice->bind(alice_socket, nullptr);
    telnyx->bind(telnyx_socket, nullptr);
    alice_socket.peer = telnyx.get();
    // The provider only listens here: its plan names the payload types, port 0 sends nothing.
    auto listen = plan_to(rt::Address{}, telephone_event);
    listen.send = false;
    telnyx->apply(listen);
    alice->apply(plan_to(kTelnyx, telephone_event));
  }

  std::vector<media::RtpHeader> headers() const {
    std::vector<media::RtpHeader> out;
    for (const auto& w : alice_socket.sent) out.push_back(media::parse_rtp(w.bytes)->header);
    return out;
  }
  const media::HeardStream& heard() const {
    EXPECT_EQ(telnyx->heard().size(), 1u);
    return *telnyx->heard().front();
  }
};

}  // namespace

TEST_F(Call, Rfc4733DigitsContinueTheAudioSequenceAndReplaceTheAudio) {
  start();
  time.run_for(1s);
  std::string why;
  ASSERT_TRUE(alice->send_dtmf({"1#", media::DtmfMethod::rfc4733, 100ms, 100ms, 10}, why)) << why;
  time.run_for(2s);
  const auto all = headers();
  ASSERT_GT(all.size(), 100u);
  // One sequence across audio and events: every packet the next number (RFC 4733 §2.3.1).
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_EQ(all[i].sequence, static_cast<std::uint16_t>(all[i - 1].sequence + 1)) << "packet " << i;
  }
  // Each digit: its event packets in one run (no audio in between), the marker on the first
  // only, one timestamp; then the end packet three times (§2.5.1.4).
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].payload_type == 101 && (i == 0 || all[i - 1].payload_type != 101)) starts.push_back(i);
  }
  ASSERT_EQ(starts.size(), 2u);
  for (auto first : starts) {
    EXPECT_TRUE(all[first].marker);
    std::size_t end = first;
    int end_packets = 0;
    while (end < all.size() && all[end].payload_type == 101) {
      EXPECT_EQ(all[end].timestamp, all[first].timestamp);
      if (end > first) {
        EXPECT_FALSE(all[end].marker);
      }
      auto event = media::parse_telephone_event(media::parse_rtp(alice_socket.sent[end].bytes)->payload);
      if (event->end) ++end_packets;
      ++end;
    }
    EXPECT_EQ(end_packets, 3);
    EXPECT_EQ(end - first, 5u + 2u);  // 100 ms at 20 ms: 5 packets, the last one ends; 2 repeats
    ASSERT_LT(end, all.size());
    EXPECT_EQ(all[end].payload_type, 0);
    EXPECT_TRUE(all[end].marker) << "the audio after an event starts a talkspurt";
    // The event replaced the audio: its packets went out at the packet interval, no more.
    EXPECT_EQ(alice_socket.sent[end].at - alice_socket.sent[first].at, 7 * 20ms);
  }
  EXPECT_EQ(alice->sent().event_packets, 14u);
  EXPECT_EQ(alice->sent().digits_sent, "1#");
  const auto& s = heard();
  EXPECT_EQ(s.events.digit_string(), "1#");
  EXPECT_EQ(s.events.digits().at(0).volume, 10);
  EXPECT_TRUE(s.events.digits().at(1).end_seen);
  EXPECT_EQ(s.tones.digit_string(), "");
  EXPECT_EQ(s.event_packets, 14u);
  EXPECT_EQ(s.stats.cumulative_lost(), 0);
  EXPECT_EQ(s.stats.received(), all.size());
}

TEST_F(Call, Rfc4733NeedsANegotiatedTelephoneEvent) {
  start(/*telephone_event=*/false);
  time.run_for(100ms);
  std::string why;
  EXPECT_FALSE(alice->send_dtmf({"1", media::DtmfMethod::rfc4733, 100ms, 100ms, 10}, why));
  EXPECT_EQ(why, "telephone-event was not negotiated");
  time.run_for(1s);
  EXPECT_EQ(alice->sent().event_packets, 0u);
}

TEST_F(Call, InbandDigitsAreTonesTheReceiverDetects) {
  start(/*telephone_event=*/false);
  time.run_for(1s);
  std::string why;
  // "55": a repeated digit is two digits only if the gap between them reaches the detector.
  ASSERT_TRUE(alice->send_dtmf({"1553*#", media::DtmfMethod::inband, 100ms, 100ms, 10}, why)) << why;
  time.run_for(3s);
  for (const auto& h : headers()) EXPECT_EQ(h.payload_type, 0);  // tones ride the audio's type
  const auto& s = heard();
  EXPECT_EQ(s.tones.digit_string(), "1553*#");
  EXPECT_EQ(s.events.digit_string(), "");
  EXPECT_EQ(alice->sent().event_packets, 0u);
  EXPECT_EQ(s.stats.cumulative_lost(), 0);
}

TEST_F(Call, InbandDigitsSentBackToBackAreAllDetected) {
  start(/*telephone_event=*/false);
  time.run_for(1s);
  std::string why;
  ASSERT_TRUE(alice->send_dtmf({"77", media::DtmfMethod::inband, 100ms, 0ms, 10}, why)) << why;
  time.run_for(2s);
  EXPECT_EQ(heard().tones.digit_string(), "77");
}

TEST_F(Call, HoldStopsThePacketsAndResumeContinuesTheSequence) {
  start();
  time.run_for(990ms);
  const auto before = headers();
  ASSERT_EQ(before.size(), 50u);  // 0 ms .. 980 ms
  auto held = plan_to(kTelnyx);
  held.send = false;  // a=recvonly from the peer: we may not send
  alice->apply(held);
  time.run_for(2s);
  EXPECT_EQ(alice_socket.sent.size(), before.size()) << "packets during the hold";
  alice->apply(plan_to(kTelnyx));
  time.run_for(1s);
  const auto after = headers();
  ASSERT_GT(after.size(), before.size());
  const auto& last = before.back();
  const auto& first = after[before.size()];
  EXPECT_EQ(first.ssrc, last.ssrc);
  EXPECT_EQ(first.sequence, static_cast<std::uint16_t>(last.sequence + 1));  // RFC 3550 §5.1
  // The timestamp went on counting samples over the hold (resumed at 2.99 s, in the 20 ms slot
  // 149; the last packet before was slot 49): 100 slots of 160 samples.
  const auto held_for = alice_socket.sent[before.size()].at - alice_socket.sent[before.size() - 1].at;
  EXPECT_EQ(held_for, 2010ms);
  EXPECT_EQ(first.timestamp - last.timestamp, 100u * 160u);
  EXPECT_TRUE(first.marker) << "a resumed stream starts a talkspurt";
  EXPECT_EQ(heard().stats.cumulative_lost(), 0);
}

TEST_F(Call, StopSilencesForGood) {
  start();
  time.run_for(500ms);
  alice->stop();
  const auto sent = alice_socket.sent.size();
  time.run_for(2s);
  alice->apply(plan_to(kTelnyx));
  std::string why;
  EXPECT_FALSE(alice->send_dtmf({"1", media::DtmfMethod::rfc4733, 100ms, 100ms, 10}, why));
  time.run_for(2s);
  EXPECT_EQ(alice_socket.sent.size(), sent);
  EXPECT_TRUE(alice->stopped());
  // A stopped session hears nothing either.
  const auto heard_before = heard().stats.received();
  telnyx->stop();
  telnyx->on_rtp(kAlice, alice_socket.sent.back().bytes);
  EXPECT_EQ(heard().stats.received(), heard_before);
}

TEST_F(Call, MaxPacketsSentIsALimitReachedNotASilentStop) {
  media::SessionConfig config;
  config.max_packets_sent = 10;
  start(true, config);
  time.run_for(1s);
  EXPECT_EQ(alice->sent().packets, 10u);
  EXPECT_EQ(alice_socket.sent.size(), 10u);
  EXPECT_TRUE(alice->sent().limit_reached);
}

TEST_F(Call, BelowTheLimitNoLimitIsReported) {
  media::SessionConfig config;
  config.max_packets_sent = 100;
  start(true, config);
  time.run_for(990ms);
  EXPECT_EQ(alice->sent().packets, 50u);
  EXPECT_FALSE(alice->sent().limit_reached);
}

TEST_F(Call, InbandDigitsOfTheShortestToneAndPauseAreAllDetected) {
  start(/*telephone_event=*/false);
  time.run_for(1s);
  std::string why;
  // 60 ms of tone, 40 ms of pause: the tones fall anywhere on the detector's block grid, and
  // only the pause heard as silence tells one 5 from the next.
  ASSERT_TRUE(alice->send_dtmf({"5555555555", media::DtmfMethod::inband, 60ms, 40ms, 10}, why)) << why;
  time.run_for(3s);
  EXPECT_EQ(heard().tones.digit_string(), "5555555555");
}

TEST_F(Call, InbandDigitsTooShortForTheDetectorAreRefused) {
  start(/*telephone_event=*/false);
  time.run_for(100ms);
  std::string why;
  EXPECT_FALSE(alice->send_dtmf({"1", media::DtmfMethod::inband, 40ms, 100ms, 10}, why));
  EXPECT_EQ(why, "an inband digit lasts at least 60 ms (two detector blocks)");
}
