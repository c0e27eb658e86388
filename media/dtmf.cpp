#include "media/dtmf.hpp"

#include <array>
#include <stdexcept>

#include "media/bytes.hpp"

namespace trunklab::media {

namespace {

constexpr std::array<char, 16> kEventDigits{'0', '1', '2', '3', '4', '5', '6', '7',
                                            '8', '9', '*', '#', 'A', 'B', 'C', 'D'};
constexpr std::uint8_t kEndBit = 0x80;
constexpr std::uint8_t kReservedBit = 0x40;

}  // namespace

std::optional<std::uint8_t> dtmf_event_code(char digit) {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  for (std::size_t i = 0; i < kEventDigits.size(); ++i) {
    if (kEventDigits[i] == digit) return static_cast<std::uint8_t>(i);
  }
  return std::nullopt;
}

std::optional<char> dtmf_digit(std::uint8_t event_code) {
  if (event_code >= kEventDigits.size()) return std::nullopt;
  return kEventDigits[event_code];
}

std::string write_telephone_event(const TelephoneEvent& e) {
  if (e.volume > 63) throw std::invalid_argument("telephone-event volume over 63");
  std::string out;
  out.reserve(kTelephoneEventBytes);
  bytes::put_u8(out, e.event);
  bytes::put_u8(out, (e.end ? kEndBit : 0u) | e.volume);
  bytes::put_u16(out, e.duration);
  return out;
}

Parsed<TelephoneEvent> parse_telephone_event(std::string_view payload) {
  // §2.3: a packet may carry several (redundant) events of 4 bytes; the last is the newest.
  if (payload.size() < kTelephoneEventBytes || payload.size() % kTelephoneEventBytes != 0) {
    return Parsed<TelephoneEvent>::failure("telephone-event payload is not 4-byte events");
  }
  const std::size_t at = payload.size() - kTelephoneEventBytes;
  TelephoneEvent e;
  e.event = bytes::u8(payload, at);
  const std::uint8_t flags = bytes::u8(payload, at + 1);
  e.end = (flags & kEndBit) != 0;
  e.volume = static_cast<std::uint8_t>(flags & ~(kEndBit | kReservedBit));
  e.duration = bytes::u16(payload, at + 2);
  return e;
}

std::string DtmfPacket::bytes() const { return write_rtp(header, write_telephone_event(event)); }

std::vector<DtmfPacket> dtmf_event_schedule(char digit, rt::Duration duration,
                                            const DtmfSendConfig& c) {
  const auto code = dtmf_event_code(digit);
  if (!code) throw std::invalid_argument(std::string("not a DTMF digit: ") + digit);
  if (c.ptime <= rt::Duration::zero() || duration < c.ptime) {
    throw std::invalid_argument("DTMF duration shorter than one packet interval");
  }
  const auto to_units = [&](rt::Duration d) {
    return static_cast<std::uint64_t>(d.count()) * c.clock_rate_hz / 1'000'000;
  };
  const std::uint64_t total_units = to_units(duration);
  if (total_units > 0xFFFF) {
    throw std::invalid_argument("DTMF duration over the 16-bit duration field");
  }
  const std::uint64_t step_units = to_units(c.ptime);
  std::vector<DtmfPacket> out;
  std::uint16_t sequence = c.first_sequence;
  const auto add = [&](rt::Duration offset, std::uint64_t units, bool end) {
    DtmfPacket p;
    p.send_offset = offset;
    p.header.marker = out.empty();
    p.header.payload_type = c.payload_type;
    p.header.sequence = sequence++;
    p.header.timestamp = c.timestamp;
    p.header.ssrc = c.ssrc;
    p.event = TelephoneEvent{*code, end, c.volume, static_cast<std::uint16_t>(units)};
    out.push_back(std::move(p));
  };
  // Packet k leaves at k * ptime and covers the event up to then plus its own interval.
  std::int64_t k = 0;
  for (; static_cast<std::uint64_t>(k + 1) * step_units < total_units; ++k) {
    add(c.ptime * k, static_cast<std::uint64_t>(k + 1) * step_units, false);
  }
  for (int r = 0; r <= c.end_retransmissions; ++r, ++k) add(c.ptime * k, total_units, true);
  return out;
}

void DtmfEventReceiver::on_packet(const RtpPacket& packet) {
  const auto event = parse_telephone_event(packet.payload);
  const auto digit = event ? dtmf_digit(event->event) : std::nullopt;
  if (!digit) {
    ++malformed_;
    return;
  }
  const std::uint32_t ts = packet.header.timestamp;
  if (newest_timestamp_) {
    // RTP timestamps compare modulo 2^32 (serial arithmetic).
    const auto age = static_cast<std::int32_t>(*newest_timestamp_ - ts);
    if (age > 0) {
      ++late_;
      return;
    }
    if (age == 0 && newest_closed_) {
      ++repeats_;
      return;
    }
  }
  if (current_ && current_->rtp_timestamp != ts) close_current(false);  // a new event began
  if (!current_) {
    current_ = ReceivedDigit{*digit, ts, 0, event->volume, false};
    newest_timestamp_ = ts;
    newest_closed_ = false;
  }
  if (event->duration > current_->duration) current_->duration = event->duration;
  if (event->end) close_current(true);
}

void DtmfEventReceiver::close_current(bool end_seen) {
  if (!current_) return;
  current_->end_seen = end_seen;
  newest_closed_ = true;
  if (digits_.size() < kMaxDigits) {
    digits_.push_back(*current_);
  } else {
    ++dropped_;
  }
  current_.reset();
}

void DtmfEventReceiver::finish() { close_current(false); }

std::string DtmfEventReceiver::digit_string() const {
  std::string out;
  for (const ReceivedDigit& d : digits_) out.push_back(d.digit);
  return out;
}

}  // namespace trunklab::media
