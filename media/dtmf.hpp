// DTMF as RFC 4733 (which obsoletes RFC 2833) telephone-events: the 4-byte event payload
// (§2.3), the sender's schedule for one digit (§2.5.1) and a receiver that turns the packets
// back into digits. Inband DTMF (tones in the audio) is dtmf_inband.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "media/parsed.hpp"
#include "media/rtp.hpp"
#include "reference/rt/time.hpp"

namespace trunklab::media {

inline constexpr std::size_t kTelephoneEventBytes = 4;

// RFC 4733 §3.2: events 0-9 are the digits, 10 '*', 11 '#', 12-15 'A'-'D'.
std::optional<std::uint8_t> dtmf_event_code(char digit);  // nullopt for anything else
std::optional<char> dtmf_digit(std::uint8_t event_code);

struct TelephoneEvent {
  std::uint8_t event = 0;
  bool end = false;
  std::uint8_t volume = 10;     // power in -dBm0, 0..63 (§2.3.4)
  std::uint16_t duration = 0;   // RTP timestamp units since the event's timestamp
  bool operator==(const TelephoneEvent&) const = default;
};

// Throws std::invalid_argument for a volume over 63.
std::string write_telephone_event(const TelephoneEvent& event);
Parsed<TelephoneEvent> parse_telephone_event(std::string_view payload);

struct DtmfSendConfig {
  std::uint8_t payload_type = 101;  // the negotiated telephone-event type
  std::uint32_t ssrc = 0;
  std::uint16_t first_sequence = 0;  // continues the audio stream's sequence
  std::uint32_t timestamp = 0;       // the event's start, in the audio stream's clock
  rt::Duration ptime = std::chrono::milliseconds{20};
  std::uint32_t clock_rate_hz = 8000;
  std::uint8_t volume = 10;
  int end_retransmissions = 2;  // §2.5.1.4: the end packet goes out three times in all
};

struct DtmfPacket {
  rt::Duration send_offset{};  // from the event's start
  RtpHeader header;
  TelephoneEvent event;
  std::string bytes() const;
};

// One digit held for `duration` (§2.5.1): a packet every ptime, all with the event's start
// timestamp and a growing duration; the marker on the first (§2.5.1.2); then the end packet
// (E bit, the final duration) three times at the packet interval, each with its own sequence
// number. Throws std::invalid_argument for an unknown digit, a duration below one ptime or
// over the 16-bit duration field (65535 units, 8.2 s at 8 kHz: longer needs segments, §2.5.1.3).
std::vector<DtmfPacket> dtmf_event_schedule(char digit, rt::Duration duration,
                                            const DtmfSendConfig& config);

struct ReceivedDigit {
  char digit = 0;
  std::uint32_t rtp_timestamp = 0;  // the event's start
  std::uint16_t duration = 0;       // the longest duration seen
  std::uint8_t volume = 0;
  bool end_seen = false;            // false: the end packets were lost (flushed by a new event)
  bool operator==(const ReceivedDigit&) const = default;
};

// Turns telephone-event packets back into digits: one digit per event timestamp, whatever the
// end retransmissions and update packets (§2.5.2), in arrival order.
class DtmfEventReceiver {
public:
  static constexpr std::size_t kMaxDigits = 1024;

  // Payloads that are not telephone events are counted (malformed) and ignored.
  void on_packet(const RtpPacket& packet);
  // An event still open (its end packets lost) becomes a digit.
  void finish();

  const std::vector<ReceivedDigit>& digits() const { return digits_; }
  std::string digit_string() const;
  std::uint64_t malformed() const { return malformed_; }
  // Packets older than the newest event (reordered, delayed): ignored.
  std::uint64_t late() const { return late_; }
  // Packets of an event already closed: the end retransmissions, network duplicates.
  std::uint64_t repeats() const { return repeats_; }
  std::uint64_t dropped_over_limit() const { return dropped_; }  // digits past kMaxDigits

private:
  void close_current(bool end_seen);

  std::optional<ReceivedDigit> current_;
  std::optional<std::uint32_t> newest_timestamp_;  // of the current or last closed event
  bool newest_closed_ = false;
  std::vector<ReceivedDigit> digits_;
  std::uint64_t malformed_ = 0;
  std::uint64_t late_ = 0;
  std::uint64_t repeats_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace trunklab::media
