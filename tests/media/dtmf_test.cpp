// RFC 4733 telephone-events: payload bytes, the one-digit schedule, the receiver.
#include "media/dtmf.hpp"

#include <gtest/gtest.h>

namespace trunklab::media {
namespace {

using std::chrono::milliseconds;

TEST(TelephoneEvent, PayloadBytesOfSection2_3) {
  // Event '#' (11), E=1, volume 10, duration 800: 0B 8A 03 20.
  const std::string bytes = write_telephone_event({11, true, 10, 800});
  EXPECT_EQ(bytes, std::string("\x0B\x8A\x03\x20", 4));
  const auto e = parse_telephone_event(bytes);
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(*e, (TelephoneEvent{11, true, 10, 800}));
  EXPECT_EQ(parse_telephone_event("\x01\x02\x03").error(),
            "telephone-event payload is not 4-byte events");
  EXPECT_THROW(write_telephone_event({1, false, 64, 0}), std::invalid_argument);
  // The R bit is ignored on receipt (§2.3.3).
  EXPECT_EQ(parse_telephone_event(std::string("\x05\x4A\x00\xA0", 4))->volume, 10);
}

TEST(TelephoneEvent, DigitCodesOfSection3_2) {
  EXPECT_EQ(dtmf_event_code('0'), 0);
  EXPECT_EQ(dtmf_event_code('9'), 9);
  EXPECT_EQ(dtmf_event_code('*'), 10);
  EXPECT_EQ(dtmf_event_code('#'), 11);
  EXPECT_EQ(dtmf_event_code('A'), 12);
  EXPECT_EQ(dtmf_event_code('d'), 15);
  EXPECT_EQ(dtmf_event_code('x'), std::nullopt);
  EXPECT_EQ(dtmf_digit(11), '#');
  EXPECT_EQ(dtmf_digit(16), std::nullopt);
}

TEST(TelephoneEvent, ScheduleOfOneDigit) {
  DtmfSendConfig c;
  c.ssrc = 5;
  c.first_sequence = 65535;
  c.timestamp = 48000;
  const auto packets = dtmf_event_schedule('5', milliseconds{100}, c);
  // 4 growing updates (160..640) then the end (800) three times.
  ASSERT_EQ(packets.size(), 7u);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const DtmfPacket& p = packets[i];
    EXPECT_EQ(p.header.marker, i == 0) << i;
    EXPECT_EQ(p.header.timestamp, 48000u) << i;
    EXPECT_EQ(p.header.payload_type, 101) << i;
    EXPECT_EQ(p.header.sequence, static_cast<std::uint16_t>(65535 + i)) << i;
    EXPECT_EQ(p.send_offset, milliseconds{20} * static_cast<int>(i)) << i;
    EXPECT_EQ(p.event.event, 5);
    EXPECT_EQ(p.event.end, i >= 4) << i;
    EXPECT_EQ(p.event.duration, i < 4 ? 160 * (i + 1) : 800) << i;
  }
  EXPECT_THROW(dtmf_event_schedule('x', milliseconds{100}, c), std::invalid_argument);
  EXPECT_THROW(dtmf_event_schedule('1', milliseconds{10}, c), std::invalid_argument);
  EXPECT_THROW(dtmf_event_schedule('1', milliseconds{8200}, c), std::invalid_argument);
}

std::vector<DtmfPacket> digits_schedule(const std::string& digits) {
  std::vector<DtmfPacket> all;
  DtmfSendConfig c;
  for (char d : digits) {
    auto packets = dtmf_event_schedule(d, milliseconds{80}, c);
    c.first_sequence = static_cast<std::uint16_t>(c.first_sequence + packets.size());
    c.timestamp += 1600;  // 200 ms later
    all.insert(all.end(), packets.begin(), packets.end());
  }
  return all;
}

TEST(DtmfEventReceiver, EndRetransmissionsDecodeToOneDigit) {
  DtmfEventReceiver rx;
  for (const DtmfPacket& p : digits_schedule("1")) {
    const std::string bytes = p.bytes();
    rx.on_packet(parse_rtp(bytes).value());
  }
  rx.finish();
  ASSERT_EQ(rx.digits().size(), 1u);
  EXPECT_EQ(rx.digits()[0], (ReceivedDigit{'1', 0, 640, 10, true}));
  EXPECT_EQ(rx.repeats(), 2u);
}

TEST(DtmfEventReceiver, RepeatedDigitsDuplicatesAndLostEnds) {
  const auto packets = digits_schedule("1123#");
  DtmfEventReceiver rx;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const std::string bytes = packets[i].bytes();
    const RtpPacket p = parse_rtp(bytes).value();
    // Digit '2' (packets 12..17) loses all its end packets; every packet of '3' arrives twice.
    if (i >= 15 && i < 18) continue;
    rx.on_packet(p);
    if (i >= 18 && i < 24) rx.on_packet(p);
    // A late end retransmission of the first digit while '3' is under way: neither a new
    // digit nor the end of '3'.
    if (i == 19) rx.on_packet(parse_rtp(packets[5].bytes()).value());
  }
  rx.on_packet(parse_rtp(packets[29].bytes()).value());  // one more end of '#', after it ended
  rx.finish();
  EXPECT_EQ(rx.digit_string(), "1123#");
  ASSERT_EQ(rx.digits().size(), 5u);
  EXPECT_FALSE(rx.digits()[2].end_seen);
  EXPECT_EQ(rx.digits()[2].duration, 480);  // the longest update that arrived
  EXPECT_TRUE(rx.digits()[3].end_seen);
  EXPECT_EQ(rx.digits()[3].duration, 640);
  EXPECT_EQ(rx.late(), 1u);
  // End retransmissions: 2 for each '1', 5 for the doubled '3', 2 + 1 for '#'.
  EXPECT_EQ(rx.repeats(), 12u);
  rx.on_packet(parse_rtp(write_rtp(RtpHeader{}, "xyz")).value());
  EXPECT_EQ(rx.malformed(), 1u);
}

}  // namespace
}  // namespace trunklab::media
