// DTMF interworking in the relay: RFC 4733 events become G.711 tones a Goertzel detector reads
// back, inband tones become events an RFC 4733 receiver reads back, packet for packet with
// the sequence numbers kept; speech-free audio passes untouched.
#include "reference/anchor/dtmf_interworking.hpp"

#include "media/dtmf.hpp"
#include "media/rtp.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include <string>
#include <vector>

namespace trunklab::anchor {
namespace {

constexpr std::uint32_t kSsrc = 0x1234;

std::string audio_packet(std::uint16_t seq, std::uint32_t ts, const std::string& payload) {
  media::RtpHeader h;
  h.payload_type = 0;
  h.sequence = seq;
  h.timestamp = ts;
  h.ssrc = kSsrc;
  return media::write_rtp(h, payload);
}

// A stream of 20 ms PCMU packets: `silence_before` frames, the digit's tone for `tone`, then
// `silence_after` frames.
std::vector<std::string> tone_stream(char digit, std::chrono::milliseconds tone, int silence_before, int silence_after) {
  std::vector<std::string> frames;
  for (int i = 0; i < silence_before; ++i) frames.push_back(media::silence_frame(media::Codec::pcmu));
  for (auto& f : media::dtmf_inband_frames(media::Codec::pcmu, digit, tone)) frames.push_back(f);
  for (int i = 0; i < silence_after; ++i) frames.push_back(media::silence_frame(media::Codec::pcmu));
  std::vector<std::string> packets;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    packets.push_back(audio_packet(static_cast<std::uint16_t>(100 + i), static_cast<std::uint32_t>(8000 + 160 * i), frames[i]));
  }
  return packets;
}

TEST(TonesToEvents, AToneBecomesOneEventWithItsEndThreeTimes) {
  TonesToEvents convert({101, 0, media::Codec::pcmu});
  media::DtmfEventReceiver receiver;
  std::string out;
  int events = 0, ends = 0;
  std::uint16_t expected_seq = 100;
  for (const auto& in : tone_stream('5', std::chrono::milliseconds{100}, 3, 6)) {
    const bool converted = convert.convert(in, out);
    const auto packet = media::parse_rtp(converted ? out : in);
    ASSERT_TRUE(packet);
    EXPECT_EQ(packet->header.sequence, expected_seq++);  // no gap, no reordering
    EXPECT_EQ(packet->header.ssrc, kSsrc);
    if (packet->header.payload_type == 101) {
      ++events;
      auto event = media::parse_telephone_event(packet->payload);
      ASSERT_TRUE(event);
      if (event->end) ++ends;
      receiver.on_packet(*packet);
    }
  }
  receiver.finish();
  EXPECT_EQ(receiver.digit_string(), "5");
  EXPECT_EQ(convert.digits(), 1u);
  EXPECT_EQ(ends, 3);  // RFC 4733 §2.5.1.4
  ASSERT_EQ(receiver.digits().size(), 1u);
  EXPECT_TRUE(receiver.digits()[0].end_seen);
  // 100 ms of tone, give or take the packet the decision waits for.
  EXPECT_GE(receiver.digits()[0].duration, 640);
  EXPECT_LE(receiver.digits()[0].duration, 960);
  EXPECT_GE(events, 7);
}

TEST(TonesToEvents, EveryDigitOfTheKeypad) {
  for (char digit : std::string("0123456789*#ABCD")) {
    TonesToEvents convert({101, 0, media::Codec::pcmu});
    media::DtmfEventReceiver receiver;
    std::string out;
    for (const auto& in : tone_stream(digit, std::chrono::milliseconds{80}, 2, 5)) {
      if (convert.convert(in, out)) receiver.on_packet(*media::parse_rtp(out));
    }
    receiver.finish();
    EXPECT_EQ(receiver.digit_string(), std::string(1, digit)) << digit;
  }
}

TEST(TonesToEvents, SilenceAndAOnePacketBlipPassAsAudio) {
  TonesToEvents convert({101, 0, media::Codec::pcmu});
  std::string out;
  for (const auto& in : tone_stream('1', std::chrono::milliseconds{20}, 5, 5)) EXPECT_FALSE(convert.convert(in, out));
  EXPECT_EQ(convert.digits(), 0u);
}

TEST(EventsToTones, EventsBecomeToneFramesADetectorReads) {
  EventsToTones convert({101, 0, media::Codec::pcmu});
  media::DtmfSendConfig c;
  c.ssrc = kSsrc;
  c.first_sequence = 500;
  c.timestamp = 16000;
  media::DtmfDetector detector;
  std::string out;
  std::uint16_t expected_seq = 500;
  for (char digit : std::string("147")) {
    for (const auto& p : media::dtmf_event_schedule(digit, std::chrono::milliseconds{100}, c)) {
      ASSERT_TRUE(convert.convert(p.bytes(), out));
      auto packet = media::parse_rtp(out);
      ASSERT_TRUE(packet);
      EXPECT_EQ(packet->header.payload_type, 0);
      EXPECT_EQ(packet->header.sequence, expected_seq++);
      EXPECT_EQ(packet->payload.size(), 160u);
      detector.push_frame(media::Codec::pcmu, packet->payload);
    }
    for (int i = 0; i < 4; ++i) {
      auto silence = audio_packet(expected_seq++, 0, media::silence_frame(media::Codec::pcmu));
      EXPECT_FALSE(convert.convert(silence, out));  // audio passes as it is
      detector.push_frame(media::Codec::pcmu, media::silence_frame(media::Codec::pcmu));
    }
    c.first_sequence = expected_seq;
    c.timestamp += 8000;
  }
  EXPECT_EQ(detector.digit_string(), "147");
  EXPECT_EQ(convert.digits(), 3u);
}

// baresip 1.0 goes on sending its audio while it sends an event, each 20 ms one packet of
// each in the same stream: the audio packets inside the event carry the tone too, or the tone
// frames come interleaved with speech and no detector hears a digit. After the end, audio
// passes as it is.
TEST(EventsToTones, AudioSentAlongsideAnEventCarriesTheToneToo) {
  EventsToTones convert({101, 0, media::Codec::pcmu});
  media::DtmfSendConfig c;
  c.ssrc = kSsrc;
  c.first_sequence = 500;
  c.timestamp = 16000;
  media::DtmfDetector detector;
  std::string out;
  std::uint16_t seq = 500;
  std::uint32_t audio_ts = 16000;
  // baresip's audio: a 400 Hz tone (the test's WAV file), 20 ms of it.
  std::vector<std::int16_t> samples(160);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    samples[i] = static_cast<std::int16_t>(8000 * std::sin(2 * 3.14159265358979 * 400 * static_cast<double>(i) / 8000));
  }
  const auto speech = media::encode_g711(media::Codec::pcmu, samples);
  for (char digit : std::string("159#")) {
    for (const auto& p : media::dtmf_event_schedule(digit, std::chrono::milliseconds{160}, c)) {
      ASSERT_TRUE(convert.convert(p.bytes(), out));
      detector.push_frame(media::Codec::pcmu, media::parse_rtp(out)->payload);
      // The sender's own audio in between.
      auto audio = audio_packet(seq++, audio_ts += 160, speech);
      const bool in_event = !media::parse_telephone_event(media::parse_rtp(p.bytes())->payload)->end;
      if (in_event) {
        ASSERT_TRUE(convert.convert(audio, out)) << "audio inside the event";
        auto packet = media::parse_rtp(out);
        EXPECT_EQ(packet->header.payload_type, 0);
        EXPECT_EQ(packet->header.sequence, media::parse_rtp(audio)->header.sequence);
        detector.push_frame(media::Codec::pcmu, packet->payload);
      } else {
        EXPECT_FALSE(convert.convert(audio, out)) << "audio after the event's end passes as it is";
      }
    }
    for (int i = 0; i < 6; ++i) {
      auto silence = audio_packet(seq++, audio_ts += 160, media::silence_frame(media::Codec::pcmu));
      EXPECT_FALSE(convert.convert(silence, out));
      detector.push_frame(media::Codec::pcmu, media::silence_frame(media::Codec::pcmu));
    }
    c.first_sequence = static_cast<std::uint16_t>(c.first_sequence + 100);
    c.timestamp += 8000;
  }
  EXPECT_EQ(detector.digit_string(), "159#");
}

TEST(EventsToTones, AnEventWithoutADigitBecomesSilence) {
  EventsToTones convert({101, 0, media::Codec::pcmu});
  media::RtpHeader h;
  h.payload_type = 101;
  h.ssrc = kSsrc;
  std::string out;
  // Event 16 (flash) is no DTMF digit; a 2-byte payload is no event at all.
  for (const auto& payload : {media::write_telephone_event({16, false, 10, 160}), std::string("\x01\x02")}) {
    ASSERT_TRUE(convert.convert(media::write_rtp(h, payload), out));
    const auto packet = media::parse_rtp(out);
    EXPECT_EQ(packet->payload, media::silence_frame(media::Codec::pcmu));
  }
  EXPECT_EQ(convert.digits(), 0u);
}

}  // namespace
}  // namespace trunklab::anchor
